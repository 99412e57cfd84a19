//! [`MemoryStore`]: sessions in a map, for tests and single-process prototypes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use super::feed::{Event, Feed, Liveness, LocalFeeds};
use super::{Record, SessionInfo, SessionKey, SessionStore, StoreError, StoreErrorKind, Updated};
use crate::error::Error;

/// Sessions in process memory. They vanish with the process and are not shared between
/// servers; use it for tests.
///
/// Beside the map it keeps each namespace's sessions ordered by expiry and each user's
/// sessions by key, so that no call walks every session: a purge or a "log out everywhere"
/// touches what it removes, in batches of 1,000 with the lock let go between them. An
/// expired session is dropped when it is looked up, and each `create` drops a few of the
/// longest-expired, so the map does not grow with sessions nobody reads again.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    /// The revocation feeds of the managers over this store: in one process, an event is a
    /// call, delivered before `publish` returns.
    feeds: LocalFeeds,
    /// (namespace, user id) → (watermark in ms, expiry in s).
    watermarks: Mutex<HashMap<(String, String), (i64, i64)>>,
}

type Keyed<V> = HashMap<SessionKey, V, BuildHasherDefault<KeyHasher>>;

#[derive(Debug, Default)]
struct Inner {
    records: Keyed<Record>,
    /// Per namespace, `(expires_at, key)` of every record.
    by_expiry: BTreeMap<String, BTreeSet<(i64, SessionKey)>>,
    /// Per `(namespace, user id)`, the keys of their records.
    by_user: HashMap<(String, String), HashSet<SessionKey, BuildHasherDefault<KeyHasher>>>,
}

/// How many records one batch of a purge or a revocation removes under the lock.
const BATCH: usize = 1000;
/// How many expired records a `create` drops on its way.
const EVICT_PER_CREATE: usize = 16;

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many records it holds, expired ones not yet evicted included.
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether it holds no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes the keys `pick` chooses (at most `BATCH` at a time), one batch per turn of
    /// the lock, until a batch comes back short; returns how many were removed.
    ///
    /// The removed records are dropped after the lock is released, so that no reader waits
    /// on this store's lock while the allocator frees them (glibc's, when a purge empties
    /// much of its heap, hands the memory back to the system then; see the README's scale
    /// section for what that costs readers and how to avoid it).
    async fn remove_in_batches(&self, pick: impl Fn(&Inner) -> Vec<SessionKey>) -> u64 {
        let mut removed = 0;
        loop {
            // In a block, so that no guard is held across the `await`. The batch's length,
            // not the records found, decides whether to go on, as before the two loops met.
            let (count, records): (usize, Vec<Record>) = {
                let mut inner = self.lock();
                let batch = pick(&inner);
                let records = batch.iter().filter_map(|key| inner.remove(key)).collect();
                (batch.len(), records)
            };
            drop(records);
            removed += count as u64;
            if count < BATCH {
                return removed;
            }
            yield_now().await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the indexes half-written in a way
        // that matters: each index entry is added with its record and removed with it, and
        // a stale index entry is skipped.
        self.inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// Session keys begin with a two-byte slot tag (a user's, shared by all their sessions);
/// the next eight bytes are from a SHA-256 digest of an id from the CSPRNG: uniform, and
/// chosen by nobody, so they are already a good hash and SipHash's flooding defence buys
/// nothing.
#[derive(Debug, Default, Clone, Copy)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for (index, byte) in bytes.iter().skip(2).take(8).enumerate() {
            self.0 ^= u64::from(*byte) << (8 * index);
        }
    }

    fn write_usize(&mut self, _length: usize) {}
}

impl Inner {
    fn user_of(record: &Record) -> Option<(String, String)> {
        let user = record.user_id.as_ref()?;
        Some((record.namespace.clone(), user.clone()))
    }

    fn insert(&mut self, record: Record) {
        self.by_expiry
            .entry(record.namespace.clone())
            .or_default()
            .insert((record.expires_at, record.key));
        if let Some(user) = Inner::user_of(&record) {
            self.by_user.entry(user).or_default().insert(record.key);
        }
        self.records.insert(record.key, record);
    }

