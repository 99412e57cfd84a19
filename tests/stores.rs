//! The store conformance suite, run unchanged against every store, plus the concurrency
//! and fault tests.
//!
//! Memory and SQLite always run. PostgreSQL and Redis need servers, so their suites are
//! `#[ignore]`d (cargo counts them as ignored, not passed) and run with `-- --ignored` after
//! `source .ci/services.sh`, which starts both and exports `SESSIONKIT_POSTGRES_URL` and
//! `SESSIONKIT_REDIS_URL`; asked to run without them, they fail. The PostgreSQL suite
//! empties the `sessionkit_sessions` table: point it at a scratch database.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{keys, other_keys};
use serde::{Deserialize, Serialize};
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{
    Algorithm, Error, MemoryStore, Record, Session, SessionInfo, SessionKey, SessionManager,
    SessionStore, StoreErrorKind, Updated, user_tag,
};

#[path = "support/counting.rs"]
mod counting;
#[cfg(feature = "redis")]
#[path = "stores/failover.rs"]
mod failover;
#[path = "stores/fixation.rs"]
mod fixation;
#[path = "stores/races.rs"]
mod races;
#[cfg(feature = "redis")]
#[path = "stores/redis_index.rs"]
mod redis_index;

/// The manager every conformance check runs against: the store under test, counted, and
/// shared so that a second session type can use it too.
type Manager<S> = SessionManager<Account, Arc<Counting<S>>>;

/// A database session: one hour idle, renewed in its last half hour, three hours at most.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h", renew_within = "30m", max_lifetime = "3h")]
struct Account {
    #[session(user_id)]
    user_id: String,
    role: String,
    #[serde(default)]
    counter: u64,
}

/// The same cookie read as what it is: a sealed session id.
#[derive(Deserialize, Serialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Ticket {
    sid: String,
}

fn account(user_id: &str) -> Account {
    Account {
        user_id: user_id.into(),
        role: "member".into(),
        counter: 0,
    }
}

fn header(cookie: &sessionkit::Cookie<'_>) -> String {
    format!("sid={}", cookie.value())
}

/// Where a store puts sessions: anywhere (one server, one database), or each in its user's
/// hash slot (a Redis Cluster), where a new user needs `regenerate_with` and expired keys
/// are Redis' own to delete.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Placement {
    Anywhere,
    BySlot,
}

/// The key of a session `id` of `user_id` in `namespace`, as the manager makes it: with the
/// user's slot tag in front.
fn tagged_key(namespace: &str, user_id: &str, id: &str) -> SessionKey {
    let tag = u16::from_be_bytes(user_tag(namespace, user_id));
    SessionKey::of(&format!("{tag:04x}.{id}"))
}

/// A unique user id, so that suites sharing a server never see each other's sessions.
fn user(name: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

use counting::Counting;

/// Every conformance check, in order, against one store.
async fn conformance<S: SessionStore + 'static>(store: S, placement: Placement) {
    let store = Arc::new(Counting::new(store));
    let manager = SessionManager::<Account, _>::new(Arc::clone(&store), keys());
    create_then_load(&manager).await;
    the_cookie_seals_the_id_and_the_store_keeps_its_hash(&manager).await;
    the_optimistic_check_needs_no_store(&manager).await;
    refresh_slides_under_the_cap(&manager).await;
    update_replaces_the_payload(&manager).await;
    revoke_ends_one_session(&manager).await;
    revoke_user_ends_all_of_a_users_sessions(&manager).await;
    expired_rows_are_invisible_before_the_purge(manager.store(), placement).await;
    a_collision_is_an_error_never_an_overwrite(manager.store()).await;
    a_tampered_or_foreign_cookie_never_reaches_the_store(&manager).await;
    regenerate_moves_the_session_to_a_new_id(&manager).await;
    races::every_racy_interleaving(&manager, placement).await;
    races::namespaces_keep_session_types_apart(&manager, Arc::clone(&store), placement).await;
    races::your_devices(&manager).await;
    races::bad_user_ids_are_client_errors(&manager).await;
    fixation::a_sign_in_never_shows_through_the_planted_id(&manager, placement).await;
    fixation::the_default_replace_holds(Arc::clone(&store), placement).await;
}

