//! [`PostgresStore`]: database sessions in PostgreSQL, for deployments on several servers.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};

use super::feed::{Event, Feed};
use super::feed_task::{self, BEAT};
use super::sql::{Statements, sql_store, unavailable};
use crate::error::Error;

/// The revocation feed's `LISTEN`/`NOTIFY` channel.
const CHANNEL: &str = "sessionkit_feed";

/// How often the feed's subscription sends a heartbeat through the server; it is believed
/// for three intervals after the last one arrived.
const HEARTBEAT: Duration = Duration::from_millis(250);

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
CREATE TABLE IF NOT EXISTS sessionkit_watermarks_v1 (
    namespace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    at         BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, user_id)
);
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

    /// `NOTIFY`, after the write has committed, so that a listener that hears it and
    /// reads the row sees the write.
    async fn publish_event(&self, event: &Event) -> Result<(), Error> {
        notify(&self.pool, &event.encode()).await
    }

    /// `LISTEN` on a connection of its own, with the heartbeat as a `NOTIFY` through the
    /// server, so that a listener that has stopped hearing is not believed.
    fn subscribe_feed(&self, feed: Arc<Feed>) {
        let publisher = self.pool.clone();
        let beat = move || -> BoxFuture<'static, ()> {
            let pool = publisher.clone();
            Box::pin(async move {
                let _ = notify(&pool, BEAT).await;
            })
        };
        let pool = self.pool.clone();
        let connect = move || {
            let pool = pool.clone();
            async move {
                let mut listener = PgListener::connect_with(&pool).await.ok()?;
                listener.listen(CHANNEL).await.ok()?;
                // `try_recv` answers `None` once the connection is lost: the end of the
                // stream, so the feed is not live until it listens again.
                let messages = futures_util::stream::unfold(listener, |mut listener| async {
                    let notification = listener.try_recv().await.ok()??;
                    Some((notification.payload().to_owned(), listener))
                });
                Some(messages.boxed())
            }
        };
        feed_task::spawn(&feed, HEARTBEAT, connect, beat);
    }
}

async fn notify(pool: &PgPool, payload: &str) -> Result<(), Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(pool)
        .await
        .map(drop)
        .map_err(unavailable)
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
    set_watermark: "INSERT INTO sessionkit_watermarks_v1 (namespace, user_id, at, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (namespace, user_id) DO UPDATE SET at = GREATEST(sessionkit_watermarks_v1.at, EXCLUDED.at), expires_at = GREATEST(sessionkit_watermarks_v1.expires_at, EXCLUDED.expires_at)",
    watermark: "SELECT at FROM sessionkit_watermarks_v1 WHERE namespace = $1 AND user_id = $2 AND expires_at > $3",
};

sql_store!(PostgresStore, STATEMENTS);
