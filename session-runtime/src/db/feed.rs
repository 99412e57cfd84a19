//! The revocation feed: what one process has heard about other processes' writes, and
//! whether it may believe a cookie's cached copy of a session because of it.
//!
//! A store delivers [`Event`]s into a [`Feed`] (its own subscription task, or in-process
//! calls for the memory store). The manager asks [`Feed::trusts`] before it serves a cached
//! copy. Every answer errs towards "no": a copy that is not trusted costs one store read,
//! while a copy wrongly trusted would serve a revoked session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use super::SessionKey;

/// A change to sessions that other processes must hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// One session ended (`version: None`) or now has at least this version (an update).
    Session {
        /// The session's store key.
        key: SessionKey,
        /// The version written, for an update; `None` when the session ended.
        version: Option<u64>,
    },
    /// Every session of a user in a namespace ended.
    User {
        /// The session type's namespace (its cookie name).
        namespace: String,
        /// The user id.
        user_id: String,
    },
    /// A user's stateless tokens of a namespace issued before `at` are revoked.
    Watermark {
        /// The session type's namespace (its cookie name).
        namespace: String,
        /// The user id.
        user_id: String,
        /// Unix milliseconds.
        at: i64,
    },
}

impl Event {
    /// The wire form: `s <key hex> <version or ->` or `u <namespace> <user id>`. Namespaces
    /// are cookie names (RFC 6265 tokens, so no space) and user ids are validated to have
    /// no control characters, so the user id is the rest of the line.
    pub fn encode(&self) -> String {
        match self {
            Event::Session { key, version } => match version {
                Some(version) => format!("s {} {version}", key.to_hex()),
                None => format!("s {} -", key.to_hex()),
            },
            Event::User { namespace, user_id } => format!("u {namespace} {user_id}"),
            Event::Watermark {
                namespace,
                user_id,
                at,
            } => format!("w {namespace} {at} {user_id}"),
        }
    }

    /// Reads the wire form; `None` for anything else (a heartbeat, or garbage).
    pub fn decode(text: &str) -> Option<Event> {
        let (kind, rest) = text.split_once(' ')?;
        match kind {
            "s" => {
                let (key, version) = rest.split_once(' ')?;
                let version = match version {
                    "-" => None,
                    number => Some(number.parse().ok()?),
                };
                Some(Event::Session {
                    key: SessionKey::from_hex(key)?,
                    version,
                })
            }
            "u" => {
                let (namespace, user_id) = rest.split_once(' ')?;
                Some(Event::User {
                    namespace: namespace.to_owned(),
                    user_id: user_id.to_owned(),
                })
            }
            "w" => {
                let (namespace, rest) = rest.split_once(' ')?;
                let (at, user_id) = rest.split_once(' ')?;
                Some(Event::Watermark {
                    namespace: namespace.to_owned(),
                    user_id: user_id.to_owned(),
                    at: at.parse().ok()?,
                })
            }
            _ => None,
        }
    }
}

/// How a store's subscription proves it is alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// Delivered by calls in this process (the memory store): live from the subscription on.
    InProcess,
    /// Through a server: a heartbeat goes through the engine every `interval`; the feed
    /// counts as live while one arrived within three intervals.
    Heartbeat {
        /// How often the subscription task sends a heartbeat through the engine.
        interval: Duration,
    },
}

/// One process's view of a store's revocation feed.
#[derive(Debug)]
pub struct Feed {
    /// How long an event keeps a cached copy from being trusted: the cache's age limit
    /// plus the clock skew allowed between processes. A copy older than that is refused
    /// by its own age, so an older event can be forgotten.
    window: Duration,
    /// Which events this feed keeps: every feed hears every event on its store's channel,
    /// and keeping the others for its window would only grow its maps.
    keeps: Keeps,
    /// Read on every cached load, written per event: a read-write lock, so that loads on
    /// several threads do not queue behind each other.
    state: RwLock<State>,
}

/// What a feed is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keeps {
    /// Sessions ended or changed, and users logged out: a manager's cookie cache.
    Copies,
    /// Watermarks: a [`Revocations`](crate::db::Revocations) handle.
    Watermarks,
}

