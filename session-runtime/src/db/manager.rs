//! [`SessionManager`]: database sessions of one session type over one store.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use cookie::Cookie;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::id::new_session_id;
use super::{Record, SessionKey, SessionStore, StoreError, StoreErrorKind};
use crate::claims::timestamp;
use crate::cookies::removal_cookie;
use crate::error::Error;
use crate::keys::{Keys, Purpose};
use crate::session::Session;
use crate::token::{self, Times};

/// What the cookie carries in database mode: the session id, sealed with the session
/// type's codec (plus `iat` and `exp`).
#[derive(Serialize, Deserialize)]
struct Ticket {
    sid: String,
}

/// Database sessions of the type `T`, kept in the store `S`.
///
/// The cookie's name, attributes and token format come from `T`'s `#[session(...)]`; so do
/// the lifetimes: `ttl` (idle lifetime), `renew_within` (renew when less than this remains;
/// by default half the ttl) and `max_lifetime` (an absolute cap from creation that no
/// renewal passes).
///
/// Every method that reads a cookie checks its seal before touching the store, so a
/// tampered or foreign cookie never reaches the database.
pub struct SessionManager<T, S> {
    store: S,
    keys: Keys,
    session_type: PhantomData<fn() -> T>,
}

/// A database session that was found and is live: the payload (it derefs to `T`) and
/// what the store knows about it.
pub struct DbSession<T> {
    value: T,
    sid: zeroize::Zeroizing<String>,
    key: SessionKey,
    user_id: Option<String>,
    created_at: i64,
    expires_at: i64,
}

impl<T> DbSession<T> {
    /// When the session was created (the absolute cap counts from here).
    pub fn created_at(&self) -> OffsetDateTime {
        timestamp(self.created_at)
    }

    /// When the session expires unless renewed.
    pub fn expires_at(&self) -> OffsetDateTime {
        timestamp(self.expires_at)
    }

    /// The user id the store indexes this session under.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The key the store files this session under (`sha256` of the id).
    pub fn key(&self) -> SessionKey {
        self.key
    }

    /// The payload.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for DbSession<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// The session id is a bearer secret and the payload is personal data: both are left out.
/// `format!("{:?}", *session)` shows the payload when that is what you mean.
impl<T> fmt::Debug for DbSession<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbSession")
            .field("value", &format_args!("<redacted>"))
            .field("key", &self.key)
            .field("user_id", &self.user_id)
            .field("created_at", &self.created_at())
            .field("expires_at", &self.expires_at())
            .finish()
    }
}

impl<T: Session + Send + Sync, S: SessionStore> SessionManager<T, S> {
    /// A manager over `store`, sealing cookies with `keys`.
    pub fn new(store: S, keys: Keys) -> Self {
        SessionManager {
            store,
            keys,
            session_type: PhantomData,
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    fn ttl(&self) -> i64 {
        T::CONFIG.ttl().whole_seconds()
    }

    /// The expiry a session created at `created_at` gets when (re)issued at `now`.
    fn expiry(&self, created_at: i64, now: i64) -> i64 {
        let idle = now.saturating_add(self.ttl());
        match T::CONFIG.max_lifetime() {
            Some(max) => idle.min(created_at.saturating_add(max.whole_seconds())),
            None => idle,
        }
    }

    /// The cookie carrying `sid` until `expires_at`.
    fn cookie(&self, sid: &str, now: i64, expires_at: i64) -> Result<Cookie<'static>, Error> {
        let ticket = Ticket {
            sid: sid.to_owned(),
        };
        let times = Times {
            iat: now,
            exp: expires_at,
            auth_time: None,
        };
        token::seal_cookie(&T::CONFIG, Purpose::Ticket, &self.keys, &ticket, times)
    }

    fn record(
        &self,
        key: SessionKey,
        payload: &T,
        created_at: i64,
        expires_at: i64,
    ) -> Result<Record, Error> {
        let user_id = payload.session_user_id();
        let payload = serde_json::to_string(payload)
            .map_err(|err| Error::Serialize(crate::redact::serialize_message(&err)))?;
        Ok(Record {
            key,
            user_id,
            payload,
            created_at,
            expires_at,
        })
    }

    /// Starts a session for `payload`; returns the cookie to set.
    pub async fn create(&self, payload: &T) -> Result<Cookie<'static>, Error> {
        self.create_at(payload, OffsetDateTime::now_utc()).await
    }

