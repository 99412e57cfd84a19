//! Sessions in Dioxus 0.7 fullstack server functions, called over HTTP from Rust (no wasm
//! build): `Verified<T>` and `DbSession<T>` as server-function extractors behind a
//! `SessionLayer`, and server functions that set several cookies at once (chunks and the
//! whole cookie's removal), every one arriving.
#![cfg(all(feature = "dioxus", feature = "sqlite"))]

mod common;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use common::{body_text as body, set_cookie_headers as set_cookies};
use dioxus::prelude::*;
use dioxus::server::FullstackState;
use sessionkit::axum::{SetSession, SetSessionCookies};
use sessionkit::{DbSession, Keys, MemoryStore, Session, SessionLayer, SessionManager, Verified};
use tower::ServiceExt;

const SECRET: &str = "dioxus-test-secret-0123456789-abcdefghijkl";

fn keys() -> Keys {
    Keys::new(SECRET).unwrap()
}

/// A stateless session owned by this app.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, Session)]
#[session(cookie = "session", ttl = "1h", secure = false)]
struct Account {
    user_id: String,
}

/// A session large enough to need several chunks.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, Session)]
#[session(cookie = "big", ttl = "1h", secure = false, chunked)]
struct Big {
    user_id: String,
    notes: String,
}

/// A database session.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h", secure = false)]
struct Member {
    #[session(user_id)]
    user_id: String,
}

fn members() -> &'static Arc<SessionManager<Member, MemoryStore>> {
    static MEMBERS: OnceLock<Arc<SessionManager<Member, MemoryStore>>> = OnceLock::new();
    MEMBERS.get_or_init(|| Arc::new(SessionManager::new(MemoryStore::new(), keys())))
}

fn failed(err: sessionkit::Error) -> ServerFnError {
    ServerFnError::ServerError {
        message: err.to_string(),
        code: err.status(),
        details: None,
    }
}

#[post("/api/me", session: Verified<Account>)]
async fn me() -> Result<String, ServerFnError> {
    Ok(session.user_id.clone())
}

#[post("/api/maybe", session: Option<Verified<Account>>)]
async fn maybe() -> Result<Option<String>, ServerFnError> {
    Ok(session.map(|session| session.user_id.clone()))
}

#[post("/api/member", session: DbSession<Member>)]
async fn member() -> Result<String, ServerFnError> {
    Ok(session.user_id.clone())
}

#[post("/api/login")]
async fn login(user_id: String) -> Result<SetSessionCookies, ServerFnError> {
    let big = Big {
        user_id,
        notes: "n".repeat(9000),
    };
    Ok(SetSessionCookies(big.cookies(&keys()).map_err(failed)?))
}

#[post("/api/join")]
async fn join(user_id: String) -> Result<SetSession, ServerFnError> {
    let cookie = members()
        .create(&Member { user_id })
        .await
        .map_err(failed)?;
    Ok(SetSession(cookie))
}

fn app() -> Router {
    Router::new()
        .register_server_functions()
        .with_state(FullstackState::headless())
        .layer(
            SessionLayer::new()
                .keys::<Account>(keys())
                .manager(Arc::clone(members())),
        )
}

async fn call(path: &str, json: &str, cookie: &str) -> Response {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, cookie)
        .body(Body::from(json.to_owned()))
        .unwrap();
    app().oneshot(request).await.unwrap()
}

fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

#[tokio::test]
async fn a_verified_extractor_reads_the_session_and_refuses_a_forged_one() {
    let cookie = Account {
        user_id: "ada".into(),
    }
    .cookie(&keys())
    .unwrap();
    let header = format!("session={}", cookie.value());
    let response = call("/api/me", "{}", &header).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "\"ada\"");

    let response = call("/api/maybe", "{}", "").await;
    assert_eq!(body(response).await, "null");

    // A tampered cookie: 401, the JSON body, and the cookie's removal.
    let response = call("/api/me", "{}", &format!("{header}x")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let removal = set_cookies(&response);
    assert_eq!(removal.len(), 1);
    assert!(removal[0].starts_with("session=;") && removal[0].contains("Max-Age=0"));
    assert_eq!(body(response).await, r#"{"error":"unauthorized"}"#);
}

#[tokio::test]
async fn a_server_function_sets_every_chunk_and_a_database_session() {
    let response = call("/api/login", r#"{"user_id":"ada"}"#, "").await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    let names: Vec<&str> = cookies
        .iter()
        .map(|cookie| pair(cookie).split('=').next().unwrap())
        .collect();
    let chunks = names.len() - 1;
    assert!(chunks >= 2, "{names:?}");
    let expected: Vec<String> = (0..chunks)
        .map(|index| format!("big.{index}"))
        .chain(["big".to_owned()])
        .collect();
    assert_eq!(names, expected);
    let header = cookies[..chunks]
        .iter()
        .map(|cookie| pair(cookie))
        .collect::<Vec<_>>()
        .join("; ");
    assert_eq!(
        Big::from_cookie_header(&header, &keys()).unwrap().user_id,
        "ada"
    );

    let response = call("/api/join", r#"{"user_id":"grace"}"#, "").await;
    let sid = set_cookies(&response);
    assert_eq!(sid.len(), 1);
    let response = call("/api/member", "{}", pair(&sid[0])).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, "\"grace\"");
    let response = call("/api/member", "{}", "").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
