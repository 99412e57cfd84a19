//! Sessions in Leptos 0.8 server functions, called over HTTP as a browser's form or `fetch`
//! calls them, through `leptos_axum::handle_server_fns` behind a `SessionLayer`: reading a
//! session, logging in with a chunked cookie (every chunk arrives), a refusal that is `401`
//! with the dead cookie's removal, and a store outage that is `503`.
#![cfg(all(feature = "leptos", feature = "sqlite"))]

mod common;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use common::{body_text as body, set_cookie_headers as set_cookies};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use sessionkit::leptos::SessionError;
use sessionkit::{
    Keys, MemoryStore, Session, SessionLayer, SessionManager, SessionStore, SqliteStore,
};
use tower::ServiceExt;

const SECRET: &str = "leptos-test-secret-0123456789-abcdefghijkl";

fn keys() -> Keys {
    Keys::new(SECRET).unwrap()
}

/// A stateless session owned by this app.
#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(cookie = "session", ttl = "1h", secure = false)]
struct Account {
    user_id: String,
}

/// A session large enough to need three chunks.
#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(cookie = "big", ttl = "1h", secure = false, chunked)]
struct Big {
    user_id: String,
    notes: String,
}

/// A database session.
#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h", secure = false)]
struct Member {
    #[session(user_id)]
    user_id: String,
}

/// The database sessions the server functions write with.
fn members() -> &'static Arc<SessionManager<Member, MemoryStore>> {
    static MEMBERS: OnceLock<Arc<SessionManager<Member, MemoryStore>>> = OnceLock::new();
    MEMBERS.get_or_init(|| Arc::new(SessionManager::new(MemoryStore::new(), keys())))
}

#[server(prefix = "/api", endpoint = "whoami")]
async fn whoami() -> Result<String, SessionError> {
    let session = sessionkit::leptos::session::<Account>().await?;
    Ok(session.user_id.clone())
}

#[server(prefix = "/api", endpoint = "maybe")]
async fn maybe() -> Result<Option<String>, SessionError> {
    let session = sessionkit::leptos::optional_session::<Account>().await?;
    Ok(session.map(|session| session.user_id.clone()))
}

#[server(prefix = "/api", endpoint = "log_in_big")]
async fn log_in_big(user_id: String) -> Result<(), SessionError> {
    let notes = "n".repeat(9000);
    sessionkit::leptos::log_in(&Big { user_id, notes }, &keys())
}

#[server(prefix = "/api", endpoint = "renew")]
async fn renew_session() -> Result<(), SessionError> {
    let session = sessionkit::leptos::session::<Account>().await?;
    sessionkit::leptos::renew(&session, &keys())
}

#[server(prefix = "/api", endpoint = "log_out")]
async fn log_out() -> Result<(), SessionError> {
    sessionkit::leptos::log_out::<Big>()
}

#[server(prefix = "/api", endpoint = "join")]
async fn join(user_id: String) -> Result<(), SessionError> {
    sessionkit::leptos::log_in_db(members(), &Member { user_id }, Some("test")).await
}

#[server(prefix = "/api", endpoint = "member")]
async fn current_member() -> Result<String, SessionError> {
    let session = sessionkit::leptos::db_session::<Member>().await?;
    Ok(session.user_id.clone())
}

#[server(prefix = "/api", endpoint = "leave")]
async fn leave() -> Result<(), SessionError> {
    let session = sessionkit::leptos::db_session::<Member>().await?;
    sessionkit::leptos::revoke(members(), &session).await
}

/// The way a user reads a session without these helpers: `leptos_axum::extract`.
#[server(prefix = "/api", endpoint = "extracted")]
async fn extracted() -> Result<String, ServerFnError> {
    let session: sessionkit::Verified<Account> = leptos_axum::extract().await?;
    Ok(session.user_id.clone())
}

/// The server functions behind a `SessionLayer` that gives `Member` the sessions of
/// `manager`.
fn app_with<S: SessionStore + 'static>(manager: Arc<SessionManager<Member, S>>) -> Router {
    Router::new()
        .route("/api/{*fn_name}", post(leptos_axum::handle_server_fns))
        .layer(SessionLayer::new().keys::<Account>(keys()).manager(manager))
}

async fn call(endpoint: &str, form: &str, cookie: &str) -> Response {
    call_on(app_with(Arc::clone(members())), endpoint, form, cookie).await
}

