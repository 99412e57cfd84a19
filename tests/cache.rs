//! The cookie cache of database sessions (`#[session(cache)]`) on every store's revocation
//! feed: a copy is served without a store read only while the feed is live and has heard
//! nothing against the session, and a revoked or changed session is never served after the
//! feed reported it.
//!
//! "Two processes" are two managers over two connections to one store (two pools on one
//! SQLite file; two clients of one Redis or PostgreSQL server), each with its own feed.
//! Memory and SQLite always run. PostgreSQL and Redis need servers and are `#[ignore]`d,
//! as in the store suite: `source .ci/services.sh`, then `-- --ignored`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sessionkit::{Error, MemoryStore, Session, SessionManager, SessionStore};

mod common;
#[path = "support/counting.rs"]
mod counting;

use counting::Counting;

/// A database session with a 30-second cookie cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(cookie = "cached", ttl = "1h", renew_within = "30m", cache = "30s")]
struct Member {
    #[session(user_id)]
    user_id: String,
    role: String,
}

/// The same session without a cache: every load reads the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(cookie = "uncached", ttl = "1h", renew_within = "30m")]
struct Plain {
    #[session(user_id)]
    user_id: String,
    role: String,
}

type Manager<S> = SessionManager<Member, Arc<Counting<S>>>;

fn member(user_id: &str, role: &str) -> Member {
    Member {
        user_id: user_id.into(),
        role: role.into(),
    }
}

fn header(cookie: &sessionkit::Cookie<'_>) -> String {
    format!("{}={}", cookie.name(), cookie.value())
}

fn manager<S: SessionStore + 'static>(store: S) -> Manager<S> {
    SessionManager::new(Arc::new(Counting::new(store)), common::keys())
}

/// How long a store's feed may take to deliver an event to the other process: immediate in
/// one process, a poll interval (and the time to run it) for SQLite across pools, a round
/// trip through the server for Redis and PostgreSQL.
#[derive(Clone, Copy, Debug)]
enum Delivery {
    Immediate,
    Within(Duration),
}

/// Waits until the feed of `manager` is live (its subscription task has connected), then
/// one clock-skew allowance more, so that copies issued from now on are trusted.
async fn live<S: SessionStore + 'static>(manager: &Manager<S>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !manager.feed_is_live() {
        assert!(Instant::now() < deadline, "the feed never went live");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Loads `cookie` on `manager` until it is refused, and returns how long that took;
