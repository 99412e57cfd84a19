//! The actix-web glue, with requests sent straight into an `actix_web::test` service: the
//! counterparts of `tests/web_extractors.rs` and the guard's path table, so that both
//! frameworks are held to the same behaviour.
#![cfg(feature = "actix")]

mod common;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{App, HttpResponse, test, web};
use common::{GuideSession, guide, keys, set_cookie_value};
use serde::{Deserialize, Serialize};
use sessionkit::actix::{Rejection, SessionGuard, Sessions, SetSession};
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{DbSession, MemoryStore, Session, SessionManager, Verified};

async fn me(session: Verified<GuideSession>) -> String {
    session.user_id.clone()
}

async fn maybe(session: Option<Verified<GuideSession>>) -> String {
    session.map_or_else(|| "anonymous".to_owned(), |s| s.user_id.clone())
}

macro_rules! stateless_app {
    () => {
        test::init_service(
            App::new()
                .app_data(web::Data::new(keys()))
                .route("/me", web::get().to(me))
                .route("/maybe", web::get().to(maybe))
                .route("/login", web::get().to(|| async { "login page" }))
                .route("/app/inside", web::get().to(|| async { "inside" }))
                .route("/files/{rest:.*}", web::get().to(|| async { "file" }))
                .wrap(
                    SessionGuard::stateless::<GuideSession>(keys())
                        .protect("/app")
                        .protect("/files/private")
                        .public_only("/login")
                        .home_path("/app/inside"),
                ),
        )
        .await
    };
}

