//! A good neighbour and a hard target, on axum and actix-web alike: a cookie another app owns
//! (`shared`, the default for Auth.js, NextAuth.js v4 and iron-session types) is read and
//! never renewed or removed; a whole cookie tossed in beside chunks is refused; a request
//! cannot choose how many `Set-Cookie` headers it gets back; a cookie that arrived too large
//! is a refused session, not a server fault; and a CORS preflight passes the guard.
#![cfg(all(feature = "axum", feature = "actix"))]

mod common;

use common::{AuthJsSession, ada};
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Cookie, Keys, Session};

const SECRET: &str = "neighbour-web-secret-0123456789-abcdefghij";
const STALE_SECRET: &str = "a stale neighbour secret-0123456789-abcdef";
const NAME: &str = "authjs.session-token";

fn keys() -> Keys {
    Keys::new(SECRET).unwrap()
}

use common::OwnedAuthJsSession as Owned;

fn header_of(cookies: &[Cookie<'_>]) -> String {
    cookies
        .iter()
        .filter(|cookie| !cookie.value().is_empty())
        .map(|cookie| format!("{}={}", cookie.name(), cookie.value()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn shared_cookie(keys: &Keys, notes: usize, at: OffsetDateTime) -> String {
    let session = AuthJsSession {
        notes: (notes > 0).then(|| "n".repeat(notes)),
        ..ada()
    };
    header_of(&session.cookies_at(keys, at).unwrap())
}

fn owned_cookie(notes: usize, at: OffsetDateTime) -> String {
    let session = Owned {
        notes: (notes > 0).then(|| "n".repeat(notes)),
        ..ada().into()
    };
    header_of(&session.cookies_at(&keys(), at).unwrap())
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Flips one character in the middle of the last cookie's value.
fn tampered(header: &str) -> String {
    let (head, last) = header.rsplit_once('=').unwrap();
    let mut last = last.to_owned();
    let middle = last.len() / 2;
    let flipped = if &last[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    last.replace_range(middle..=middle, flipped);
    format!("{head}={last}")
}

/// What a response carried back.
#[derive(Debug)]
struct Reply {
    status: u16,
    set_cookies: Vec<String>,
}

impl Reply {
    fn bytes(&self) -> usize {
        self.set_cookies.iter().map(String::len).sum()
    }

    fn names(&self) -> Vec<String> {
        self.set_cookies
            .iter()
            .map(|set| set.split('=').next().unwrap_or_default().to_owned())
            .collect()
    }
}

/// Which guard the app is built with: one for the shared Auth.js type, or one for the owned
/// type; either protects `/app`.
#[derive(Clone, Copy, Debug)]
enum Guard {
    Shared,
    Owned,
}

/// Sends one request to the same app on both frameworks; returns both replies.
async fn both(guard: Guard, method: &str, path: &str, cookie: &str) -> [Reply; 2] {
    [
        axum_app::send(guard, method, path, cookie).await,
        actix_app::send(guard, method, path, cookie).await,
    ]
}

mod axum_app {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use axum::routing::get;
    use sessionkit::axum::SessionGuard;
    use sessionkit::{Error, Verified};
    use tower::ServiceExt;

    fn router(guard: Guard) -> Router {
        let guard = match guard {
            Guard::Shared => SessionGuard::stateless::<AuthJsSession>(keys()),
            Guard::Owned => SessionGuard::stateless::<Owned>(keys()),
        };
        let shared = |session: Verified<AuthJsSession>| async move {
            session.sub.clone().unwrap_or_default()
        };
        let owned =
            |session: Verified<Owned>| async move { session.sub.clone().unwrap_or_default() };
        Router::new()
            .route(
                "/app/shared",
                get(shared).options(|| async { StatusCode::NO_CONTENT }),
            )
            .route("/app/owned", get(owned))
            .route("/open/shared", get(shared))
            .route("/open/owned", get(owned))
            .route(
                "/raw",
                get(|headers: axum::http::HeaderMap| async move {
                    let header = headers
                        .get(header::COOKIE)
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or_default();
                    let session = Owned::from_cookie_header(header, &keys())?;
                    Ok::<_, Error>(session.sub.clone().unwrap_or_default())
                }),
            )
            .route("/login", get(|| async { "login" }))
            .layer(guard.protect("/app"))
            .with_state(keys())
    }

    pub async fn send(guard: Guard, method: &str, path: &str, cookie: &str) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie);
        }
        let response = router(guard)
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        Reply {
            status: response.status().as_u16(),
            set_cookies: response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|value| value.to_str().unwrap().to_owned())
                .collect(),
        }
    }
}

mod actix_app {
    use super::*;
    use actix_web::http::{Method, header};
    use actix_web::{App, HttpRequest, HttpResponse, test, web};
    use sessionkit::Verified;
    use sessionkit::actix::SessionGuard;

    async fn shared(session: Verified<AuthJsSession>) -> String {
        session.sub.clone().unwrap_or_default()
    }

    async fn owned(session: Verified<Owned>) -> String {
        session.sub.clone().unwrap_or_default()
    }

    async fn raw(request: HttpRequest) -> Result<String, sessionkit::Error> {
        let header = request
            .headers()
            .get(header::COOKIE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let session = Owned::from_cookie_header(header, &keys())?;
        Ok(session.sub.clone().unwrap_or_default())
    }

    pub async fn send(guard: Guard, method: &str, path: &str, cookie: &str) -> Reply {
        let guard = match guard {
            Guard::Shared => SessionGuard::stateless::<AuthJsSession>(keys()),
            Guard::Owned => SessionGuard::stateless::<Owned>(keys()),
        };
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(keys()))
                .route("/app/shared", web::get().to(shared))
                .route(
                    "/app/shared",
                    web::method(Method::OPTIONS)
                        .to(|| async { HttpResponse::NoContent().finish() }),
                )
                .route("/app/owned", web::get().to(owned))
                .route("/open/shared", web::get().to(shared))
                .route("/open/owned", web::get().to(owned))
                .route("/raw", web::get().to(raw))
                .route("/login", web::get().to(|| async { "login" }))
                .wrap(guard.protect("/app")),
        )
        .await;
        let mut request = test::TestRequest::default()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(path);
        if !cookie.is_empty() {
            request = request.insert_header((header::COOKIE, cookie));
        }
        let response = test::call_service(&app, request.to_request()).await;
        Reply {
            status: response.status().as_u16(),
            set_cookies: response
                .headers()
                .get_all(header::SET_COOKIE)
                .map(|value| value.to_str().unwrap().to_owned())
                .collect(),
        }
    }
}

/// A shared cookie that is refused (a stale secret after a rotation done in Next.js first,
/// expired, tampered; whole or in chunks) gets no `Set-Cookie`: the Next.js app's users stay
/// signed in there. One the app owns is removed, as before.
#[actix_web::test]
async fn a_refused_shared_cookie_is_never_removed() {
    let stale = Keys::new(STALE_SECRET).unwrap();
    let cases = [
        ("stale secret", shared_cookie(&stale, 0, now())),
        (
            "stale secret, chunked",
            shared_cookie(&stale, 11_000, now()),
        ),
        (
            "expired",
            shared_cookie(&keys(), 0, now() - Duration::days(40)),
        ),
        (
            "tampered, chunked",
            tampered(&shared_cookie(&keys(), 11_000, now())),
        ),
    ];
    for (what, cookie) in &cases {
        assert!(cookie.contains(NAME));
        for path in ["/open/shared", "/app/shared"] {
            for reply in both(Guard::Shared, "GET", path, cookie).await {
                assert_ne!(reply.status, 200, "{what} at {path}");
                assert!(
                    reply.set_cookies.is_empty(),
                    "{what} at {path}: {:?}",
                    reply.names()
                );
            }
        }
    }
    let stale_owned = header_of(
        &Owned {
            notes: Some("n".repeat(11_000)),
            ..ada().into()
        }
        .cookies(&stale)
        .unwrap(),
    );
    for reply in both(Guard::Owned, "GET", "/open/owned", &stale_owned).await {
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.set_cookies.len(),
            5,
            "the owned cookie and its four chunks are removed: {:?}",
            reply.names()
        );
    }
}