/// fails if it is still served after the delivery bound. Once refused, it stays refused.
async fn refused<S: SessionStore + 'static>(
    manager: &Manager<S>,
    cookie: &str,
    delivery: Delivery,
) -> Duration {
    let start = Instant::now();
    let bound = match delivery {
        Delivery::Immediate => Duration::ZERO,
        Delivery::Within(bound) => bound,
    };
    loop {
        match manager.load(cookie).await {
            Err(Error::SessionNotFound) => break,
            Ok(session) => assert!(
                start.elapsed() <= bound,
                "still served {:?} after the revocation (bound {bound:?}): {:?}",
                start.elapsed(),
                session.role
            ),
            Err(other) => panic!("unexpected {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let took = start.elapsed();
    for _ in 0..5 {
        assert!(matches!(
            manager.load(cookie).await,
            Err(Error::SessionNotFound)
        ));
    }
    took
}

/// Every cache check against one store, `connect` making another "process" on it.
async fn suite<S, C, F>(connect: C, delivery: Delivery)
where
    S: SessionStore + 'static,
    C: Fn() -> F,
    F: Future<Output = S>,
{
    let one = manager(connect().await);
    let two = manager(connect().await);
    // A first use starts each feed.
    assert!(one.load("cached=nothing").await.is_err());
    assert!(two.load("cached=nothing").await.is_err());
    live(&one).await;
    live(&two).await;
    // Copies from before a feed went live are not trusted: wait out the skew allowance.
    tokio::time::sleep(Duration::from_millis(1_100)).await;

    a_copy_is_served_without_a_store_read(&one, &two).await;
    a_revoked_session_is_refused_by_the_other_process(&one, &two, delivery).await;
    an_update_is_never_served_stale(&one, &two, delivery).await;
    logging_a_user_out_everywhere_ends_their_copies(&one, &two, delivery).await;
    a_regenerated_session_leaves_no_old_copy(&one, &two, delivery).await;
    an_old_copy_is_a_miss_not_a_sign_out(&one).await;
    sensitive_work_reads_the_store(&one).await;
}

async fn a_copy_is_served_without_a_store_read<S: SessionStore + 'static>(
    one: &Manager<S>,
    two: &Manager<S>,
) {
    let cookie = one.create(&member("ada", "member")).await.unwrap();
    let cookie = header(&cookie);
    for manager in [one, two] {
        let before = manager.store().calls();
        let session = manager.load(&cookie).await.unwrap();
        assert_eq!(*session, member("ada", "member"));
        assert_eq!(session.user_id(), Some("ada"));
        assert_eq!(session.version(), 1);
        assert!(!manager.needs_reissue(&session));
        assert_eq!(
            manager.store().calls(),
            before,
            "a cached load read the store"
        );
        // Nothing to renew and nothing to re-issue: no cookie.
        assert!(manager.refresh(&session).await.unwrap().is_none());
    }
}

async fn a_revoked_session_is_refused_by_the_other_process<S: SessionStore + 'static>(
    one: &Manager<S>,
    two: &Manager<S>,
    delivery: Delivery,
) {
    let cookie = header(&one.create(&member("bob", "member")).await.unwrap());
    // Both hold the session, served from the copy.
    let held = two.load(&cookie).await.unwrap();
    let session = one.load(&cookie).await.unwrap();
    one.revoke(&session).await.unwrap();
    refused(two, &cookie, delivery).await;
    refused(one, &cookie, Delivery::Immediate).await;
    // The session `two` held cannot be written back either.
    assert!(matches!(
        two.update(&held, &member("bob", "admin")).await,
        Err(Error::SessionNotFound)
    ));
}

async fn an_update_is_never_served_stale<S: SessionStore + 'static>(
    one: &Manager<S>,
    two: &Manager<S>,
    delivery: Delivery,
) {
    let cookie = header(&one.create(&member("cy", "admin")).await.unwrap());
    assert_eq!(two.load(&cookie).await.unwrap().role, "admin");
    // The admin is demoted on `one`; the browser still sends the copy that says admin.
    let session = one.load(&cookie).await.unwrap();
    one.update(&session, &member("cy", "member")).await.unwrap();
    let start = Instant::now();
    let bound = match delivery {
        Delivery::Immediate => Duration::ZERO,
        Delivery::Within(bound) => bound,
    };
    loop {
        let seen = two.load(&cookie).await.unwrap();
        if seen.role == "member" {
            assert_eq!(seen.version(), 2);
            // Read from the store: the response re-issues a copy of the new payload.
            assert!(two.needs_reissue(&seen));
            let fresh = header(&two.refresh(&seen).await.unwrap().unwrap());
            let before = two.store().calls();
            assert_eq!(two.load(&fresh).await.unwrap().role, "member");
            assert_eq!(two.store().calls(), before);
            break;
        }
        assert!(
            start.elapsed() <= bound,
            "the old payload was still served {:?} after the update",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Never the old payload again, from the old cookie.
    for _ in 0..5 {
        assert_eq!(two.load(&cookie).await.unwrap().role, "member");
        assert_eq!(one.load(&cookie).await.unwrap().role, "member");
    }
}

async fn logging_a_user_out_everywhere_ends_their_copies<S: SessionStore + 'static>(
    one: &Manager<S>,
    two: &Manager<S>,
    delivery: Delivery,
) {
    let laptop = header(&one.create(&member("dee", "member")).await.unwrap());
    let phone = header(&two.create(&member("dee", "member")).await.unwrap());
    let other = header(&two.create(&member("eve", "member")).await.unwrap());
    two.load(&laptop).await.unwrap();
    two.load(&phone).await.unwrap();
    assert_eq!(one.revoke_user("dee").await.unwrap(), 2);
    refused(two, &laptop, delivery).await;
    refused(two, &phone, delivery).await;
    refused(one, &phone, Delivery::Immediate).await;
    // Another user's copy is untouched, and still needs no store read.
    let before = two.store().calls();
    two.load(&other).await.unwrap();
    assert_eq!(two.store().calls(), before);
}

async fn a_regenerated_session_leaves_no_old_copy<S: SessionStore + 'static>(
    one: &Manager<S>,
    two: &Manager<S>,
    delivery: Delivery,
) {
    let old = header(&one.create(&member("fay", "member")).await.unwrap());
    two.load(&old).await.unwrap();
    let session = one.load(&old).await.unwrap();
    let new = header(&one.regenerate(&session).await.unwrap());
    refused(two, &old, delivery).await;
    assert_eq!(two.load(&new).await.unwrap().user_id, "fay");
}

