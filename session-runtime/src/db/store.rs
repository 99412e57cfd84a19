//! The [`SessionStore`] trait and what it stores.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use time::OffsetDateTime;

use super::SessionKey;
use super::feed::{Event, Feed};
use crate::error::Error;
use crate::token::timestamp;

/// One stored session. Times are Unix seconds, so that every store compares them as
/// integers (a store that compares dates as text expires sessions at the wrong time).
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    /// `sha256(sid)`.
    pub key: SessionKey,
    /// The session type it belongs to (its cookie name). Operations over many sessions
    /// (revoking a user's, listing, purging) stay inside one namespace, so an admin
    /// session type and a user session type can share a store.
    pub namespace: String,
    /// The field marked `#[session(user_id)]`, as text.
    pub user_id: Option<String>,
    /// The payload as JSON.
    pub payload: String,
    /// When the session was created; the absolute cap counts from here.
    pub created_at: i64,
    /// When the session expires, unless renewed.
    pub expires_at: i64,
    /// How many times the payload has been written: 1 at creation, one more for each
    /// [`SessionStore::update`]. Renewals leave it alone.
    pub version: u64,
    /// A short label the application gave at creation ("Firefox on Linux"), for the user's
    /// list of devices.
    pub label: Option<String>,
}

/// The payload and the user id are personal data, and `Debug` output ends up in logs: both
/// are left out.
impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("key", &self.key)
            .field("namespace", &self.namespace)
            .field("user_id", &self.user_id.as_ref().map(|_| "<redacted>"))
            .field("payload", &format_args!("<redacted>"))
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("version", &self.version)
            .field("label", &self.label)
            .finish()
    }
}

impl Record {
    /// Whether this is a session of `user_id` in `namespace`.
    pub fn belongs_to(&self, namespace: &str, user_id: &str) -> bool {
        self.namespace == namespace && self.user_id.as_deref() == Some(user_id)
    }
}

/// What a user sees of one of their sessions in a "your devices" list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The store key: give it back to
    /// [`SessionManager::revoke_session_of`](super::SessionManager::revoke_session_of) to end
    /// this session from another one ([`SessionKey::to_hex`] carries it through a form).
    pub key: SessionKey,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it expires unless renewed.
    pub expires_at: OffsetDateTime,
    /// The label given at creation, if any.
    pub label: Option<String>,
}

impl SessionInfo {
    /// From what the stores keep: times in Unix seconds.
    pub(crate) fn from_unix(
        key: SessionKey,
        created_at: i64,
        expires_at: i64,
        label: Option<String>,
    ) -> SessionInfo {
        SessionInfo {
            key,
            created_at: timestamp(created_at),
            expires_at: timestamp(expires_at),
            label,
        }
    }
}

impl From<&Record> for SessionInfo {
    fn from(record: &Record) -> SessionInfo {
        SessionInfo::from_unix(
            record.key,
            record.created_at,
            record.expires_at,
            record.label.clone(),
        )
    }
}

/// The outcome of a compare-and-swap [`SessionStore::update`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updated {
    /// Written; the record now has this version.
    Done(u64),
    /// The record is live but its version is not the expected one: someone else wrote it
    /// first. Nothing was written.
    Changed,
    /// No live record: revoked, expired or never created.
    Gone,
}

/// Where database sessions live. Implement it to add a backend; the conformance suite in
/// `tests/stores.rs` says what each operation must do.
///
/// Every method is given `now` where expiry matters: a record with `expires_at <= now` must
/// be invisible to every operation whether or not it has been purged yet. Each method is
/// one atomic step: what it checks and what it writes happen together, so that two
/// requests racing on one session can never resurrect it or lose a write.
pub trait SessionStore: Send + Sync {
    /// Inserts a new record. An existing record with the same key is an error
    /// ([`StoreErrorKind::Conflict`](super::StoreErrorKind::Conflict)), never overwritten.
    fn create(&self, record: &Record) -> impl Future<Output = Result<(), Error>> + Send;

    /// The live record with this key, if any.
    fn load(
        &self,
        key: &SessionKey,
        now: i64,
    ) -> impl Future<Output = Result<Option<Record>, Error>> + Send;