/// A valid shared cookie inside its renewal window passes the guard untouched; the same
/// token read as a type the app owns is renewed.
#[actix_web::test]
async fn a_shared_cookie_is_never_renewed() {
    let twenty_days_ago = now() - Duration::days(20);
    let shared = shared_cookie(&keys(), 0, twenty_days_ago);
    for reply in both(Guard::Shared, "GET", "/app/shared", &shared).await {
        assert_eq!(reply.status, 200);
        assert!(reply.set_cookies.is_empty(), "{:?}", reply.names());
    }
    let owned = owned_cookie(0, twenty_days_ago);
    for reply in both(Guard::Owned, "GET", "/app/owned", &owned).await {
        assert_eq!(reply.status, 200);
        assert_eq!(reply.names(), [NAME], "renewed");
    }
}

/// The victim's valid chunks, and beside them an attacker's valid whole cookie tossed in from
/// a sibling subdomain: refused, on the extractor and the guard, not served as the attacker.
#[actix_web::test]
async fn a_whole_cookie_beside_chunks_is_refused() {
    let victim = shared_cookie(&keys(), 11_000, now());
    let mallory = AuthJsSession {
        sub: Some("mallory".into()),
        ..ada()
    };
    let attacker = header_of(&mallory.cookies(&keys()).unwrap());
    assert!(attacker.starts_with(&format!("{NAME}=")));
    for cookie in [
        format!("{victim}; {attacker}"),
        format!("{attacker}; {victim}"),
    ] {
        for reply in both(Guard::Shared, "GET", "/open/shared", &cookie).await {
            assert_eq!(reply.status, 401, "the whole cookie used to win");
        }
        for reply in both(Guard::Shared, "GET", "/app/shared", &cookie).await {
            assert_eq!(reply.status, 401);
        }
    }
}

