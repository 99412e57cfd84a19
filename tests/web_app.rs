//! HTTP tests of the example app (`examples/app.rs`), run as a real server on a random
//! loopback port and driven with reqwest and a cookie store.
#![cfg(all(feature = "axum", feature = "sqlite"))]

mod common;

#[path = "support/app.rs"]
mod app;

use app::{APP_SECRET, RunningApp, Ticket};
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Keys, Session};

/// A browser-like client: keeps cookies, follows redirects.
fn browser() -> Client {
    Client::builder().cookie_store(true).build().unwrap()
}

/// A client that shows each response as it is: no cookie jar, no redirects.
fn raw() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

async fn post_form(
    client: &Client,
    app: &RunningApp,
    path: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.at(path))
        .header(ORIGIN, &app.url)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// Signs up with a raw client and returns the session cookie's value.
async fn signed_up_cookie(app: &RunningApp, email: &str) -> String {
    let response = post_form(&raw(), app, "/signup", email, "correct horse battery").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    common::set_cookie_value(response.headers()[SET_COOKIE].to_str().unwrap(), "sid")
}

#[tokio::test]
async fn signup_login_dashboard_reload_logout() {
    let app = RunningApp::start();
    let client = browser();
    let response = post_form(
        &client,
        &app,
        "/signup",
        "ada@example.com",
        "correct horse battery",
    )
    .await;
    assert_eq!(response.url().path(), "/dashboard");
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Signed in as <strong>ada@example.com</strong>"),
        "{page}"
    );

    let reload = client.get(app.at("/dashboard")).send().await.unwrap();
    assert_eq!(reload.url().path(), "/dashboard");
    assert_eq!(reload.headers()["cache-control"], "no-store");

    // Signed in, /login sends you into the app.
    assert_eq!(
        client
            .get(app.at("/login"))
            .send()
            .await
            .unwrap()
            .url()
            .path(),
        "/dashboard"
    );

    let logout = client
        .post(app.at("/logout"))
        .header(ORIGIN, &app.url)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.url().path(), "/login");
    assert_eq!(
        client
            .get(app.at("/dashboard"))
            .send()
            .await
            .unwrap()
            .url()
            .path(),
        "/login"
    );

    let wrong = post_form(
        &client,
        &app,
        "/login",
        "ada@example.com",
        "wrong password!",
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let login = post_form(
        &client,
        &app,
        "/login",
        "ada@example.com",
        "correct horse battery",
    )
    .await;
    assert_eq!(login.url().path(), "/dashboard");
    assert!(login.text().await.unwrap().contains("ada@example.com"));
}

#[tokio::test]
async fn a_protected_route_without_a_cookie_redirects_to_login() {
    let app = RunningApp::start();
    let response = raw().get(app.at("/dashboard")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login");
    // Public pages stay public.
    assert_eq!(
        raw().get(app.at("/login")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_tampered_cookie_is_turned_away() {
    let app = RunningApp::start();
    let cookie = signed_up_cookie(&app, "mallory@example.com").await;
    let ok = raw()
        .get(app.at("/dashboard"))
        .header(COOKIE, format!("sid={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let tampered = common::tamper(&cookie);
    let response = raw()
        .get(app.at("/dashboard"))
        .header(COOKIE, format!("sid={tampered}"))
        .send()
        .await
        .unwrap();
    assert!(
        response.status() == StatusCode::UNAUTHORIZED
            || (response.status() == StatusCode::SEE_OTHER
                && response.headers()[LOCATION] == "/login"),
        "{response:?}"
    );
}

#[tokio::test]
async fn an_expired_session_is_sent_to_login() {
    let app = RunningApp::start();
    let cookie = signed_up_cookie(&app, "grace@example.com").await;
    let keys = Keys::new(APP_SECRET).unwrap();
    // The same session id, sealed as it was two hours ago: its exp has passed.
    let ticket = Ticket::decrypt(&cookie, &keys).unwrap().into_inner();
    let expired = ticket
        .encrypt_at(&keys, OffsetDateTime::now_utc() - Duration::hours(2))
        .unwrap();
    let response = raw()
        .get(app.at("/dashboard"))
        .header(COOKIE, format!("sid={expired}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login");
}

#[tokio::test]
async fn logging_out_everywhere_ends_the_other_clients_session() {
    let app = RunningApp::start();
    let laptop = browser();
    let phone = browser();
    post_form(
        &laptop,
        &app,
        "/signup",
        "linus@example.com",
        "correct horse battery",
    )
    .await;
    let on_phone = post_form(
        &phone,
        &app,
        "/login",
        "linus@example.com",
        "correct horse battery",
    )
    .await;
    assert_eq!(on_phone.url().path(), "/dashboard");

    let everywhere = laptop
        .post(app.at("/logout-everywhere"))
        .header(ORIGIN, &app.url)
        .send()
        .await
        .unwrap();
    assert_eq!(everywhere.url().path(), "/login");
    let phone_again = phone.get(app.at("/dashboard")).send().await.unwrap();
    assert_eq!(
        phone_again.url().path(),
        "/login",
        "the phone's session was revoked"
    );
}

#[tokio::test]
async fn a_post_without_this_sites_origin_is_refused() {
    let app = RunningApp::start();
    let form = [
        ("email", "eve@example.com"),
        ("password", "correct horse battery"),
    ];
    let foreign = raw()
        .post(app.at("/signup"))
        .header(ORIGIN, "http://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let missing = raw()
        .post(app.at("/signup"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    // Nothing was created: the same signup from the site itself still works.
    let own = post_form(
        &raw(),
        &app,
        "/signup",
        "eve@example.com",
        "correct horse battery",
    )
    .await;
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
}
