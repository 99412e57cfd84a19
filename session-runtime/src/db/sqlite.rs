//! [`SqliteStore`]: database sessions in SQLite, the embedded default.

use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::sql::{record, unavailable, write_error};
use super::{Record, SessionKey, SessionStore};
use crate::error::Error;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessionkit_sessions (
    id_hash    BLOB PRIMARY KEY NOT NULL,
    user_id    TEXT,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS sessionkit_sessions_user_id ON sessionkit_sessions (user_id);
CREATE INDEX IF NOT EXISTS sessionkit_sessions_expires_at ON sessionkit_sessions (expires_at);
";

/// Sessions in a SQLite database (through sqlx), in the table `sessionkit_sessions`,
/// created on first use. Expiry is stored and compared as integer Unix seconds.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, in WAL mode.
    pub async fn open(path: impl AsRef<std::path::Path>) -> Result<SqliteStore, Error> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        SqliteStore::with_pool(pool).await
    }

    /// A private in-memory database, gone when the store is dropped.
    pub async fn memory() -> Result<SqliteStore, Error> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").map_err(unavailable)?;
        // Each connection to ":memory:" is its own database, so the pool keeps exactly one
        // connection, forever.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        SqliteStore::with_pool(pool).await
    }

    /// A store over an existing pool; creates the table if it is missing.
    pub async fn with_pool(pool: SqlitePool) -> Result<SqliteStore, Error> {
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .map_err(unavailable)?;
        Ok(SqliteStore { pool })
    }

    /// The pool, for sharing with the rest of the application.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl SessionStore for SqliteStore {
    async fn create(&self, record: &Record) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO sessionkit_sessions (id_hash, user_id, payload, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?)",
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
             WHERE id_hash = ? AND expires_at > ?",
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
            "UPDATE sessionkit_sessions SET user_id = ?, payload = ?, expires_at = ? \
             WHERE id_hash = ? AND expires_at > ?",
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
        let done = sqlx::query("DELETE FROM sessionkit_sessions WHERE id_hash = ?")
            .bind(&key.as_bytes()[..])
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_user(&self, user_id: &str) -> Result<u64, Error> {
        let done = sqlx::query("DELETE FROM sessionkit_sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected())
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, Error> {
        let done = sqlx::query("DELETE FROM sessionkit_sessions WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected())
    }
}
