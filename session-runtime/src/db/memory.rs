//! [`MemoryStore`]: sessions in a map, for tests and single-process prototypes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use super::{Record, SessionKey, SessionStore, StoreError, StoreErrorKind};
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
        let mut inner = self.lock();
        match inner.records.get(key) {
            Some(record) if record.expires_at > now => Ok(Some(record.clone())),
            Some(_) => {
                inner.records.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn save(&self, record: &Record, now: i64) -> Result<bool, Error> {
        let mut inner = self.lock();
        match inner.records.get_mut(&record.key) {
            Some(stored) if stored.expires_at > now => {
                stored.user_id.clone_from(&record.user_id);
                stored.payload.clone_from(&record.payload);
                stored.expires_at = record.expires_at;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        Ok(self.lock().records.remove(key).is_some())
    }

    async fn delete_user(&self, user_id: &str) -> Result<u64, Error> {
        let mut inner = self.lock();
        let before = inner.records.len();
        inner
            .records
            .retain(|_, record| record.user_id.as_deref() != Some(user_id));
        Ok((before - inner.records.len()) as u64)
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, Error> {
        Ok(self.lock().sweep(now))
    }
}
