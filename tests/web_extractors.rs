//! The axum glue in isolation: the stateless extractors and the guard, with requests sent
//! straight into a router.
#![cfg(feature = "axum")]

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::FromRef;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::{GuideSession, guide, keys, set_cookie_value};
use http_body_util::BodyExt;
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Keys, Session, SessionGuard, Verified};
use tower::ServiceExt;

#[derive(Clone)]
struct State {
    keys: Keys,
}

impl FromRef<State> for Keys {
    fn from_ref(state: &State) -> Keys {
        state.keys.clone()
    }
}

fn router() -> Router {
    Router::new()
        .route(
            "/me",
            get(|session: Verified<GuideSession>| async move { session.user_id.clone() }),
        )
        .route(
            "/maybe",
            get(|session: Option<Verified<GuideSession>>| async move {
                session.map_or_else(|| "anonymous".to_owned(), |s| s.user_id.clone())
            }),
        )
        .route("/login", get(|| async { "login page" }))
        .route("/app/inside", get(|| async { "inside" }))
        .layer(
            SessionGuard::stateless::<GuideSession>(keys())
                .protect("/app")
                .public_only("/login")
                .home_path("/app/inside"),
        )
        .with_state(State { keys: keys() })
}

/// A browser's page load (a navigation), with the session cookie if given.
async fn send(path: &str, cookie: Option<&str>) -> Response {
    send_request(
        Request::get(path).header("sec-fetch-mode", "navigate"),
        cookie,
    )
    .await
}

/// An API call (not a navigation), with the session cookie if given.
async fn api(path: &str, cookie: Option<&str>) -> Response {
    send_request(Request::get(path), cookie).await
}

async fn send_request(mut request: axum::http::request::Builder, cookie: Option<&str>) -> Response {
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("session={cookie}"));
    }
    router()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn body(response: Response) -> String {
    String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap()
}