/// A header's value as text (actix-web's `HeaderMap` has no indexing).
fn value(headers: &actix_web::http::header::HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(&name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// An API call (not a navigation), with the session cookie if given.
fn api(path: &str, token: Option<&str>) -> test::TestRequest {
    let request = test::TestRequest::get().uri(path);
    match token {
        Some(token) => request.insert_header((header::COOKIE, format!("session={token}"))),
        None => request,
    }
}

/// A browser's page load (a navigation), with the session cookie if given.
fn with_cookie(path: &str, token: Option<&str>) -> test::TestRequest {
    let request = test::TestRequest::get()
        .uri(path)
        .insert_header(("sec-fetch-mode", "navigate"));
    match token {
        Some(token) => request.insert_header((header::COOKIE, format!("session={token}"))),
        None => request,
    }
}

#[actix_web::test]
async fn verified_extracts_or_rejects_with_a_bare_401() {
    let app = stateless_app!();
    let token = guide("ada").encrypt(&keys()).unwrap();
    let ok = test::call_service(&app, with_cookie("/me", Some(&token)).to_request()).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(test::read_body(ok).await, "ada");

    // An API call (not a navigation) gets the 401.
    let missing = test::call_service(&app, api("/me", None).to_request()).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(value(missing.headers(), header::CACHE_CONTROL), "no-store");
    assert!(missing.headers().get(header::SET_COOKIE).is_none());
    assert_eq!(
        value(missing.headers(), header::CONTENT_TYPE),
        "application/json"
    );
    assert_eq!(
        test::read_body(missing).await,
        r#"{"error":"unauthorized"}"#
    );

    // A tampered cookie: refused, and removed.
    let tampered = common::tamper(&token);
    let refused = test::call_service(&app, api("/me", Some(&tampered)).to_request()).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let removal = value(refused.headers(), header::SET_COOKIE);
    assert!(removal.starts_with("session=;") && removal.contains("Max-Age=0"));

    let anonymous = test::call_service(&app, with_cookie("/maybe", None).to_request()).await;
    assert_eq!(test::read_body(anonymous).await, "anonymous");
    let known = test::call_service(&app, with_cookie("/maybe", Some(&token)).to_request()).await;
    assert_eq!(test::read_body(known).await, "ada");
}

/// actix-web's case-insensitive routes fold case as Unicode does (with actix-web's default
/// `unicode` feature, which the dev-dependency turns on as users have it): `(?i)secret`
/// matches `ſecret` (U+017F) and `(?i)keys` matches `Keys` (the Kelvin sign, U+212A).
#[actix_web::test]
async fn case_insensitive_routes_are_guarded_under_unicode_case_folding() {
    let app = test::init_service(
        App::new()
            .route("/login", web::get().to(|| async { "login page" }))
            .service(web::resource("/{p:(?i)secret}").to(|| async { "the protected page" }))
            .service(web::resource("/{p:(?i)keys}").to(|| async { "the protected page" }))
            .wrap(
                SessionGuard::stateless::<GuideSession>(keys())
                    .protect("/secret")
                    .protect("/keys"),
            ),
    )
    .await;
    for path in [
        "/secret",
        "/SECRET",
        "/%C5%BFecret",
        "/%C5%BFECRET",
        "/keys",
        "/%E2%84%AAeys",
        "/%E2%84%AAEYS",
    ] {
        let response = test::call_service(&app, with_cookie(path, None).to_request()).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{path} got past the guard"
        );
        assert_eq!(
            value(response.headers(), header::LOCATION),
            "/login",
            "{path}"
        );
    }
    // The route really does answer these paths: with a session, each reaches the handler.
    let token = guide("ada").encrypt(&keys()).unwrap();
    for path in ["/%C5%BFecret", "/%E2%84%AAeys"] {
        let response = test::call_service(&app, with_cookie(path, Some(&token)).to_request()).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}

#[actix_web::test]
async fn the_guard_redirects_both_ways_and_refuses_ambiguous_paths() {
    let app = stateless_app!();
    let token = guide("ada").encrypt(&keys()).unwrap();
    let cases: &[(&str, bool, StatusCode, Option<&str>)] = &[
        ("/app/inside", false, StatusCode::SEE_OTHER, Some("/login")),
        ("/app/inside", true, StatusCode::OK, None),
        ("/login", true, StatusCode::SEE_OTHER, Some("/app/inside")),
        ("/login", false, StatusCode::OK, None),
        (
            "/files/%70rivate/report.pdf",
            false,
            StatusCode::SEE_OTHER,
            Some("/login"),
        ),
        (
            "/files/PRIVATE/report.pdf",
            false,
            StatusCode::SEE_OTHER,
            Some("/login"),
        ),
        (
            "/files/private%2freport.pdf",
            false,
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "/files//private/report.pdf",
            false,
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "/files/x/../private/report.pdf",
            false,
            StatusCode::BAD_REQUEST,
            None,
        ),
        ("/files/public/report.pdf", false, StatusCode::OK, None),
    ];
    for &(path, signed_in, status, location) in cases {
        let token = signed_in.then_some(token.as_str());
        let response = test::call_service(&app, with_cookie(path, token).to_request()).await;
        assert_eq!(response.status(), status, "{path} signed in: {signed_in}");
        if let Some(location) = location {
            assert_eq!(
                value(response.headers(), header::LOCATION),
                location,
                "{path}"
            );
        }
        if status != StatusCode::OK || path.starts_with("/app") {
            assert_eq!(
                value(response.headers(), header::CACHE_CONTROL),
                "no-store",
                "{path}"
            );
        }
    }
}

#[actix_web::test]
async fn the_guard_renews_inside_the_window_and_hands_off_its_verification() {
    // The extractor's Data holds keys that cannot open the cookie: it succeeds only
    // because the guard hands its verification over.
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(common::other_keys()))
            .route("/app/me", web::get().to(me))
            .wrap(SessionGuard::stateless::<GuideSession>(keys()).protect("/app")),
    )
    .await;
    let old = guide("ada")
        .encrypt_at(&keys(), OffsetDateTime::now_utc() - Duration::days(6))
        .unwrap();
    let response = test::call_service(&app, with_cookie("/app/me", Some(&old)).to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let renewed = set_cookie_value(value(response.headers(), header::SET_COOKIE), "session");
    let after = GuideSession::decrypt(&renewed, &keys()).unwrap();
    assert!(after.expires_at() - OffsetDateTime::now_utc() > Duration::days(6));
    assert_eq!(test::read_body(response).await, "ada");

    let fresh = guide("ada").encrypt(&keys()).unwrap();
    let response =
        test::call_service(&app, with_cookie("/app/me", Some(&fresh)).to_request()).await;
    assert!(response.headers().get(header::SET_COOKIE).is_none());
}

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h", renew_within = "15m")]
struct Account {
    #[session(user_id)]
    user_id: String,
}

async fn account_id(session: DbSession<Account>) -> String {
    session.user_id.clone()
}

async fn theme(_: DbSession<Account>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::SET_COOKIE, "theme=dark; Path=/"))
        .body("dark")
}

