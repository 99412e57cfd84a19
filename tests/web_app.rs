//! HTTP tests of the example app (`examples/app.rs`), run as a real server on a random
//! loopback port and driven with reqwest and a cookie store.
#![cfg(all(feature = "axum", feature = "sqlite"))]

mod common;

#[path = "support/app.rs"]
mod app;

use app::{APP_SECRET, Framework, RunningApp};
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use sessionkit::time::{Duration, OffsetDateTime};

/// A browser-like client: keeps cookies, follows redirects.
/// What a browser's page loads carry: the guard redirects navigations to the login page and
/// answers other requests `401`.
fn page_headers() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        "text/html,application/xhtml+xml,*/*;q=0.8".parse().unwrap(),
    );
    headers
}

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .default_headers(page_headers())
        .build()
        .unwrap()
}

/// A client that shows each response as it is: no cookie jar, no redirects.
fn raw() -> Client {
    Client::builder()
        .redirect(Policy::none())
        .default_headers(page_headers())
        .build()
        .unwrap()
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

async fn signup_login_dashboard_reload_logout(app: RunningApp) {
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

async fn a_protected_route_without_a_cookie_redirects_to_login(app: RunningApp) {
    let response = raw().get(app.at("/dashboard")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login");
    // Public pages stay public.
    assert_eq!(
        raw().get(app.at("/login")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

async fn a_tampered_cookie_is_turned_away(app: RunningApp) {
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

async fn an_expired_session_is_sent_to_login(app: RunningApp) {
    let cookie = signed_up_cookie(&app, "grace@example.com").await;
    // The same session id, sealed as it was two hours ago: its exp has passed.
    let expired = reseal_ticket(&cookie, OffsetDateTime::now_utc() - Duration::hours(2));
    let response = raw()
        .get(app.at("/dashboard"))
        .header(COOKIE, format!("sid={expired}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login");
}

async fn logging_out_everywhere_ends_the_other_clients_session(app: RunningApp) {
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

async fn a_post_without_this_sites_origin_is_refused(app: RunningApp) {
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

/// The app's cookie, `{sid, iat, exp}` sealed under the app's ticket key, re-sealed with its
/// times moved to `at` (as if issued then), through the documented key derivation.
pub fn reseal_ticket(cookie: &str, at: OffsetDateTime) -> String {
    let key =
        sessionkit::derive_ticket_key(APP_SECRET.as_bytes(), sessionkit::Algorithm::A256Gcm, "sid");
    let mut claims = common::open_jwe(cookie, &key);
    claims["iat"] = at.unix_timestamp().into();
    claims["exp"] = (at.unix_timestamp() + 3600).into();
    common::seal_jwe(&claims, &key)
}

/// A browser-like client that identifies as a given browser and system.
fn device(user_agent: &str) -> Client {
    Client::builder()
        .cookie_store(true)
        .user_agent(user_agent)
        .build()
        .unwrap()
}

const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";

/// The store keys in the "Sign out" forms of a dashboard page.
fn device_keys(page: &str) -> Vec<String> {
    page.split("name=\"key\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

async fn your_sessions_lists_each_device_and_signs_one_out(app: RunningApp) {
    let (laptop, phone) = (device(FIREFOX_LINUX), device(SAFARI_IPHONE));
    let email = "margaret@example.com";
    post_form(&laptop, &app, "/signup", email, "correct horse battery").await;
    post_form(&phone, &app, "/login", email, "correct horse battery").await;

    let page = laptop
        .get(app.at("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Your sessions"), "{page}");
    assert!(
        page.contains("Firefox on Linux") && page.contains("Safari on iPhone"),
        "{page}"
    );
    assert_eq!(page.matches("this device").count(), 1);
    let keys = device_keys(&page);
    assert_eq!(keys.len(), 1, "one other device to sign out: {page}");

    // Another user cannot sign the phone out with its key.
    let mallory = browser();
    post_form(
        &mallory,
        &app,
        "/signup",
        "mallory@example.com",
        "correct horse battery",
    )
    .await;
    let attempt = mallory
        .post(app.at("/sessions/revoke"))
        .header(ORIGIN, &app.url)
        .form(&[("key", keys[0].as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(attempt.url().path(), "/dashboard");
    let still = phone.get(app.at("/dashboard")).send().await.unwrap();
    assert_eq!(
        still.url().path(),
        "/dashboard",
        "the phone is still signed in"
    );

    // From the laptop, sign the phone out.
    let signed_out = laptop
        .post(app.at("/sessions/revoke"))
        .header(ORIGIN, &app.url)
        .form(&[("key", keys[0].as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.url().path(), "/dashboard");
    let page = signed_out.text().await.unwrap();
    assert!(!page.contains("Safari on iPhone"), "{page}");
    let phone_again = phone.get(app.at("/dashboard")).send().await.unwrap();
    assert_eq!(phone_again.url().path(), "/login");
    let laptop_again = laptop.get(app.at("/dashboard")).send().await.unwrap();
    assert_eq!(laptop_again.url().path(), "/dashboard");

    // A malformed key is a client error, not an outage.
    let malformed = laptop
        .post(app.at("/sessions/revoke"))
        .header(ORIGIN, &app.url)
        .form(&[("key", "not-a-key")])
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
}

/// After "log out everywhere", a device still holding its (revoked) cookie reaches the login
/// page at once, and the stale cookie is removed, instead of being sent to a dashboard that
/// refuses it until the cookie expires.
async fn after_logging_out_everywhere_the_login_page_is_reachable(app: RunningApp) {
    let laptop = browser();
    let email = "barbara@example.com";
    post_form(&laptop, &app, "/signup", email, "correct horse battery").await;
    let phone_cookie = {
        let response = post_form(&raw(), &app, "/login", email, "correct horse battery").await;
        common::set_cookie_value(response.headers()[SET_COOKIE].to_str().unwrap(), "sid")
    };
    laptop
        .post(app.at("/logout-everywhere"))
        .header(ORIGIN, &app.url)
        .send()
        .await
        .unwrap();
    let login = raw()
        .get(app.at("/login"))
        .header(COOKIE, format!("sid={phone_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK, "not sent to the dashboard");
    let removal = login.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        removal.starts_with("sid=;") && removal.contains("Max-Age=0"),
        "{removal}"
    );
    // The dashboard, with the same stale cookie, goes to the login page too.
    let dashboard = raw()
        .get(app.at("/dashboard"))
        .header(COOKIE, format!("sid={phone_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::SEE_OTHER);
    assert_eq!(dashboard.headers()[LOCATION], "/login");
}

/// Every scenario runs against both servers: the same app on axum and on actix-web.
macro_rules! on_both_frameworks {
    ($($scenario:ident),* $(,)?) => {
        mod axum_app {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(super::RunningApp::start(super::Framework::Axum)).await;
                }
            )*
        }
        mod actix_app {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(super::RunningApp::start(super::Framework::Actix)).await;
                }
            )*
        }
    };
}

on_both_frameworks!(
    signup_login_dashboard_reload_logout,
    a_protected_route_without_a_cookie_redirects_to_login,
    a_tampered_cookie_is_turned_away,
    an_expired_session_is_sent_to_login,
    logging_out_everywhere_ends_the_other_clients_session,
    a_post_without_this_sites_origin_is_refused,
    your_sessions_lists_each_device_and_signs_one_out,
    after_logging_out_everywhere_the_login_page_is_reachable,
);
