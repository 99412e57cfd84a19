//! Sessions in Dioxus 0.7 fullstack server functions, called over HTTP from Rust (no wasm
//! build): `Verified<T>` and `DbSession<T>` as server-function extractors behind a
//! `SessionLayer`, server functions that set several cookies at once (chunks and the whole
//! cookie's removal), every one arriving, and the example app's flow (sign up, log in, the
//! device list, sign out a device, log out, log out everywhere) as server functions.
#![cfg(all(feature = "dioxus", feature = "sqlite"))]

mod common;

#[path = "../examples/support/app_core.rs"]
#[allow(dead_code)]
mod app_core;

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

/// The example app's state (accounts and sessions on SQLite), for the flow's server functions.
static APP: OnceLock<app_core::App> = OnceLock::new();

fn flow_app() -> &'static app_core::App {
    APP.get().expect("the flow test opens the app first")
}

fn refused(code: u16, message: &str) -> ServerFnError {
    ServerFnError::ServerError {
        message: message.into(),
        code,
        details: None,
    }
}

/// Signs up and logs in: a new database session and its cookie.
#[post("/flow/signup")]
async fn flow_signup(email: String, password: String) -> Result<SetSession, ServerFnError> {
    let app = flow_app();
    let credentials = app_core::Credentials::new(email, password);
    let (user_id, email) = app_core::register(app, &credentials)
        .await
        .map_err(|error| refused(409, error.message()))?;
    let session = app_core::UserSession { user_id, email };
    let cookie = app
        .sessions
        .create_labeled(&session, "Dioxus test")
        .await
        .map_err(failed)?;
    Ok(SetSession(cookie))
}

#[post("/flow/login")]
async fn flow_login(email: String, password: String) -> Result<SetSession, ServerFnError> {
    let app = flow_app();
    let credentials = app_core::Credentials::new(email, password);
    let (user_id, email) = app_core::authenticate(app, &credentials)
        .await
        .ok_or_else(|| refused(401, app_core::AccountError::WrongPassword.message()))?;
    let session = app_core::UserSession { user_id, email };
    let cookie = app
        .sessions
        .create_labeled(&session, "second device")
        .await
        .map_err(failed)?;
    Ok(SetSession(cookie))
}

/// One row of the device list: the session's key, and whether it is the caller's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct DeviceRow {
    key: String,
    current: bool,
}

#[post("/flow/dashboard", session: DbSession<app_core::UserSession>)]
async fn flow_dashboard() -> Result<Vec<DeviceRow>, ServerFnError> {
    let devices = flow_app()
        .sessions
        .list_sessions(&session.user_id.to_string())
        .await
        .map_err(failed)?;
    Ok(devices
        .iter()
        .map(|device| DeviceRow {
            key: device.key.to_hex(),
            current: device.key == session.key(),
        })
        .collect())
}

#[post("/flow/revoke", session: DbSession<app_core::UserSession>)]
async fn flow_revoke(key: String) -> Result<(), ServerFnError> {
    let key = sessionkit::SessionKey::from_hex(&key).ok_or_else(|| refused(400, "bad key"))?;
    flow_app()
        .sessions
        .revoke_session_of(&session.user_id.to_string(), &key)
        .await
        .map_err(failed)?;
    Ok(())
}

#[post("/flow/logout", session: DbSession<app_core::UserSession>)]
async fn flow_logout() -> Result<SetSession, ServerFnError> {
    Ok(SetSession(
        flow_app().sessions.revoke(&session).await.map_err(failed)?,
    ))
}

#[post("/flow/logout-everywhere", session: DbSession<app_core::UserSession>)]
async fn flow_logout_everywhere() -> Result<SetSession, ServerFnError> {
    let app = flow_app();
    app.sessions
        .revoke_user(&session.user_id.to_string())
        .await
        .map_err(failed)?;
    Ok(SetSession(app_core::UserSession::removal_cookie()))
}

#[tokio::test]
async fn the_example_apps_flow_as_server_functions() {
    let dir = common::Scratch::new("dioxus");
    let app = app_core::App::open(dir.join("app.db").to_str().unwrap())
        .await
        .unwrap();
    let flow = Router::new()
        .register_server_functions()
        .with_state(FullstackState::headless())
        .layer(SessionLayer::new().manager(app.sessions.clone()));
    assert!(APP.set(app).is_ok());
    let call = |path: &'static str, json: String, cookie: String| {
        let flow = flow.clone();
        async move {
            let request = Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, cookie)
                .body(Body::from(json))
                .unwrap();
            flow.oneshot(request).await.unwrap()
        }
    };
    let credentials = r#"{"email":"ada@example.com","password":"correct horse"}"#.to_owned();

    // Sign up: one cookie. The same email again is refused.
    let response = call("/flow/signup", credentials.clone(), String::new()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let first = pair(&set_cookies(&response)[0]).to_owned();
    let response = call("/flow/signup", credentials.clone(), String::new()).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);

    // A wrong password is refused; the right one is a second device.
    let wrong = r#"{"email":"ada@example.com","password":"wrong horse"}"#.to_owned();
    let response = call("/flow/login", wrong, String::new()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = call("/flow/login", credentials, String::new()).await;
    let second = pair(&set_cookies(&response)[0]).to_owned();

    // The first device sees both and signs the second out.
    let response = call("/flow/dashboard", "{}".into(), first.clone()).await;
    let devices: Vec<DeviceRow> = serde_json::from_str(&body(response).await).unwrap();
    assert_eq!(devices.len(), 2);
    let other = devices.iter().find(|device| !device.current).unwrap();
    let revoke = format!(r#"{{"key":"{}"}}"#, other.key);
    let response = call("/flow/revoke", revoke, first.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = call("/flow/dashboard", "{}".into(), second.clone()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookies(&response)[0].contains("Max-Age=0"));

    // Log out ends the first; a new sign-in and "log out everywhere" end everything.
    let response = call("/flow/logout", "{}".into(), first.clone()).await;
    assert!(set_cookies(&response)[0].contains("Max-Age=0"));
    let response = call("/flow/dashboard", "{}".into(), first).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let credentials = r#"{"email":"ada@example.com","password":"correct horse"}"#.to_owned();
    let third = call("/flow/login", credentials.clone(), String::new()).await;
    let third = pair(&set_cookies(&third)[0]).to_owned();
    let fourth = call("/flow/login", credentials, String::new()).await;
    let fourth = pair(&set_cookies(&fourth)[0]).to_owned();
    let response = call("/flow/logout-everywhere", "{}".into(), third.clone()).await;
    assert!(set_cookies(&response)[0].contains("Max-Age=0"));
    for cookie in [third, fourth] {
        let response = call("/flow/dashboard", "{}".into(), cookie).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}
