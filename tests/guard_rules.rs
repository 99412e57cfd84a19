//! The guard routes like a router, on axum and actix-web alike: the most specific rule wins
//! (the longest matching prefix, segment by segment, on the decoded and case-folded path),
//! and the login page never redirects to itself. Every row runs on both frameworks and must
//! answer the same.
#![cfg(all(feature = "axum", feature = "actix"))]

mod common;

use common::{GuideSession, guide, keys};
use sessionkit::Session;

/// What the guard did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The handler answered.
    Handler,
    /// 303 to the login page.
    Login,
    /// 303 to the home path (a signed-in request on a public-only page).
    Home,
    /// 400: the path cannot be decoded safely.
    Refused,
}

const LOGIN: &str = "/admin/login";
const HOME: &str = "/admin/home";

fn outcome(status: u16, location: Option<&str>) -> Outcome {
    match (status, location) {
        (200, _) => Outcome::Handler,
        (303, Some(HOME)) => Outcome::Home,
        (303, Some(_)) => Outcome::Login,
        (400, _) => Outcome::Refused,
        other => panic!("unexpected answer {other:?}"),
    }
}

mod axum_app {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, header};
    use sessionkit::SessionGuard;
    use tower::ServiceExt;

    pub async fn send(
        guard: SessionGuard,
        method: &str,
        path: &str,
        cookie: Option<&str>,
    ) -> Outcome {
        let app = Router::new().fallback(|| async { "handler" }).layer(guard);
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("sec-fetch-mode", "navigate");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = app
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|value| value.to_str().unwrap().to_owned());
        outcome(response.status().as_u16(), location.as_deref())
    }
}

mod actix_app {
    use super::*;
    use actix_web::http::{Method, header};
    use actix_web::{App, test, web};
    use sessionkit::actix::SessionGuard;

    pub async fn send(
        guard: SessionGuard,
        method: &str,
        path: &str,
        cookie: Option<&str>,
    ) -> Outcome {
        let app = test::init_service(
            App::new()
                .default_service(web::to(|| async { "handler" }))
                .wrap(guard),
        )
        .await;
        let mut request = test::TestRequest::default()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(path)
            .insert_header(("sec-fetch-mode", "navigate"));
        if let Some(cookie) = cookie {
            request = request.insert_header((header::COOKIE, cookie));
        }
        let response = test::call_service(&app, request.to_request()).await;
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|value| value.to_str().unwrap().to_owned());
        outcome(response.status().as_u16(), location.as_deref())
    }
}

macro_rules! guard {
    ($guard:ty) => {
        <$guard>::stateless::<GuideSession>(keys())
            .protect("/admin")
            .public("/admin/help")
            .protect("/admin/help/secret")
            .public_only("/admin/login")
            .public_only("/signup")
            .login_path(LOGIN)
            .home_path(HOME)
    };
}

async fn both(method: &str, path: &str, signed_in: bool) -> [Outcome; 2] {
    let token = signed_in.then(|| format!("session={}", guide("ada").encrypt(&keys()).unwrap()));
    [
        axum_app::send(
            guard!(sessionkit::SessionGuard),
            method,
            path,
            token.as_deref(),
        )
        .await,
        actix_app::send(
            guard!(sessionkit::actix::SessionGuard),
            method,
            path,
            token.as_deref(),
        )
        .await,
    ]
}