#[actix_web::test]
async fn database_sessions_renew_survive_other_cookies_and_clear_when_revoked() {
    let manager = Arc::new(SessionManager::<Account, _>::new(
        MemoryStore::new(),
        keys(),
    ));
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Sessions::new(Arc::clone(&manager))))
            .route("/app", web::get().to(account_id))
            .route("/app/theme", web::get().to(theme))
            .route(
                "/app/logout",
                web::get().to(|| async { SetSession(Account::removal_cookie()) }),
            )
            .route("/login", web::get().to(|| async { "login page" }))
            .wrap(
                SessionGuard::database(Arc::clone(&manager))
                    .protect("/app")
                    .public_only("/login")
                    .home_path("/app"),
            ),
    )
    .await;
    let request = |path: &str, cookie: &str| {
        test::TestRequest::get()
            .uri(path)
            .insert_header((header::COOKIE, format!("sid={cookie}")))
            .to_request()
    };
    let account = Account {
        user_id: "7".into(),
    };
    let now = OffsetDateTime::now_utc();

    // Inside the renewal window, behind a handler that sets its own cookie: both arrive.
    let old = manager
        .create_at(&account, now - Duration::minutes(50))
        .await
        .unwrap();
    let response = test::call_service(&app, request("/app/theme", old.value())).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies: Vec<String> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    let renewed = cookies.iter().find(|c| c.starts_with("sid=")).unwrap();
    let row = manager
        .load(&format!("sid={}", set_cookie_value(renewed, "sid")))
        .await
        .unwrap();
    assert!(row.expires_at() - now > Duration::minutes(55));

    // A handler that sets the session cookie itself replaces the renewal.
    let old = manager
        .create_at(&account, now - Duration::minutes(50))
        .await
        .unwrap();
    let response = test::call_service(&app, request("/app/logout", old.value())).await;
    let cookies: Vec<_> = response.headers().get_all(header::SET_COOKIE).collect();
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].to_str().unwrap().starts_with("sid=;"));

    // Revoked: the extractor refuses and removes it; the login page is reachable at once.
    let fresh = manager.create(&account).await.unwrap();
    let response = test::call_service(&app, request("/app", fresh.value())).await;
    assert_eq!(test::read_body(response).await, "7");
    let session = manager
        .load(&format!("sid={}", fresh.value()))
        .await
        .unwrap();
    manager.revoke(&session).await.unwrap();
    let response = test::call_service(&app, request("/app", fresh.value())).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(value(response.headers(), header::SET_COOKIE).starts_with("sid=;"));
    let response = test::call_service(&app, request("/login", fresh.value())).await;
    assert_eq!(response.status(), StatusCode::OK, "not sent to /app");
    assert!(value(response.headers(), header::SET_COOKIE).contains("Max-Age=0"));
}