async fn create_then_load<S: SessionStore>(manager: &SessionManager<Account, S>) {
    let now = OffsetDateTime::now_utc();
    let alice = user("alice");
    let cookie = manager.create_at(&account(&alice), now).await.unwrap();
    assert_eq!(cookie.name(), "sid");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.max_age(), Some(Duration::hours(1)));
    let session = manager.load_at(&header(&cookie), now).await.unwrap();
    assert_eq!(*session, account(&alice));
    assert_eq!(session.user_id(), Some(alice.as_str()));
    assert_eq!(session.created_at().unix_timestamp(), now.unix_timestamp());
    assert_eq!(
        session.expires_at().unix_timestamp(),
        now.unix_timestamp() + 3600
    );
    assert_eq!(cookie.expires_datetime(), Some(session.expires_at()));
    assert_eq!(
        manager.load_at("other=1", now).await.unwrap_err(),
        Error::Missing
    );
}

async fn the_cookie_seals_the_id_and_the_store_keeps_its_hash<S: SessionStore>(
    manager: &SessionManager<Account, S>,
) {
    let now = OffsetDateTime::now_utc();
    let bob = user("bob");
    let cookie = manager.create_at(&account(&bob), now).await.unwrap();
    // A ticket is bound to its purpose: it never opens as a stateless session...
    assert_eq!(
        Ticket::decrypt_at(cookie.value(), &keys(), now)
            .map(|_| ())
            .unwrap_err(),
        Error::Decryption
    );
    // ...but it does open under the documented ticket key derivation.
    let claims = common::open_jwe(
        cookie.value(),
        &sessionkit::derive_ticket_key(common::SECRET.as_bytes(), Algorithm::A256Gcm, "sid"),
    );
    let ticket: Ticket = serde_json::from_value(claims.clone()).unwrap();
    let (tag, random) = ticket.sid.split_once('.').expect("`<tag>.<random>`");
    assert_eq!(random.len(), 43, "256 bits in base64url");
    assert_eq!(
        u16::from_str_radix(tag, 16).unwrap().to_be_bytes(),
        user_tag("sid", &bob),
        "the tag is the user's"
    );
    assert_eq!(
        claims["exp"].as_i64(),
        Some(now.unix_timestamp() + 3600),
        "{{sid, exp}}"
    );
    let record = manager
        .store()
        .load(&SessionKey::of(&ticket.sid), now.unix_timestamp())
        .await
        .unwrap()
        .unwrap();
    assert!(!record.payload.contains(&ticket.sid));
    assert!(!format!("{record:?}").contains(&ticket.sid));
    // The key is not the id: the store cannot hand out a cookie.
    assert_ne!(record.key.to_hex(), ticket.sid);
}

async fn the_optimistic_check_needs_no_store<S: SessionStore>(manager: &Manager<S>) {
    let now = OffsetDateTime::now_utc();
    let cookie = manager
        .create_at(&account(&user("carol")), now)
        .await
        .unwrap();
    let before = manager.store().calls.load(Ordering::SeqCst);
    assert_eq!(
        manager
            .check_cookie_at(&header(&cookie), now)
            .unwrap()
            .unix_timestamp(),
        now.unix_timestamp() + 3600
    );
    assert!(matches!(
        manager.check_cookie_at(&header(&cookie), now + Duration::hours(1)),
        Err(Error::Expired { .. })
    ));
    assert_eq!(manager.store().calls.load(Ordering::SeqCst), before);
}