#[actix_web::test]
async fn the_most_specific_rule_wins_on_both_frameworks() {
    use Outcome::*;
    let table: &[(&str, bool, Outcome)] = &[
        ("/admin", false, Login),
        ("/admin/users", false, Login),
        ("/%61dmin/users", false, Login),
        ("/ADMIN/users", false, Login),
        ("/admin/users", true, Handler),
        // An opening under the protected prefix, in any spelling the router accepts.
        ("/admin/help", false, Handler),
        ("/admin/help/faq", false, Handler),
        ("/Admin/%48elp/faq", false, Handler),
        // And a protected prefix inside the opening.
        ("/admin/help/secret", false, Login),
        ("/admin/help/SECRET/x", false, Login),
        ("/admin/help/%73ecret", false, Login),
        ("/admin/help/secret", true, Handler),
        // The login page under the protected prefix: reachable signed out, home when signed in.
        ("/admin/login", false, Handler),
        ("/admin/LOGIN", false, Handler),
        ("/admin/login", true, Home),
        ("/signup", true, Home),
        ("/signup", false, Handler),
        // Not under any prefix.
        ("/adminx", false, Handler),
        // Paths the guard cannot decode stay refused.
        ("/admin%2fusers", false, Refused),
        ("/admin/help/../users", false, Refused),
        ("/admin/help/%2e%2e/users", false, Refused),
        ("/admin//users", false, Refused),
    ];
    for &(path, signed_in, expected) in table {
        for method in ["GET", "POST"] {
            let [axum, actix] = both(method, path, signed_in).await;
            assert_eq!(
                axum, expected,
                "axum {method} {path} (signed in: {signed_in})"
            );
            assert_eq!(
                actix, expected,
                "actix-web {method} {path} (signed in: {signed_in})"
            );
        }
    }
}

/// The report's setup: `.protect("/admin").public_only("/admin/login").login_path("/admin/login")`
/// used to answer `GET /admin/login` with `303 location: /admin/login`, and the login POST too.
#[actix_web::test]
async fn the_login_page_never_redirects_to_itself() {
    for method in ["GET", "POST"] {
        let axum = axum_app::send(
            sessionkit::SessionGuard::stateless::<GuideSession>(keys())
                .protect("/admin")
                .public_only(LOGIN)
                .login_path(LOGIN),
            method,
            LOGIN,
            None,
        )
        .await;
        let actix = actix_app::send(
            sessionkit::actix::SessionGuard::stateless::<GuideSession>(keys())
                .protect("/admin")
                .public_only(LOGIN)
                .login_path(LOGIN),
            method,
            LOGIN,
            None,
        )
        .await;
        assert_eq!([axum, actix], [Outcome::Handler; 2], "{method} {LOGIN}");
    }
    // With no rule of its own under a protected prefix, the login page is still reachable,
    // exactly: the pages beside and below it stay protected.
    for (path, expected) in [
        ("/admin/signin", Outcome::Handler),
        ("/admin/signin/next", Outcome::Login),
        ("/admin/other", Outcome::Login),
    ] {
        let guard = sessionkit::SessionGuard::stateless::<GuideSession>(keys())
            .protect("/admin")
            .login_path("/admin/signin");
        let found = axum_app::send(guard, "GET", path, None).await;
        assert_eq!(found, expected, "{path}");
    }
}

/// A database session type for the "one answer" test: the guard trusts the seal, so only the
/// extractor finds a revoked session.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Account {
    #[session(user_id)]
    user_id: String,
}

type Manager = std::sync::Arc<sessionkit::SessionManager<Account, sessionkit::MemoryStore>>;

/// What one request to `/app/page` got back.
#[derive(Debug, PartialEq)]
struct Answer {
    status: u16,
    location: Option<String>,
    content_type: Option<String>,
    cache_control: Option<String>,
    body: String,
}

