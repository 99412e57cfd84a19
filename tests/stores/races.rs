//! The promises database sessions exist for, each tried as the racy interleaving that used to
//! break it: two `DbSession` values loaded before either writes, or a `DbSession` held across
//! a revocation, applied in the bad order. Nothing written is lost, nothing revoked comes back.

use super::*;

/// Two requests' views of one fresh session, both loaded before either writes, 40 minutes
/// in (inside the renewal window).
async fn two_views<S: SessionStore>(
    manager: &Manager<S>,
    owner: &str,
) -> (
    sessionkit::Cookie<'static>,
    DbSession<Account>,
    DbSession<Account>,
    OffsetDateTime,
) {
    let start = OffsetDateTime::now_utc() - Duration::minutes(40);
    let cookie = manager.create_at(&account(owner), start).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let first = manager.load_at(&header(&cookie), now).await.unwrap();
    let second = manager.load_at(&header(&cookie), now).await.unwrap();
    (cookie, first, second, now)
}

use sessionkit::DbSession;

pub async fn every_racy_interleaving<S: SessionStore>(manager: &Manager<S>, placement: Placement) {
    a_refresh_after_an_update_keeps_the_update(manager).await;
    a_stale_update_is_refused_not_applied(manager).await;
    an_update_never_moves_the_expiry_back(manager).await;
    regenerate_after_a_revocation_brings_nothing_back(manager).await;
    two_regenerates_leave_one_session(manager).await;
    regenerate_moves_what_was_written_since_the_load(manager).await;
    a_refresh_after_a_revocation_brings_nothing_back(manager).await;
    a_changed_user_id_moves_the_session_to_the_new_user(manager, placement).await;
    regenerate_with_is_refused_on_a_stale_view(manager).await;
    modify_reapplies_on_top_of_the_latest_write(manager).await;
}

/// `a = load; b = load; update(a, demoted); refresh(b)` used to restore the old role.
async fn a_refresh_after_an_update_keeps_the_update<S: SessionStore>(manager: &Manager<S>) {
    let owner = user("lost-update");
    let (cookie, a, b, now) = two_views(manager, &owner).await;
    let demoted = Account {
        role: "demoted".into(),
        ..account(&owner)
    };
    manager.update(&a, &demoted).await.unwrap();
    let renewed = manager
        .refresh_at(&b, now)
        .await
        .unwrap()
        .expect("inside the window");
    let reloaded = manager.load_at(&header(&renewed), now).await.unwrap();
    assert_eq!(reloaded.role, "demoted", "the refresh kept the update");
    assert!(reloaded.expires_at() > a.expires_at(), "and the renewal");
    assert_eq!(
        manager.load_at(&header(&cookie), now).await.unwrap().role,
        "demoted"
    );
}

/// A write based on a stale copy never silently overwrites a newer one.
async fn a_stale_update_is_refused_not_applied<S: SessionStore>(manager: &Manager<S>) {
    let owner = user("stale");
    let (cookie, a, b, now) = two_views(manager, &owner).await;
    let admin = Account {
        role: "admin".into(),
        ..account(&owner)
    };
    let demoted = Account {
        role: "demoted".into(),
        ..account(&owner)
    };
    manager.update(&a, &demoted).await.unwrap();
    assert_eq!(
        manager.update(&b, &admin).await.unwrap_err(),
        Error::SessionChanged
    );
    assert_eq!(
        manager.load_at(&header(&cookie), now).await.unwrap().role,
        "demoted"
    );
    // The value that won can be updated again: it carries the new version.
    manager.update(&a, &admin).await.unwrap();
    assert_eq!(
        manager.load_at(&header(&cookie), now).await.unwrap().role,
        "admin"
    );
}

/// `update` with a session loaded before a refresh used to move the row's expiry back
/// while the browser's cookie showed the later one.
async fn an_update_never_moves_the_expiry_back<S: SessionStore>(manager: &Manager<S>) {
    let owner = user("expiry");
    let (_, a, b, now) = two_views(manager, &owner).await;
    let renewed = manager
        .refresh_at(&b, now)
        .await
        .unwrap()
        .expect("inside the window");
    let later = renewed.expires_datetime().unwrap();
    manager
        .update(
            &a,
            &Account {
                role: "x".into(),
                ..account(&owner)
            },
        )
        .await
        .unwrap();
    let reloaded = manager.load_at(&header(&renewed), now).await.unwrap();
    assert_eq!(reloaded.expires_at(), later);
    assert_eq!(reloaded.role, "x");
}

