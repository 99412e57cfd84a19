//! [`AnyStore`]: a store chosen at run time, so that an application picks SQLite or Redis
//! from its configuration without making its router generic over the store.
//!
//! [`SessionStore`]'s methods return `impl Future`, which keeps every store's calls free of
//! boxing but makes the trait unusable as `dyn SessionStore`. `AnyStore` bridges the two: an
//! object-safe twin of the trait ([`DynStore`]), implemented for every store, behind one
//! `Arc`. The cost is one boxed future per store call.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::feed::{Event, Feed};
use super::{Record, SessionInfo, SessionKey, SessionStore, Updated};
use crate::error::Error;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`SessionStore`] with boxed futures, so that it can be a trait object.
trait DynStore: Send + Sync {
    fn create<'a>(&'a self, record: &'a Record) -> BoxFuture<'a, Result<(), Error>>;
    fn load<'a>(
        &'a self,
        key: &'a SessionKey,
        now: i64,
    ) -> BoxFuture<'a, Result<Option<Record>, Error>>;
    fn update<'a>(
        &'a self,
        key: &'a SessionKey,
        expected_version: u64,
        user_id: Option<&'a str>,
        payload: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Updated, Error>>;
    fn extend<'a>(
        &'a self,
        key: &'a SessionKey,
        expires_at: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<Option<i64>, Error>>;
    fn rotate<'a>(
        &'a self,
        old: &'a SessionKey,
        new: &'a SessionKey,
        expires_at: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, Error>>;
    fn delete<'a>(&'a self, key: &'a SessionKey) -> BoxFuture<'a, Result<bool, Error>>;
    #[allow(clippy::too_many_arguments)]
    fn replace<'a>(
        &'a self,
        old: &'a SessionKey,
        new: &'a SessionKey,
        expected_version: u64,
        user_id: Option<&'a str>,
        payload: &'a str,
        expires_at: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<Updated, Error>>;
    fn delete_user<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<u64, Error>>;
    fn list_user<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Vec<SessionInfo>, Error>>;
    fn purge_expired<'a>(
        &'a self,
        namespace: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<u64, Error>>;
    fn publish<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<(), Error>>;
    fn subscribe(&self, feed: Arc<Feed>);
    fn set_watermark<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        at: i64,
        expires_at: i64,
    ) -> BoxFuture<'a, Result<(), Error>>;
    fn watermark<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Option<i64>, Error>>;
}

impl<S: SessionStore> DynStore for S {
    fn create<'a>(&'a self, record: &'a Record) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(SessionStore::create(self, record))
    }
    fn load<'a>(
        &'a self,
        key: &'a SessionKey,
        now: i64,
    ) -> BoxFuture<'a, Result<Option<Record>, Error>> {
        Box::pin(SessionStore::load(self, key, now))
    }
    fn update<'a>(
        &'a self,
        key: &'a SessionKey,
        expected_version: u64,
        user_id: Option<&'a str>,
        payload: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Updated, Error>> {
        Box::pin(SessionStore::update(
            self,
            key,
            expected_version,
            user_id,
            payload,
            now,
        ))
    }
    fn extend<'a>(
        &'a self,
        key: &'a SessionKey,
        expires_at: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<Option<i64>, Error>> {
        Box::pin(SessionStore::extend(self, key, expires_at, now))
    }
    fn rotate<'a>(
        &'a self,
        old: &'a SessionKey,
        new: &'a SessionKey,
        expires_at: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(SessionStore::rotate(self, old, new, expires_at, now))
    }
    fn delete<'a>(&'a self, key: &'a SessionKey) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(SessionStore::delete(self, key))
    }
    fn replace<'a>(
        &'a self,
        old: &'a SessionKey,
        new: &'a SessionKey,
        expected_version: u64,
        user_id: Option<&'a str>,
        payload: &'a str,
        expires_at: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<Updated, Error>> {
        Box::pin(SessionStore::replace(
            self,
            old,
            new,
            expected_version,
            user_id,
            payload,
            expires_at,
            now,
        ))
    }
    fn delete_user<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<u64, Error>> {
        Box::pin(SessionStore::delete_user(self, namespace, user_id))
    }
    fn list_user<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Vec<SessionInfo>, Error>> {
        Box::pin(SessionStore::list_user(self, namespace, user_id, now))
    }
    fn purge_expired<'a>(
        &'a self,
        namespace: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<u64, Error>> {
        Box::pin(SessionStore::purge_expired(self, namespace, now))
    }
    fn publish<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(SessionStore::publish(self, event))
    }
    fn subscribe(&self, feed: Arc<Feed>) {
        SessionStore::subscribe(self, feed)
    }
    fn set_watermark<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        at: i64,
        expires_at: i64,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(SessionStore::set_watermark(
            self, namespace, user_id, at, expires_at,
        ))
    }
    fn watermark<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Option<i64>, Error>> {
        Box::pin(SessionStore::watermark(self, namespace, user_id, now))
    }
}

