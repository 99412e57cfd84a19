//! What the sqlx-backed stores share: the operations over each dialect's statements, reading
//! rows and mapping errors. The two dialects differ only in their placeholders and in how
//! they spell "the larger of".

use sqlx::{ColumnIndex, Decode, Row, Type};

use super::{Record, SessionInfo, SessionKey, StoreError, StoreErrorKind};
use crate::error::Error;

/// An error that reached no data: the database is down, unreachable or failing.
pub(super) fn unavailable(err: sqlx::Error) -> Error {
    StoreError::error(StoreErrorKind::Unavailable, err)
}

/// A write's error. A unique-key violation is a collision, which must never overwrite;
/// a value the database refuses (a constraint, PostgreSQL's data exceptions, class 22) is
/// [`StoreErrorKind::Rejected`], so that bad input is never reported as an outage.
pub(super) fn write_error(err: sqlx::Error) -> Error {
    let sqlx::Error::Database(db) = &err else {
        return unavailable(err);
    };
    if db.is_unique_violation() {
        return StoreError::error(StoreErrorKind::Conflict, "duplicate session key");
    }
    let data_exception = db.code().is_some_and(|code| code.starts_with("22"));
    let constraint = !matches!(db.kind(), sqlx::error::ErrorKind::Other);
    if data_exception || constraint {
        return StoreError::error(StoreErrorKind::Rejected, db.message());
    }
    unavailable(err)
}

fn corrupt(err: sqlx::Error) -> Error {
    StoreError::error(StoreErrorKind::Corrupt, err)
}

/// The `sessionkit_sessions_v2` row of `key` as a [`Record`].
pub(super) fn record<'r, R>(row: &'r R, key: SessionKey) -> Result<Record, Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(Record {
        key,
        namespace: row.try_get("namespace").map_err(corrupt)?,
        user_id: row.try_get("user_id").map_err(corrupt)?,
        payload: row.try_get("payload").map_err(corrupt)?,
        created_at: row.try_get("created_at").map_err(corrupt)?,
        expires_at: row.try_get("expires_at").map_err(corrupt)?,
        version: version(row.try_get("version").map_err(corrupt)?)?,
        label: row.try_get("label").map_err(corrupt)?,
    })
}

/// One line of a user's session list.
pub(super) fn info<'r, R>(row: &'r R) -> Result<SessionInfo, Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let key: Vec<u8> = row.try_get("id_hash").map_err(corrupt)?;
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| StoreError::error(StoreErrorKind::Corrupt, "a key is not 32 bytes"))?;
    Ok(SessionInfo::from_unix(
        SessionKey::from_bytes(key),
        row.try_get("created_at").map_err(corrupt)?,
        row.try_get("expires_at").map_err(corrupt)?,
        row.try_get("label").map_err(corrupt)?,
    ))
}

/// Versions are stored as signed 64-bit integers, which both databases have.
pub(super) fn version(stored: i64) -> Result<u64, Error> {
    u64::try_from(stored)
        .map_err(|_| StoreError::error(StoreErrorKind::Corrupt, "a negative version"))
}

/// The statements of a SQL store, in its database's placeholder syntax.
pub(super) struct Statements {
    pub insert: &'static str,
    pub select: &'static str,
    pub update: &'static str,
    pub version: &'static str,
    pub extend: &'static str,
    pub rotate: &'static str,
    /// `regenerate_with`: the new id, user and payload in one statement, so that the old
    /// id never carries the new payload.
    pub replace: &'static str,
    pub delete: &'static str,
    pub delete_user: &'static str,
    pub list_user: &'static str,
    pub purge: &'static str,
    /// Upserts a user's watermark, keeping the later one.
    pub set_watermark: &'static str,
    pub watermark: &'static str,
}

/// How many rows one purge statement deletes at most (the `LIMIT` in both stores' `purge`).
pub(crate) const PURGE_BATCH: u64 = 1000;

