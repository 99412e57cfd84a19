//! A store wrapper that counts the calls reaching the store, to prove which requests never
//! do. Shared by the store suites and the cache tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sessionkit::feed::{Event, Feed};
use sessionkit::{Error, Record, SessionInfo, SessionKey, SessionStore, Updated};

/// Counts the calls that reach the store, to prove which requests never do.
pub struct Counting<S> {
    /// The store counted.
    pub inner: S,
    /// The calls so far, publishing and subscribing to the revocation feed aside.
    pub calls: AtomicUsize,
    /// Whether the inner store's revocation feed is passed through; without it, the
    /// wrapper is a store with the trait's default: no feed.
    pub feed: bool,
}

impl<S: SessionStore> Counting<S> {
    /// `inner`, counted from zero.
    #[allow(dead_code)]
    pub fn new(inner: S) -> Counting<S> {
        Counting {
            inner,
            calls: AtomicUsize::new(0),
            feed: true,
        }
    }

    /// `inner`, counted, as a store that has no revocation feed.
    #[allow(dead_code)]
    pub fn without_feed(inner: S) -> Counting<S> {
        Counting {
            feed: false,
            ..Counting::new(inner)
        }
    }

    /// The calls counted so far.
    #[allow(dead_code)]
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

impl<S: SessionStore> SessionStore for Counting<S> {
    async fn create(&self, record: &Record) -> Result<(), Error> {
        self.count();
        self.inner.create(record).await
    }
    async fn load(&self, key: &SessionKey, now: i64) -> Result<Option<Record>, Error> {
        self.count();
        self.inner.load(key, now).await
    }
    async fn update(
        &self,
        key: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        now: i64,
    ) -> Result<Updated, Error> {
        self.count();
        self.inner
            .update(key, expected_version, user_id, payload, now)
            .await
    }
    async fn extend(
        &self,
        key: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> Result<Option<i64>, Error> {
        self.count();
        self.inner.extend(key, expires_at, now).await
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
        self.count();
        self.inner
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
    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, Error> {
        self.count();
        self.inner.rotate(old, new, expires_at, now).await
    }
    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        self.count();
        self.inner.delete(key).await
    }
    async fn delete_user(&self, namespace: &str, user_id: &str) -> Result<u64, Error> {
        self.count();
        self.inner.delete_user(namespace, user_id).await
    }
    async fn list_user(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Vec<SessionInfo>, Error> {
        self.count();
        self.inner.list_user(namespace, user_id, now).await
    }
    async fn purge_expired(&self, namespace: &str, now: i64) -> Result<u64, Error> {
        self.count();
        self.inner.purge_expired(namespace, now).await
    }

    // The feed is how a store tells other processes, not a read or a write of sessions.
    async fn publish(&self, event: &Event) -> Result<(), Error> {
        match self.feed {
            true => self.inner.publish(event).await,
            false => Ok(()),
        }
    }
    fn subscribe(&self, feed: Arc<Feed>) {
        if self.feed {
            self.inner.subscribe(feed)
        }
    }
    async fn set_watermark(
        &self,
        namespace: &str,
        user_id: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        self.count();
        self.inner
            .set_watermark(namespace, user_id, at, expires_at)
            .await
    }
    async fn watermark(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Option<i64>, Error> {
        self.count();
        self.inner.watermark(namespace, user_id, now).await
    }
}