#[tokio::test]
async fn verified_extracts_or_rejects_with_a_bare_401() {
    let token = guide("ada").encrypt(&keys()).unwrap();
    let ok = send("/me", Some(&token)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(body(ok).await, "ada");

    let expired = guide("ada")
        .encrypt_at(&keys(), OffsetDateTime::now_utc() - Duration::days(8))
        .unwrap();
    for cookie in [None, Some("garbage"), Some(expired.as_str())] {
        let refused = api("/me", cookie).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(refused.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(refused.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(
            body(refused).await,
            r#"{"error":"unauthorized"}"#,
            "the body says nothing about why"
        );
    }
}

#[tokio::test]
async fn an_optional_session_is_none_without_a_valid_cookie() {
    let token = guide("ada").encrypt(&keys()).unwrap();
    assert_eq!(body(send("/maybe", Some(&token)).await).await, "ada");
    assert_eq!(body(send("/maybe", None).await).await, "anonymous");
    assert_eq!(
        body(send("/maybe", Some("tampered")).await).await,
        "anonymous"
    );
}

#[tokio::test]
async fn the_guard_redirects_both_ways() {
    let token = guide("ada").encrypt(&keys()).unwrap();
    let out = send("/app/inside", None).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(out.headers()[header::LOCATION], "/login");
    assert_eq!(
        send("/app/inside", Some("forged")).await.headers()[header::LOCATION],
        "/login"
    );
    assert_eq!(
        send("/app/inside", Some(&token)).await.status(),
        StatusCode::OK
    );

    let signed_in = send("/login", Some(&token)).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()[header::LOCATION], "/app/inside");
    assert_eq!(send("/login", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_guard_renews_only_inside_the_window() {
    // Fresh: nothing to renew, no cookie on the response.
    let fresh = guide("ada").encrypt(&keys()).unwrap();
    let response = send("/maybe", Some(&fresh)).await;
    assert!(response.headers().get(header::SET_COOKIE).is_none());

    // Five days into a seven-day session: less than half is left, so it is re-issued with a
    // new exp, and the response is marked no-store.
    let old = guide("ada")
        .encrypt_at(&keys(), OffsetDateTime::now_utc() - Duration::days(5))
        .unwrap();
    let response = send("/maybe", Some(&old)).await;
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let renewed = set_cookie_value(
        response.headers()[header::SET_COOKIE].to_str().unwrap(),
        "session",
    );
    let before = GuideSession::decrypt(&old, &keys()).unwrap();
    let after = GuideSession::decrypt(&renewed, &keys()).unwrap();
    assert!(after.expires_at() - before.expires_at() >= Duration::days(5) - Duration::minutes(1));
    assert_eq!(*after, *before);
}

#[derive(serde::Serialize, serde::Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h", renew_within = "15m")]
struct Account {
    #[session(user_id)]
    user_id: String,
}

#[tokio::test]
async fn the_database_guard_renews_through_the_store() {
    use std::sync::Arc;

    use sessionkit::{DbSession, MemoryStore, SessionManager};

    let manager = Arc::new(SessionManager::<Account, _>::new(
        MemoryStore::new(),
        keys(),
    ));
    let app = Router::new()
        .route(
            "/app",
            get(|session: DbSession<Account>| async move { session.user_id.clone() }),
        )
        .layer(SessionGuard::database(Arc::clone(&manager)).protect("/app"))
        .with_state(Arc::clone(&manager));
    let request = |cookie: &str| {
        Request::get("/app")
            .header(header::COOKIE, format!("sid={cookie}"))
            .body(Body::empty())
            .unwrap()
    };

    // Created 50 minutes ago: 10 minutes left, inside the 15-minute window.
    let now = OffsetDateTime::now_utc();
    let old = manager
        .create_at(
            &Account {
                user_id: "7".into(),
            },
            now - Duration::minutes(50),
        )
        .await
        .unwrap();
    let response = app.clone().oneshot(request(old.value())).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let renewed = set_cookie_value(
        response.headers()[header::SET_COOKIE].to_str().unwrap(),
        "sid",
    );
    let session = manager.load(&format!("sid={renewed}")).await.unwrap();
    assert!(
        session.expires_at() - now > Duration::minutes(55),
        "extended to about an hour from now"
    );

    // Fresh: no renewal, no write.
    let fresh = manager
        .create(&Account {
            user_id: "8".into(),
        })
        .await
        .unwrap();
    let response = app.clone().oneshot(request(fresh.value())).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(header::SET_COOKIE).is_none());

    // Revoked elsewhere: the guard's optimistic check passes, the extractor does not.
    let session = manager
        .load(&format!("sid={}", fresh.value()))
        .await
        .unwrap();
    manager.revoke(&session).await.unwrap();
    let response = app.oneshot(request(fresh.value())).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_rejected_database_cookie_is_removed_and_renewals_survive_other_cookies() {
    use std::sync::Arc;

    use sessionkit::{DbSession, MemoryStore, SessionManager, SetSession};

    let manager = Arc::new(SessionManager::<Account, _>::new(
        MemoryStore::new(),
        keys(),
    ));
    let app = Router::new()
        .route(
            "/app",
            get(|session: DbSession<Account>| async move { session.user_id.clone() }),
        )
        // A handler that sets a cookie of its own (a preference), not the session's.
        .route(
            "/app/theme",
            get(|_: DbSession<Account>| async {
                ([(header::SET_COOKIE, "theme=dark; Path=/")], "dark")
            }),
        )
        // A handler that sets the session cookie itself: it wins over the renewal.
        .route(
            "/app/logout",
            get(|| async { SetSession(Account::removal_cookie()) }),
        )
        .layer(SessionGuard::database(Arc::clone(&manager)).protect("/app"))
        .with_state(Arc::clone(&manager));
    let request = |path: &str, cookie: &str| {
        Request::get(path)
            .header(header::COOKIE, format!("sid={cookie}"))
            .body(Body::empty())
            .unwrap()
    };
    let set_cookies = common::set_cookie_headers;
    let account = Account {
        user_id: "9".into(),
    };
    let now = OffsetDateTime::now_utc();

    // Inside the renewal window, a handler's own cookie and the renewal both arrive.
    let old = manager
        .create_at(&account, now - Duration::minutes(50))
        .await
        .unwrap();
    let response = app
        .clone()
        .oneshot(request("/app/theme", old.value()))
        .await
        .unwrap();
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(
        cookies
            .iter()
            .any(|cookie| cookie.starts_with("theme=dark"))
    );
    let renewed = cookies
        .iter()
        .find(|cookie| cookie.starts_with("sid="))
        .expect("the renewal was not dropped");
    let renewed = set_cookie_value(renewed, "sid");
    let row = manager.load(&format!("sid={renewed}")).await.unwrap();
    assert!(row.expires_at() - now > Duration::minutes(55));

    // A handler that sets the session cookie itself: only its cookie is sent.
    let old = manager
        .create_at(&account, now - Duration::minutes(50))
        .await
        .unwrap();
    let response = app
        .clone()
        .oneshot(request("/app/logout", old.value()))
        .await
        .unwrap();
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(cookies[0].starts_with("sid=;"), "{cookies:?}");

    // A revoked session's cookie is refused and removed.
    let fresh = manager.create(&account).await.unwrap();
    let session = manager
        .load(&format!("sid={}", fresh.value()))
        .await
        .unwrap();
    manager.revoke(&session).await.unwrap();
    let response = app
        .clone()
        .oneshot(request("/app", fresh.value()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(cookies[0].starts_with("sid=;") && cookies[0].contains("Max-Age=0"));
    // No cookie at all: the same kind of request gets the same answer from the guard (and
    // removes nothing); a browser's navigation gets the login redirect.
    let response = app
        .clone()
        .oneshot(Request::get("/app/x").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    let navigation = Request::get("/app/x")
        .header("sec-fetch-mode", "navigate")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(navigation).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
}

/// The guard hands what it verified to the extractors, so a request is verified once: shown
/// here by giving the extractors' state keys that could not open the cookie at all.
#[tokio::test]
async fn the_guard_hands_its_verification_to_the_extractors() {
    use std::sync::Arc;

    use axum::Extension;
    use sessionkit::{DbSession, MemoryStore, SessionManager};

    // Stateless: the guard holds the real keys, the state another secret.
    let app = Router::new()
        .route(
            "/app/me",
            get(|session: Verified<GuideSession>| async move { session.user_id.clone() }),
        )
        .route(
            "/app/peek",
            get(
                |Extension(session): Extension<Arc<Verified<GuideSession>>>| async move {
                    format!("middleware sees {}", session.user_id)
                },
            ),
        )
        .layer(SessionGuard::stateless::<GuideSession>(keys()).protect("/app"))
        .with_state(State {
            keys: common::other_keys(),
        });
    let token = guide("ada").encrypt(&keys()).unwrap();
    let request = |path: &str| {
        Request::get(path)
            .header(header::COOKIE, format!("session={token}"))
            .body(Body::empty())
            .unwrap()
    };
    let response = app.clone().oneshot(request("/app/me")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "ada");
    let response = app.oneshot(request("/app/peek")).await.unwrap();
    assert_eq!(body(response).await, "middleware sees ada");

    // Database: the guard's manager seals with the real keys; the state's manager, on the
    // same store, with another secret. The row is still read (revocation must be seen).
    let store = Arc::new(MemoryStore::new());
    let sealing = Arc::new(SessionManager::<Account, _>::new(
        Arc::clone(&store),
        keys(),
    ));
    let state = Arc::new(SessionManager::<Account, _>::new(
        Arc::clone(&store),
        common::other_keys(),
    ));
    let app = Router::new()
        .route(
            "/app",
            get(|session: DbSession<Account>| async move { session.user_id.clone() }),
        )
        .layer(SessionGuard::database(Arc::clone(&sealing)).protect("/app"))
        .with_state(state);
    let cookie = sealing
        .create(&Account {
            user_id: "11".into(),
        })
        .await
        .unwrap();
    let request = || {
        Request::get("/app")
            .header(header::COOKIE, format!("sid={}", cookie.value()))
            .body(Body::empty())
            .unwrap()
    };
    let response = app.clone().oneshot(request()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "11");
    let session = sealing
        .load(&format!("sid={}", cookie.value()))
        .await
        .unwrap();
    sealing.revoke(&session).await.unwrap();
    let response = app.oneshot(request()).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "the row is checked"
    );
}

#[tokio::test]
async fn the_rejection_is_configurable() {
    use sessionkit::Rejection;

    let app = |rejection: Rejection| {
        Router::new()
            .route(
                "/app/me",
                get(|session: Verified<GuideSession>| async move { session.user_id.clone() }),
            )
            .route(
                "/open/me",
                get(|session: Verified<GuideSession>| async move { session.user_id.clone() }),
            )
            .layer(
                SessionGuard::stateless::<GuideSession>(keys())
                    .protect("/app")
                    .login_path("/signin")
                    .on_rejection(rejection),
            )
            .with_state(State { keys: keys() })
    };
    let get_path = |path: &str| Request::get(path).body(Body::empty()).unwrap();

    // An API: 401 from the guard instead of a redirect.
    let response = app(Rejection::Unauthorized)
        .oneshot(get_path("/app/me"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");

    // Pages: the extractor on an unguarded path redirects to the login path too.
    let response = app(Rejection::Login)
        .oneshot(get_path("/open/me"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/signin");

    // The application's own page, from the guard and from the extractor alike.
    let own = || {
        Rejection::custom(|| (StatusCode::FORBIDDEN, "please sign in to continue").into_response())
    };
    for path in ["/app/me", "/open/me"] {
        let response = app(own()).oneshot(get_path(path)).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(body(response).await, "please sign in to continue");
    }
}