async fn refresh_slides_under_the_cap<S: SessionStore>(manager: &Manager<S>) {
    let start = OffsetDateTime::now_utc();
    let cookie = manager
        .create_at(&account(&user("dave")), start)
        .await
        .unwrap();
    // Outside the renewal window: no write, no cookie.
    let session = manager
        .load_at(&header(&cookie), start + Duration::minutes(10))
        .await
        .unwrap();
    let before = manager.store().calls.load(Ordering::SeqCst);
    assert!(
        manager
            .refresh_at(&session, start + Duration::minutes(10))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        manager.store().calls.load(Ordering::SeqCst),
        before,
        "no store write outside the window"
    );

    // Inside it: extended to now + ttl, and the cookie's token carries the new exp.
    let mut cookie = cookie;
    let mut now = start;
    for _ in 0..3 {
        now += Duration::minutes(45);
        let session = manager.load_at(&header(&cookie), now).await.unwrap();
        let renewed = manager
            .refresh_at(&session, now)
            .await
            .unwrap()
            .expect("inside the window");
        let expected = (now.unix_timestamp() + 3600).min(start.unix_timestamp() + 3 * 3600);
        assert_eq!(
            renewed.expires_datetime().unwrap().unix_timestamp(),
            expected
        );
        let reloaded = manager.load_at(&header(&renewed), now).await.unwrap();
        assert_eq!(reloaded.expires_at().unix_timestamp(), expected);
        assert_eq!(reloaded.created_at(), session.created_at());
        cookie = renewed;
    }
    // Never past created_at + max_lifetime: at the cap, refresh has nothing to give.
    let at_cap = start + Duration::hours(3) - Duration::minutes(1);
    let session = manager.load_at(&header(&cookie), at_cap).await.unwrap();
    assert_eq!(
        session.expires_at().unix_timestamp(),
        start.unix_timestamp() + 3 * 3600
    );
    assert!(
        manager
            .refresh_at(&session, at_cap)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        manager
            .load_at(&header(&cookie), start + Duration::hours(3))
            .await
            .is_err()
    );
}

async fn update_replaces_the_payload<S: SessionStore>(manager: &SessionManager<Account, S>) {
    let now = OffsetDateTime::now_utc();
    let erin = user("erin");
    let cookie = manager.create_at(&account(&erin), now).await.unwrap();
    let session = manager.load_at(&header(&cookie), now).await.unwrap();
    let promoted = Account {
        role: "admin".into(),
        ..account(&erin)
    };
    manager.update(&session, &promoted).await.unwrap();
    let reloaded = manager.load_at(&header(&cookie), now).await.unwrap();
    assert_eq!(*reloaded, promoted);
    assert_eq!(reloaded.expires_at(), session.expires_at());
}

async fn revoke_ends_one_session<S: SessionStore>(manager: &SessionManager<Account, S>) {
    let now = OffsetDateTime::now_utc();
    let frank = user("frank");
    let first = manager.create_at(&account(&frank), now).await.unwrap();
    let second = manager.create_at(&account(&frank), now).await.unwrap();
    let session = manager.load_at(&header(&first), now).await.unwrap();
    let removal = manager.revoke(&session).await.unwrap();
    assert_eq!((removal.name(), removal.value()), ("sid", ""));
    assert_eq!(removal.max_age(), Some(Duration::ZERO));
    assert_eq!(
        manager.load_at(&header(&first), now).await.unwrap_err(),
        Error::SessionNotFound
    );
    assert!(
        manager.load_at(&header(&second), now).await.is_ok(),
        "the other session lives on"
    );
    assert_eq!(
        manager
            .update(&session, &account(&frank))
            .await
            .unwrap_err(),
        Error::SessionNotFound
    );
}

async fn revoke_user_ends_all_of_a_users_sessions<S: SessionStore>(
    manager: &SessionManager<Account, S>,
) {
    let now = OffsetDateTime::now_utc();
    let (gina, hank) = (user("gina"), user("hank"));
    let mut ginas = Vec::new();
    for _ in 0..3 {
        ginas.push(manager.create_at(&account(&gina), now).await.unwrap());
    }
    let hanks = manager.create_at(&account(&hank), now).await.unwrap();
    assert_eq!(manager.revoke_user(&gina).await.unwrap(), 3);
    for cookie in &ginas {
        assert_eq!(
            manager.load_at(&header(cookie), now).await.unwrap_err(),
            Error::SessionNotFound
        );
    }
    assert!(manager.load_at(&header(&hanks), now).await.is_ok());
    assert_eq!(manager.revoke_user(&gina).await.unwrap(), 0);
}