#[derive(Debug, Default)]
struct State {
    liveness: Option<Liveness>,
    /// When the current unbroken stretch of liveness began (wall clock, Unix ms).
    live_since_ms: Option<i64>,
    last_beat: Option<Instant>,
    /// Session key → (when heard, the lowest version a copy may have; `u64::MAX` if ended).
    sessions: HashMap<SessionKey, (Instant, u64)>,
    /// Namespace → user id → when heard.
    users: HashMap<String, HashMap<String, Instant>>,
    /// Namespace → user id → (watermark, when heard).
    watermarks: HashMap<String, HashMap<String, (i64, Instant)>>,
    last_pruned: Option<Instant>,
}

/// The skew allowed between the clocks of processes sharing a store: a copy issued
/// elsewhere within this long before this process's subscription came up is not trusted,
/// since its issuer's clock may run ahead of ours.
const CLOCK_SKEW: Duration = Duration::from_secs(1);

impl Feed {
    /// A feed that forgets events after the cache age limit `cache` (plus the clock skew).
    pub fn new(cache: Duration) -> Feed {
        Feed {
            window: cache + CLOCK_SKEW,
            keeps: Keeps::Copies,
            state: RwLock::new(State::default()),
        }
    }

    /// A feed that keeps the watermarks of stateless tokens, for `lifetime` (the longest a
    /// token they concern can live) plus the clock skew.
    pub fn for_watermarks(lifetime: Duration) -> Feed {
        Feed {
            keeps: Keeps::Watermarks,
            ..Feed::new(lifetime)
        }
    }

