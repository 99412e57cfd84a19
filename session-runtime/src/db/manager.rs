//! [`SessionManager`]: database sessions of one session type over one store.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cookie::Cookie;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tracing::Instrument;

use super::backoff::Backoff;
use super::feed::{Event, Feed, now_ms};
use super::id::{new_session_id, random_tag, user_tag};
use super::turns::Turns;
use super::validate;
use super::{Record, SessionInfo, SessionKey, SessionStore, StoreError, StoreErrorKind, Updated};
use crate::cookies::removal_cookie;
use crate::error::Error;
use crate::keys::{Keys, Purpose};
use crate::session::Session;
use crate::token::{self, Times, timestamp};
use crate::user_id::HasUserId;

/// What the cookie carries in database mode: the session id, sealed with the session
/// type's codec (plus `iat` and `exp`).
#[derive(Serialize, Deserialize)]
struct Ticket {
    sid: String,
    /// The cookie cache (`#[session(cache)]`): a copy of the session as of `t`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<Cached>,
}

/// A sealed copy of a stored session, served without a store read while the revocation
/// feed trusts it. Short names: it rides in every request's cookie.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Cached {
    /// The payload, as the store keeps it (JSON).
    p: String,
    /// The record's version.
    v: u64,
    /// The record's `created_at`.
    a: i64,
    /// The user id the record is filed under, so that the feed's verdict needs no
    /// parsing of the payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    u: Option<String>,
    /// The device label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    l: Option<String>,
    /// When the copy was made: Unix milliseconds, by the issuer's clock.
    t: i64,
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
    /// `modify` calls on one session take turns here rather than race in the store.
    turns: Turns,
    /// The revocation feed, started on first use by types with a `cache`.
    feed: std::sync::OnceLock<Arc<Feed>>,
    session_type: PhantomData<fn() -> T>,
}

/// A database session that was found and is live: the payload (it derefs to `T`) and
/// what the store knows about it, including the version its payload was loaded at, which
/// [`SessionManager::update`] compares against.
pub struct DbSession<T> {
    value: T,
    sid: zeroize::Zeroizing<String>,
    key: SessionKey,
    user_id: Option<String>,
    created_at: i64,
    expires_at: i64,
    version: AtomicU64,
    label: Option<String>,
    /// The stored payload and the version it was loaded at, kept by types with a `cache`
    /// to seal the next copy. The version is the loaded one, not the current: after an
    /// [`update`](SessionManager::update) through this value, a copy of the old payload
    /// must not claim the new version.
    payload: Option<(String, u64)>,
    /// Read from the store by a type with a `cache`: the next cookie carries a new copy.
    reissue: bool,
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

    /// The label given at creation ("Firefox on Linux"), if any.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The payload's version in the store as of the last load or successful
    /// [`SessionManager::update`] through this value.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
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
            .field("version", &self.version())
            .finish()
    }
}

/// What a cookie's copy gives: the session, or (a miss) the ticket back, for the store
/// read.
pub(crate) enum Copied<T> {
    Session(DbSession<T>),
    Miss(OpenedTicket<T>),
}

/// A ticket of session type `T` whose seal and expiry were checked: the session id, kept
/// secret, and the ticket's expiry. Only this crate can make one, so a request extension of
/// this type can only come from the guard.
pub(crate) struct OpenedTicket<T> {
    sid: zeroize::Zeroizing<String>,
    pub(crate) expires_at: OffsetDateTime,
    cache: Option<Cached>,
    session_type: PhantomData<fn() -> T>,
}

impl<T> Clone for OpenedTicket<T> {
    fn clone(&self) -> Self {
        OpenedTicket {
            sid: self.sid.clone(),
            expires_at: self.expires_at,
            cache: self.cache.clone(),
            session_type: PhantomData,
        }
    }
}

impl<T: Session + Send + Sync, S: SessionStore> SessionManager<T, S> {
    /// A manager over `store`, sealing cookies with `keys`.
    pub fn new(store: S, keys: Keys) -> Self {
        SessionManager {
            store,
            keys,
            turns: Turns::default(),
            feed: std::sync::OnceLock::new(),
            session_type: PhantomData,
        }
    }