async fn expired_rows_are_invisible_before_the_purge<S: SessionStore>(
    store: &S,
    placement: Placement,
) {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let record = |name: &str, expires_at: i64| {
        let owner = user(name);
        Record {
            key: tagged_key("sid", &owner, &user("key")),
            namespace: "sid".into(),
            user_id: Some(owner),
            payload: "{}".into(),
            created_at: now,
            expires_at,
            version: 1,
            label: None,
        }
    };
    let short = record("short", now + 10);
    let unread = record("unread", now + 10);
    let long = record("long", now + 1000);
    for record in [&short, &unread, &long] {
        store.create(record).await.unwrap();
    }
    assert!(store.load(&short.key, now + 9).await.unwrap().is_some());
    assert!(
        store.load(&short.key, now + 10).await.unwrap().is_none(),
        "exp <= now is expired"
    );
    assert_eq!(
        store
            .update(&short.key, 1, None, "{}", now + 10)
            .await
            .unwrap(),
        Updated::Gone,
        "an expired row cannot be rewritten"
    );
    assert_eq!(
        store.extend(&short.key, now + 500, now + 10).await.unwrap(),
        None,
        "an expired row cannot be revived"
    );
    let fresh = tagged_key("sid", short.user_id.as_deref().unwrap(), &user("fresh"));
    assert!(
        !store
            .rotate(&short.key, &fresh, now + 500, now + 10)
            .await
            .unwrap(),
        "an expired row cannot be moved"
    );
    assert!(store.load(&fresh, now).await.unwrap().is_none());
    // A store may drop an expired row when a lookup finds it; the unread one is still
    // there for the purge to reclaim. Another namespace's purge leaves it alone.
    assert_eq!(store.purge_expired("other", now + 10).await.unwrap(), 0);
    assert!(store.load(&unread.key, now).await.unwrap().is_some());
    match placement {
        Placement::Anywhere => {
            assert!(store.purge_expired("sid", now + 10).await.unwrap() >= 1);
            assert!(
                store.load(&unread.key, now).await.unwrap().is_none(),
                "purged"
            );
        }
        // A cluster's purge scans nothing: Redis deletes the key at its expiry (the purge
        // task's test sees it go), and until then it is invisible to every call.
        Placement::BySlot => {
            assert_eq!(store.purge_expired("sid", now + 10).await.unwrap(), 0);
            assert!(store.load(&unread.key, now + 10).await.unwrap().is_none());
        }
    }
    assert_eq!(
        store.load(&long.key, now + 10).await.unwrap(),
        Some(long.clone())
    );
    assert!(store.delete(&long.key).await.unwrap());
    assert!(!store.delete(&long.key).await.unwrap());
}

async fn a_collision_is_an_error_never_an_overwrite<S: SessionStore>(store: &S) {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let key = SessionKey::of(&user("collision"));
    let first = Record {
        key,
        namespace: "sid".into(),
        user_id: None,
        payload: r#"{"first":true}"#.into(),
        created_at: now,
        expires_at: now + 60,
        version: 1,
        label: None,
    };
    let second = Record {
        payload: r#"{"second":true}"#.into(),
        ..first.clone()
    };
    store.create(&first).await.unwrap();
    match store.create(&second).await.unwrap_err() {
        Error::Store(err) => assert_eq!(err.kind, StoreErrorKind::Conflict),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        store.load(&key, now).await.unwrap().unwrap().payload,
        first.payload
    );
    store.delete(&key).await.unwrap();
}

