//! Session fixation through `regenerate_with`: the pre-login id must never carry the signed-in
//! payload, not for an instant while the sign-in runs, and not after one of its steps fails.
//!
//! Each probe signs a planted session in (a visitor becomes an admin) while an attacker who
//! holds the planted cookie acts on it: polls it, regenerates it, or modifies it. A leak is
//! any moment at which the attacker's cookie, or a session made from it, shows the admin.

use std::sync::atomic::AtomicBool;

use sessionkit::DbSession;

use super::*;

/// How many sign-ins each probe runs.
const ROUNDS: usize = 100;

/// The planted session's payload and the signed-in one. Where sessions live in their user's
/// slot (a cluster), the sign-in is a step-up of the same user (the same slot); elsewhere a
/// new user.
fn identities(placement: Placement) -> (Account, Account) {
    let visitor = account(&user("visitor"));
    let admin = Account {
        user_id: match placement {
            Placement::Anywhere => user("victim"),
            Placement::BySlot => visitor.user_id.clone(),
        },
        role: "admin".into(),
        counter: 0,
    };
    (visitor, admin)
}

/// A planted session, and the attacker's and the victim's views of it, loaded before the
/// sign-in.
async fn planted<S: SessionStore>(
    manager: &Manager<S>,
    visitor: &Account,
) -> (String, DbSession<Account>, DbSession<Account>) {
    let cookie = manager.create(visitor).await.unwrap();
    let header = header(&cookie);
    let attacker = manager.load(&header).await.unwrap();
    let victim = manager.load(&header).await.unwrap();
    (header, attacker, victim)
}

/// Leaks found by each probe, out of [`ROUNDS`] sign-ins.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Leaks {
    /// Sign-ins during which a load of the planted cookie returned the admin.
    polled: usize,
    /// Sign-ins after which the attacker's `regenerate` of the planted session opened as
    /// the admin.
    regenerated: usize,
    /// Sign-ins during which the attacker's `modify`, from a view loaded before the
    /// sign-in, rewrote the admin's payload.
    modified: usize,
}

/// Every probe, [`ROUNDS`] times each, against one store.
pub async fn a_sign_in_never_shows_through_the_planted_id<S: SessionStore>(
    manager: &Manager<S>,
    placement: Placement,
) {
    let mut leaks = Leaks::default();
    for round in 0..ROUNDS {
        leaks.polled += usize::from(polled(manager, placement).await);
        leaks.regenerated += usize::from(regenerated(manager, placement, round).await);
        leaks.modified += usize::from(modified(manager, placement, round).await);
    }
    eprintln!("fixation probes, {placement:?}, out of {ROUNDS} sign-ins each: {leaks:?}");
    assert_eq!(leaks, Leaks::default(), "out of {ROUNDS} sign-ins each");
}

/// The attacker polls the planted cookie while the victim signs in.
async fn polled<S: SessionStore>(manager: &Manager<S>, placement: Placement) -> bool {
    let (visitor, admin) = identities(placement);
    let (header, _, victim) = planted(manager, &visitor).await;
    let done = AtomicBool::new(false);
    let leaked = AtomicBool::new(false);
    let sign_in = async {
        let signed_in = manager.regenerate_with(&victim, &admin).await;
        done.store(true, Ordering::SeqCst);
        signed_in.unwrap()
    };
    let poll = async {
        while !done.load(Ordering::SeqCst) {
            if let Ok(seen) = manager.load(&header).await {
                leaked.fetch_or(seen.role == "admin", Ordering::SeqCst);
            }
            tokio::task::yield_now().await;
        }
    };
    let (cookie, ()) = tokio::join!(sign_in, poll);
    // The sign-in itself worked, and the planted cookie is gone.
    assert_eq!(
        manager.load(&self::header(&cookie)).await.unwrap().role,
        "admin"
    );
    assert_eq!(
        manager.load(&header).await.unwrap_err(),
        Error::SessionNotFound
    );
    manager
        .revoke(&manager.load(&self::header(&cookie)).await.unwrap())
        .await
        .unwrap();
    leaked.load(Ordering::SeqCst)
}

/// The attacker regenerates the planted session as soon as the sign-in shows through it,
/// or after a few polls otherwise, and keeps what comes out.
async fn regenerated<S: SessionStore>(
    manager: &Manager<S>,
    placement: Placement,
    round: usize,
) -> bool {
    let (visitor, admin) = identities(placement);
    let (header, attacker, victim) = planted(manager, &visitor).await;
    let sign_in = manager.regenerate_with(&victim, &admin);
    let attack = async {
        for _ in 0..round % 6 {
            if manager
                .load(&header)
                .await
                .is_ok_and(|seen| seen.role == "admin")
            {
                break;
            }
            tokio::task::yield_now().await;
        }
        manager.regenerate(&attacker).await
    };
    let (signed_in, stolen) = tokio::join!(sign_in, attack);
    let leaked = match stolen {
        Ok(cookie) => {
            let kept = manager.load(&self::header(&cookie)).await.unwrap();
            let leaked = kept.role == "admin";
            manager.revoke(&kept).await.unwrap();
            leaked
        }
        Err(err) => {
            assert_eq!(err, Error::SessionNotFound);
            false
        }
    };
    // One of the two won, never both with one session.
    if let Ok(cookie) = signed_in {
        let _ = manager
            .revoke(&manager.load(&self::header(&cookie)).await.unwrap())
            .await;
    }
    let _ = manager.revoke(&attacker).await;
    leaked
}

