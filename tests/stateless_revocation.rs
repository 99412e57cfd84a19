//! "Log out everywhere" for stateless sessions: `#[session(revocable)]` and
//! `Revocations::revoke_user_tokens`. A token issued before its user's watermark is
//! refused, by this process at once and by others through the store's revocation feed, or
//! from the store itself when the feed cannot answer; never passed on an outage.
//!
//! Memory and SQLite always run; Redis and PostgreSQL need servers (`#[ignore]`d, as in
//! the store suite: `source .ci/services.sh`, then `-- --ignored`).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sessionkit::time::OffsetDateTime;
use sessionkit::{Error, MemoryStore, Revocations, Session, SessionStore, Verified};

mod common;
#[path = "support/counting.rs"]
mod counting;

use counting::Counting;

/// A stateless session whose tokens can be revoked per user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(cookie = "token", ttl = "1h", revocable)]
struct Token {
    #[session(user_id)]
    user_id: String,
}

type Handle<S> = Revocations<Token, Arc<Counting<S>>>;

fn handle<S: SessionStore + 'static>(store: S) -> Handle<S> {
    Revocations::new(Arc::new(Counting::new(store)))
}

/// A token of `user_id`, verified, issued `ago` seconds before now.
fn token(user_id: &str, ago: i64) -> Verified<Token> {
    let now = OffsetDateTime::now_utc();
    let issued = now - sessionkit::time::Duration::seconds(ago);
    let token = Token {
        user_id: user_id.into(),
    }
    .encrypt_at(&common::keys(), issued)
    .unwrap();
    Token::decrypt_at(&token, &common::keys(), now).unwrap()
}

async fn live<S: SessionStore + 'static>(handle: &Handle<S>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !handle.feed_is_live() {
        assert!(Instant::now() < deadline, "the feed never went live");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // One clock-skew allowance, and a second for `iat`'s whole seconds.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
}

