//! [`PostgresStore`]: database sessions in PostgreSQL, for deployments on several servers.

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::sql::{Statements, sql_store, unavailable};
use crate::error::Error;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessionkit_sessions_v2 (
    id_hash    BYTEA PRIMARY KEY,
    namespace  TEXT NOT NULL,
    user_id    TEXT,
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    label      TEXT
);
CREATE INDEX IF NOT EXISTS sessionkit_sessions_v2_user ON sessionkit_sessions_v2 (namespace, user_id);
CREATE INDEX IF NOT EXISTS sessionkit_sessions_v2_expiry ON sessionkit_sessions_v2 (namespace, expires_at);
";

/// Sessions in PostgreSQL (through sqlx), in the table `sessionkit_sessions_v2`, created on
/// first use. Expiry is stored and compared as integer Unix seconds.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host/database`).
    pub async fn connect(url: &str) -> Result<PostgresStore, Error> {
        let pool = PgPoolOptions::new()
            .acquire_timeout(std::time::Duration::from_secs(3))
            .connect(url)
            .await
            .map_err(unavailable)?;
        PostgresStore::with_pool(pool).await
    }

    /// A store over an existing pool; creates the table if it is missing.
    pub async fn with_pool(pool: PgPool) -> Result<PostgresStore, Error> {
        // Servers starting together may race to create the table; the loser's error is
        // harmless once the table exists.
        if let Err(err) = sqlx::raw_sql(SCHEMA).execute(&pool).await {
            let exists = sqlx::query("SELECT 1 FROM sessionkit_sessions_v2 LIMIT 1")
                .execute(&pool)
                .await;
            exists.map_err(|_| unavailable(err))?;
        }
        Ok(PostgresStore { pool })
    }

    /// The pool, for sharing with the rest of the application.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The statements, with PostgreSQL's placeholders.
const STATEMENTS: Statements = Statements {
    insert: "INSERT INTO sessionkit_sessions_v2 (id_hash, namespace, user_id, payload, created_at, expires_at, version, label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    select: "SELECT namespace, user_id, payload, created_at, expires_at, version, label FROM sessionkit_sessions_v2 WHERE id_hash = $1 AND expires_at > $2",
    update: "UPDATE sessionkit_sessions_v2 SET user_id = $1, payload = $2, version = version + 1 WHERE id_hash = $3 AND expires_at > $4 AND version = $5 RETURNING version",
    version: "SELECT version FROM sessionkit_sessions_v2 WHERE id_hash = $1 AND expires_at > $2",
    extend: "UPDATE sessionkit_sessions_v2 SET expires_at = GREATEST(expires_at, $1) WHERE id_hash = $2 AND expires_at > $3 RETURNING expires_at",
    rotate: "UPDATE sessionkit_sessions_v2 SET id_hash = $1, expires_at = $2 WHERE id_hash = $3 AND expires_at > $4",
    replace: "UPDATE sessionkit_sessions_v2 SET id_hash = $1, user_id = $2, payload = $3, expires_at = $4, version = version + 1 WHERE id_hash = $5 AND expires_at > $6 AND version = $7 RETURNING version",
    delete: "DELETE FROM sessionkit_sessions_v2 WHERE id_hash = $1",
    delete_user: "DELETE FROM sessionkit_sessions_v2 WHERE namespace = $1 AND user_id = $2",
    list_user: "SELECT id_hash, created_at, expires_at, label FROM sessionkit_sessions_v2 WHERE namespace = $1 AND user_id = $2 AND expires_at > $3 ORDER BY created_at, id_hash",
    // One batch: `purge_expired` repeats it until a batch comes back short.
    purge: "DELETE FROM sessionkit_sessions_v2 WHERE id_hash IN (SELECT id_hash FROM sessionkit_sessions_v2 WHERE namespace = $1 AND expires_at <= $2 LIMIT 1000)",
};

sql_store!(PostgresStore, STATEMENTS);