async fn an_old_copy_is_a_miss_not_a_sign_out<S: SessionStore + 'static>(one: &Manager<S>) {
    let cookie = header(&one.create(&member("gus", "member")).await.unwrap());
    let later =
        sessionkit::time::OffsetDateTime::now_utc() + sessionkit::time::Duration::seconds(31);
    let before = one.store().calls();
    let session = one.load_at(&cookie, later).await.unwrap();
    assert_eq!(session.user_id, "gus");
    assert_eq!(
        one.store().calls(),
        before + 1,
        "an expired copy must read the store"
    );
    assert!(one.needs_reissue(&session));
}

async fn sensitive_work_reads_the_store<S: SessionStore + 'static>(one: &Manager<S>) {
    let cookie = header(&one.create(&member("hal", "member")).await.unwrap());
    let before = one.store().calls();
    let session = one.load_uncached(&cookie).await.unwrap();
    assert_eq!(session.user_id, "hal");
    assert_eq!(one.store().calls(), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store() {
    let store = MemoryStore::new();
    let shared = Arc::new(store);
    suite(
        || std::future::ready(Arc::clone(&shared)),
        Delivery::Immediate,
    )
    .await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_in_one_process() {
    let store = sessionkit::SqliteStore::memory().await.unwrap();
    suite(|| std::future::ready(store.clone()), Delivery::Immediate).await;
}

/// Two pools on one file are two processes as far as the feed knows: the events table is
/// all they share.
#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_across_processes() {
    let dir = common::Scratch::new("cache");
    let file = dir.join("sessions.db");
    suite(
        || async { sessionkit::SqliteStore::open(&file).await.unwrap() },
        Delivery::Within(Duration::from_millis(1_000)),
    )
    .await;
}

/// A type without a cache never skips the store, feed or no feed.
#[tokio::test]
async fn without_a_cache_every_load_reads_the_store() {
    let manager = SessionManager::<Plain, _>::new(
        Arc::new(Counting::new(MemoryStore::new())),
        common::keys(),
    );
    let cookie = manager
        .create(&Plain {
            user_id: "ida".into(),
            role: "member".into(),
        })
        .await
        .unwrap();
    let cookie = header(&cookie);
    for round in 1..=3 {
        let before = manager.store().calls();
        manager.load(&cookie).await.unwrap();
        assert_eq!(manager.store().calls(), before + 1, "round {round}");
    }
    assert!(!manager.feed_is_live());
}

/// A store without a feed (the trait's default) never goes live: copies are never served.
#[tokio::test]
async fn a_store_without_a_feed_serves_no_copy() {
    let manager: Manager<MemoryStore> = SessionManager::new(
        Arc::new(Counting::without_feed(MemoryStore::new())),
        common::keys(),
    );
    let cookie = header(&manager.create(&member("jo", "member")).await.unwrap());
    let before = manager.store().calls();
    manager.load(&cookie).await.unwrap();
    assert_eq!(manager.store().calls(), before + 1);
    assert!(!manager.feed_is_live());
}

fn run(command: &str) {
    let status = std::process::Command::new("sh")
        .args(["-c", command])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{command}");
}

/// How long a server feed may be believed after it broke: three heartbeats (250 ms), plus
/// the time to notice and to reconnect.
const SERVER_BOUND: Duration = Duration::from_millis(1_500);

/// The feed's connection is killed (`kill`) and a session is revoked before it is back:
/// the revocation was published to nobody, yet the copy is not served after the bound,
/// and a copy issued before the gap is not trusted once the feed is back.
async fn a_killed_feed_serves_nothing_revoked<S, K, KF>(one: &Manager<S>, two: &Manager<S>, kill: K)
where
    S: SessionStore + 'static,
    K: Fn() -> KF,
    KF: Future<Output = ()>,
{
    let revoked = header(&one.create(&member("kat", "member")).await.unwrap());
    let kept = header(&one.create(&member("lou", "member")).await.unwrap());
    let before = two.store().calls();
    two.load(&revoked).await.unwrap();
    two.load(&kept).await.unwrap();
    assert_eq!(two.store().calls(), before, "served from the copies");

    kill().await;
    let session = one.load_uncached(&revoked).await.unwrap();
    one.revoke(&session).await.unwrap();
    let took = refused(two, &revoked, Delivery::Within(SERVER_BOUND)).await;
    println!("refused {took:?} after the feed was killed");

    // Back again: the copy from before the gap is read from the store once. (Copies are
    // trusted from one clock-skew allowance after the feed came back.)
    live(two).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let before = two.store().calls();
    let session = two.load(&kept).await.unwrap();
    assert_eq!(
        two.store().calls(),
        before + 1,
        "a copy from before the gap was trusted"
    );
    let fresh = header(&two.refresh(&session).await.unwrap().unwrap());
    let before = two.store().calls();
    two.load(&fresh).await.unwrap();
    assert_eq!(
        two.store().calls(),
        before,
        "a fresh copy after the gap is served"
    );
}

/// The server restarts: while it is down nothing is served from a copy, a session revoked
/// before the stop stays refused, and the feed comes back by itself.
async fn a_restart_serves_nothing_revoked<S: SessionStore + 'static>(
    one: &Manager<S>,
    two: &Manager<S>,
    stop: &str,
    start: &str,
) {
    let revoked = header(&one.create(&member("max", "member")).await.unwrap());
    let kept = header(&one.create(&member("ned", "member")).await.unwrap());
    two.load(&revoked).await.unwrap();
    let session = one.load(&revoked).await.unwrap();
    one.revoke(&session).await.unwrap();
    refused(two, &revoked, Delivery::Within(SERVER_BOUND)).await;

    run(stop);
    let deadline = Instant::now() + SERVER_BOUND;
    while two.feed_is_live() {
        assert!(
            Instant::now() < deadline,
            "the feed was believed with the server down"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Down: no copy is served, so the load asks the store, which is down.
    assert!(matches!(two.load(&kept).await, Err(Error::Store(_))));
    run(start);
    live(two).await;
    // Until the server has loaded its data, loads fail (an outage, not a pass).
    let deadline = Instant::now() + Duration::from_secs(10);
    while two.load(&kept).await.is_err() {
        assert!(Instant::now() < deadline, "the store did not come back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    refused(two, &revoked, Delivery::Immediate).await;
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: `source .ci/services.sh`, then run with `-- --ignored`"]
async fn redis_store() {
    let url = common::required_env("SESSIONKIT_REDIS_URL");
    let prefix = format!("sessionkit-cache-{}:", std::process::id());
    let connect = || async {
        sessionkit::RedisStore::connect_with_prefix(&url, &prefix)
            .await
            .unwrap()
    };
    suite(connect, Delivery::Within(SERVER_BOUND)).await;

    let one = manager(connect().await);
    let two = manager(connect().await);
    assert!(one.load("cached=nothing").await.is_err());
    assert!(two.load("cached=nothing").await.is_err());
    live(&one).await;
    live(&two).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let client = redis::Client::open(url.as_str()).unwrap();
    let command = |args: &'static [&'static str]| {
        let client = client.clone();
        async move {
            let mut connection = client.get_multiplexed_async_connection().await.unwrap();
            let _: redis::Value = redis::cmd(args[0])
                .arg(&args[1..])
                .query_async(&mut connection)
                .await
                .unwrap();
        }
    };
    a_killed_feed_serves_nothing_revoked(&one, &two, || {
        command(&["CLIENT", "KILL", "TYPE", "pubsub"])
    })
    .await;

    // A stalled feed: the server holds every client for 1.5 s, heartbeats included.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert!(two.feed_is_live());
    command(&["CLIENT", "PAUSE", "1500", "ALL"]).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert!(!two.feed_is_live(), "a stalled feed was still believed");
    live(&two).await;

    let stop = common::required_env("SESSIONKIT_REDIS_STOP");
    let start = common::required_env("SESSIONKIT_REDIS_START");
    a_restart_serves_nothing_revoked(&one, &two, &stop, &start).await;
}

/// On a cluster the feed is classic pub/sub through any node: a `PUBLISH` on the node that
/// took the write reaches a subscriber on another over the cluster bus.
#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Redis Cluster: `source .ci/services.sh`, then run with `-- --ignored`"]
async fn redis_cluster_store() {
    let nodes = common::required_env("SESSIONKIT_REDIS_CLUSTER_NODES");
    let nodes: Vec<&str> = nodes.split(',').collect();
    let prefix = format!("sessionkit-cache-{}:", std::process::id());
    // The two "processes" subscribe through different nodes.
    let (first, second) = (
        nodes.clone(),
        nodes.iter().rev().copied().collect::<Vec<_>>(),
    );
    let connections = std::sync::Mutex::new(vec![second, first]);
    let connect = || {
        let order = connections
            .lock()
            .unwrap()
            .pop()
            .unwrap_or_else(|| nodes.clone());
        let prefix = prefix.clone();
        async move {
            sessionkit::RedisStore::connect_cluster_with_prefix(order, &prefix)
                .await
                .unwrap()
        }
    };
    suite(connect, Delivery::Within(SERVER_BOUND)).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: `source .ci/services.sh`, then run with `-- --ignored`"]
async fn postgres_store() {
    let url = common::required_env("SESSIONKIT_POSTGRES_URL");
    let connect = || async { sessionkit::PostgresStore::connect(&url).await.unwrap() };
    suite(connect, Delivery::Within(SERVER_BOUND)).await;

    let one = manager(connect().await);
    let two = manager(connect().await);
    assert!(one.load("cached=nothing").await.is_err());
    assert!(two.load("cached=nothing").await.is_err());
    live(&one).await;
    live(&two).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let pool = one.store().inner.pool().clone();
    a_killed_feed_serves_nothing_revoked(&one, &two, || {
        let pool = pool.clone();
        async move {
            let killed: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            assert!(!killed.is_empty(), "no listening backend to kill");
        }
    })
    .await;

    let stop = common::required_env("SESSIONKIT_POSTGRES_STOP");
    let start = common::required_env("SESSIONKIT_POSTGRES_START");
    a_restart_serves_nothing_revoked(&one, &two, &stop, &start).await;
}

/// What a framework answered: status, body, and the `Set-Cookie` values of the session
/// cookie (`cached=...`), so that both frameworks' checks read the same.
#[cfg(any(feature = "axum", feature = "actix"))]
struct Answer {
    status: u16,
    body: String,
    cookies: Vec<String>,
}

/// The guard and the extractor behind it, on one framework: a trusted copy is served with
/// no store read and no cookie; a copy the feed distrusts (an update elsewhere) is read
/// from the store once per request, and the answer carries a fresh copy that needs no read;
/// a revocation elsewhere is refused with the cookie's removal.
#[cfg(any(feature = "axum", feature = "actix"))]
async fn behind_the_guard<F, A>(request: F)
where
    F: Fn(Arc<Manager<Arc<MemoryStore>>>, Option<String>) -> A,
    A: Future<Output = Answer>,
{
    let store = Arc::new(MemoryStore::new());
    let served: Arc<Manager<Arc<MemoryStore>>> = Arc::new(SessionManager::new(
        Arc::new(Counting::new(Arc::clone(&store))),
        common::keys(),
    ));
    let elsewhere: SessionManager<Member, _> = SessionManager::new(store, common::keys());
    assert!(served.feed_is_live());
    let cookie = header(&served.create(&member("ada", "member")).await.unwrap());

    let reads = served.store().calls();
    let answer = request(Arc::clone(&served), Some(cookie.clone())).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ada member"));
    assert!(answer.cookies.is_empty(), "{:?}", answer.cookies);
    assert_eq!(
        served.store().calls(),
        reads,
        "a trusted copy read the store"
    );

    // Promoted on another server: the old copy is not served again.
    let session = elsewhere.load(&cookie).await.unwrap();
    elsewhere
        .update(&session, &member("ada", "admin"))
        .await
        .unwrap();
    let reads = served.store().calls();
    let answer = request(Arc::clone(&served), Some(cookie.clone())).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ada admin"));
    assert_eq!(
        served.store().calls(),
        reads + 1,
        "one store read for guard and extractor"
    );
    assert_eq!(
        answer.cookies.len(),
        1,
        "a fresh copy: {:?}",
        answer.cookies
    );
    let fresh = format!("cached={}", answer.cookies[0]);
    let reads = served.store().calls();
    let answer = request(Arc::clone(&served), Some(fresh.clone())).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ada admin"));
    assert_eq!(served.store().calls(), reads);

    // Signed out on another server: refused here, and the cookie removed.
    let session = elsewhere.load(&fresh).await.unwrap();
    elsewhere.revoke(&session).await.unwrap();
    let answer = request(Arc::clone(&served), Some(fresh)).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.cookies, vec![String::new()], "the removal");
    let answer = request(served, None).await;
    assert_eq!(answer.status, 401);
}

#[cfg(feature = "axum")]
#[tokio::test]
async fn the_guard_and_extractor_on_axum() {
    use axum::body::Body;
    use axum::routing::get;
    use sessionkit::{DbSession, Rejection, SessionGuard};
    use tower::ServiceExt;

    async fn me(session: DbSession<Member>) -> String {
        format!("{} {}", session.user_id, session.role)
    }
    behind_the_guard(|manager, cookie| async move {
        let app = axum::Router::new().route("/me", get(me)).layer(
            SessionGuard::database(manager)
                .protect("/me")
                .on_rejection(Rejection::Unauthorized),
        );
        let mut request = axum::http::Request::get("/me");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = app
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let cookies = common::set_cookie_headers(&response)
            .iter()
            .map(|cookie| common::set_cookie_value(cookie, "cached"))
            .collect();
        Answer {
            status,
            body: common::body_text(response).await,
            cookies,
        }
    })
    .await;
}

#[cfg(feature = "actix")]
#[actix_web::test]
async fn the_guard_and_extractor_on_actix_web() {
    use actix_web::{App, test, web};
    use sessionkit::DbSession;
    use sessionkit::actix::{Rejection, SessionGuard};

    async fn me(session: DbSession<Member>) -> String {
        format!("{} {}", session.user_id, session.role)
    }
    behind_the_guard(|manager, cookie| async move {
        let app = test::init_service(
            App::new().route("/me", web::get().to(me)).wrap(
                SessionGuard::database(manager)
                    .protect("/me")
                    .on_rejection(Rejection::Unauthorized),
            ),
        )
        .await;
        let mut request = test::TestRequest::get().uri("/me");
        if let Some(cookie) = cookie {
            request = request.insert_header(("cookie", cookie));
        }
        let response = test::call_service(&app, request.to_request()).await;
        let status = response.status().as_u16();
        let cookies = response
            .headers()
            .get_all("set-cookie")
            .map(|value| common::set_cookie_value(value.to_str().unwrap(), "cached"))
            .collect();
        let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
        Answer {
            status,
            body,
            cookies,
        }
    })
    .await;
}
