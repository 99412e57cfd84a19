//! [`MemoryStore`]: sessions in a map, for tests and single-process prototypes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use super::{Record, SessionInfo, SessionKey, SessionStore, StoreError, StoreErrorKind, Updated};
use crate::error::Error;

/// Sessions in process memory. They vanish with the process and are not shared between
/// servers; use it for tests.
///
/// Unlike a map that only grows, it evicts: an expired session is dropped when it is
/// looked up, and a full sweep runs on `create` once the map has doubled since the last.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    records: HashMap<SessionKey, Record, BuildHasherDefault<KeyHasher>>,
    sweep_at_len: usize,
}

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

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-written record: every
        // mutation is a single map operation.
        self.inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// Session keys are SHA-256 digests of ids from the CSPRNG: uniform, and chosen by nobody,
/// so their first eight bytes are already a good hash and SipHash's flooding defence buys
/// nothing.
#[derive(Debug, Default, Clone, Copy)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for (index, byte) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*byte) << (8 * index);
        }
    }

    fn write_usize(&mut self, _length: usize) {}
}

impl Inner {
    fn sweep(&mut self, now: i64) -> u64 {
        let before = self.records.len();
        self.records.retain(|_, record| record.expires_at > now);
        self.sweep_at_len = (self.records.len() * 2).max(64);
        (before - self.records.len()) as u64
    }
}

impl Inner {
    /// The live record at `key`; an expired one is dropped on the way.
    fn live(&mut self, key: &SessionKey, now: i64) -> Option<&mut Record> {
        if self
            .records
            .get(key)
            .is_some_and(|record| record.expires_at <= now)
        {
            self.records.remove(key);
        }
        self.records.get_mut(key)
    }
}

/// Every operation runs under one lock, so each is atomic with respect to the others.
impl SessionStore for MemoryStore {
    async fn create(&self, record: &Record) -> Result<(), Error> {
        let mut inner = self.lock();
        if inner.records.len() >= inner.sweep_at_len {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            inner.sweep(now);
        }
        if inner.records.contains_key(&record.key) {
            return Err(StoreError::error(
                StoreErrorKind::Conflict,
                "duplicate session key",
            ));
        }
        inner.records.insert(record.key, record.clone());
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
        stored.user_id = user_id.map(str::to_owned);
        payload.clone_into(&mut stored.payload);
        stored.version += 1;
        Ok(Updated::Done(stored.version))
    }

    async fn extend(
        &self,
        key: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> Result<Option<i64>, Error> {
        let mut inner = self.lock();
        Ok(inner.live(key, now).map(|stored| {
            stored.expires_at = stored.expires_at.max(expires_at);
            stored.expires_at
        }))
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
        if inner.records.contains_key(new) {
            return Err(StoreError::error(
                StoreErrorKind::Conflict,
                "duplicate session key",
            ));
        }
        let Some(mut record) = inner.records.remove(old) else {
            return Ok(false);
        };
        record.key = *new;
        record.expires_at = expires_at;
        inner.records.insert(*new, record);
        Ok(true)
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        Ok(self.lock().records.remove(key).is_some())
    }

    async fn delete_user(&self, namespace: &str, user_id: &str) -> Result<u64, Error> {
        let mut inner = self.lock();
        let before = inner.records.len();
        inner
            .records
            .retain(|_, record| !record.belongs_to(namespace, user_id));
        Ok((before - inner.records.len()) as u64)
    }

    async fn list_user(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Vec<SessionInfo>, Error> {
        let inner = self.lock();
        let mut found: Vec<SessionInfo> = inner
            .records
            .values()
            .filter(|record| record.belongs_to(namespace, user_id) && record.expires_at > now)
            .map(SessionInfo::from)
            .collect();
        found.sort_by_key(|info| (info.created_at, *info.key.as_bytes()));
        Ok(found)
    }

    /// In batches of 1,000, taking the lock once per batch, so that readers wait for one
    /// batch at most, not for a million expired sessions.
    async fn purge_expired(&self, namespace: &str, now: i64) -> Result<u64, Error> {
        const BATCH: usize = 1000;
        let mut purged = 0;
        loop {
            let mut inner = self.lock();
            let batch: Vec<SessionKey> = inner
                .records
                .iter()
                .filter(|(_, record)| record.namespace == namespace && record.expires_at <= now)
                .map(|(key, _)| *key)
                .take(BATCH)
                .collect();
            for key in &batch {
                inner.records.remove(key);
            }
            drop(inner);
            purged += batch.len() as u64;
            if batch.len() < BATCH {
                return Ok(purged);
            }
        }
    }
}