/// A request that loaded the session, then ran a slow step and regenerated, used to survive
/// a concurrent revoke or revoke_user.
async fn regenerate_after_a_revocation_brings_nothing_back<S: SessionStore>(manager: &Manager<S>) {
    let owner = user("sudo");
    let (_, slow, other, _) = two_views(manager, &owner).await;
    manager.revoke(&other).await.unwrap();
    assert_eq!(
        manager.regenerate(&slow).await.unwrap_err(),
        Error::SessionNotFound
    );
    assert!(manager.list_sessions(&owner).await.unwrap().is_empty());

    let (_, slow, _, _) = two_views(manager, &owner).await;
    assert_eq!(manager.revoke_user(&owner).await.unwrap(), 1);
    assert_eq!(
        manager.regenerate(&slow).await.unwrap_err(),
        Error::SessionNotFound
    );
    assert!(manager.list_sessions(&owner).await.unwrap().is_empty());
}

/// Two concurrent regenerates of one session used to leave two live sessions.
async fn two_regenerates_leave_one_session<S: SessionStore>(manager: &Manager<S>) {
    let owner = user("twice");
    let (cookie, a, b, now) = two_views(manager, &owner).await;
    let moved = manager.regenerate(&a).await.unwrap();
    assert_eq!(
        manager.regenerate(&b).await.unwrap_err(),
        Error::SessionNotFound
    );
    assert_eq!(manager.list_sessions(&owner).await.unwrap().len(), 1);
    assert!(manager.load_at(&header(&moved), now).await.is_ok());
    assert_eq!(
        manager.load_at(&header(&cookie), now).await.unwrap_err(),
        Error::SessionNotFound
    );
}

/// The new id carries the row as it is, not the copy the regenerating request loaded.
async fn regenerate_moves_what_was_written_since_the_load<S: SessionStore>(manager: &Manager<S>) {
    let owner = user("moved");
    let (_, a, b, now) = two_views(manager, &owner).await;
    manager
        .update(
            &b,
            &Account {
                role: "written-meanwhile".into(),
                ..account(&owner)
            },
        )
        .await
        .unwrap();
    let moved = manager.regenerate(&a).await.unwrap();
    let reloaded = manager.load_at(&header(&moved), now).await.unwrap();
    assert_eq!(reloaded.role, "written-meanwhile");
    assert_eq!(reloaded.created_at(), a.created_at());
}

async fn a_refresh_after_a_revocation_brings_nothing_back<S: SessionStore>(manager: &Manager<S>) {
    let owner = user("revoked-refresh");
    let (cookie, a, b, now) = two_views(manager, &owner).await;
    manager.revoke(&a).await.unwrap();
    assert_eq!(
        manager.refresh_at(&b, now).await.unwrap_err(),
        Error::SessionNotFound
    );
    assert_eq!(
        manager.update(&b, &account(&owner)).await.unwrap_err(),
        Error::SessionNotFound
    );
    assert_eq!(
        manager.modify(&b, |_| {}).await.unwrap_err(),
        Error::SessionNotFound
    );
    assert_eq!(
        manager.load_at(&header(&cookie), now).await.unwrap_err(),
        Error::SessionNotFound
    );
}

/// The Redis store used to leave the session in the old user's index. Where sessions live
/// in their user's slot, `update` refuses a new user (nothing written) and
/// `regenerate_with` moves the session, under a new id; everywhere, `regenerate_with` does.
async fn a_changed_user_id_moves_the_session_to_the_new_user<S: SessionStore>(
    manager: &Manager<S>,
    placement: Placement,
) {
    let (old, new) = (user("old-owner"), user("new-owner"));
    let (cookie, a, b, now) = two_views(manager, &old).await;
    let cookie = match placement {
        Placement::Anywhere => {
            manager.update(&a, &account(&new)).await.unwrap();
            cookie
        }
        Placement::BySlot => {
            assert_eq!(
                manager.update(&a, &account(&new)).await.unwrap_err(),
                Error::UserChanged
            );
            assert_eq!(manager.list_sessions(&old).await.unwrap().len(), 1);
            let moved = manager.regenerate_with(&a, &account(&new)).await.unwrap();
            // The old id is gone, and a stale view cannot move it again.
            assert_eq!(
                manager.load_at(&header(&cookie), now).await.unwrap_err(),
                Error::SessionNotFound
            );
            assert_eq!(
                manager
                    .regenerate_with(&b, &account(&old))
                    .await
                    .unwrap_err(),
                Error::SessionNotFound
            );
            moved
        }
    };
    assert_eq!(manager.load(&header(&cookie)).await.unwrap().user_id, new);
    assert!(manager.list_sessions(&old).await.unwrap().is_empty());
    assert_eq!(manager.list_sessions(&new).await.unwrap().len(), 1);
    assert_eq!(manager.revoke_user(&old).await.unwrap(), 0);
    assert_eq!(manager.revoke_user(&new).await.unwrap(), 1);
    assert_eq!(
        manager.load_at(&header(&cookie), now).await.unwrap_err(),
        Error::SessionNotFound
    );
}

