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

/// A `sessionkit_sessions` row as a [`Record`].
pub(super) fn record<'r, R>(row: &'r R) -> Result<Record, Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let corrupt = |err: sqlx::Error| StoreError::error(StoreErrorKind::Corrupt, err);
    let key: Vec<u8> = row.try_get("id_hash").map_err(corrupt)?;
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| StoreError::error(StoreErrorKind::Corrupt, "id_hash is not 32 bytes"))?;
    Ok(Record {
        key: SessionKey::from_bytes(key),
        user_id: row.try_get("user_id").map_err(corrupt)?,
        payload: row.try_get("payload").map_err(corrupt)?,
        created_at: row.try_get("created_at").map_err(corrupt)?,
        expires_at: row.try_get("expires_at").map_err(corrupt)?,
    })
}