/// The attacker's `modify`, from a view loaded before the sign-in, lands while it runs.
async fn modified<S: SessionStore>(
    manager: &Manager<S>,
    placement: Placement,
    round: usize,
) -> bool {
    let (visitor, admin) = identities(placement);
    let (header, attacker, victim) = planted(manager, &visitor).await;
    let rewrote_admin = AtomicBool::new(false);
    let sign_in = manager.regenerate_with(&victim, &admin);
    let attack = async {
        for _ in 0..round % 6 {
            if manager
                .load(&header)
                .await
                .is_ok_and(|seen| seen.role == "admin")
            {
                break;
            }
            tokio::task::yield_now().await;
        }
        manager
            .modify(&attacker, |payload| {
                rewrote_admin.fetch_or(payload.role == "admin", Ordering::SeqCst);
                payload.counter += 1;
            })
            .await
    };
    let (signed_in, modified) = tokio::join!(sign_in, attack);
    if let Ok(cookie) = signed_in {
        let _ = manager
            .revoke(&manager.load(&self::header(&cookie)).await.unwrap())
            .await;
    }
    let _ = manager.revoke(&attacker).await;
    modified.is_ok() && rewrote_admin.load(Ordering::SeqCst)
}

/// A store that runs the trait's default `replace` over another one, and can fail every
/// call that comes after the first write of a `replace`, as a dropped connection would.
pub struct Defaulted<S> {
    inner: S,
    /// While set, `rotate` and `delete` fail.
    failing: AtomicBool,
}

impl<S> Defaulted<S> {
    pub fn new(inner: S) -> Defaulted<S> {
        Defaulted {
            inner,
            failing: AtomicBool::new(false),
        }
    }

    fn fail(&self) -> Result<(), Error> {
        match self.failing.load(Ordering::SeqCst) {
            true => Err(sessionkit::StoreError::error(
                StoreErrorKind::Unavailable,
                "injected between the steps",
            )),
            false => Ok(()),
        }
    }
}

impl<S: SessionStore> SessionStore for Defaulted<S> {
    async fn create(&self, record: &Record) -> Result<(), Error> {
        self.inner.create(record).await
    }
    async fn load(&self, key: &SessionKey, now: i64) -> Result<Option<Record>, Error> {
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
        self.inner.extend(key, expires_at, now).await
    }
    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, Error> {
        self.fail()?;
        self.inner.rotate(old, new, expires_at, now).await
    }
    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        self.fail()?;
        self.inner.delete(key).await
    }
    async fn delete_user(&self, namespace: &str, user_id: &str) -> Result<u64, Error> {
        self.inner.delete_user(namespace, user_id).await
    }
    async fn list_user(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Vec<SessionInfo>, Error> {
        self.inner.list_user(namespace, user_id, now).await
    }
    async fn purge_expired(&self, namespace: &str, now: i64) -> Result<u64, Error> {
        self.inner.purge_expired(namespace, now).await
    }
}

/// The trait's default `replace` (what a store of the application's own runs), over the
/// store under test: the probes find nothing, and a failure after its first write leaves
/// the planted id as it was.
pub async fn the_default_replace_holds<S: SessionStore>(store: S, placement: Placement) {
    let defaulted = Arc::new(Counting::new(Defaulted::new(store)));
    let manager = SessionManager::<Account, _>::new(Arc::clone(&defaulted), keys());
    a_sign_in_never_shows_through_the_planted_id(&manager, placement).await;

    let (visitor, admin) = identities(placement);
    let (header, _, victim) = planted(&manager, &visitor).await;
    defaulted.inner.failing.store(true, Ordering::SeqCst);
    let failed = manager.regenerate_with(&victim, &admin).await;
    defaulted.inner.failing.store(false, Ordering::SeqCst);
    assert!(failed.is_err(), "the sign-in reports the failure");
    let left = manager.load(&header).await.unwrap();
    assert_eq!(
        *left, visitor,
        "the planted id still holds only the visitor"
    );
    manager.revoke(&left).await.unwrap();
}

/// A SQL store whose id change a trigger aborts (as a constraint or a dropped connection
/// would, halfway through a two-step sign-in): the sign-in fails, and the planted id still
/// holds the visitor.
pub async fn an_aborted_id_change_leaves_the_planted_id_as_it_was<S: SessionStore>(
    store: S,
    abort_id_changes: impl AsyncFnOnce(),
    allow_id_changes: impl AsyncFnOnce(),
) {
    let manager = SessionManager::<Probe, _>::new(store, keys());
    let visitor = Probe {
        user_id: user("visitor"),
        role: "member".into(),
    };
    let admin = Probe {
        user_id: user("victim"),
        role: "admin".into(),
    };
    let cookie = manager.create(&visitor).await.unwrap();
    let header = format!("fixate={}", cookie.value());
    let session = manager.load(&header).await.unwrap();
    abort_id_changes().await;
    let failed = manager.regenerate_with(&session, &admin).await;
    allow_id_changes().await;
    assert!(failed.is_err(), "the trigger aborted the sign-in");
    assert_eq!(
        *manager.load(&header).await.unwrap(),
        visitor,
        "the planted id still holds only the visitor"
    );
    assert!(
        manager
            .list_sessions(&admin.user_id)
            .await
            .unwrap()
            .is_empty()
    );
    let session = manager.load(&header).await.unwrap();
    manager.revoke(&session).await.unwrap();
}

/// A session type of its own, so that the trigger (which fires only in its namespace) never
/// touches another test's sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(cookie = "fixate", ttl = "1h")]
pub struct Probe {
    #[session(user_id)]
    user_id: String,
    role: String,
}