async fn call_on(app: Router, endpoint: &str, form: &str, cookie: &str) -> Response {
    let request = Request::post(format!("/api/{endpoint}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(form.to_owned()))
        .unwrap();
    app.oneshot(request).await.unwrap()
}

fn account_cookie(user_id: &str) -> String {
    let cookie = Account {
        user_id: user_id.into(),
    }
    .cookie(&keys())
    .unwrap();
    format!("session={}", cookie.value())
}

#[tokio::test]
async fn a_server_function_reads_the_session() {
    let response = call("whoami", "", &account_cookie("ada")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "\"ada\"");

    let response = call("maybe", "", &account_cookie("ada")).await;
    assert_eq!(body(response).await, "\"ada\"");
    let response = call("maybe", "", "").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "null");
}

#[tokio::test]
async fn a_refusal_is_a_typed_401_with_the_removal_and_no_debug_text() {
    // Signed out, and a tampered cookie: both 401, with the error as data.
    for cookie in ["".to_owned(), format!("{}x", account_cookie("ada"))] {
        let response = call("whoami", "", &cookie).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{cookie}");
        let removals = set_cookies(&response);
        let text = body(response).await;
        assert_eq!(
            serde_json::from_str::<SessionError>(&text).unwrap(),
            SessionError::Unauthorized
        );
        assert!(!text.contains("store_failed"), "{text}");
        // A cookie that will never be accepted is removed on the same response.
        match cookie.is_empty() {
            true => assert!(removals.is_empty(), "{removals:?}"),
            false => {
                assert_eq!(removals.len(), 1, "{removals:?}");
                assert!(removals[0].starts_with("session=;"), "{removals:?}");
                assert!(removals[0].contains("Max-Age=0"), "{removals:?}");
            }
        }
    }

    // What the same refusal looks like through `leptos_axum::extract`: a 500 whose body is
    // the rejection's Debug text, and the removal lost.
    let response = call("extracted", "", "session=forged").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookies(&response).is_empty());
    assert!(body(response).await.contains("Unauthorized {"));
}

#[tokio::test]
async fn logging_in_sends_every_chunk_and_logging_out_removes_them() {
    let response = call("log_in_big", "user_id=ada", "").await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    let names: Vec<&str> = cookies
        .iter()
        .map(|cookie| cookie.split('=').next().unwrap())
        .collect();
    // Every chunk and the whole cookie's removal, each once.
    let chunks = names.len() - 1;
    assert!(chunks >= 2, "{names:?}");
    let expected: Vec<String> = (0..chunks)
        .map(|index| format!("big.{index}"))
        .chain(["big".to_owned()])
        .collect();
    assert_eq!(names, expected);
    // The chunks join back into the session.
    let header: String = cookies[..chunks]
        .iter()
        .map(|cookie| cookie.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ");
    let session = Big::from_cookie_header(&header, &keys()).unwrap();
    assert_eq!(session.user_id, "ada");

    let response = call("log_out", "", &header).await;
    let removed: Vec<String> = set_cookies(&response)
        .iter()
        .map(|cookie| cookie.split('=').next().unwrap().to_owned())
        .collect();
    let mut expected_removals = vec!["big".to_owned()];
    expected_removals.extend((0..chunks).map(|index| format!("big.{index}")));
    assert_eq!(removed, expected_removals);
}

#[tokio::test]
async fn database_sessions_log_in_read_and_revoke_and_an_outage_is_503() {
    let response = call("join", "user_id=grace", "").await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1);
    let sid = cookies[0].split(';').next().unwrap().to_owned();

    let response = call("member", "", &sid).await;
    assert_eq!(body(response).await, "\"grace\"");

    // A store that goes down (its connections closed): 503, and the cookie stays (an
    // outage is not a sign-out).
    let failing = Arc::new(SessionManager::<Member, _>::new(
        SqliteStore::memory().await.unwrap(),
        keys(),
    ));
    let cookie = failing
        .create(&Member {
            user_id: "grace".into(),
        })
        .await
        .unwrap();
    failing.store().pool().close().await;
    let sid_there = format!("sid={}", cookie.value());
    let response = call_on(app_with(failing), "member", "", &sid_there).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(
        serde_json::from_str::<SessionError>(&body(response).await).unwrap(),
        SessionError::Unavailable
    );

    let response = call("leave", "", &sid).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response)[0].contains("Max-Age=0"));
    let response = call("member", "", &sid).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn renewing_reissues_the_cookie_with_a_later_expiry() {
    let issued =
        sessionkit::time::OffsetDateTime::now_utc() - sessionkit::time::Duration::minutes(50);
    let old = Account {
        user_id: "ada".into(),
    }
    .cookie_at(&keys(), issued)
    .unwrap();
    let response = call("renew", "", &format!("session={}", old.value())).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let renewed = pair(&cookies[0]);
    let session = Account::from_cookie_header(renewed, &keys()).unwrap();
    assert_eq!(session.user_id, "ada");
    let old_session =
        Account::from_cookie_header_at(&format!("session={}", old.value()), &keys(), issued)
            .unwrap();
    assert!(session.expires_at() > old_session.expires_at());

    // Signed out, there is nothing to renew: 401 and no cookie.
    let response = call("renew", "", "").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookies(&response).is_empty());
}

fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}