/// Waits until `handle` refuses `session`, failing if it is accepted after `bound`.
async fn refused<S: SessionStore + 'static>(
    handle: &Handle<S>,
    session: &Verified<Token>,
    bound: Duration,
) -> Duration {
    let start = Instant::now();
    loop {
        match handle.check(session).await {
            Err(Error::Revoked) => return start.elapsed(),
            Ok(()) => assert!(
                start.elapsed() <= bound,
                "a revoked token still passed {:?} after the revocation",
                start.elapsed()
            ),
            Err(other) => panic!("unexpected {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Every check against one store, `connect` making another "process" on it.
async fn suite<S, C, F>(connect: C, bound: Duration)
where
    S: SessionStore + 'static,
    C: Fn() -> F,
    F: Future<Output = S>,
{
    let one = handle(connect().await);
    let two = handle(connect().await);
    live(&one).await;
    live(&two).await;

    // Issued since the feeds went live: checked without a store read.
    let ada = token("ada", 0);
    let bob = token("bob", 0);
    let reads = two.store().calls();
    two.check(&ada).await.unwrap();
    two.check(&bob).await.unwrap();
    assert_eq!(two.store().calls(), reads, "a recent token read the store");

    one.revoke_user_tokens("ada").await.unwrap();
    refused(&one, &ada, Duration::ZERO).await;
    let took = refused(&two, &ada, bound).await;
    println!("refused {took:?} after the revocation");
    // Another user's token is untouched.
    two.check(&bob).await.unwrap();

    // Older than the feed's live stretch: the store's watermark decides.
    let old = token("ada", 3_000);
    let reads = two.store().calls();
    assert!(matches!(two.check(&old).await, Err(Error::Revoked)));
    assert_eq!(two.store().calls(), reads + 1);

    // Signing in again after the revocation's second works.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    two.check(&token("ada", 0)).await.unwrap();
    one.check(&token("ada", 0)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store() {
    let store = Arc::new(MemoryStore::new());
    suite(|| std::future::ready(Arc::clone(&store)), Duration::ZERO).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_across_processes() {
    let dir = common::Scratch::new("revocations");
    let file = dir.join("sessions.db");
    suite(
        || async { sessionkit::SqliteStore::open(&file).await.unwrap() },
        Duration::from_millis(1_000),
    )
    .await;
}

/// Without a feed every check reads the store's watermark, and still refuses.
#[tokio::test]
async fn without_a_feed_the_store_decides() {
    let revocations: Handle<MemoryStore> =
        Revocations::new(Arc::new(Counting::without_feed(MemoryStore::new())));
    let ada = token("ada", 5);
    revocations.check(&ada).await.unwrap();
    revocations.revoke_user_tokens("ada").await.unwrap();
    let reads = revocations.store().calls();
    assert!(matches!(revocations.check(&ada).await, Err(Error::Revoked)));
    assert_eq!(revocations.store().calls(), reads + 1);
    assert!(!revocations.feed_is_live());
}

/// Bad input is refused before any store sees it.
#[tokio::test]
async fn a_bad_user_id_is_refused() {
    let revocations = handle(MemoryStore::new());
    assert!(matches!(
        revocations.revoke_user_tokens("").await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        revocations.revoke_user_tokens("ada\nbob").await,
        Err(Error::InvalidInput(_))
    ));
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: `source .ci/services.sh`, then run with `-- --ignored`"]
async fn redis_store() {
    let url = common::required_env("SESSIONKIT_REDIS_URL");
    let prefix = format!("sessionkit-revocations-{}:", std::process::id());
    suite(
        || async {
            sessionkit::RedisStore::connect_with_prefix(&url, &prefix)
                .await
                .unwrap()
        },
        Duration::from_millis(1_500),
    )
    .await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: `source .ci/services.sh`, then run with `-- --ignored`"]
async fn postgres_store() {
    let url = common::required_env("SESSIONKIT_POSTGRES_URL");
    suite(
        || async { sessionkit::PostgresStore::connect(&url).await.unwrap() },
        Duration::from_millis(1_500),
    )
    .await;
}

/// The revocable guard on both frameworks: a valid token passes, a revoked one is `401`
/// with the cookie's removal, and a token the guard must check in a store that is down is
/// `503`, never passed.
#[cfg(all(feature = "axum", feature = "actix", feature = "sqlite"))]
mod guard {
    use super::*;

    struct Answer {
        status: u16,
        cookies: Vec<String>,
    }

    async fn behind_the_guard<F, A>(request: F)
    where
        F: Fn(Arc<Handle<sessionkit::SqliteStore>>, String) -> A,
        A: Future<Output = Answer>,
    {
        let store = sessionkit::SqliteStore::memory().await.unwrap();
        let revocations = Arc::new(handle(store.clone()));
        let cookie = |ago| {
            let now = OffsetDateTime::now_utc() - sessionkit::time::Duration::seconds(ago);
            let cookie = Token {
                user_id: "ada".into(),
            }
            .cookie_at(&common::keys(), now)
            .unwrap();
            format!("token={}", cookie.value())
        };
        // Issued while the feed is live: the feed answers, with no store read, a pass and
        // (after the revocation) a refusal alike.
        live(&revocations).await;
        let recent = cookie(0);
        let reads = revocations.store().calls();
        let answer = request(Arc::clone(&revocations), recent.clone()).await;
        assert_eq!(answer.status, 200);
        revocations.revoke_user_tokens("ada").await.unwrap();
        let reads = reads + 1; // the watermark's write
        let answer = request(Arc::clone(&revocations), recent).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.cookies, vec![String::new()], "the removal");
        assert_eq!(revocations.store().calls(), reads, "the feed answered both");
        tokio::time::sleep(Duration::from_millis(1_100)).await;

        let valid = cookie(0);
        let answer = request(Arc::clone(&revocations), valid.clone()).await;
        assert_eq!(answer.status, 200);
        assert!(answer.cookies.is_empty());

        revocations.revoke_user_tokens("ada").await.unwrap();
        let answer = request(Arc::clone(&revocations), valid).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.cookies, vec![String::new()], "the removal");

        // The store goes away: an old token cannot be checked, so it does not pass.
        let old = cookie(600);
        store.pool().close().await;
        let answer = request(revocations, old).await;
        assert_eq!(answer.status, 503);
        assert!(answer.cookies.is_empty(), "an outage removes nothing");
    }

    #[tokio::test]
    async fn on_axum() {
        use axum::body::Body;
        use axum::routing::get;
        use sessionkit::{Rejection, SessionGuard};
        use tower::ServiceExt;

        async fn me(session: Verified<Token>) -> String {
            session.user_id.clone()
        }
        behind_the_guard(|revocations, cookie| async move {
            let app = axum::Router::new().route("/me", get(me)).layer(
                SessionGuard::revocable(common::keys(), revocations)
                    .protect("/me")
                    .on_rejection(Rejection::Unauthorized),
            );
            let request = axum::http::Request::get("/me")
                .header("cookie", cookie)
                .body(Body::empty())
                .unwrap();
            let response = app.oneshot(request).await.unwrap();
            Answer {
                status: response.status().as_u16(),
                cookies: common::set_cookie_headers(&response)
                    .iter()
                    .map(|cookie| common::set_cookie_value(cookie, "token"))
                    .collect(),
            }
        })
        .await;
    }

    #[actix_web::test]
    async fn on_actix_web() {
        use actix_web::{App, test, web};
        use sessionkit::actix::{Rejection, SessionGuard};

        async fn me(session: Verified<Token>) -> String {
            session.user_id.clone()
        }
        behind_the_guard(|revocations, cookie| async move {
            let app = test::init_service(
                App::new().route("/me", web::get().to(me)).wrap(
                    SessionGuard::revocable(common::keys(), revocations)
                        .protect("/me")
                        .on_rejection(Rejection::Unauthorized),
                ),
            )
            .await;
            let request = test::TestRequest::get()
                .uri("/me")
                .insert_header(("cookie", cookie));
            let response = test::call_service(&app, request.to_request()).await;
            Answer {
                status: response.status().as_u16(),
                cookies: response
                    .headers()
                    .get_all("set-cookie")
                    .map(|value| common::set_cookie_value(value.to_str().unwrap(), "token"))
                    .collect(),
            }
        })
        .await;
    }
}