    /// [`SessionManager::create`] as of `now`.
    pub async fn create_at(
        &self,
        payload: &T,
        now: OffsetDateTime,
    ) -> Result<Cookie<'static>, Error> {
        let now = now.unix_timestamp();
        self.insert(payload, now, now)
            .await
            .map(|(cookie, _)| cookie)
    }

    async fn insert(
        &self,
        payload: &T,
        created_at: i64,
        now: i64,
    ) -> Result<(Cookie<'static>, SessionKey), Error> {
        let sid = new_session_id()?;
        let key = SessionKey::of(&sid);
        let expires_at = self.expiry(created_at, now);
        let record = self.record(key, payload, created_at, expires_at)?;
        // Seal before writing, so that a payload too large for a cookie leaves no row.
        let cookie = self.cookie(&sid, now, expires_at)?;
        self.store.create(&record).await?;
        Ok((cookie, key))
    }

    /// The optimistic check, with no database: the cookie's seal and expiry. A proxy can
    /// use it to turn away requests that cannot have a session; it does not say the
    /// session was not revoked. Returns the session's expiry.
    pub fn check_cookie(&self, cookie_header: &str) -> Result<OffsetDateTime, Error> {
        self.check_cookie_at(cookie_header, OffsetDateTime::now_utc())
    }

    /// [`SessionManager::check_cookie`] as of `now`.
    pub fn check_cookie_at(
        &self,
        cookie_header: &str,
        now: OffsetDateTime,
    ) -> Result<OffsetDateTime, Error> {
        token::open_cookie::<Ticket>(&T::CONFIG, Purpose::Ticket, &self.keys, cookie_header, now)
            .map(|ticket| ticket.expires_at())
    }

    /// Finds the session cookie in a `Cookie:` header, checks its seal, then loads and
    /// checks the row: the secure check of the guide's `verifySession`.
    pub async fn load(&self, cookie_header: &str) -> Result<DbSession<T>, Error> {
        self.load_at(cookie_header, OffsetDateTime::now_utc()).await
    }

    /// [`SessionManager::load`] as of `now`.
    pub async fn load_at(
        &self,
        cookie_header: &str,
        now: OffsetDateTime,
    ) -> Result<DbSession<T>, Error> {
        let ticket = token::open_cookie::<Ticket>(
            &T::CONFIG,
            Purpose::Ticket,
            &self.keys,
            cookie_header,
            now,
        )?
        .into_inner();
        let key = SessionKey::of(&ticket.sid);
        let now = now.unix_timestamp();
        let record = self
            .store
            .load(&key, now)
            .await?
            .ok_or(Error::SessionNotFound)?;
        if record.expires_at <= now {
            return Err(Error::SessionNotFound);
        }
        let value = serde_json::from_str::<T>(&record.payload).map_err(|_| {
            let why = crate::redact::describe::<T, _>(&mut serde_json::Deserializer::from_str(
                &record.payload,
            ));
            StoreError::error(
                StoreErrorKind::Corrupt,
                format_args!("payload: {}", why.unwrap_or_default()),
            )
        })?;
        Ok(DbSession {
            value,
            sid: zeroize::Zeroizing::new(ticket.sid),
            key,
            user_id: record.user_id,
            created_at: record.created_at,
            expires_at: record.expires_at,
        })
    }

    /// Sliding renewal: when less than `renew_within` remains, extends the session to
    /// `now + ttl` (never past `created_at + max_lifetime`) and returns the re-issued
    /// cookie. Otherwise returns `None` and writes nothing, so a busy session costs at most
    /// one write per window.
    pub async fn refresh(&self, session: &DbSession<T>) -> Result<Option<Cookie<'static>>, Error> {
        self.refresh_at(session, OffsetDateTime::now_utc()).await
    }

    /// [`SessionManager::refresh`] as of `now`.
    pub async fn refresh_at(
        &self,
        session: &DbSession<T>,
        now: OffsetDateTime,
    ) -> Result<Option<Cookie<'static>>, Error> {
        let now = now.unix_timestamp();
        if session.expires_at.saturating_sub(now) >= T::CONFIG.renew_within().whole_seconds() {
            return Ok(None);
        }
        let expires_at = self.expiry(session.created_at, now);
        if expires_at <= session.expires_at {
            // At the absolute cap: nothing left to extend.
            return Ok(None);
        }
        let record = self.record(session.key, &session.value, session.created_at, expires_at)?;
        let cookie = self.cookie(&session.sid, now, expires_at)?;
        if !self.store.save(&record, now).await? {
            return Err(Error::SessionNotFound);
        }
        Ok(Some(cookie))
    }

    /// Replaces the session's payload, keeping its id and expiry.
    pub async fn update(&self, session: &DbSession<T>, payload: &T) -> Result<(), Error> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let record = self.record(session.key, payload, session.created_at, session.expires_at)?;
        match self.store.save(&record, now).await? {
            true => Ok(()),
            false => Err(Error::SessionNotFound),
        }
    }

    /// Ends one session (the guide's `deleteSession`); returns the cookie that removes it
    /// from the browser.
    pub async fn revoke(&self, session: &DbSession<T>) -> Result<Cookie<'static>, Error> {
        self.store.delete(&session.key).await?;
        Ok(removal_cookie(&T::CONFIG))
    }

    /// Ends every session of a user ("log out everywhere"); returns how many there were.
    pub async fn revoke_user(&self, user_id: &str) -> Result<u64, Error> {
        self.store.delete_user(user_id).await
    }

    /// Deletes expired rows; returns how many. Expired rows are already invisible, so this
    /// only reclaims space: run it now and then.
    pub async fn purge_expired(&self) -> Result<u64, Error> {
        self.store
            .purge_expired(OffsetDateTime::now_utc().unix_timestamp())
            .await
    }

    /// Moves the session to a new id, keeping its payload and creation time, and deletes
    /// the old row. Call it when privileges change (log in, sudo mode) so that an id an
    /// attacker planted before (session fixation) is worthless afterwards.
    pub async fn regenerate(&self, session: &DbSession<T>) -> Result<Cookie<'static>, Error> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let (cookie, _) = self.insert(&session.value, session.created_at, now).await?;
        self.store.delete(&session.key).await?;
        Ok(cookie)
    }
}