    /// The revocation feed of a type with a `cache`, subscribed on first use.
    fn feed(&self) -> Option<&Arc<Feed>> {
        let cache = T::CONFIG.cache()?;
        Some(self.feed.get_or_init(|| {
            let feed = Arc::new(Feed::new(cache.unsigned_abs()));
            self.store.subscribe(Arc::clone(&feed));
            feed
        }))
    }

    /// Whether this manager's revocation feed is live now: cached copies are served only
    /// while it is. `false` for a type without a `cache`.
    pub fn feed_is_live(&self) -> bool {
        self.feed().is_some_and(|feed| feed.is_live())
    }

    /// Tells the other processes (and this one) that a session ended or changed, for types
    /// with a `cache` (nobody else holds copies).
    async fn publish(&self, event: Event) -> Result<(), Error> {
        if T::CONFIG.cache().is_none() {
            return Ok(());
        }
        // This manager knows at once, whatever the store's delivery time.
        if let Some(feed) = self.feed.get() {
            feed.heard(&event);
        }
        self.store
            .publish(&event)
            .instrument(self.span("publish"))
            .await
    }

    /// [`publish`](Self::publish) for an update that has already been written: a failure
    /// is logged, not returned, since the write stands and the caller must not repeat it.
    /// Other processes may serve the old copy until its `cache` age runs out.
    async fn publish_update(&self, key: SessionKey, version: u64) {
        let event = Event::Session {
            key,
            version: Some(version),
        };
        if let Err(err) = self.publish(event).await {
            tracing::warn!(
                cookie = self.namespace(),
                cause = err.cause(),
                "an update was written but not published: other processes may serve the \
                 previous copy until the cache age runs out"
            );
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The namespace of this session type's rows: its cookie name. Two session types on
    /// one store only ever see their own rows.
    pub fn namespace(&self) -> &'static str {
        T::CONFIG.cookie_name
    }

    /// Each store call runs in a `debug` span named for the operation and the namespace, so
    /// that a slow or failing store shows up in traces. No span carries an id or a payload.
    fn span(&self, op: &'static str) -> tracing::Span {
        tracing::debug_span!("sessionkit.store", op, namespace = self.namespace())
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
        self.cookie_with(sid, now, expires_at, None)
    }

    /// The ticket cookie, carrying `cache` when the type has one. A copy too large for one
    /// cookie is left out (the session then reads the store on every load): a cache is a
    /// speed-up, never a reason to fail a sign-in.
    fn cookie_with(
        &self,
        sid: &str,
        now: i64,
        expires_at: i64,
        cache: Option<Cached>,
    ) -> Result<Cookie<'static>, Error> {
        let times = Times {
            iat: now,
            exp: expires_at,
            auth_time: None,
        };
        let seal = |c| {
            let ticket = Ticket {
                sid: sid.to_owned(),
                c,
            };
            token::seal_cookie(&T::CONFIG, Purpose::Ticket, &self.keys, &ticket, times)
        };
        // Only a type with a `cache` ever has a copy to give (`copy_of`, `start`).
        match cache {
            None => seal(None),
            Some(cache) => match seal(Some(cache)) {
                Err(Error::TooLarge { .. }) => {
                    tracing::debug!(
                        cookie = self.namespace(),
                        "the session's cached copy does not fit in the cookie; sent without it"
                    );
                    seal(None)
                }
                sealed => sealed,
            },
        }
    }

    /// A copy of `session` as of now, for a type with a `cache`.
    fn copy_of(&self, session: &DbSession<T>) -> Option<Cached> {
        T::CONFIG.cache()?;
        Some(Cached {
            p: session.payload.as_ref()?.0.clone(),
            v: session.payload.as_ref()?.1,
            a: session.created_at,
            u: session.user_id.clone(),
            l: session.label.clone(),
            t: now_ms(),
        })
    }