    /// Replaces the payload and user id of a live record, only if its version is still
    /// `expected_version`, and counts the version up by one. Never touches the expiry.
    fn update(
        &self,
        key: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        now: i64,
    ) -> impl Future<Output = Result<Updated, Error>> + Send;

    /// Moves a live record's expiry out to `expires_at`, never in (a concurrent renewal
    /// that went further wins). Never touches the payload. Returns the record's expiry
    /// afterwards, or `None` when there is no live record.
    fn extend(
        &self,
        key: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<Option<i64>, Error>> + Send;

    /// Moves a live record from `old` to the new key `new`, with the expiry `expires_at`,
    /// keeping everything else, in one step. Returns false, and writes nothing, when there
    /// is no live record at `old` (revoked, expired, or already moved by a concurrent
    /// call). A record already at `new` is [`StoreErrorKind::Conflict`](super::StoreErrorKind::Conflict).
    fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Deletes one record. Returns whether it existed.
    fn delete(&self, key: &SessionKey) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Writes a new payload and user id into a live record, only if its version is still
    /// `expected_version`, and moves it to the new key `new` with the expiry `expires_at`
    /// (`SessionManager::regenerate_with`, a sign-in). Returns `Done` with the new version,
    /// or `Changed`/`Gone` with nothing written.
    ///
    /// The key `old` must never carry the new payload, not for an instant and not after a
    /// failure: `old` is the cookie an attacker may have planted before the sign-in
    /// (session fixation). Every store of this crate does it in one atomic step (one SQL
    /// statement, one Redis script, one lock). Override it to do the same.
    ///
    /// The default creates the new record at `new` first (nobody knows `new` before this
    /// returns) and then deletes `old`. If `old` was ended meanwhile (revoked, expired or
    /// moved by a concurrent call), the new record is deleted again and this is `Gone`, so
    /// nothing revoked comes back; if deleting `old` fails, the new record is deleted if
    /// it can be and the error returned. What the default cannot do in two steps is
    /// compare the version and delete at once: a write to `old` that lands between its two
    /// steps is dropped with `old`.
    #[allow(clippy::too_many_arguments)]
    fn replace(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<Updated, Error>> + Send {
        create_then_end(
            self,
            old,
            new,
            expected_version,
            user_id,
            payload,
            expires_at,
            now,
        )
    }

    /// Deletes every record of a user in one namespace. Returns how many.
    fn delete_user(
        &self,
        namespace: &str,
        user_id: &str,
    ) -> impl Future<Output = Result<u64, Error>> + Send;

    /// The live records of a user in one namespace, oldest first.
    fn list_user(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Vec<SessionInfo>, Error>> + Send;

    /// Deletes every expired record of one namespace. Returns how many.
    fn purge_expired(
        &self,
        namespace: &str,
        now: i64,
    ) -> impl Future<Output = Result<u64, Error>> + Send;

    /// Tells every process sharing this store about `event` (the revocation feed). The
    /// manager calls it after each write that ends or changes a session.
    ///
    /// The default publishes nothing, for a store without a feed; such a store's
    /// [`subscribe`](SessionStore::subscribe) never makes a feed live either, so no cached
    /// copy is ever served from it.
    fn publish(&self, event: &Event) -> impl Future<Output = Result<(), Error>> + Send {
        let _ = event;
        std::future::ready(Ok(()))
    }

    /// Starts delivering this store's events into `feed`: [`Feed::connected`] once the
    /// subscription stands, [`Feed::heard`] per event, [`Feed::beat`] per heartbeat and
    /// [`Feed::lost`] when it breaks. A server store runs this on a task of the current
    /// tokio runtime, which reconnects by itself. The default does nothing: the feed
    /// stays not live.
    fn subscribe(&self, feed: Arc<Feed>) {
        let _ = feed;
    }

    /// Records that `user_id`'s stateless tokens of `namespace` issued before `at` (Unix
    /// milliseconds) are invalid, until `expires_at` (Unix seconds; the type's ttl from
    /// now, after which every such token has expired anyway). A later `at` replaces an
    /// earlier one, never the reverse.
    ///
    /// The default refuses ([`StoreErrorKind::Rejected`](crate::error::StoreErrorKind)):
    /// a store of your own keeps no watermarks unless it implements this and
    /// [`watermark`](SessionStore::watermark).
    fn set_watermark(
        &self,
        namespace: &str,
        user_id: &str,
        at: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        let _ = (namespace, user_id, at, expires_at);
        std::future::ready(Err(no_watermarks()))
    }

    /// The watermark [`set_watermark`](SessionStore::set_watermark) recorded, if it has
    /// not expired by `now` (Unix seconds). The default refuses, as `set_watermark` does.
    fn watermark(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<i64>, Error>> + Send {
        let _ = (namespace, user_id, now);
        std::future::ready(Err(no_watermarks()))
    }
}

fn no_watermarks() -> Error {
    crate::error::StoreError::error(
        crate::error::StoreErrorKind::Rejected,
        "this store keeps no watermarks: implement SessionStore::set_watermark and watermark",
    )
}

/// [`SessionStore::replace`]'s default: the new record is created first and the old one
/// ended after, so that the old key never carries the new payload (see there).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn create_then_end<S: SessionStore + ?Sized>(
    store: &S,
    old: &SessionKey,
    new: &SessionKey,
    expected_version: u64,
    user_id: Option<&str>,
    payload: &str,
    expires_at: i64,
    now: i64,
) -> Result<Updated, Error> {
    let Some(current) = store.load(old, now).await? else {
        return Ok(Updated::Gone);
    };
    if current.version != expected_version {
        return Ok(Updated::Changed);
    }
    let record = Record {
        key: *new,
        user_id: user_id.map(str::to_owned),
        payload: payload.to_owned(),
        expires_at,
        version: current.version + 1,
        ..current
    };
    store.create(&record).await?;
    match store.delete(old).await {
        Ok(true) => Ok(Updated::Done(record.version)),
        // Ended meanwhile: the sign-in must not outlive the revocation.
        Ok(false) => {
            store.delete(new).await?;
            Ok(Updated::Gone)
        }
        Err(err) => {
            // Best effort: a record left at `new` is one no cookie names, and it expires.
            let _ = store.delete(new).await;
            Err(err)
        }
    }
}

/// A shared store: several managers (a user and an admin session type, say) can use one.
impl<S: SessionStore + ?Sized> SessionStore for Arc<S> {
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

    fn update(
        &self,
        key: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        now: i64,
    ) -> impl Future<Output = Result<Updated, Error>> + Send {
        (**self).update(key, expected_version, user_id, payload, now)
    }

    fn extend(
        &self,
        key: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<Option<i64>, Error>> + Send {
        (**self).extend(key, expires_at, now)
    }

    fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        (**self).rotate(old, new, expires_at, now)
    }

    fn delete(&self, key: &SessionKey) -> impl Future<Output = Result<bool, Error>> + Send {
        (**self).delete(key)
    }

    fn replace(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<Updated, Error>> + Send {
        (**self).replace(
            old,
            new,
            expected_version,
            user_id,
            payload,
            expires_at,
            now,
        )
    }

    fn delete_user(
        &self,
        namespace: &str,
        user_id: &str,
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        (**self).delete_user(namespace, user_id)
    }

    fn list_user(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Vec<SessionInfo>, Error>> + Send {
        (**self).list_user(namespace, user_id, now)
    }

    fn purge_expired(
        &self,
        namespace: &str,
        now: i64,
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        (**self).purge_expired(namespace, now)
    }

    fn publish(&self, event: &Event) -> impl Future<Output = Result<(), Error>> + Send {
        (**self).publish(event)
    }

    fn subscribe(&self, feed: Arc<Feed>) {
        (**self).subscribe(feed)
    }

    fn set_watermark(
        &self,
        namespace: &str,
        user_id: &str,
        at: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        (**self).set_watermark(namespace, user_id, at, expires_at)
    }

    fn watermark(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<i64>, Error>> + Send {
        (**self).watermark(namespace, user_id, now)
    }
}
