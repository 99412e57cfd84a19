//! What the sqlx-backed stores share: reading a row and mapping errors.

use sqlx::{ColumnIndex, Decode, Row, Type};

use super::{Record, SessionKey, StoreError, StoreErrorKind};
use crate::error::Error;

pub(super) fn unavailable(err: sqlx::Error) -> Error {
    StoreError::error(StoreErrorKind::Unavailable, err)
}

/// A unique-key violation on insert is a collision, which must never overwrite.
pub(super) fn write_error(err: sqlx::Error) -> Error {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::error(StoreErrorKind::Conflict, "duplicate session key")
        }
        _ => unavailable(err),
    }
}

/// The `sessionkit_sessions` row of `key` as a [`Record`].
pub(super) fn record<'r, R>(row: &'r R, key: SessionKey) -> Result<Record, Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let corrupt = |err: sqlx::Error| StoreError::error(StoreErrorKind::Corrupt, err);
    Ok(Record {
        key,
        user_id: row.try_get("user_id").map_err(corrupt)?,
        payload: row.try_get("payload").map_err(corrupt)?,
        created_at: row.try_get("created_at").map_err(corrupt)?,
        expires_at: row.try_get("expires_at").map_err(corrupt)?,
    })
}

/// The six statements of a SQL store, in its database's placeholder syntax.
pub(super) struct Statements {
    pub insert: &'static str,
    pub select: &'static str,
    pub update: &'static str,
    pub delete: &'static str,
    pub delete_user: &'static str,
    pub purge: &'static str,
}

/// `impl SessionStore` for a store with a `pool` field, running `$statements`. The same
/// code serves SQLite and PostgreSQL; only the placeholders differ.
macro_rules! sql_store {
    ($store:ty, $statements:expr) => {
        impl $crate::db::SessionStore for $store {
            async fn create(&self, record: &$crate::db::Record) -> Result<(), $crate::Error> {
                sqlx::query($statements.insert)
                    .bind(&record.key.as_bytes()[..])
                    .bind(&record.user_id)
                    .bind(&record.payload)
                    .bind(record.created_at)
                    .bind(record.expires_at)
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

            async fn save(
                &self,
                record: &$crate::db::Record,
                now: i64,
            ) -> Result<bool, $crate::Error> {
                let done = sqlx::query($statements.update)
                    .bind(&record.user_id)
                    .bind(&record.payload)
                    .bind(record.expires_at)
                    .bind(&record.key.as_bytes()[..])
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::db::sql::unavailable)?;
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

            async fn delete_user(&self, user_id: &str) -> Result<u64, $crate::Error> {
                let done = sqlx::query($statements.delete_user)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::db::sql::unavailable)?;
                Ok(done.rows_affected())
            }

            async fn purge_expired(&self, now: i64) -> Result<u64, $crate::Error> {
                let done = sqlx::query($statements.purge)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::db::sql::unavailable)?;
                Ok(done.rows_affected())
            }
        }
    };
}
pub(super) use sql_store;