/// `impl SessionStore` for a store with a `pool` field, running `$statements`. The same
/// code serves SQLite and PostgreSQL; only the statements differ. Each operation is one
/// statement, so the database makes it atomic.
macro_rules! sql_store {
    ($store:ty, $statements:expr) => {
        impl $store {
            /// The outcome of a compare-and-swap write that returned `written`, the new
            /// version if it wrote: when it did not, whether the row at `key` is live.
            async fn updated(
                &self,
                written: Option<i64>,
                key: &$crate::db::SessionKey,
                now: i64,
            ) -> Result<$crate::db::Updated, $crate::Error> {
                if let Some(version) = written {
                    return Ok($crate::db::Updated::Done($crate::db::sql::version(
                        version,
                    )?));
                }
                // Nothing was written; only the reason is left to find out.
                let live: Option<i64> = sqlx::query_scalar($statements.version)
                    .bind(&key.as_bytes()[..])
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::db::sql::unavailable)?;
                Ok(match live {
                    Some(_) => $crate::db::Updated::Changed,
                    None => $crate::db::Updated::Gone,
                })
            }
        }

        impl $crate::db::SessionStore for $store {
            async fn create(&self, record: &$crate::db::Record) -> Result<(), $crate::Error> {
                sqlx::query($statements.insert)
                    .bind(&record.key.as_bytes()[..])
                    .bind(&record.namespace)
                    .bind(&record.user_id)
                    .bind(&record.payload)
                    .bind(record.created_at)
                    .bind(record.expires_at)
                    .bind(record.version as i64)
                    .bind(&record.label)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::db::sql::write_error)?;
                Ok(())
            }

            async fn load(
                &self,
                key: &$crate::db::SessionKey,
                now: i64,
            ) -> Result<Option<$crate::db::Record>, $crate::Error> {
                let row = sqlx::query($statements.select)
                    .bind(&key.as_bytes()[..])
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::db::sql::unavailable)?;
                row.as_ref()
                    .map(|row| $crate::db::sql::record(row, *key))
                    .transpose()
            }

            async fn update(
                &self,
                key: &$crate::db::SessionKey,
                expected_version: u64,
                user_id: Option<&str>,
                payload: &str,
                now: i64,
            ) -> Result<$crate::db::Updated, $crate::Error> {
                let written: Option<i64> = sqlx::query_scalar($statements.update)
                    .bind(user_id)
                    .bind(payload)
                    .bind(&key.as_bytes()[..])
                    .bind(now)
                    .bind(expected_version as i64)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::db::sql::write_error)?;
                self.updated(written, key, now).await
            }

            async fn replace(
                &self,
                old: &$crate::db::SessionKey,
                new: &$crate::db::SessionKey,
                expected_version: u64,
                user_id: Option<&str>,
                payload: &str,
                expires_at: i64,
                now: i64,
            ) -> Result<$crate::db::Updated, $crate::Error> {
                let written: Option<i64> = sqlx::query_scalar($statements.replace)
                    .bind(&new.as_bytes()[..])
                    .bind(user_id)
                    .bind(payload)
                    .bind(expires_at)
                    .bind(&old.as_bytes()[..])
                    .bind(now)
                    .bind(expected_version as i64)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::db::sql::write_error)?;
                self.updated(written, old, now).await
            }

            async fn extend(
                &self,
                key: &$crate::db::SessionKey,
                expires_at: i64,
                now: i64,
            ) -> Result<Option<i64>, $crate::Error> {
                sqlx::query_scalar($statements.extend)
                    .bind(expires_at)
                    .bind(&key.as_bytes()[..])
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::db::sql::write_error)
            }

            async fn rotate(
                &self,
                old: &$crate::db::SessionKey,
                new: &$crate::db::SessionKey,
                expires_at: i64,
                now: i64,
            ) -> Result<bool, $crate::Error> {
                let done = sqlx::query($statements.rotate)
                    .bind(&new.as_bytes()[..])
                    .bind(expires_at)
                    .bind(&old.as_bytes()[..])
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::db::sql::write_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete(&self, key: &$crate::db::SessionKey) -> Result<bool, $crate::Error> {
                let done = sqlx::query($statements.delete)
                    .bind(&key.as_bytes()[..])
                    .execute(&self.pool)
                    .await
                    .map_err($crate::db::sql::unavailable)?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_user(
                &self,
                namespace: &str,
                user_id: &str,
            ) -> Result<u64, $crate::Error> {
                let done = sqlx::query($statements.delete_user)
                    .bind(namespace)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::db::sql::write_error)?;
                Ok(done.rows_affected())
            }

            async fn list_user(
                &self,
                namespace: &str,
                user_id: &str,
                now: i64,
            ) -> Result<Vec<$crate::db::SessionInfo>, $crate::Error> {
                let rows = sqlx::query($statements.list_user)
                    .bind(namespace)
                    .bind(user_id)
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::db::sql::write_error)?;
                rows.iter().map($crate::db::sql::info).collect()
            }

            // In batches of `PURGE_BATCH` rows, each its own short statement, so that a
            // million expired rows never hold the database's write lock (SQLite has one)
            // for more than a few milliseconds at a time.
            async fn purge_expired(&self, namespace: &str, now: i64) -> Result<u64, $crate::Error> {
                let mut purged = 0;
                loop {
                    let done = sqlx::query($statements.purge)
                        .bind(namespace)
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err($crate::db::sql::unavailable)?;
                    purged += done.rows_affected();
                    if done.rows_affected() < $crate::db::sql::PURGE_BATCH {
                        return Ok(purged);
                    }
                }
            }

            async fn publish(&self, event: &$crate::db::Event) -> Result<(), $crate::Error> {
                self.publish_event(event).await
            }

            fn subscribe(&self, feed: std::sync::Arc<$crate::db::Feed>) {
                self.subscribe_feed(feed)
            }

            async fn set_watermark(
                &self,
                namespace: &str,
                user_id: &str,
                at: i64,
                expires_at: i64,
            ) -> Result<(), $crate::Error> {
                sqlx::query($statements.set_watermark)
                    .bind(namespace)
                    .bind(user_id)
                    .bind(at)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await
                    .map(drop)
                    .map_err($crate::db::sql::unavailable)
            }

            async fn watermark(
                &self,
                namespace: &str,
                user_id: &str,
                now: i64,
            ) -> Result<Option<i64>, $crate::Error> {
                sqlx::query_scalar($statements.watermark)
                    .bind(namespace)
                    .bind(user_id)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::db::sql::unavailable)
            }
        }
    };
}
pub(super) use sql_store;