async fn page_axum(manager: &Manager, cookie: Option<&str>, headers: &[(&str, &str)]) -> Answer {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, header};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use sessionkit::{DbSession, SessionGuard};
    use tower::ServiceExt;

    let app = Router::new()
        .route(
            "/app/page",
            get(|session: DbSession<Account>| async move { session.user_id.clone() }),
        )
        .layer(SessionGuard::database(std::sync::Arc::clone(manager)).protect("/app"))
        .with_state(std::sync::Arc::clone(manager));
    let mut request = Request::get("/app/page");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = |name| {
        response
            .headers()
            .get(name)
            .map(|value: &axum::http::HeaderValue| value.to_str().unwrap().to_owned())
    };
    let (status, location, content_type, cache_control) = (
        response.status().as_u16(),
        text(header::LOCATION),
        text(header::CONTENT_TYPE),
        text(header::CACHE_CONTROL),
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        location,
        content_type,
        cache_control,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

async fn page_actix(manager: &Manager, cookie: Option<&str>, headers: &[(&str, &str)]) -> Answer {
    use actix_web::http::header;
    use actix_web::{App, test, web};
    use sessionkit::DbSession;
    use sessionkit::actix::{SessionGuard, Sessions};

    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Sessions::new(std::sync::Arc::clone(
                manager,
            ))))
            .route(
                "/app/page",
                web::get().to(|session: DbSession<Account>| async move { session.user_id.clone() }),
            )
            .wrap(SessionGuard::database(std::sync::Arc::clone(manager)).protect("/app")),
    )
    .await;
    let mut request = test::TestRequest::get().uri("/app/page");
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    if let Some(cookie) = cookie {
        request = request.insert_header((header::COOKIE, cookie));
    }
    let response = test::call_service(&app, request.to_request()).await;
    let text = |name| {
        response
            .headers()
            .get(name)
            .map(|value: &header::HeaderValue| value.to_str().unwrap().to_owned())
    };
    let (status, location, content_type, cache_control) = (
        response.status().as_u16(),
        text(header::LOCATION),
        text(header::CONTENT_TYPE),
        text(header::CACHE_CONTROL),
    );
    let body = test::read_body(response).await;
    Answer {
        status,
        location,
        content_type,
        cache_control,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

/// One protected page, four ways to be signed out (no cookie, expired, tampered, revoked):
/// a browser's navigation gets the login redirect every time, and any other request `401`
/// with `{"error":"unauthorized"}` as JSON and `no-store`, on both frameworks. (A revoked
/// session used to get a bare text `401` where no cookie got the redirect.)
#[actix_web::test]
async fn one_answer_per_kind_of_request() {
    use sessionkit::time::{Duration, OffsetDateTime};

    let manager: Manager = std::sync::Arc::new(sessionkit::SessionManager::new(
        sessionkit::MemoryStore::new(),
        keys(),
    ));
    let account = Account {
        user_id: "ada".into(),
    };
    let live = manager.create(&account).await.unwrap();
    let expired = manager
        .create_at(&account, OffsetDateTime::now_utc() - Duration::hours(2))
        .await
        .unwrap();
    let revoked = manager.create(&account).await.unwrap();
    let revoked_header = format!("sid={}", revoked.value());
    manager
        .revoke(&manager.load(&revoked_header).await.unwrap())
        .await
        .unwrap();
    let tampered = format!("sid={}", common::tamper(live.value()));
    let signed_out = [
        ("no cookie", None),
        ("expired", Some(format!("sid={}", expired.value()))),
        ("tampered", Some(tampered)),
        ("revoked", Some(revoked_header)),
    ];
    let navigations: [&[(&str, &str)]; 2] = [
        &[("sec-fetch-mode", "navigate")],
        &[("accept", "text/html,application/xhtml+xml,*/*;q=0.8")],
    ];
    let others: [&[(&str, &str)]; 4] = [
        &[],
        &[("accept", "application/json")],
        &[("accept", "*/*"), ("sec-fetch-mode", "cors")],
        &[("accept", "text/html"), ("sec-fetch-mode", "cors")],
    ];
    for (what, cookie) in &signed_out {
        for headers in navigations {
            for answer in [
                page_axum(&manager, cookie.as_deref(), headers).await,
                page_actix(&manager, cookie.as_deref(), headers).await,
            ] {
                assert_eq!(answer.status, 303, "{what} {headers:?}: {answer:?}");
                assert_eq!(answer.location.as_deref(), Some("/login"), "{what}");
            }
        }
        for headers in others {
            for answer in [
                page_axum(&manager, cookie.as_deref(), headers).await,
                page_actix(&manager, cookie.as_deref(), headers).await,
            ] {
                assert_eq!(answer.status, 401, "{what} {headers:?}: {answer:?}");
                assert_eq!(answer.content_type.as_deref(), Some("application/json"));
                assert_eq!(answer.cache_control.as_deref(), Some("no-store"));
                assert_eq!(answer.body, r#"{"error":"unauthorized"}"#);
            }
        }
    }
    // Signed in, both kinds reach the page.
    let live = format!("sid={}", live.value());
    for headers in [navigations[0], others[0]] {
        assert_eq!(page_axum(&manager, Some(&live), headers).await.body, "ada");
        assert_eq!(page_actix(&manager, Some(&live), headers).await.body, "ada");
    }
}
