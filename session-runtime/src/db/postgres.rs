//! [`PostgresStore`]: database sessions in PostgreSQL, for deployments on several servers.

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::sql::{Statements, sql_store, unavailable};
use crate::error::Error;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessionkit_sessions (
    id_hash    BYTEA PRIMARY KEY,
    user_id    TEXT,
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessionkit_sessions_user_id ON sessionkit_sessions (user_id);
CREATE INDEX IF NOT EXISTS sessionkit_sessions_expires_at ON sessionkit_sessions (expires_at);
";

/// Sessions in PostgreSQL (through sqlx), in the table `sessionkit_sessions`, created on
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
            let exists = sqlx::query("SELECT 1 FROM sessionkit_sessions LIMIT 1")
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
    insert: "INSERT INTO sessionkit_sessions (id_hash, user_id, payload, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
    select: "SELECT user_id, payload, created_at, expires_at FROM sessionkit_sessions \
             WHERE id_hash = $1 AND expires_at > $2",
    update: "UPDATE sessionkit_sessions SET user_id = $1, payload = $2, expires_at = $3 \
             WHERE id_hash = $4 AND expires_at > $5",
    delete: "DELETE FROM sessionkit_sessions WHERE id_hash = $1",
    delete_user: "DELETE FROM sessionkit_sessions WHERE user_id = $1",
    purge: "DELETE FROM sessionkit_sessions WHERE expires_at <= $1",
};

sql_store!(PostgresStore, STATEMENTS);