    // A panic while holding the lock leaves only maps and timestamps behind; a poisoned
    // feed would otherwise stop every load.
    fn state(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The subscription is established (or re-established): copies issued from now on may
    /// be trusted, none from before.
    pub fn connected(&self, liveness: Liveness) {
        let mut state = self.state();
        state.liveness = Some(liveness);
        state.live_since_ms = Some(now_ms());
        state.last_beat = Some(Instant::now());
    }

    /// The subscription dropped: nothing is trusted until [`Feed::connected`] again.
    pub fn lost(&self) {
        let mut state = self.state();
        state.live_since_ms = None;
        state.last_beat = None;
    }

    /// A heartbeat arrived through the engine.
    pub fn beat(&self) {
        let mut state = self.state();
        if state.live_since_ms.is_some() {
            state.last_beat = Some(Instant::now());
        }
    }

    /// An event arrived.
    pub fn heard(&self, event: &Event) {
        let wanted = match event {
            Event::Watermark { .. } => self.keeps == Keeps::Watermarks,
            Event::Session { .. } | Event::User { .. } => self.keeps == Keeps::Copies,
        };
        if !wanted {
            return;
        }
        let now = Instant::now();
        let mut state = self.state();
        match event {
            Event::Session { key, version } => {
                let floor = version.unwrap_or(u64::MAX);
                let entry = state.sessions.entry(*key).or_insert((now, floor));
                entry.0 = now;
                entry.1 = entry.1.max(floor);
            }
            Event::User { namespace, user_id } => {
                state
                    .users
                    .entry(namespace.clone())
                    .or_default()
                    .insert(user_id.clone(), now);
            }
            Event::Watermark {
                namespace,
                user_id,
                at,
            } => {
                let entry = state
                    .watermarks
                    .entry(namespace.clone())
                    .or_default()
                    .entry(user_id.clone())
                    .or_insert((*at, now));
                *entry = (entry.0.max(*at), now);
            }
        }
        let due = state
            .last_pruned
            .is_none_or(|pruned| now.duration_since(pruned) > self.window);
        if due {
            let window = self.window;
            state
                .sessions
                .retain(|_, (heard, _)| now.duration_since(*heard) <= window);
            for users in state.users.values_mut() {
                users.retain(|_, heard| now.duration_since(*heard) <= window);
            }
            state.users.retain(|_, users| !users.is_empty());
            for users in state.watermarks.values_mut() {
                users.retain(|_, (_, heard)| now.duration_since(*heard) <= window);
            }
            state.watermarks.retain(|_, users| !users.is_empty());
            state.last_pruned = Some(now);
        }
    }

    /// Whether the feed is live now: subscribed, and (for a server) with a recent heartbeat.
    pub fn is_live(&self) -> bool {
        live(&self.read())
    }

    /// Whether a cached copy of session `key` (of `user` in `namespace`, at `version`,
    /// issued at `issued_ms` by its issuer's clock) may be served without a store read.
    pub fn trusts(
        &self,
        key: &SessionKey,
        user: Option<(&str, &str)>,
        version: u64,
        issued_ms: i64,
    ) -> bool {
        let state = self.read();
        if !answers_for(&state, issued_ms) {
            return false;
        }
        // Events older than the window are kept until the next prune, but no longer
        // count: every copy they could concern has outlived its age limit.
        let recent = |heard: &Instant| heard.elapsed() <= self.window;
        if let Some((heard, floor)) = state.sessions.get(key) {
            if recent(heard) && version < *floor {
                return false;
            }
        }
        if let Some((namespace, user_id)) = user {
            let heard = state
                .users
                .get(namespace)
                .and_then(|users| users.get(user_id));
            if heard.is_some_and(recent) {
                return false;
            }
        }
        true
    }

    /// The watermark this feed has heard for a user, if it can answer for a token issued
    /// at `issued_ms`: `None` when it cannot (not live, or the token is older than the
    /// feed's live stretch, so a watermark may have been set unheard), `Some(None)` when no
    /// watermark concerns the token, `Some(Some(at))` with the one heard.
    pub fn watermark(&self, namespace: &str, user_id: &str, issued_ms: i64) -> Option<Option<i64>> {
        let state = self.read();
        if !answers_for(&state, issued_ms) {
            return None;
        }
        Some(
            state
                .watermarks
                .get(namespace)
                .and_then(|users| users.get(user_id))
                .map(|(at, _)| *at),
        )
    }
}

/// Whether the feed can speak for something issued at `issued_ms` (a copy, a token): it
/// is live, and has been since before then. Issued before this process was listening (or
/// around then, by a faster clock), an event may have gone by unheard.
fn answers_for(state: &State, issued_ms: i64) -> bool {
    let Some(since) = state.live_since_ms.filter(|_| live(state)) else {
        return false;
    };
    let skew = match state.liveness {
        Some(Liveness::InProcess) => 0,
        _ => i64::try_from(CLOCK_SKEW.as_millis()).unwrap_or(i64::MAX),
    };
    issued_ms >= since.saturating_add(skew)
}

/// The feeds subscribed in this process to a store that delivers by call (memory, and
/// SQLite's own process): an event reaches them before `publish` returns.
#[derive(Debug, Default)]
pub(crate) struct LocalFeeds(Mutex<Vec<Weak<Feed>>>);

impl LocalFeeds {
    /// Adds `feed`. Whether it is live is for the store to say.
    pub(crate) fn add(&self, feed: &Arc<Feed>) {
        self.lock().push(Arc::downgrade(feed));
    }

