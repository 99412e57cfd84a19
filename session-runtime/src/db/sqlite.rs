//! [`SqliteStore`]: database sessions in SQLite, the embedded default.

use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::sql::{Statements, sql_store, unavailable};
use crate::error::Error;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessionkit_sessions_v2 (
    id_hash    BLOB PRIMARY KEY NOT NULL,
    namespace  TEXT NOT NULL,
    user_id    TEXT,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    label      TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS sessionkit_sessions_v2_user ON sessionkit_sessions_v2 (namespace, user_id);
CREATE INDEX IF NOT EXISTS sessionkit_sessions_v2_expiry ON sessionkit_sessions_v2 (namespace, expires_at);
";

/// Sessions in a SQLite database (through sqlx), in the table `sessionkit_sessions_v2`,
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

/// The statements, with SQLite's placeholders.
const STATEMENTS: Statements = Statements {
    insert: "INSERT INTO sessionkit_sessions_v2 (id_hash, namespace, user_id, payload, created_at, expires_at, version, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    select: "SELECT namespace, user_id, payload, created_at, expires_at, version, label FROM sessionkit_sessions_v2 WHERE id_hash = ? AND expires_at > ?",
    update: "UPDATE sessionkit_sessions_v2 SET user_id = ?, payload = ?, version = version + 1 WHERE id_hash = ? AND expires_at > ? AND version = ? RETURNING version",
    version: "SELECT version FROM sessionkit_sessions_v2 WHERE id_hash = ? AND expires_at > ?",
    extend: "UPDATE sessionkit_sessions_v2 SET expires_at = MAX(expires_at, ?) WHERE id_hash = ? AND expires_at > ? RETURNING expires_at",
    rotate: "UPDATE sessionkit_sessions_v2 SET id_hash = ?, expires_at = ? WHERE id_hash = ? AND expires_at > ?",
    replace: "UPDATE sessionkit_sessions_v2 SET id_hash = ?, user_id = ?, payload = ?, expires_at = ?, version = version + 1 WHERE id_hash = ? AND expires_at > ? AND version = ? RETURNING version",
    delete: "DELETE FROM sessionkit_sessions_v2 WHERE id_hash = ?",
    delete_user: "DELETE FROM sessionkit_sessions_v2 WHERE namespace = ? AND user_id = ?",
    list_user: "SELECT id_hash, created_at, expires_at, label FROM sessionkit_sessions_v2 WHERE namespace = ? AND user_id = ? AND expires_at > ? ORDER BY created_at, id_hash",
    // One batch: `purge_expired` repeats it until a batch comes back short.
    purge: "DELETE FROM sessionkit_sessions_v2 WHERE id_hash IN (SELECT id_hash FROM sessionkit_sessions_v2 WHERE namespace = ? AND expires_at <= ? LIMIT 1000)",
};

sql_store!(SqliteStore, STATEMENTS);