async fn a_tampered_or_foreign_cookie_never_reaches_the_store<S: SessionStore>(
    manager: &Manager<S>,
) {
    let now = OffsetDateTime::now_utc();
    let cookie = manager
        .create_at(&account(&user("ivan")), now)
        .await
        .unwrap();
    let foreign = SessionManager::<Account, _>::new(MemoryStore::new(), other_keys());
    let foreign_cookie = foreign.create_at(&account("ivan"), now).await.unwrap();
    let tampered = common::tamper(cookie.value());
    let stateless = common::sealed("ivan").encrypt_at(&keys(), now).unwrap();

    let before = manager.store().calls.load(Ordering::SeqCst);
    for bad in [
        format!("sid={tampered}"),
        header(&foreign_cookie),
        format!("sid={stateless}"),
        "sid=garbage".into(),
    ] {
        assert!(manager.load_at(&bad, now).await.is_err(), "{bad}");
    }
    assert_eq!(
        manager.store().calls.load(Ordering::SeqCst),
        before,
        "the seal is checked first"
    );
}

async fn regenerate_moves_the_session_to_a_new_id<S: SessionStore>(
    manager: &SessionManager<Account, S>,
) {
    let now = OffsetDateTime::now_utc();
    let cookie = manager
        .create_at(&account(&user("judy")), now)
        .await
        .unwrap();
    let session = manager.load_at(&header(&cookie), now).await.unwrap();
    let moved = manager.regenerate(&session).await.unwrap();
    assert_ne!(moved.value(), cookie.value());
    assert_eq!(
        manager.load_at(&header(&cookie), now).await.unwrap_err(),
        Error::SessionNotFound
    );
    let reloaded = manager.load_at(&header(&moved), now).await.unwrap();
    assert_eq!(*reloaded, *session);
    assert_eq!(
        reloaded.created_at(),
        session.created_at(),
        "the absolute cap still counts from the start"
    );
    assert_ne!(reloaded.key(), session.key());
}