    /// The payload as stored: its JSON and its user id, checked before any store sees it.
    fn stored_payload(payload: &T) -> Result<(Option<String>, String), Error> {
        let user_id = payload.session_user_id();
        if let Some(user_id) = &user_id {
            validate::user_id(user_id)?;
        }
        let json = serde_json::to_string(payload)
            .map_err(|err| Error::Serialize(crate::redact::serialize_message(&err)))?;
        Ok((user_id, json))
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
        self.start(payload, None, now).await
    }

    /// Starts a session with a short label for the user's list of devices ("Firefox on
    /// Linux"): at most [`super::MAX_LABEL_CHARS`] characters, no control characters.
    pub async fn create_labeled(&self, payload: &T, label: &str) -> Result<Cookie<'static>, Error>
    where
        T: HasUserId,
    {
        self.create_labeled_at(payload, Some(label), OffsetDateTime::now_utc())
            .await
    }

    /// [`SessionManager::create_labeled`] as of `now`; `None` gives no label.
    pub async fn create_labeled_at(
        &self,
        payload: &T,
        label: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Cookie<'static>, Error>
    where
        T: HasUserId,
    {
        self.start(payload, label, now).await
    }

    /// Starts a session, labelled or not: labels belong to the device list, which needs a
    /// user, but a session without one starts the same way.
    async fn start(
        &self,
        payload: &T,
        label: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Cookie<'static>, Error> {
        if let Some(label) = label {
            validate::label(label)?;
        }
        let now = now.unix_timestamp();
        let (user_id, payload) = Self::stored_payload(payload)?;
        let sid = new_session_id(self.tag_for(user_id.as_deref())?)?;
        let expires_at = self.expiry(now, now);
        let record = Record {
            key: SessionKey::of(&sid),
            namespace: self.namespace().to_owned(),
            user_id,
            payload,
            created_at: now,
            expires_at,
            version: 1,
            label: label.map(str::to_owned),
        };
        // Seal before writing, so that a payload too large for a cookie leaves no row.
        let cache = self.feed().map(|_| Cached {
            p: record.payload.clone(),
            v: record.version,
            a: record.created_at,
            u: record.user_id.clone(),
            l: record.label.clone(),
            t: now_ms(),
        });
        let cookie = self.cookie_with(&sid, now, expires_at, cache)?;
        self.store
            .create(&record)
            .instrument(self.span("create"))
            .await?;
        Ok(cookie)
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
        let opened = self.open_ticket(cookie_header, now)?;
        self.load_opened(opened, now).await
    }

    /// The optimistic check's result, kept: the session id from a ticket whose seal and
    /// expiry were checked. The guard hands it to the extractor, so that the seal is opened
    /// once per request.
    pub(crate) fn open_ticket(
        &self,
        cookie_header: &str,
        now: OffsetDateTime,
    ) -> Result<OpenedTicket<T>, Error> {
        let ticket = token::open_cookie::<Ticket>(
            &T::CONFIG,
            Purpose::Ticket,
            &self.keys,
            cookie_header,
            now,
        )?;
        let expires_at = ticket.expires_at();
        let ticket = ticket.into_inner();
        Ok(OpenedTicket {
            expires_at,
            sid: zeroize::Zeroizing::new(ticket.sid),
            cache: ticket.c,
            session_type: PhantomData,
        })
    }

    /// Loads the row of a ticket whose seal was already checked.
    pub(crate) async fn load_opened(
        &self,
        opened: OpenedTicket<T>,
        now: OffsetDateTime,
    ) -> Result<DbSession<T>, Error> {
        let key = SessionKey::of(&opened.sid);
        match self.cached(opened, key, now) {
            Copied::Session(session) => Ok(session),
            Copied::Miss(opened) => self.load_stored(opened.sid, key, now).await,
        }
    }

    /// Loads the session from the store, whatever copy the cookie carries: for changing a
    /// password, paying or administering, where a copy up to `cache` old is not enough.
    /// For a type without a `cache` this is [`load`](Self::load).
    pub async fn load_uncached(&self, cookie_header: &str) -> Result<DbSession<T>, Error> {
        self.load_uncached_at(cookie_header, OffsetDateTime::now_utc())
            .await
    }

    /// [`SessionManager::load_uncached`] as of `now`.
    pub async fn load_uncached_at(
        &self,
        cookie_header: &str,
        now: OffsetDateTime,
    ) -> Result<DbSession<T>, Error> {
        let opened = self.open_ticket(cookie_header, now)?;
        let key = SessionKey::of(&opened.sid);
        self.load_stored(opened.sid, key, now).await
    }

    /// The one decision on a cached copy, for the manager, the guard and the extractors:
    /// served only if it is within its age, readable, and trusted by a live feed that has
    /// heard nothing of this session or its user since. Anything else is a miss, never a
    /// refusal: the store decides.
    fn trusted<'c>(
        &self,
        opened: &'c OpenedTicket<T>,
        key: &SessionKey,
        now: OffsetDateTime,
    ) -> Option<&'c Cached> {
        let cache = opened.cache.as_ref()?;
        let age_limit = i64::try_from(T::CONFIG.cache()?.whole_milliseconds()).ok()?;
        let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).ok()?;
        if now_ms.saturating_sub(cache.t) > age_limit {
            return None;
        }
        let user = cache.u.as_deref().map(|user| (self.namespace(), user));
        self.feed()?
            .trusts(key, user, cache.v, cache.t)
            .then_some(cache)
    }

    /// The session from its trusted copy, or the ticket back (a miss): an untrusted copy,
    /// or one whose payload no longer reads as `T`.
    fn cached(
        &self,
        mut opened: OpenedTicket<T>,
        key: SessionKey,
        now: OffsetDateTime,
    ) -> Copied<T> {
        if self.trusted(&opened, &key, now).is_none() {
            return Copied::Miss(opened);
        }
        let Some(cache) = opened.cache.take() else {
            return Copied::Miss(opened);
        };
        let Ok(value) = serde_json::from_str::<T>(&cache.p) else {
            return Copied::Miss(opened);
        };
        Copied::Session(DbSession {
            value,
            sid: opened.sid,
            key,
            user_id: cache.u,
            created_at: cache.a,
            expires_at: opened.expires_at.unix_timestamp(),
            version: AtomicU64::new(cache.v),
            label: cache.l,
            payload: Some((cache.p, cache.v)),
            reissue: false,
        })
    }

    async fn load_stored(
        &self,
        sid: zeroize::Zeroizing<String>,
        key: SessionKey,
        now: OffsetDateTime,
    ) -> Result<DbSession<T>, Error> {
        let record = self.live_record(&key, now.unix_timestamp()).await?;
        let value = self.payload(&record)?;
        let cached = self.feed().is_some();
        Ok(DbSession {
            value,
            sid,
            key,
            user_id: record.user_id,
            created_at: record.created_at,
            expires_at: record.expires_at,
            version: AtomicU64::new(record.version),
            label: record.label,
            payload: cached.then_some((record.payload, record.version)),
            reissue: cached,
        })
    }

    /// The session from the ticket's copy if it is trusted now (no store read), or the
    /// ticket back.
    pub(crate) fn load_copy(&self, opened: OpenedTicket<T>, now: OffsetDateTime) -> Copied<T> {
        if T::CONFIG.cache().is_none() || opened.cache.is_none() {
            return Copied::Miss(opened);
        }
        let key = SessionKey::of(&opened.sid);
        self.cached(opened, key, now)
    }

    /// Whether `session` was read from the store by a type with a `cache`, so that the
    /// response should carry a fresh copy: [`refresh`](Self::refresh) returns that cookie.
    pub fn needs_reissue(&self, session: &DbSession<T>) -> bool {
        session.reissue
    }

    /// The live row of this session type at `key`.
    async fn live_record(&self, key: &SessionKey, now: i64) -> Result<Record, Error> {
        match self
            .store
            .load(key, now)
            .instrument(self.span("load"))
            .await?
        {
            Some(record) if record.expires_at > now && record.namespace == self.namespace() => {
                Ok(record)
            }
            _ => {
                tracing::debug!(
                    cookie = self.namespace(),
                    cause = Error::SessionNotFound.cause(),
                    "session refused: the store has no live session for the cookie"
                );
                Err(Error::SessionNotFound)
            }
        }
    }

    fn payload(&self, record: &Record) -> Result<T, Error> {
        serde_json::from_str::<T>(&record.payload).map_err(|_| {
            let why = crate::redact::describe::<T, _>(&mut serde_json::Deserializer::from_str(
                &record.payload,
            ));
            StoreError::error(
                StoreErrorKind::Corrupt,
                format_args!("payload: {}", why.unwrap_or_default()),
            )
        })
    }

    /// Sliding renewal: when less than `renew_within` remains, extends the session to
    /// `now + ttl` (never past `created_at + max_lifetime`) and returns the re-issued
    /// cookie. Otherwise returns `None` and writes nothing, so a busy session costs at most
    /// one write per window.
    ///
    /// Only the expiry is written, and only ever moved out, so a renewal based on a
    /// `DbSession` loaded before another request's [`SessionManager::update`] keeps that
    /// update. A session revoked in the meantime stays revoked: [`Error::SessionNotFound`].
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
        // Read from the store by a cached type: the same expiry, with a fresh copy.
        let reissue = || match session.reissue {
            true => self
                .cookie_with(&session.sid, now, session.expires_at, self.copy_of(session))
                .map(Some),
            false => Ok(None),
        };
        if session.expires_at.saturating_sub(now) >= T::CONFIG.renew_within().whole_seconds() {
            return reissue();
        }
        let expires_at = self.expiry(session.created_at, now);
        if expires_at <= session.expires_at {
            // At the absolute cap: nothing left to extend.
            return reissue();
        }
        let extended = self
            .store
            .extend(&session.key, expires_at, now)
            .instrument(self.span("extend"))
            .await?
            .ok_or(Error::SessionNotFound)?;
        // A concurrent renewal may have gone further; the cookie says what the row says.
        self.cookie_with(&session.sid, now, extended, self.copy_of(session))
            .map(Some)
    }

    /// Replaces the session's payload (and the user id it is filed under), keeping its id
    /// and expiry, if nobody has changed it since `session` was loaded.
    ///
    /// Another request's write in between is [`Error::SessionChanged`], and nothing is
    /// written: a stale copy never overwrites a newer one. [`SessionManager::modify`]
    /// reloads and retries instead. A session revoked in between is
    /// [`Error::SessionNotFound`]. After a success, `session` carries the new version, so
    /// it can be updated again.
    pub async fn update(&self, session: &DbSession<T>, payload: &T) -> Result<(), Error> {
        let (user_id, json) = Self::stored_payload(payload)?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let expected = session.version();
        match self
            .store
            .update(&session.key, expected, user_id.as_deref(), &json, now)
            .instrument(self.span("update"))
            .await?
        {
            Updated::Done(version) => {
                session.version.store(version, Ordering::Release);
                self.publish_update(session.key, version).await;
                Ok(())
            }
            Updated::Changed => Err(Error::SessionChanged),
            Updated::Gone => Err(Error::SessionNotFound),
        }
    }

    /// Changes the session's payload in place: loads the current payload, applies `change`
    /// to it, and writes it back only if nobody wrote in between. This is what a handler
    /// should reach for, once: concurrent requests that each `modify` a counter by one
    /// never lose a step. Returns the payload as written. A session revoked in between is
    /// [`Error::SessionNotFound`].
    ///
    /// Within this manager, `modify` calls on one session take turns, so they never
    /// conflict with each other. A write from elsewhere in between (another process, another
    /// manager, an [`update`](Self::update)) makes it load again and re-apply `change`
    /// after a short random pause. One second after the call (the wait for its turn
    /// included) it gives up with [`Error::SessionChanged`] and nothing is written. Without the `tokio` feature there
    /// is no timer to pause on, and it retries at once, 8 attempts in all.
    pub async fn modify(
        &self,
        session: &DbSession<T>,
        mut change: impl FnMut(&mut T) + Send,
    ) -> Result<T, Error> {
        // The deadline counts from the call: the wait for the turn spends it too.
        let mut backoff = Backoff::new();
        let Some(_turn) = backoff.within(self.turns.take(&session.key)).await else {
            return Err(Error::SessionChanged);
        };
        loop {
            let now = OffsetDateTime::now_utc().unix_timestamp();
            let record = self.live_record(&session.key, now).await?;
            let mut value = self.payload(&record)?;
            change(&mut value);
            let (user_id, json) = Self::stored_payload(&value)?;
            match self
                .store
                .update(&session.key, record.version, user_id.as_deref(), &json, now)
                .instrument(self.span("update"))
                .await?
            {
                Updated::Done(version) => {
                    session.version.store(version, Ordering::Release);
                    self.publish_update(session.key, version).await;
                    return Ok(value);
                }
                Updated::Changed if backoff.pause().await => continue,
                Updated::Changed => return Err(Error::SessionChanged),
                Updated::Gone => return Err(Error::SessionNotFound),
            }
        }
    }

    /// Ends one session (the guide's `deleteSession`); returns the cookie that removes it
    /// from the browser.
    pub async fn revoke(&self, session: &DbSession<T>) -> Result<Cookie<'static>, Error> {
        self.store
            .delete(&session.key)
            .instrument(self.span("delete"))
            .await?;
        self.publish(Event::Session {
            key: session.key,
            version: None,
        })
        .await?;
        Ok(removal_cookie(&T::CONFIG))
    }

    /// Ends every session of a user ("log out everywhere"); returns how many there were.
    pub async fn revoke_user(&self, user_id: &str) -> Result<u64, Error>
    where
        T: HasUserId,
    {
        validate::user_id(user_id)?;
        let ended = self
            .store
            .delete_user(self.namespace(), user_id)
            .instrument(self.span("delete_user"))
            .await?;
        self.publish(Event::User {
            namespace: self.namespace().to_owned(),
            user_id: user_id.to_owned(),
        })
        .await?;
        Ok(ended)
    }

    /// The live sessions of a user, oldest first, for a "your devices" page: when each
    /// was created, when it expires, its label and its store key.
    pub async fn list_sessions(&self, user_id: &str) -> Result<Vec<SessionInfo>, Error>
    where
        T: HasUserId,
    {
        validate::user_id(user_id)?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        self.store
            .list_user(self.namespace(), user_id, now)
            .instrument(self.span("list_user"))
            .await
    }

    /// Ends the session filed under `key` if it is one of `user_id`'s ("sign out that
    /// device"); returns whether it was. A key of another user's session, or of another
    /// session type, ends nothing.
    pub async fn revoke_session_of(&self, user_id: &str, key: &SessionKey) -> Result<bool, Error>
    where
        T: HasUserId,
    {
        validate::user_id(user_id)?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        match self
            .store
            .load(key, now)
            .instrument(self.span("load"))
            .await?
        {
            Some(record) if record.belongs_to(self.namespace(), user_id) => {
                let ended = self
                    .store
                    .delete(key)
                    .instrument(self.span("delete"))
                    .await?;
                self.publish(Event::Session {
                    key: *key,
                    version: None,
                })
                .await?;
                Ok(ended)
            }
            _ => Ok(false),
        }
    }

    /// Deletes this session type's expired rows; returns how many. Expired rows are
    /// already invisible, so this only reclaims space: run it now and then, or let
    /// `spawn_purge_task` do it.
    pub async fn purge_expired(&self) -> Result<u64, Error> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        self.store
            .purge_expired(self.namespace(), now)
            .instrument(self.span("purge_expired"))
            .await
    }

    /// Moves the session to a new id, keeping its payload and creation time, and removes
    /// the old one, in one atomic step of the store. Call it when privileges change (log
    /// in, sudo mode) so that an id an attacker planted before (session fixation) is
    /// worthless afterwards.
    ///
    /// The store moves the row as it is now, not as `session` saw it, so nothing written
    /// since is lost. If the session was revoked, expired or already regenerated in the
    /// meantime, this is [`Error::SessionNotFound`] and no new session exists: a slow
    /// request cannot bring a revoked session back.
    pub async fn regenerate(&self, session: &DbSession<T>) -> Result<Cookie<'static>, Error> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        // The same tag: the session stays in its place (its user's hash slot).
        let sid = new_session_id(session.key.tag())?;
        let key = SessionKey::of(&sid);
        let expires_at = self.expiry(session.created_at, now);
        let cookie = self.cookie(&sid, now, expires_at)?;
        match self
            .store
            .rotate(&session.key, &key, expires_at, now)
            .instrument(self.span("rotate"))
            .await?
        {
            true => {
                self.publish(Event::Session {
                    key: session.key,
                    version: None,
                })
                .await?;
                Ok(cookie)
            }
            false => Err(Error::SessionNotFound),
        }
    }

    /// [`SessionManager::regenerate`] with a new payload, which may name another user: the
    /// way to sign a session in as someone else (or for the first time), which OWASP asks
    /// to come with a new id anyway. The payload is written only if the session is still
    /// as `session` saw it ([`Error::SessionChanged`] otherwise, with nothing written).
    ///
    /// On a Redis Cluster, a session lives in its user's hash slot, so a new user means a
    /// new slot: the session is taken out of the old slot (one atomic script, which checks
    /// the version) and written into the new one (another). A failure between the two
    /// leaves the user signed out, never with two sessions. [`SessionManager::update`] and
    /// [`SessionManager::modify`] refuse a change of user there ([`Error::UserChanged`]).
    pub async fn regenerate_with(
        &self,
        session: &DbSession<T>,
        payload: &T,
    ) -> Result<Cookie<'static>, Error> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let (user_id, json) = Self::stored_payload(payload)?;
        let tag = match &user_id {
            Some(user_id) => user_tag(self.namespace(), user_id),
            None => session.key.tag(),
        };
        let sid = new_session_id(tag)?;
        let key = SessionKey::of(&sid);
        let expires_at = self.expiry(session.created_at, now);
        let cookie = self.cookie(&sid, now, expires_at)?;
        let replaced = self
            .store
            .replace(
                &session.key,
                &key,
                session.version(),
                user_id.as_deref(),
                &json,
                expires_at,
                now,
            )
            .instrument(self.span("replace"))
            .await?;
        match replaced {
            Updated::Done(_) => {
                self.publish(Event::Session {
                    key: session.key,
                    version: None,
                })
                .await?;
                Ok(cookie)
            }
            Updated::Changed => Err(Error::SessionChanged),
            Updated::Gone => Err(Error::SessionNotFound),
        }
    }

    /// The tag of a new session's id: its user's, so that a store that shards by user
    /// keeps it beside the user's other sessions, or a random one.
    fn tag_for(&self, user_id: Option<&str>) -> Result<[u8; 2], Error> {
        match user_id {
            Some(user_id) => Ok(user_tag(self.namespace(), user_id)),
            None => random_tag(),
        }
    }
}

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl<T, S> SessionManager<T, S>
where
    T: Session + Send + Sync + 'static,
    S: SessionStore + 'static,
{
    /// Runs [`SessionManager::purge_expired`] every `interval` on the tokio runtime, until
    /// the manager is dropped (the task holds only a weak reference) or the handle is
    /// aborted. A failed purge is retried at the next tick. Safe on every store; on Redis,
    /// which expires keys itself, it only catches keys that a skewed clock left behind.
    pub fn spawn_purge_task(
        self: &std::sync::Arc<Self>,
        interval: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let manager = std::sync::Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(manager) = manager.upgrade() else {
                    return;
                };
                // A failure is not fatal: the rows stay invisible, and the next tick tries
                // again.
                let _ = manager.purge_expired().await;
            }
        })
    }
}