    /// Moves the record at `old` (which the caller found live) to the key `new`, changed by
    /// `change` on the way, re-filing it in both indexes: `rotate`'s and `replace`'s one step.
    /// A record already at `new` is a conflict, never overwritten. Returns the moved record's
    /// version.
    fn move_to(
        &mut self,
        old: &SessionKey,
        new: &SessionKey,
        change: impl FnOnce(&mut Record),
    ) -> Result<Option<u64>, Error> {
        if self.records.contains_key(new) {
            return Err(StoreError::error(
                StoreErrorKind::Conflict,
                "duplicate session key",
            ));
        }
        let Some(mut record) = self.remove(old) else {
            return Ok(None);
        };
        record.key = *new;
        change(&mut record);
        let version = record.version;
        self.insert(record);
        Ok(Some(version))
    }

    fn remove(&mut self, key: &SessionKey) -> Option<Record> {
        let record = self.records.remove(key)?;
        if let Some(set) = self.by_expiry.get_mut(&record.namespace) {
            set.remove(&(record.expires_at, record.key));
        }
        if let Some(user) = Inner::user_of(&record) {
            self.unfile_user(user, key);
        }
        Some(record)
    }

    fn unfile_user(&mut self, user: (String, String), key: &SessionKey) {
        if let Some(keys) = self.by_user.get_mut(&user) {
            keys.remove(key);
            if keys.is_empty() {
                self.by_user.remove(&user);
            }
        }
    }

    /// The live record at `key`; an expired one is dropped on the way.
    fn live(&mut self, key: &SessionKey, now: i64) -> Option<&mut Record> {
        if self
            .records
            .get(key)
            .is_some_and(|record| record.expires_at <= now)
        {
            self.remove(key);
        }
        self.records.get_mut(key)
    }

    fn set_expiry(&mut self, key: &SessionKey, expires_at: i64) {
        let Some(record) = self.records.get_mut(key) else {
            return;
        };
        let before = (record.expires_at, record.key);
        record.expires_at = expires_at;
        if let Some(set) = self.by_expiry.get_mut(&record.namespace) {
            set.remove(&before);
            set.insert((expires_at, *key));
        }
    }

    fn set_user(&mut self, key: &SessionKey, user_id: Option<&str>) {
        let Some(record) = self.records.get_mut(key) else {
            return;
        };
        if record.user_id.as_deref() == user_id {
            return;
        }
        let before = Inner::user_of(record);
        record.user_id = user_id.map(str::to_owned);
        let after = Inner::user_of(record);
        if let Some(before) = before {
            self.unfile_user(before, key);
        }
        if let Some(after) = after {
            self.by_user.entry(after).or_default().insert(*key);
        }
    }

    /// Up to `limit` keys of `namespace` that expired by `now`, longest-expired first.
    fn expired(&self, namespace: &str, now: i64, limit: usize) -> Vec<SessionKey> {
        self.by_expiry.get(namespace).map_or_else(Vec::new, |set| {
            set.iter()
                .take_while(|(expires_at, _)| *expires_at <= now)
                .take(limit)
                .map(|(_, key)| *key)
                .collect()
        })
    }

    /// Drops a few expired records of any namespace.
    fn evict(&mut self, now: i64) {
        let namespaces: Vec<String> = self.by_expiry.keys().cloned().collect();
        let mut budget = EVICT_PER_CREATE;
        for namespace in namespaces {
            for key in self.expired(&namespace, now, budget) {
                self.remove(&key);
                budget -= 1;
            }
            if budget == 0 {
                return;
            }
        }
    }
}

/// Every operation runs under one lock, so each is atomic with respect to the others.
impl SessionStore for MemoryStore {
    async fn create(&self, record: &Record) -> Result<(), Error> {
        let mut inner = self.lock();
        inner.evict(time::OffsetDateTime::now_utc().unix_timestamp());
        if inner.records.contains_key(&record.key) {
            return Err(StoreError::error(
                StoreErrorKind::Conflict,
                "duplicate session key",
            ));
        }
        inner.insert(record.clone());
        Ok(())
    }

    async fn load(&self, key: &SessionKey, now: i64) -> Result<Option<Record>, Error> {
        Ok(self.lock().live(key, now).cloned())
    }

    async fn update(
        &self,
        key: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        now: i64,
    ) -> Result<Updated, Error> {
        let mut inner = self.lock();
        let Some(stored) = inner.live(key, now) else {
            return Ok(Updated::Gone);
        };
        if stored.version != expected_version {
            return Ok(Updated::Changed);
        }
        payload.clone_into(&mut stored.payload);
        stored.version += 1;
        let version = stored.version;
        inner.set_user(key, user_id);
        Ok(Updated::Done(version))
    }