/// Junk cookie names repeated thousands of times: each distinct name is removed once, and
/// never more than the type's chunk limit plus the whole cookie, on the extractor's 401 and
/// on the guard's path.
#[actix_web::test]
async fn a_request_cannot_choose_how_many_cookies_come_back() {
    let repeated = format!(
        "{NAME}=junk; {}",
        vec![format!("{NAME}.1="); 16_000].join("; ")
    );
    let invented = (0..1000)
        .map(|index| format!("{NAME}.{index}=x"))
        .collect::<Vec<_>>()
        .join("; ");
    let limit = sessionkit::max_chunks(sessionkit::Format::AuthJs) + 1;
    for (what, cookie) in [
        ("16,000 copies of .1", &repeated),
        (".0 to .999, no whole cookie", &invented),
    ] {
        for path in ["/open/owned", "/app/owned"] {
            for (framework, reply) in ["axum", "actix-web"]
                .into_iter()
                .zip(both(Guard::Owned, "GET", path, cookie).await)
            {
                eprintln!(
                    "{framework} {path}, {what} ({} request bytes): {} Set-Cookie headers, {} bytes",
                    cookie.len(),
                    reply.set_cookies.len(),
                    reply.bytes()
                );
                let mut names = reply.names();
                assert!(
                    names.len() <= limit,
                    "{framework} {path} {what}: {} removals",
                    names.len()
                );
                names.sort();
                names.dedup();
                assert_eq!(
                    names.len(),
                    reply.set_cookies.len(),
                    "{framework}: each name once"
                );
            }
        }
    }
}

/// A handler that reads the session with `?`: a cookie that arrived too large (over 4096
/// bytes, or more chunks than the type writes) is a 401, like every refused session; a
/// session too large to make is still the server's fault.
#[actix_web::test]
async fn an_oversized_cookie_is_a_refused_session_not_a_server_fault() {
    let huge = format!("{NAME}={}", "A".repeat(5000));
    let nine = (0..9)
        .map(|index| format!("{NAME}.{index}=AAAA"))
        .collect::<Vec<_>>()
        .join("; ");
    for cookie in [huge, nine] {
        let err = Owned::from_cookie_header(&cookie, &keys()).unwrap_err();
        assert!(
            matches!(err, sessionkit::Error::CookieTooLarge { .. }),
            "{err:?}"
        );
        assert_eq!(err.status(), 401);
        for reply in both(Guard::Owned, "GET", "/raw", &cookie).await {
            assert_eq!(reply.status, 401);
        }
    }
    let made = Owned {
        notes: Some("n".repeat(40_000)),
        ..ada().into()
    }
    .cookies(&keys())
    .unwrap_err();
    assert!(
        matches!(made, sessionkit::Error::TooLarge { .. }),
        "{made:?}"
    );
    assert_eq!(made.status(), 500);
}

/// A CORS preflight carries no cookies: it reaches the handler on a protected path, where
/// a redirect or a 401 would fail it. `HEAD` is still a read of the page, refused as `GET` is.
#[actix_web::test]
async fn a_preflight_passes_the_guard() {
    for reply in both(Guard::Shared, "OPTIONS", "/app/shared", "").await {
        assert_eq!(reply.status, 204);
    }
    for reply in both(Guard::Shared, "HEAD", "/app/shared", "").await {
        assert_eq!(reply.status, 401);
    }
}
