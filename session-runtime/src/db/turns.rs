//! Turns per session: within one process, the `modify` calls on one session run one after
//! another instead of racing each other into compare-and-swap conflicts. Each session's lock
//! exists only while somebody holds or awaits it, so the map holds no more entries than there
//! are sessions being modified at that moment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use super::SessionKey;

type Lock = Arc<AsyncMutex<()>>;

/// The locks of the sessions being modified right now, by key.
#[derive(Default)]
pub(crate) struct Turns {
    locks: Mutex<HashMap<SessionKey, Lock>>,
}

impl Turns {
    fn map(&self) -> MutexGuard<'_, HashMap<SessionKey, Lock>> {
        // The map is consistent after every statement, so a panic elsewhere leaves it usable.
        self.locks
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Waits for the session's turn. The turn lasts as long as the returned value, and a
    /// caller that stops waiting (its future dropped) gives its place up cleanly.
    pub(crate) async fn take(&self, key: &SessionKey) -> Turn<'_> {
        let lock = Arc::clone(self.map().entry(*key).or_default());
        let mut turn = Turn {
            turns: self,
            key: *key,
            lock: Some(Arc::clone(&lock)),
            guard: None,
        };
        turn.guard = Some(lock.lock_owned().await);
        turn
    }

    /// How many sessions have a lock now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.map().len()
    }
}

/// One caller's turn on one session (or its place in the queue while it waits).
pub(crate) struct Turn<'a> {
    turns: &'a Turns,
    key: SessionKey,
    lock: Option<Lock>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        // Every new reference to a lock is taken under the map's mutex, so with it held, a
        // count of one (the map's own) means nobody holds or awaits this session's lock.
        let mut map = self.turns.map();
        self.guard.take();
        self.lock.take();
        if map
            .get(&self.key)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            map.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::Turns;
    use crate::db::SessionKey;

    fn poll<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn one_turn_at_a_time_per_session_and_no_lock_outlives_its_users() {
        let turns = Turns::default();
        let key = SessionKey::from_hex(&"ab".repeat(32)).unwrap();
        let other = SessionKey::from_hex(&"cd".repeat(32)).unwrap();

        let Poll::Ready(first) = poll(pin!(turns.take(&key))) else {
            panic!("a free session's turn comes at once");
        };
        let mut second = Box::pin(turns.take(&key));
        assert!(poll(second.as_mut()).is_pending(), "the second waits");
        let Poll::Ready(elsewhere) = poll(pin!(turns.take(&other))) else {
            panic!("another session does not wait");
        };
        assert_eq!(turns.len(), 2);
        drop(elsewhere);
        assert_eq!(turns.len(), 1);

        // A waiter that gives up leaves the queue; the holder keeps the lock alive.
        let mut third = Box::pin(turns.take(&key));
        assert!(poll(third.as_mut()).is_pending());
        drop(third);
        drop(first);
        let Poll::Ready(second) = poll(second.as_mut()) else {
            panic!("the second's turn comes when the first ends");
        };
        assert_eq!(turns.len(), 1);
        drop(second);
        assert_eq!(turns.len(), 0, "the map does not grow");
    }
}