/// 100 tasks create, validate, refresh and revoke at once. Every acknowledged session is
/// found afterwards unless it was deliberately revoked, and no revoked one validates.
async fn concurrency<S: SessionStore + 'static>(store: S) {
    let manager = Arc::new(SessionManager::<Account, S>::new(store, keys()));
    let start = OffsetDateTime::now_utc();
    let tasks: Vec<_> = (0..100)
        .map(|task| {
            let manager = Arc::clone(&manager);
            tokio::spawn(async move {
                let owner = user(&format!("task{task}"));
                let cookie = manager.create_at(&account(&owner), start).await.unwrap();
                let session = manager.load_at(&header(&cookie), start).await.unwrap();
                assert_eq!(session.user_id, owner);
                let later = start + Duration::minutes(40);
                let session = manager.load_at(&header(&cookie), later).await.unwrap();
                let cookie = manager
                    .refresh_at(&session, later)
                    .await
                    .unwrap()
                    .expect("inside the window");
                let revoke = task % 3 == 0;
                if revoke {
                    let session = manager.load_at(&header(&cookie), later).await.unwrap();
                    manager.revoke(&session).await.unwrap();
                }
                (cookie, revoke)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("no task panicked"));
    }
    let later = start + Duration::minutes(41);
    for (cookie, revoked) in outcomes {
        let loaded = manager.load_at(&header(&cookie), later).await;
        match revoked {
            true => assert_eq!(loaded.unwrap_err(), Error::SessionNotFound),
            false => assert!(
                loaded.is_ok(),
                "an acknowledged session was lost: {loaded:?}"
            ),
        }
    }
}

#[cfg(any(feature = "postgres", feature = "redis"))]
/// The server goes away in the middle of a run: while 20 tasks keep creating and
/// validating sessions, it is stopped and started again. Every failure is a typed
/// `Error::Store` (no panic, no other error), and everything works again afterwards.
async fn server_restart<S: SessionStore + 'static>(store: S, stop: &str, start_again: &str) {
    let manager = Arc::new(SessionManager::<Account, S>::new(store, keys()));
    let now = OffsetDateTime::now_utc();
    let survivor = manager
        .create_at(&account(&user("kim")), now)
        .await
        .unwrap();
    let workers: Vec<_> = (0..20)
        .map(|worker| {
            let manager = Arc::clone(&manager);
            tokio::spawn(async move {
                let (mut ok, mut failed) = (0, 0);
                for round in 0..40 {
                    let owner = user(&format!("worker{worker}-{round}"));
                    let outcome = match manager.create_at(&account(&owner), now).await {
                        Ok(cookie) => manager.load_at(&header(&cookie), now).await.map(|_| ()),
                        Err(err) => Err(err),
                    };
                    match outcome {
                        Ok(()) => ok += 1,
                        Err(Error::Store(_)) => failed += 1,
                        Err(other) => {
                            panic!("a failing server must give Error::Store, got {other:?}")
                        }
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(25)).await;
                }
                (ok, failed)
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    run(stop);
    match manager.load_at(&header(&survivor), now).await {
        Err(Error::Store(err)) => assert_eq!(err.kind, StoreErrorKind::Unavailable),
        other => panic!("expected Error::Store while the server is down, got {other:?}"),
    }
    assert!(matches!(
        manager.revoke_user("kim").await,
        Err(Error::Store(_))
    ));
    run(start_again);
    let (mut ok, mut failed) = (0, 0);
    for worker in workers {
        let (worker_ok, worker_failed) = worker.await.expect("no worker panicked");
        ok += worker_ok;
        failed += worker_failed;
    }
    eprintln!("during the restart: {ok} operations succeeded, {failed} failed with Error::Store");
    assert!(
        ok > 0 && failed > 0,
        "the run overlapped the outage: {ok} ok, {failed} failed"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match manager.load_at(&header(&survivor), now).await {
            Ok(session) => {
                assert_eq!(session.role, "member");
                break;
            }
            Err(Error::Store(_)) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(other) => panic!("the store did not recover: {other:?}"),
        }
    }
    assert!(manager.create_at(&account("kim"), now).await.is_ok());
}

#[cfg(any(feature = "postgres", feature = "redis"))]
fn run(command: &str) {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .status()
        .expect("sh runs");
    assert!(status.success(), "`{command}` failed");
}

#[cfg(any(feature = "postgres", feature = "redis"))]
/// The environment variable a server suite needs. The suites are `#[ignore]`d, so they run
/// only when asked for (`-- --ignored`), and then a missing server is a failure, never a
/// quiet pass.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store() {
    conformance(MemoryStore::new(), Placement::Anywhere).await;
    // The same store chosen at run time.
    conformance(
        sessionkit::AnyStore::connect("memory://").await.unwrap(),
        Placement::Anywhere,
    )
    .await;
    concurrency(MemoryStore::new()).await;
    races::a_hundred_single_modifies_all_succeed(MemoryStore::new()).await;
    #[cfg(feature = "tokio")]
    races::the_purge_task_runs_until_the_manager_is_dropped(MemoryStore::new()).await;
}

#[test]
fn memory_store_evicts_expired_sessions() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = MemoryStore::new();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let record = |i: u32, expires_at| Record {
            key: SessionKey::of(&i.to_string()),
            namespace: "sid".into(),
            user_id: None,
            payload: "{}".into(),
            created_at: now - 100,
            expires_at,
            version: 1,
            label: None,
        };
        // Already expired by the wall clock: the sweep on create drops them.
        for i in 0..200 {
            store.create(&record(i, now - 1)).await.unwrap();
        }
        assert!(
            store.len() < 200,
            "expired entries were evicted: {}",
            store.len()
        );
        let live = record(1000, now + 60);
        store.create(&live).await.unwrap();
        assert!(store.load(&live.key, now + 60).await.unwrap().is_none());
        assert!(
            store.load(&live.key, now).await.unwrap().is_none(),
            "a lookup that finds it expired drops it"
        );
    });
}