/// `regenerate_with` writes the new payload only over the session as it was loaded: a stale
/// view is refused with nothing written, and the session keeps its id.
async fn regenerate_with_is_refused_on_a_stale_view<S: SessionStore>(manager: &Manager<S>) {
    let (old, new) = (user("stale-owner"), user("stale-new"));
    let (cookie, a, b, now) = two_views(manager, &old).await;
    manager.update(&a, &account(&old)).await.unwrap();
    assert_eq!(
        manager
            .regenerate_with(&b, &account(&new))
            .await
            .unwrap_err(),
        Error::SessionChanged
    );
    let session = manager.load_at(&header(&cookie), now).await.unwrap();
    assert_eq!(session.user_id, old);
    assert!(manager.list_sessions(&new).await.unwrap().is_empty());
    // From the fresh view it moves, to the new user's list.
    let moved = manager
        .regenerate_with(&session, &account(&new))
        .await
        .unwrap();
    assert_eq!(manager.load(&header(&moved)).await.unwrap().user_id, new);
    assert_eq!(manager.list_sessions(&new).await.unwrap().len(), 1);
    assert_eq!(manager.revoke_user(&new).await.unwrap(), 1);
}

/// `modify` on a stale `DbSession` works from the row as it is now.
async fn modify_reapplies_on_top_of_the_latest_write<S: SessionStore>(manager: &Manager<S>) {
    let owner = user("modify");
    let (cookie, a, b, now) = two_views(manager, &owner).await;
    manager
        .modify(&a, |payload| payload.counter += 1)
        .await
        .unwrap();
    let written = manager
        .modify(&b, |payload| payload.counter += 1)
        .await
        .unwrap();
    assert_eq!(written.counter, 2, "b's step landed on top of a's");
    assert_eq!(
        manager
            .load_at(&header(&cookie), now)
            .await
            .unwrap()
            .counter,
        2
    );
}

/// 100 real tasks each call `modify` once on one session's counter, as 100 concurrent
/// handlers would, with no retry loop of their own: every call succeeds and the counter ends
/// at 100. Then the same across two managers on one store, which share no turns (as two
/// processes would not), so their conflicts go through the backoff.
pub async fn a_hundred_single_modifies_all_succeed<S: SessionStore + 'static>(store: S) {
    let store = Arc::new(store);
    let one = Arc::new(SessionManager::<Account, _>::new(
        Arc::clone(&store),
        keys(),
    ));
    let two = Arc::new(SessionManager::<Account, _>::new(
        Arc::clone(&store),
        keys(),
    ));
    for managers in [vec![Arc::clone(&one)], vec![one, two]] {
        let cookie = managers[0]
            .create(&account(&user("counter")))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..100)
            .map(|task| {
                let manager = Arc::clone(&managers[task % managers.len()]);
                let header = header(&cookie);
                tokio::spawn(async move {
                    let session = manager.load(&header).await.unwrap();
                    manager
                        .modify(&session, |payload| payload.counter += 1)
                        .await
                        .map(|_| ())
                })
            })
            .collect();
        let mut failed = Vec::new();
        for task in tasks {
            if let Err(err) = task.await.expect("no task panicked") {
                failed.push(err);
            }
        }
        let session = managers[0].load(&header(&cookie)).await.unwrap();
        assert!(
            failed.is_empty(),
            "{} managers: {} of 100 calls failed ({:?}); the counter is {}",
            managers.len(),
            failed.len(),
            failed.first(),
            session.counter
        );
        assert_eq!(session.counter, 100, "{} managers", managers.len());
    }
}

/// A second session type on the same store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(cookie = "admin_sid", ttl = "1h")]
struct AdminAccount {
    #[session(user_id)]
    user_id: String,
}

