//! The [`SessionStore`] trait and what it stores.

use std::fmt;
use std::future::Future;

use super::SessionKey;
use crate::error::Error;

/// One stored session. Times are Unix seconds, so that every store compares them as
/// integers (a store that compares dates as text expires sessions at the wrong time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `sha256(sid)`.
    pub key: SessionKey,
    /// The field marked `#[session(user_id)]`, as text.
    pub user_id: Option<String>,
    /// The payload as JSON.
    pub payload: String,
    /// When the session was created; the absolute cap counts from here.
    pub created_at: i64,
    /// When the session expires, unless renewed.
    pub expires_at: i64,
}

/// Where database sessions live. Implement it to add a backend; the conformance suite in
/// `tests/stores.rs` says what each operation must do.
///
/// Every method is given `now` where expiry matters: a record with `expires_at <= now` must
/// be invisible to `load` and `save` whether or not it has been purged yet.
pub trait SessionStore: Send + Sync {
    /// Inserts a new record. An existing record with the same key is an error
    /// ([`StoreErrorKind::Conflict`]), never overwritten.
    fn create(&self, record: &Record) -> impl Future<Output = Result<(), Error>> + Send;

    /// The live record with this key, if any.
    fn load(
        &self,
        key: &SessionKey,
        now: i64,
    ) -> impl Future<Output = Result<Option<Record>, Error>> + Send;

    /// Replaces the payload, user id and expiry of a live record. Returns false when there
    /// is none (revoked, expired or never created).
    fn save(&self, record: &Record, now: i64) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Deletes one record. Returns whether it existed.
    fn delete(&self, key: &SessionKey) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Deletes every record of a user. Returns how many.
    fn delete_user(&self, user_id: &str) -> impl Future<Output = Result<u64, Error>> + Send;

    /// Deletes every expired record. Returns how many.
    fn purge_expired(&self, now: i64) -> impl Future<Output = Result<u64, Error>> + Send;
}

/// A shared store: several managers (a user and an admin session type, say) can use one.
impl<S: SessionStore + ?Sized> SessionStore for std::sync::Arc<S> {
    fn create(&self, record: &Record) -> impl Future<Output = Result<(), Error>> + Send {
        (**self).create(record)
    }

    fn load(
        &self,
        key: &SessionKey,
        now: i64,
    ) -> impl Future<Output = Result<Option<Record>, Error>> + Send {
        (**self).load(key, now)
    }

    fn save(&self, record: &Record, now: i64) -> impl Future<Output = Result<bool, Error>> + Send {
        (**self).save(record, now)
    }

    fn delete(&self, key: &SessionKey) -> impl Future<Output = Result<bool, Error>> + Send {
        (**self).delete(key)
    }

    fn delete_user(&self, user_id: &str) -> impl Future<Output = Result<u64, Error>> + Send {
        (**self).delete_user(user_id)
    }

    fn purge_expired(&self, now: i64) -> impl Future<Output = Result<u64, Error>> + Send {
        (**self).purge_expired(now)
    }
}

/// A failure of the store itself, carried by [`Error::Store`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    /// What kind of failure.
    pub kind: StoreErrorKind,
    /// The backend's message. It never contains a session id.
    pub message: String,
}

/// The kinds of [`StoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// A record with that key already exists.
    Conflict,
    /// The backend could not be reached or failed; retrying later may succeed.
    Unavailable,
    /// A stored record could not be read back.
    Corrupt,
}

impl StoreError {
    /// An [`Error::Store`] of the given kind.
    pub fn error(kind: StoreErrorKind, message: impl fmt::Display) -> Error {
        Error::Store(StoreError {
            kind,
            message: message.to_string(),
        })
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            StoreErrorKind::Conflict => "a session with that id already exists",
            StoreErrorKind::Unavailable => "the session store is unavailable",
            StoreErrorKind::Corrupt => "a stored session could not be read",
        };
        write!(f, "{kind}: {}", self.message)
    }
}
