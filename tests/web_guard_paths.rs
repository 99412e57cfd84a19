//! The guard decides on the path the router sees. Each row of the table is a request an
//! attacker might send to reach a protected handler without a session; none may get through.
//! The handlers here use no extractor, as a static file service would not, so the guard is
//! the only thing in the way.
#![cfg(feature = "axum")]

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use common::{GuideSession, guide, keys};
use sessionkit::{Session, SessionGuard};
use tower::ServiceExt;

fn guard() -> SessionGuard {
    SessionGuard::stateless::<GuideSession>(keys())
        .protect("/files/private")
        .protect("/admin")
        .protect("/api/")
        .protect("/nested/admin")
        .protect("/secret")
        .protect("/keys")
        .public_only("/login")
        .login_path("/login")
        .home_path("/files/private/home")
}

fn app() -> Router {
    // A nested router with its own guard: the guard matches the full path the client sent,
    // not the path with `/nested` stripped.
    let nested = Router::new()
        .route("/admin/{*rest}", get(|| async { "nested admin" }))
        .route("/open", get(|| async { "nested open" }))
        .layer(guard());
    Router::new()
        .route("/files/{*rest}", get(|| async { "file" }))
        .route("/{section}/users", get(|| async { "users" }))
        .route("/api", get(|| async { "api" }))
        .route("/api/{*rest}", get(|| async { "api" }))
        .route("/login", get(|| async { "login page" }))
        .route("/{page}", get(case_insensitive))
        .layer(guard())
        .nest("/nested", nested)
}

/// A handler that reads its path case-insensitively, as many do: `to_uppercase` folds `ſ`
/// (U+017F) onto `S`, and `to_lowercase` folds the Kelvin sign `K` (U+212A) onto `k`.
async fn case_insensitive(
    axum::extract::Path(page): axum::extract::Path<String>,
) -> Result<&'static str, StatusCode> {
    if page.to_uppercase() == "SECRET" || page.to_lowercase() == "keys" {
        Ok("the protected page")
    } else {
        Err(StatusCode::NOT_FOUND)
    }
}

/// A browser's page load (a navigation).
async fn send(path: &str, signed_in: bool) -> Response {
    let mut request = Request::get(path).header("sec-fetch-mode", "navigate");
    if signed_in {
        let token = guide("ada").encrypt(&keys()).unwrap();
        request = request.header(header::COOKIE, format!("session={token}"));
    }
    app()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    /// 303 to the login page.
    Login,
    /// 400: the path cannot be decoded into one unambiguous list of segments.
    Refused,
    /// Not under a protected prefix: the handler answers.
    Open,
}

fn outcome(response: &Response) -> Outcome {
    match response.status() {
        StatusCode::SEE_OTHER => {
            assert_eq!(response.headers()[header::LOCATION], "/login");
            Outcome::Login
        }
        StatusCode::BAD_REQUEST => Outcome::Refused,
        StatusCode::OK => Outcome::Open,
        other => panic!("unexpected status {other}"),
    }
}

const TABLE: &[(&str, Outcome)] = &[
    // The plain forms.
    ("/files/private/report.pdf", Outcome::Login),
    ("/files/private", Outcome::Login),
    ("/files/private/", Outcome::Login),
    ("/admin/users", Outcome::Login),
    ("/api", Outcome::Login),
    ("/api/", Outcome::Login),
    ("/api/keys", Outcome::Login),
    // Percent-encoded letters decode to the protected prefix.
    ("/files/%70rivate/report.pdf", Outcome::Login),
    ("/files/%70%72%69%76%61%74%65/report.pdf", Outcome::Login),
    ("/%61dmin/users", Outcome::Login),
    ("/%41dmin/users", Outcome::Login),
    // Case: matched without regard to ASCII case, so `/{section}` handlers that compare
    // case-insensitively are covered too.
    ("/ADMIN/users", Outcome::Login),
    ("/Files/Private/report.pdf", Outcome::Login),
    ("/files/PRIVATE/report.pdf", Outcome::Login),
    // Unicode case: characters that fold onto ASCII letters match them, so a handler that
    // folds case (or actix-web's `(?i)` routes) cannot be reached around the guard.
    ("/secret", Outcome::Login),
    ("/SECRET", Outcome::Login),
    ("/%C5%BFecret", Outcome::Login),
    ("/%C5%BF%C5%BFecret", Outcome::Open),
    ("/%E2%84%AAeys", Outcome::Login),
    ("/%E2%84%AAEYS", Outcome::Login),
    ("/%C5%BFECRET", Outcome::Login),
    // Dotless i (U+0131) upper-cases to `I`: folded, `/admın` is `/admin`.
    ("/adm%C4%B1n/users", Outcome::Login),
    // Encoded separators, dot segments and empty segments are refused outright.
    ("/files/private%2freport.pdf", Outcome::Refused),
    ("/files/private%2Freport.pdf", Outcome::Refused),
    ("/files/private%5creport.pdf", Outcome::Refused),
    ("/files//private/report.pdf", Outcome::Refused),
    ("//files/private/report.pdf", Outcome::Refused),
    ("/files/./private/report.pdf", Outcome::Refused),
    ("/files/x/../private/report.pdf", Outcome::Refused),
    ("/files/%2e%2e/files/private/report.pdf", Outcome::Refused),
    ("/files/%2E/private/report.pdf", Outcome::Refused),
    ("/%2e%2e/admin/users", Outcome::Refused),
    ("/admin%2fusers", Outcome::Refused),
    ("/files/%zz", Outcome::Refused),
    ("/files/private%", Outcome::Refused),
    ("/files/%ff/report.pdf", Outcome::Refused),
    ("/files/private%00/report.pdf", Outcome::Refused),
    // Whole segments only: these are not under a protected prefix.
    ("/files/privateer/report.pdf", Outcome::Open),
    ("/apix/users", Outcome::Open),
    ("/adminx/users", Outcome::Open),
    ("/files/public/report.pdf", Outcome::Open),
    ("/files/caf%C3%A9", Outcome::Open),
    // A guard on a nested router sees the full path.
    ("/nested/admin/x", Outcome::Login),
    ("/nested/%61dmin/x", Outcome::Login),
    ("/nested/ADMIN/x", Outcome::Login),
    ("/nested/open", Outcome::Open),
];

#[tokio::test]
async fn no_path_walks_around_the_guard() {
    let mut wrong = Vec::new();
    for &(path, expected) in TABLE {
        let response = send(path, false).await;
        let status = response.status();
        let got = if status == StatusCode::NOT_FOUND {
            Outcome::Open
        } else {
            outcome(&response)
        };
        if got != expected {
            wrong.push(format!(
                "{path}: expected {expected:?}, got {got:?} ({status})"
            ));
        }
        // Whatever the guard decided, nothing under a protected prefix reached a handler.
        if status == StatusCode::OK {
            assert_eq!(expected, Outcome::Open, "{path} reached its handler");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn signed_in_requests_reach_decoded_protected_paths() {
    for path in [
        "/files/%70rivate/report.pdf",
        "/admin/users",
        "/api",
        "/nested/admin/x",
    ] {
        assert_eq!(send(path, true).await.status(), StatusCode::OK, "{path}");
    }
    // A session does not make an ambiguous path acceptable.
    assert_eq!(
        send("/files//private/report.pdf", true).await.status(),
        StatusCode::BAD_REQUEST
    );
    // Public-only paths send a signed-in user home.
    let response = send("/login", true).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/files/private/home");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn refusals_are_never_cached() {
    let response = send("/files/private%2freport.pdf", false).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
}