/// A store chosen at run time: `SessionManager<T, AnyStore>` is one type whatever store is
/// behind it, so handlers and state need no store parameter.
///
/// ```no_run
/// # async fn example() -> Result<(), sessionkit_runtime::Error> {
/// use sessionkit_runtime::db::AnyStore;
///
/// // `sqlite://sessions.db`, `sqlite::memory:`, `postgres://...`, `redis://...`,
/// // `rediss://...` (TLS) or `memory://`, from the configuration:
/// let url = std::env::var("SESSION_STORE").unwrap_or_else(|_| "memory://".into());
/// let store = AnyStore::connect(&url).await?;
/// # Ok(()) }
/// ```
///
/// Every store of this crate passes the conformance suite through it, and so does any
/// `SessionStore` of your own wrapped with [`AnyStore::new`].
#[derive(Clone)]
pub struct AnyStore(Arc<dyn DynStore>);

impl AnyStore {
    /// Wraps a store.
    pub fn new(store: impl SessionStore + 'static) -> AnyStore {
        AnyStore(Arc::new(store))
    }

    /// Opens the store a URL names, by its scheme:
    ///
    /// | URL | store | feature |
    /// | --- | --- | --- |
    /// | `memory://` | [`MemoryStore`](super::MemoryStore) | always |
    /// | `sqlite://path/to/file.db`, `sqlite::memory:` | `SqliteStore::open` / `memory` | `sqlite` |
    /// | `postgres://...`, `postgresql://...` | `PostgresStore::connect` | `postgres` |
    /// | `redis://host:port/db`, `rediss://...` (TLS) | `RedisStore::connect` | `redis` |
    ///
    /// Any other scheme, or one whose feature is not compiled in, is
    /// [`Error::InvalidInput`], naming neither the URL (it may carry a password) nor more
    /// than the scheme's rule.
    pub async fn connect(url: &str) -> Result<AnyStore, Error> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme.to_ascii_lowercase().as_str() {
            "memory" => Ok(AnyStore::new(super::MemoryStore::new())),
            #[cfg(feature = "sqlite")]
            "sqlite" => match url.strip_prefix("sqlite://") {
                Some(path) if !path.is_empty() => {
                    Ok(AnyStore::new(super::SqliteStore::open(path).await?))
                }
                _ if url == "sqlite::memory:" => {
                    Ok(AnyStore::new(super::SqliteStore::memory().await?))
                }
                _ => Err(Error::InvalidInput(
                    "a SQLite store URL is `sqlite://<path>` or `sqlite::memory:`",
                )),
            },
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => {
                Ok(AnyStore::new(super::PostgresStore::connect(url).await?))
            }
            #[cfg(feature = "redis")]
            "redis" | "rediss" => Ok(AnyStore::new(super::RedisStore::connect(url).await?)),
            _ => Err(Error::InvalidInput(
                "unknown session store URL: expected memory://, sqlite://, postgres:// or \
                 redis:// (each store needs its cargo feature)",
            )),
        }
    }
}

impl fmt::Debug for AnyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnyStore").finish_non_exhaustive()
    }
}

impl SessionStore for AnyStore {
    async fn create(&self, record: &Record) -> Result<(), Error> {
        self.0.create(record).await
    }

    async fn load(&self, key: &SessionKey, now: i64) -> Result<Option<Record>, Error> {
        self.0.load(key, now).await
    }

    async fn update(
        &self,
        key: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        now: i64,
    ) -> Result<Updated, Error> {
        self.0
            .update(key, expected_version, user_id, payload, now)
            .await
    }

    async fn extend(
        &self,
        key: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> Result<Option<i64>, Error> {
        self.0.extend(key, expires_at, now).await
    }

    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, Error> {
        self.0.rotate(old, new, expires_at, now).await
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        self.0.delete(key).await
    }

    async fn replace(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<Updated, Error> {
        self.0
            .replace(
                old,
                new,
                expected_version,
                user_id,
                payload,
                expires_at,
                now,
            )
            .await
    }

    async fn delete_user(&self, namespace: &str, user_id: &str) -> Result<u64, Error> {
        self.0.delete_user(namespace, user_id).await
    }

    async fn list_user(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Vec<SessionInfo>, Error> {
        self.0.list_user(namespace, user_id, now).await
    }

    async fn purge_expired(&self, namespace: &str, now: i64) -> Result<u64, Error> {
        self.0.purge_expired(namespace, now).await
    }

    async fn publish(&self, event: &Event) -> Result<(), Error> {
        self.0.publish(event).await
    }

    fn subscribe(&self, feed: Arc<Feed>) {
        self.0.subscribe(feed)
    }

    async fn set_watermark(
        &self,
        namespace: &str,
        user_id: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        self.0
            .set_watermark(namespace, user_id, at, expires_at)
            .await
    }

    async fn watermark(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Option<i64>, Error> {
        self.0.watermark(namespace, user_id, now).await
    }
}