#[actix_web::test]
async fn the_rejection_is_configurable() {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(keys()))
            .route("/app/me", web::get().to(me))
            .route("/open/me", web::get().to(me))
            .wrap(
                SessionGuard::stateless::<GuideSession>(keys())
                    .protect("/app")
                    .login_path("/signin")
                    .on_rejection(Rejection::custom(|| {
                        HttpResponse::Forbidden().body("please sign in to continue")
                    })),
            ),
    )
    .await;
    for path in ["/app/me", "/open/me"] {
        let response = test::call_service(&app, with_cookie(path, None).to_request()).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            test::read_body(response).await,
            "please sign in to continue"
        );
    }
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(keys()))
            .route("/app/me", web::get().to(me))
            .wrap(
                SessionGuard::stateless::<GuideSession>(keys())
                    .protect("/app")
                    .on_rejection(Rejection::Unauthorized),
            ),
    )
    .await;
    let response = test::call_service(&app, with_cookie("/app/me", None).to_request()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// actix-web pins an older `cookie` crate; sessionkit writes the header text itself, so no
/// attribute is lost on the way.
#[actix_web::test]
async fn every_cookie_attribute_survives_partitioned_included() {
    #[derive(Serialize, Deserialize, Session)]
    #[session(cookie = "__Host-chips", ttl = "1h", same_site = "none", partitioned)]
    struct Embedded {
        user_id: String,
    }
    let keys = keys();
    let cookie = Embedded {
        user_id: "1".into(),
    }
    .cookie(&keys)
    .unwrap();
    let app = test::init_service(App::new().route(
        "/",
        web::get().to(move || {
            let cookie = cookie.clone();
            async move { SetSession(cookie).with("ok") }
        }),
    ))
    .await;
    let response = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
    let set_cookie = value(response.headers(), header::SET_COOKIE).to_owned();
    for attribute in [
        "__Host-chips=",
        "HttpOnly",
        "SameSite=None",
        "Secure",
        "Partitioned",
        "Path=/",
        "Max-Age=3600",
        "Expires=",
    ] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} in {set_cookie}"
        );
    }
    assert_eq!(value(response.headers(), header::CACHE_CONTROL), "no-store");
    // Its Debug shows the attributes but never the token.
    let another = Embedded {
        user_id: "1".into(),
    }
    .cookie(&keys)
    .unwrap();
    let shown = format!("{:?}", SetSession(another.clone()));
    assert!(
        shown.contains("Partitioned") && !shown.contains(another.value()),
        "{shown}"
    );
}

/// A store that is down: every call fails as an outage.
struct Down;

impl sessionkit::SessionStore for Down {
    async fn create(&self, _: &sessionkit::Record) -> Result<(), sessionkit::Error> {
        Err(down())
    }
    async fn load(
        &self,
        _: &sessionkit::SessionKey,
        _: i64,
    ) -> Result<Option<sessionkit::Record>, sessionkit::Error> {
        Err(down())
    }
    async fn update(
        &self,
        _: &sessionkit::SessionKey,
        _: u64,
        _: Option<&str>,
        _: &str,
        _: i64,
    ) -> Result<sessionkit::Updated, sessionkit::Error> {
        Err(down())
    }
    async fn extend(
        &self,
        _: &sessionkit::SessionKey,
        _: i64,
        _: i64,
    ) -> Result<Option<i64>, sessionkit::Error> {
        Err(down())
    }
    async fn rotate(
        &self,
        _: &sessionkit::SessionKey,
        _: &sessionkit::SessionKey,
        _: i64,
        _: i64,
    ) -> Result<bool, sessionkit::Error> {
        Err(down())
    }
    async fn delete(&self, _: &sessionkit::SessionKey) -> Result<bool, sessionkit::Error> {
        Err(down())
    }
    async fn delete_user(&self, _: &str, _: &str) -> Result<u64, sessionkit::Error> {
        Err(down())
    }
    async fn list_user(
        &self,
        _: &str,
        _: &str,
        _: i64,
    ) -> Result<Vec<sessionkit::SessionInfo>, sessionkit::Error> {
        Err(down())
    }
    async fn purge_expired(&self, _: &str, _: i64) -> Result<u64, sessionkit::Error> {
        Err(down())
    }
}

fn down() -> sessionkit::Error {
    sessionkit::StoreError::error(sessionkit::StoreErrorKind::Unavailable, "down for the test")
}

#[actix_web::test]
async fn a_store_outage_is_a_503_not_signed_out() {
    // A ticket sealed by a working manager, then presented to one whose store is down.
    let working = SessionManager::<Account, _>::new(MemoryStore::new(), keys());
    let cookie = working
        .create(&Account {
            user_id: "7".into(),
        })
        .await
        .unwrap();
    let broken = Arc::new(SessionManager::<Account, _>::new(Down, keys()));
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Sessions::new(Arc::clone(&broken))))
            .route("/app", web::get().to(account_id)),
    )
    .await;
    let request = test::TestRequest::get()
        .uri("/app")
        .insert_header((header::COOKIE, format!("sid={}", cookie.value())))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(value(response.headers(), header::CACHE_CONTROL), "no-store");
    assert!(
        response.headers().get(header::SET_COOKIE).is_none(),
        "the cookie is kept"
    );
}
