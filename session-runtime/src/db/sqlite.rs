//! [`SqliteStore`]: database sessions in SQLite, the embedded default.

use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::feed::{Event, Feed, LocalFeeds};
use super::feed_task::{self, BEAT};
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
CREATE TABLE IF NOT EXISTS sessionkit_events_v1 (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    event TEXT NOT NULL,
    at    INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS sessionkit_events_v1_at ON sessionkit_events_v1 (at);
CREATE TABLE IF NOT EXISTS sessionkit_watermarks_v1 (
    namespace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (namespace, user_id)
) STRICT;
";

/// How often the revocation feed reads the events other processes wrote; the feed is
/// believed for three intervals after the last read that succeeded.
const POLL: Duration = Duration::from_millis(100);

/// How long an event row is kept for other processes' polls: far longer than any poll
/// interval, so that a process that polls at all never misses one.
const EVENT_ROWS_KEPT_SECONDS: i64 = 600;

/// Sessions in a SQLite database (through sqlx), in the table `sessionkit_sessions_v2`,
/// created on first use. Expiry is stored and compared as integer Unix seconds.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// This process's feeds: they hear its own events at once, and other processes'
    /// from the events table.
    feeds: Arc<LocalFeeds>,
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
        Ok(SqliteStore {
            pool,
            feeds: Arc::default(),
        })
    }

    /// The pool, for sharing with the rest of the application.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Writes the event for other processes on the same file, and delivers it to this
    /// process's feeds before returning.
    async fn publish_event(&self, event: &Event) -> Result<(), Error> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        sqlx::query("INSERT INTO sessionkit_events_v1 (event, at) VALUES (?, ?)")
            .bind(event.encode())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        self.feeds.deliver(event);
        // The table only needs recent rows; trimming on write keeps it small without a task.
        sqlx::query("DELETE FROM sessionkit_events_v1 WHERE at < ?")
            .bind(now - EVENT_ROWS_KEPT_SECONDS)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Polls the events table from its current end: each read that succeeds is the
    /// heartbeat, so a feed whose reads fail or stall is not believed.
    fn subscribe_feed(&self, feed: Arc<Feed>) {
        self.feeds.add(&feed);
        let pool = self.pool.clone();
        let connect = move || {
            let pool = pool.clone();
            async move {
                let last: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM sessionkit_events_v1")
                        .fetch_one(&pool)
                        .await
                        .ok()?;
                let state = (pool, last, VecDeque::<String>::new());
                let messages = futures_util::stream::unfold(
                    state,
                    |(pool, mut last, mut pending)| async move {
                        loop {
                            if let Some(text) = pending.pop_front() {
                                return Some((text, (pool, last, pending)));
                            }
                            tokio::time::sleep(POLL).await;
                            let rows: Vec<(i64, String)> = sqlx::query_as(
                                "SELECT seq, event FROM sessionkit_events_v1 WHERE seq > ? \
                                 ORDER BY seq LIMIT 1000",
                            )
                            .bind(last)
                            .fetch_all(&pool)
                            .await
                            .ok()?;
                            for (seq, text) in rows {
                                last = seq;
                                pending.push_back(text);
                            }
                            pending.push_back(BEAT.to_owned());
                        }
                    },
                );
                Some(messages.boxed())
            }
        };
        // The polls are the heartbeats: nothing to send.
        let beat = || -> BoxFuture<'static, ()> { Box::pin(std::future::ready(())) };
        feed_task::spawn(&feed, POLL, connect, beat);
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
    set_watermark: "INSERT INTO sessionkit_watermarks_v1 (namespace, user_id, at, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, user_id) DO UPDATE SET at = MAX(at, excluded.at), expires_at = MAX(expires_at, excluded.expires_at)",
    watermark: "SELECT at FROM sessionkit_watermarks_v1 WHERE namespace = ? AND user_id = ? AND expires_at > ?",
};

sql_store!(SqliteStore, STATEMENTS);
