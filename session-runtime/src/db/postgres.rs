//! [`PostgresStore`]: database sessions in PostgreSQL, for deployments on several servers.

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::sql::{record, unavailable, write_error};
use super::{Record, SessionKey, SessionStore};
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

impl SessionStore for PostgresStore {
    async fn create(&self, record: &Record) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO sessionkit_sessions (id_hash, user_id, payload, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&record.key.as_bytes()[..])
        .bind(&record.user_id)
        .bind(&record.payload)
        .bind(record.created_at)
        .bind(record.expires_at)
        .execute(&self.pool)
        .await
        .map_err(write_error)?;
        Ok(())
    }

    async fn load(&self, key: &SessionKey, now: i64) -> Result<Option<Record>, Error> {
        let row = sqlx::query(
            "SELECT id_hash, user_id, payload, created_at, expires_at FROM sessionkit_sessions \
             WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(&key.as_bytes()[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        row.as_ref().map(record).transpose()
    }

    async fn save(&self, record: &Record, now: i64) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE sessionkit_sessions SET user_id = $1, payload = $2, expires_at = $3 \
             WHERE id_hash = $4 AND expires_at > $5",
        )
        .bind(&record.user_id)
        .bind(&record.payload)
        .bind(record.expires_at)
        .bind(&record.key.as_bytes()[..])
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        let done = sqlx::query("DELETE FROM sessionkit_sessions WHERE id_hash = $1")
            .bind(&key.as_bytes()[..])
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_user(&self, user_id: &str) -> Result<u64, Error> {
        let done = sqlx::query("DELETE FROM sessionkit_sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected())
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, Error> {
        let done = sqlx::query("DELETE FROM sessionkit_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected())
    }
}