/// A store URL that names no store this build has is a typed error, and never echoes the
/// URL (it may carry a password).
#[tokio::test]
async fn a_store_url_is_checked() {
    for url in [
        "mysql://user:hunter2@db/sessions",
        "",
        "sqlite://",
        "sqlite:sessions.db",
        "hunter2",
    ] {
        match sessionkit::AnyStore::connect(url).await {
            Err(Error::InvalidInput(message)) => assert!(!message.contains("hunter2"), "{url}"),
            other => panic!("{url}: {other:?}"),
        }
    }
    let dir = common::Scratch::new("any");
    let url = format!("sqlite://{}", dir.join("sessions.db").display());
    let manager = SessionManager::<Account, _>::new(
        sessionkit::AnyStore::connect(&url).await.unwrap(),
        keys(),
    );
    let cookie = manager.create(&account(&user("any"))).await.unwrap();
    assert_eq!(manager.load(&header(&cookie)).await.unwrap().role, "member");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modify_keeps_its_deadline_in_the_queue() {
    races::queued_modifies_keep_their_deadline().await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store() {
    conformance(
        sessionkit::SqliteStore::memory().await.unwrap(),
        Placement::Anywhere,
    )
    .await;
    conformance(
        sessionkit::AnyStore::connect("sqlite::memory:")
            .await
            .unwrap(),
        Placement::Anywhere,
    )
    .await;
    let dir = common::Scratch::new("test");
    let file = dir.join("sessions.db");
    concurrency(sessionkit::SqliteStore::open(&file).await.unwrap()).await;
    conformance(
        sessionkit::SqliteStore::open(&file).await.unwrap(),
        Placement::Anywhere,
    )
    .await;
    races::a_hundred_single_modifies_all_succeed(sessionkit::SqliteStore::memory().await.unwrap())
        .await;
    races::a_hundred_single_modifies_all_succeed(
        sessionkit::SqliteStore::open(&file).await.unwrap(),
    )
    .await;
    races::the_purge_task_runs_until_the_manager_is_dropped(
        sessionkit::SqliteStore::open(&file).await.unwrap(),
    )
    .await;
    let store = sessionkit::SqliteStore::open(&file).await.unwrap();
    let pool = store.pool().clone();
    fixation::an_aborted_id_change_leaves_the_planted_id_as_it_was(
        store,
        async || {
            sqlx::raw_sql(SQLITE_ABORT_ID_CHANGES)
                .execute(&pool)
                .await
                .unwrap();
        },
        async || {
            sqlx::raw_sql("DROP TRIGGER fixate_abort_id_change")
                .execute(&pool)
                .await
                .unwrap();
        },
    )
    .await;
    let mode: String = sqlx_journal_mode(&file);
    assert_eq!(mode, "wal");
}

/// Aborts every change of a `fixate` session's id, as a failure between the two steps of a
/// two-step sign-in would.
#[cfg(feature = "sqlite")]
const SQLITE_ABORT_ID_CHANGES: &str = "CREATE TRIGGER fixate_abort_id_change \
    BEFORE UPDATE OF id_hash ON sessionkit_sessions_v2 \
    WHEN OLD.namespace = 'fixate' AND OLD.id_hash IS NOT NEW.id_hash \
    BEGIN SELECT RAISE(ABORT, 'injected: the id change fails'); END";

/// PostgreSQL's form of [`SQLITE_ABORT_ID_CHANGES`].
#[cfg(feature = "postgres")]
const POSTGRES_ABORT_ID_CHANGES: &str = "
CREATE OR REPLACE FUNCTION fixate_abort_id_change() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'injected: the id change fails'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER fixate_abort_id_change BEFORE UPDATE OF id_hash ON sessionkit_sessions_v2
    FOR EACH ROW WHEN (OLD.namespace = 'fixate' AND OLD.id_hash IS DISTINCT FROM NEW.id_hash)
    EXECUTE FUNCTION fixate_abort_id_change();";

#[cfg(feature = "sqlite")]
fn sqlx_journal_mode(file: &std::path::Path) -> String {
    // The WAL setting is stored in the database file, so any reader sees it.
    let bytes = std::fs::read(file).unwrap();
    // Offsets 18 and 19 of the SQLite header are 2 in WAL mode, 1 in rollback mode.
    match (bytes[18], bytes[19]) {
        (2, 2) => "wal".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: `source .ci/services.sh`, then run with `-- --ignored`"]
async fn postgres_store() {
    let url = common::required_env("SESSIONKIT_POSTGRES_URL");
    let store = sessionkit::PostgresStore::connect(&url).await.unwrap();
    conformance(store.clone(), Placement::Anywhere).await;
    conformance(
        sessionkit::AnyStore::connect(&url).await.unwrap(),
        Placement::Anywhere,
    )
    .await;
    concurrency(store.clone()).await;
    races::a_hundred_single_modifies_all_succeed(store.clone()).await;
    races::the_purge_task_runs_until_the_manager_is_dropped(store.clone()).await;
    let pool = store.pool().clone();
    fixation::an_aborted_id_change_leaves_the_planted_id_as_it_was(
        store.clone(),
        async || {
            sqlx::raw_sql(POSTGRES_ABORT_ID_CHANGES)
                .execute(&pool)
                .await
                .unwrap();
        },
        async || {
            sqlx::raw_sql("DROP TRIGGER fixate_abort_id_change ON sessionkit_sessions_v2")
                .execute(&pool)
                .await
                .unwrap();
        },
    )
    .await;
    let stop = common::required_env("SESSIONKIT_POSTGRES_STOP");
    let start = common::required_env("SESSIONKIT_POSTGRES_START");
    server_restart(store, &stop, &start).await;
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: `source .ci/services.sh`, then run with `-- --ignored`"]
async fn redis_store() {
    let url = common::required_env("SESSIONKIT_REDIS_URL");
    let prefix = format!("sessionkit-test-{}:", std::process::id());
    let store = sessionkit::RedisStore::connect_with_prefix(&url, &prefix)
        .await
        .unwrap();
    conformance(store.clone(), Placement::Anywhere).await;
    conformance(
        sessionkit::AnyStore::connect(&url).await.unwrap(),
        Placement::Anywhere,
    )
    .await;
    concurrency(store.clone()).await;
    races::a_hundred_single_modifies_all_succeed(store.clone()).await;
    races::the_purge_task_runs_until_the_manager_is_dropped(store.clone()).await;
    redis_index::a_renewed_session_is_still_revoked(store.clone()).await;
    redis_index::the_index_does_not_grow(store.clone()).await;
    let stop = common::required_env("SESSIONKIT_REDIS_STOP");
    let start = common::required_env("SESSIONKIT_REDIS_START");
    server_restart(store, &stop, &start).await;
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Redis Cluster: `source .ci/services.sh`, then run with `-- --ignored`"]
async fn redis_cluster_store() {
    let nodes = common::required_env("SESSIONKIT_REDIS_CLUSTER_NODES");
    let prefix = format!("sessionkit-test-{}:", std::process::id());
    let connect = || sessionkit::RedisStore::connect_cluster_with_prefix(nodes.split(','), &prefix);
    let store = connect().await.unwrap();
    conformance(store.clone(), Placement::BySlot).await;
    conformance(sessionkit::AnyStore::new(store.clone()), Placement::BySlot).await;
    concurrency(store.clone()).await;
    races::a_hundred_single_modifies_all_succeed(store.clone()).await;
    races::the_purge_task_runs_until_the_manager_is_dropped(store.clone()).await;
    redis_index::a_renewed_session_is_still_revoked(store.clone()).await;
    redis_index::the_index_does_not_grow(store.clone()).await;
    // A key prefix with a brace would change every key's hash tag.
    assert!(matches!(
        sessionkit::RedisStore::connect_cluster_with_prefix(nodes.split(','), "a{b}:").await,
        Err(Error::InvalidInput(_))
    ));
    // Last, since it takes a master down.
    failover::a_master_fails_over_and_service_resumes(connect().await.unwrap(), &nodes).await;
}