pub async fn namespaces_keep_session_types_apart<S: SessionStore>(
    manager: &Manager<S>,
    store: Arc<Counting<S>>,
    placement: Placement,
) {
    let admins = SessionManager::<AdminAccount, _>::new(store, keys());
    let owner = user("both");
    let now = OffsetDateTime::now_utc();
    let as_user = manager.create_at(&account(&owner), now).await.unwrap();
    let as_admin = admins
        .create_at(
            &AdminAccount {
                user_id: owner.clone(),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(manager.list_sessions(&owner).await.unwrap().len(), 1);
    assert_eq!(admins.list_sessions(&owner).await.unwrap().len(), 1);
    assert_eq!(admins.revoke_user(&owner).await.unwrap(), 1);
    assert!(manager.load_at(&header(&as_user), now).await.is_ok());
    assert_eq!(
        admins
            .load_at(&format!("admin_sid={}", as_admin.value()), now)
            .await
            .unwrap_err(),
        Error::SessionNotFound
    );
    // A row of one type that is expired as of `later` survives the other type's purge.
    // (Asked of the store with a time to come, because Redis drops a key whose expiry has
    // passed by its own clock before any purge could see it.)
    let key = manager.load_at(&header(&as_user), now).await.unwrap().key();
    let later = now.unix_timestamp() + 2 * 3600;
    let store = manager.store();
    assert_eq!(
        store
            .purge_expired(admins.namespace(), later)
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .load(&key, now.unix_timestamp())
            .await
            .unwrap()
            .is_some()
    );
    // A cluster leaves expiry to Redis (its purge scans nothing); the row is invisible as
    // of `later` either way.
    let purged = store
        .purge_expired(manager.namespace(), later)
        .await
        .unwrap();
    assert!(store.load(&key, later).await.unwrap().is_none());
    match placement {
        Placement::Anywhere => {
            assert!(purged >= 1);
            assert!(
                store
                    .load(&key, now.unix_timestamp())
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        Placement::BySlot => {
            assert_eq!(purged, 0);
            manager.revoke_user(&owner).await.unwrap();
        }
    }
}

pub async fn your_devices<S: SessionStore>(manager: &Manager<S>) {
    let (owner, stranger) = (user("devices"), user("stranger"));
    let laptop = manager
        .create_labeled(&account(&owner), "Firefox on Linux")
        .await
        .unwrap();
    let phone = manager
        .create_labeled(&account(&owner), "Safari on iPhone")
        .await
        .unwrap();
    let theirs = manager.create(&account(&stranger)).await.unwrap();
    let listed = manager.list_sessions(&owner).await.unwrap();
    let labels: Vec<_> = listed.iter().map(|info| info.label.as_deref()).collect();
    assert_eq!(labels.len(), 2);
    assert!(
        labels.contains(&Some("Firefox on Linux")) && labels.contains(&Some("Safari on iPhone"))
    );
    let phone_session = manager.load(&header(&phone)).await.unwrap();
    assert_eq!(phone_session.label(), Some("Safari on iPhone"));
    let phone_info = listed
        .iter()
        .find(|info| info.key == phone_session.key())
        .expect("listed by key");
    assert!(phone_info.expires_at > phone_info.created_at);
    // From the laptop, sign the phone out.
    assert!(
        manager
            .revoke_session_of(&owner, &phone_info.key)
            .await
            .unwrap()
    );
    assert_eq!(
        manager.load(&header(&phone)).await.unwrap_err(),
        Error::SessionNotFound
    );
    assert!(manager.load(&header(&laptop)).await.is_ok());
    // Somebody else's key, or one already gone, ends nothing.
    let their_key = manager.load(&header(&theirs)).await.unwrap().key();
    assert!(!manager.revoke_session_of(&owner, &their_key).await.unwrap());
    assert!(manager.load(&header(&theirs)).await.is_ok());
    assert!(
        !manager
            .revoke_session_of(&owner, &phone_info.key)
            .await
            .unwrap()
    );
    // Labels are checked before they reach the store.
    assert!(matches!(
        manager.create_labeled(&account(&owner), "a\nb").await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        manager
            .create_labeled(&account(&owner), &"x".repeat(101))
            .await,
        Err(Error::InvalidInput(_))
    ));
    manager.revoke_user(&owner).await.unwrap();
    manager.revoke_user(&stranger).await.unwrap();
}

/// A NUL byte used to make PostgreSQL fail in a way reported as an outage.
pub async fn bad_user_ids_are_client_errors<S: SessionStore>(manager: &Manager<S>) {
    let before = manager.store().calls.load(Ordering::SeqCst);
    for bad in ["nul\0byte", "", &"x".repeat(300), "line\nbreak"] {
        assert!(
            matches!(
                manager.create(&account(bad)).await,
                Err(Error::InvalidInput(_))
            ),
            "{bad:?}"
        );
        assert!(matches!(
            manager.revoke_user(bad).await,
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            manager.list_sessions(bad).await,
            Err(Error::InvalidInput(_))
        ));
    }
    assert_eq!(
        manager.store().calls.load(Ordering::SeqCst),
        before,
        "refused before reaching the store"
    );
    // Handed straight to the store, bad input is stored or refused as data, never reported
    // as an outage (PostgreSQL used to answer a NUL byte with `Unavailable`).
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let record = Record {
        key: SessionKey::of(&user("nul")),
        namespace: manager.namespace().into(),
        user_id: Some("nul\0byte".into()),
        payload: "{}".into(),
        created_at: now,
        expires_at: now + 60,
        version: 1,
        label: None,
    };
    match manager.store().create(&record).await {
        Ok(()) => {
            manager.store().delete(&record.key).await.unwrap();
        }
        Err(Error::Store(err)) => {
            eprintln!("the store refused a NUL user id: {err}");
            assert_eq!(err.kind, StoreErrorKind::Rejected, "{err}")
        }
        Err(other) => panic!("unexpected {other:?}"),
    }
    // An update that would file the session under a bad id is refused the same way.
    let owner = user("update-bad");
    let cookie = manager.create(&account(&owner)).await.unwrap();
    let session = manager.load(&header(&cookie)).await.unwrap();
    assert!(matches!(
        manager.update(&session, &account("a\0b")).await,
        Err(Error::InvalidInput(_))
    ));
    manager.revoke_user(&owner).await.unwrap();
}

/// The background purge reclaims expired rows, and stops once the manager is dropped.
#[cfg(feature = "tokio")] // `spawn_purge_task` needs it; every server store turns it on.
pub async fn the_purge_task_runs_until_the_manager_is_dropped<S: SessionStore + 'static>(store: S) {
    let manager = Arc::new(SessionManager::<Account, S>::new(store, keys()));
    // A row that expires a second from now. Asked about as of `now` afterwards, it stays
    // visible until something deletes it: the purge task (or, on Redis, Redis itself).
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let key = SessionKey::of(&user("purged"));
    let record = Record {
        key,
        namespace: manager.namespace().into(),
        user_id: None,
        payload: "{}".into(),
        created_at: now,
        expires_at: now + 1,
        version: 1,
        label: None,
    };
    manager.store().create(&record).await.unwrap();
    let task = manager.spawn_purge_task(std::time::Duration::from_millis(50));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while manager.store().load(&key, now).await.unwrap().is_some() {
        assert!(std::time::Instant::now() < deadline, "the purge never ran");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(manager);
    tokio::time::timeout(std::time::Duration::from_secs(2), task)
        .await
        .expect("the task ends once the manager is gone")
        .expect("and does not panic");
}

/// A store where every compare-and-swap write loses to a writer elsewhere, as under constant
/// conflicts from another process.
struct AlwaysConflicting(MemoryStore);

impl SessionStore for AlwaysConflicting {
    async fn create(&self, record: &Record) -> Result<(), Error> {
        self.0.create(record).await
    }
    async fn load(&self, key: &SessionKey, now: i64) -> Result<Option<Record>, Error> {
        self.0.load(key, now).await
    }
    async fn update(
        &self,
        _: &SessionKey,
        _: u64,
        _: Option<&str>,
        _: &str,
        _: i64,
    ) -> Result<Updated, Error> {
        Ok(Updated::Changed)
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
}

/// Five `modify` calls queued on one session under constant conflicts: each gives up with
/// `SessionChanged` one second after *it* was called, not one second after its turn came
/// (the fifth used to answer after five seconds). The bound below is the documented
/// deadline plus slack for a loaded machine; what it tells apart is 1 s from 2 to 5 s.
pub async fn queued_modifies_keep_their_deadline() {
    let manager = Arc::new(SessionManager::<Account, _>::new(
        AlwaysConflicting(MemoryStore::new()),
        keys(),
    ));
    let cookie = manager.create(&account(&user("queued"))).await.unwrap();
    let session = Arc::new(manager.load(&header(&cookie)).await.unwrap());
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let (manager, session) = (Arc::clone(&manager), Arc::clone(&session));
            tokio::spawn(async move {
                let called = std::time::Instant::now();
                let outcome = manager
                    .modify(&session, |payload| payload.counter += 1)
                    .await;
                (outcome.map(|_| ()), called.elapsed())
            })
        })
        .collect();
    let mut answered = Vec::new();
    for call in calls {
        let (outcome, elapsed) = call.await.unwrap();
        assert_eq!(outcome, Err(Error::SessionChanged));
        answered.push(elapsed);
    }
    eprintln!("five queued modifies under constant conflicts answered after {answered:?}");
    let slowest = answered.iter().max().unwrap();
    assert!(
        *slowest < std::time::Duration::from_millis(1800),
        "a queued call waited past its deadline: {answered:?}"
    );
}