    /// Delivers `event` to every feed still held by a manager, and forgets the others.
    pub(crate) fn deliver(&self, event: &Event) {
        self.lock().retain(|feed| match feed.upgrade() {
            Some(feed) => {
                feed.heard(event);
                true
            }
            None => false,
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Weak<Feed>>> {
        self.0.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}

fn live(state: &State) -> bool {
    match (state.liveness, state.live_since_ms, state.last_beat) {
        (Some(Liveness::InProcess), Some(_), _) => true,
        (Some(Liveness::Heartbeat { interval }), Some(_), Some(beat)) => {
            beat.elapsed() <= interval * 3
        }
        _ => false,
    }
}

/// The wall clock in Unix milliseconds, as cached copies record their issue time.
pub(crate) fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SessionKey {
        SessionKey::from_bytes([byte; 32])
    }

    #[test]
    fn events_survive_their_wire_form_and_garbage_is_none() {
        let events = [
            Event::Session {
                key: key(7),
                version: Some(3),
            },
            Event::Session {
                key: key(9),
                version: None,
            },
            Event::User {
                namespace: "session".into(),
                user_id: "ada lovelace".into(),
            },
        ];
        for event in events {
            assert_eq!(Event::decode(&event.encode()), Some(event));
        }
        for garbage in [
            "",
            "b 123",
            "s nothex -",
            "s 00 1",
            "u session",
            "s",
            "x y z",
        ] {
            assert_eq!(Event::decode(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn nothing_is_trusted_before_connecting_or_after_losing_the_feed() {
        let feed = Feed::new(Duration::from_secs(30));
        let later = now_ms() + 10_000;
        assert!(!feed.trusts(&key(1), None, 1, later));
        feed.connected(Liveness::InProcess);
        assert!(feed.trusts(&key(1), None, 1, later));
        // Issued before the subscription: an event may have gone unheard.
        assert!(!feed.trusts(&key(1), None, 1, now_ms() - 1));
        feed.lost();
        assert!(!feed.trusts(&key(1), None, 1, later));
    }

    #[test]
    fn a_server_feed_needs_its_heartbeat_and_discounts_the_clock_skew() {
        let feed = Feed::new(Duration::from_secs(30));
        feed.connected(Liveness::Heartbeat {
            interval: Duration::from_millis(20),
        });
        assert!(feed.trusts(&key(1), None, 1, now_ms() + 2_000));
        // A copy issued elsewhere within the skew of our subscription is not believed.
        assert!(!feed.trusts(&key(1), None, 1, now_ms() + 500));
        std::thread::sleep(Duration::from_millis(80));
        assert!(!feed.is_live());
        assert!(!feed.trusts(&key(1), None, 1, now_ms() + 2_000));
        feed.beat();
        assert!(feed.trusts(&key(1), None, 1, now_ms() + 2_000));
    }

    #[test]
    fn an_event_distrusts_older_copies_of_its_session_or_user_only() {
        let feed = Feed::new(Duration::from_secs(30));
        feed.connected(Liveness::InProcess);
        let issued = now_ms() + 1;
        feed.heard(&Event::Session {
            key: key(1),
            version: Some(4),
        });
        assert!(!feed.trusts(&key(1), None, 3, issued));
        assert!(feed.trusts(&key(1), None, 4, issued));
        assert!(feed.trusts(&key(2), None, 1, issued));
        feed.heard(&Event::Session {
            key: key(1),
            version: None,
        });
        assert!(!feed.trusts(&key(1), None, 99, issued));
        feed.heard(&Event::User {
            namespace: "session".into(),
            user_id: "ada".into(),
        });
        assert!(!feed.trusts(&key(3), Some(("session", "ada")), 1, issued));
        assert!(feed.trusts(&key(3), Some(("admin", "ada")), 1, issued));
        assert!(feed.trusts(&key(3), Some(("session", "bob")), 1, issued));
    }

    #[test]
    fn a_feed_keeps_only_the_events_it_is_for() {
        let copies = Feed::new(Duration::from_secs(30));
        let watermarks = Feed::for_watermarks(Duration::from_secs(3_600));
        for feed in [&copies, &watermarks] {
            feed.connected(Liveness::InProcess);
            feed.heard(&Event::Session {
                key: key(1),
                version: None,
            });
            feed.heard(&Event::Watermark {
                namespace: "session".into(),
                user_id: "ada".into(),
                at: 5,
            });
        }
        assert_eq!(copies.state().sessions.len(), 1);
        assert!(copies.state().watermarks.is_empty());
        assert!(watermarks.state().sessions.is_empty());
        assert_eq!(
            watermarks.watermark("session", "ada", 0),
            None,
            "older than the feed"
        );
        let now = now_ms() + 1;
        assert_eq!(watermarks.watermark("session", "ada", now), Some(Some(5)));
        assert_eq!(watermarks.watermark("session", "bob", now), Some(None));
    }

    #[test]
    fn events_are_forgotten_after_the_window() {
        let feed = Feed {
            window: Duration::from_millis(30),
            keeps: Keeps::Copies,
            state: RwLock::new(State::default()),
        };
        feed.connected(Liveness::InProcess);
        feed.heard(&Event::Session {
            key: key(1),
            version: None,
        });
        std::thread::sleep(Duration::from_millis(50));
        // The next event prunes the old one: the map stays bounded.
        feed.heard(&Event::Session {
            key: key(2),
            version: None,
        });
        assert_eq!(feed.state().sessions.len(), 1);
    }
}