    async fn extend(
        &self,
        key: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> Result<Option<i64>, Error> {
        let mut inner = self.lock();
        let Some(stored) = inner.live(key, now) else {
            return Ok(None);
        };
        let expires_at = stored.expires_at.max(expires_at);
        inner.set_expiry(key, expires_at);
        Ok(Some(expires_at))
    }

    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, Error> {
        let mut inner = self.lock();
        if inner.live(old, now).is_none() {
            return Ok(false);
        }
        let moved = inner.move_to(old, new, |record| record.expires_at = expires_at)?;
        Ok(moved.is_some())
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        Ok(self.lock().remove(key).is_some())
    }

    /// Under one lock: the old key never carries the new payload.
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
        let mut inner = self.lock();
        let Some(stored) = inner.live(old, now) else {
            return Ok(Updated::Gone);
        };
        if stored.version != expected_version {
            return Ok(Updated::Changed);
        }
        let moved = inner.move_to(old, new, |record| {
            record.user_id = user_id.map(str::to_owned);
            payload.clone_into(&mut record.payload);
            record.expires_at = expires_at;
            record.version += 1;
        })?;
        Ok(moved.map_or(Updated::Gone, Updated::Done))
    }

    /// In batches of 1,000 under the lock, until the user has none left: a session created
    /// meanwhile is filed under the user and removed by a later batch.
    async fn delete_user(&self, namespace: &str, user_id: &str) -> Result<u64, Error> {
        let user = (namespace.to_owned(), user_id.to_owned());
        Ok(self
            .remove_in_batches(|inner| {
                inner
                    .by_user
                    .get(&user)
                    .map_or_else(Vec::new, |keys| keys.iter().take(BATCH).copied().collect())
            })
            .await)
    }

    async fn list_user(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Vec<SessionInfo>, Error> {
        let inner = self.lock();
        let user = (namespace.to_owned(), user_id.to_owned());
        let mut found: Vec<SessionInfo> = inner
            .by_user
            .get(&user)
            .into_iter()
            .flatten()
            .filter_map(|key| inner.records.get(key))
            .filter(|record| record.belongs_to(namespace, user_id) && record.expires_at > now)
            .map(SessionInfo::from)
            .collect();
        found.sort_by_key(|info| (info.created_at, *info.key.as_bytes()));
        Ok(found)
    }

    /// In batches of 1,000 from the namespace's expiry order, taking the lock once per
    /// batch and yielding between them, so that readers wait for one batch at most.
    async fn purge_expired(&self, namespace: &str, now: i64) -> Result<u64, Error> {
        Ok(self
            .remove_in_batches(|inner| inner.expired(namespace, now, BATCH))
            .await)
    }

    async fn publish(&self, event: &Event) -> Result<(), Error> {
        self.feeds.deliver(event);
        Ok(())
    }

    fn subscribe(&self, feed: Arc<Feed>) {
        feed.connected(Liveness::InProcess);
        self.feeds.add(&feed);
    }

    async fn set_watermark(
        &self,
        namespace: &str,
        user_id: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        let mut watermarks = self
            .watermarks
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        // Expired ones go on each write, so the map holds one entry a user at most.
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        watermarks.retain(|_, (_, expires)| *expires > now);
        let entry = watermarks
            .entry((namespace.to_owned(), user_id.to_owned()))
            .or_insert((at, expires_at));
        *entry = (entry.0.max(at), entry.1.max(expires_at));
        Ok(())
    }

    async fn watermark(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Option<i64>, Error> {
        let watermarks = self
            .watermarks
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        Ok(watermarks
            .get(&(namespace.to_owned(), user_id.to_owned()))
            .filter(|(_, expires)| *expires > now)
            .map(|(at, _)| *at))
    }
}

/// Lets others take the lock between batches. `std`'s mutex is not fair: a loop that takes
/// it again at once keeps it from a reader that another thread has just woken, for as long
/// as the loop runs. With the `tokio` feature the task sleeps for a tick of tokio's timer
/// (about a millisecond, ample for any waiting reader), which adds about a second to a
/// purge of a million sessions; without it, the thread gives up its time slice.
async fn yield_now() {
    #[cfg(feature = "tokio")]
    tokio::time::sleep(std::time::Duration::from_micros(100)).await;
    #[cfg(not(feature = "tokio"))]
    std::thread::yield_now();
}
