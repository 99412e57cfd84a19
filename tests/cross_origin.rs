//! Cross-origin request protection in the guard, on by default: a differential test against
//! the reference (Go 1.25's algorithm as tower-http 0.7's `CsrfLayer` ports it) over a
//! generated matrix, and the traps, on axum and actix-web alike.
#![cfg(all(feature = "axum", feature = "actix"))]

mod common;

use common::{GuideSession, keys};
use sessionkit::CrossOrigin;

const TRUSTED: &str = "https://app.trusted.example";
const HOOK: &str = "/hook";

/// One request of the matrix.
#[derive(Debug, Clone, Copy)]
struct Row {
    method: &'static str,
    websocket: bool,
    sec_fetch_site: Option<&'static str>,
    origin: Option<&'static str>,
    host: Option<&'static str>,
    absolute: bool,
    path: &'static str,
    trusted: bool,
    strict: bool,
}

impl Row {
    fn uri(&self) -> String {
        match self.absolute {
            true => format!("http://example.com{}", self.path),
            false => self.path.to_owned(),
        }
    }

    /// Where sessionkit decides otherwise than the reference, on purpose (see the README's
    /// "Cross-origin protection"): a WebSocket handshake is checked as an unsafe request, and
    /// strict mode refuses unsafe requests that carry neither header.
    fn intended_difference(&self) -> Option<&'static str> {
        let safe = matches!(self.method, "GET" | "HEAD" | "OPTIONS");
        let no_headers =
            self.sec_fetch_site.is_none_or(str::is_empty) && self.origin.is_none_or(str::is_empty);
        if safe && self.websocket {
            return Some("WebSocket handshakes are checked");
        }
        if self.strict && !safe && no_headers {
            return Some("strict mode refuses requests with neither header");
        }
        None
    }
}

fn matrix() -> Vec<Row> {
    let methods = [
        "GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "post",
        "get",
    ];
    let sites = [
        None,
        Some("same-origin"),
        Some("same-site"),
        Some("cross-site"),
        Some("none"),
        Some("SAME-ORIGIN"),
        Some("garbage"),
        Some(""),
    ];
    let origins = [
        None,
        Some("http://example.com"),
        Some("http://evil.example"),
        Some("null"),
        Some("http://evil@example.com"),
        Some("HTTP://EXAMPLE.COM"),
        Some("http://example.com:80"),
        Some(TRUSTED),
        Some("http://[::1]:8080"),
        Some(""),
    ];
    let hosts = [
        Some("example.com"),
        None,
        Some("EXAMPLE.COM"),
        Some("[::1]:8080"),
    ];
    let mut rows = Vec::new();
    for method in methods {
        for websocket in [false, true] {
            for sec_fetch_site in sites {
                for origin in origins {
                    for host in hosts {
                        for absolute in [false, true] {
                            for path in ["/form", HOOK, "/hook/"] {
                                for trusted in [false, true] {
                                    for strict in [false, true] {
                                        rows.push(Row {
                                            method,
                                            websocket,
                                            sec_fetch_site,
                                            origin,
                                            host,
                                            absolute,
                                            path,
                                            trusted,
                                            strict,
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    rows
}

mod axum_side {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Method, Request, header};
    use sessionkit::SessionGuard;
    use tower::ServiceExt;

    pub fn request(row: &Row) -> Request<Body> {
        let mut request = Request::builder()
            .method(Method::from_bytes(row.method.as_bytes()).unwrap())
            .uri(row.uri());
        if let Some(site) = row.sec_fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        if let Some(origin) = row.origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(host) = row.host {
            request = request.header(header::HOST, host);
        }
        if row.websocket {
            request = request
                .header(header::UPGRADE, "websocket")
                .header(header::CONNECTION, "Upgrade");
        }
        request.body(Body::empty()).unwrap()
    }

    pub fn guard(trusted: bool, strict: bool) -> SessionGuard {
        let mut guard = SessionGuard::stateless::<GuideSession>(keys())
            .protect("/app")
            .allow_cross_origin(HOOK);
        if trusted {
            guard = guard.trusted_origin(TRUSTED);
        }
        if strict {
            guard = guard.cross_origin(CrossOrigin::Strict);
        }
        guard
    }

    pub fn sessionkit(trusted: bool, strict: bool) -> Router {
        Router::new()
            .fallback(|| async { "passed" })
            .layer(guard(trusted, strict))
    }

    pub fn reference(trusted: bool) -> Router {
        let mut layer = tower_http_07::csrf::CsrfLayer::new()
            .with_insecure_bypass(|_: &Method, uri: &axum::http::Uri| uri.path() == HOOK);
        if trusted {
            layer = layer.add_trusted_origin(TRUSTED).unwrap();
        }
        Router::new().fallback(|| async { "passed" }).layer(layer)
    }

    /// Whether each router let the request through (`false`: refused with 403).
    pub async fn passes(router: &Router, row: &Row) -> bool {
        let response = router.clone().oneshot(request(row)).await.unwrap();
        match response.status().as_u16() {
            200 => true,
            403 => false,
            other => panic!("{row:?}: {other}"),
        }
    }

    pub async fn send(router: &Router, row: &Row) -> axum::response::Response {
        router.clone().oneshot(request(row)).await.unwrap()
    }
}

mod actix_side {
    use super::*;
    use actix_web::http::{Method, header};
    use actix_web::{App, test, web};
    use sessionkit::actix::SessionGuard;

    /// The status the actix-web guard answers `row` with, and its `Vary` header.
    pub async fn send(row: &Row) -> (u16, Option<String>) {
        let mut guard = SessionGuard::stateless::<GuideSession>(keys())
            .protect("/app")
            .allow_cross_origin(HOOK);
        if row.trusted {
            guard = guard.trusted_origin(TRUSTED);
        }
        if row.strict {
            guard = guard.cross_origin(CrossOrigin::Strict);
        }
        let app = test::init_service(
            App::new()
                .default_service(web::to(|| async { "passed" }))
                .wrap(guard),
        )
        .await;
        let mut request = test::TestRequest::default()
            .method(Method::from_bytes(row.method.as_bytes()).unwrap())
            .uri(&row.uri());
        if let Some(site) = row.sec_fetch_site {
            request = request.insert_header(("sec-fetch-site", site));
        }
        if let Some(origin) = row.origin {
            request = request.insert_header((header::ORIGIN, origin));
        }
        if let Some(host) = row.host {
            request = request.insert_header((header::HOST, host));
        }
        if row.websocket {
            request = request
                .insert_header((header::UPGRADE, "websocket"))
                .insert_header((header::CONNECTION, "Upgrade"));
        }
        let response = test::call_service(&app, request.to_request()).await;
        let vary = response
            .headers()
            .get(header::VARY)
            .map(|value| value.to_str().unwrap().to_owned());
        (response.status().as_u16(), vary)
    }
}

/// Every row of the matrix through sessionkit's guard and the reference: they agree on
/// every row but the intended differences, which are counted and named.
#[tokio::test]
async fn the_guard_agrees_with_the_reference() {
    let rows = matrix();
    let ours = [
        [
            axum_side::sessionkit(false, false),
            axum_side::sessionkit(false, true),
        ],
        [
            axum_side::sessionkit(true, false),
            axum_side::sessionkit(true, true),
        ],
    ];
    let reference = [axum_side::reference(false), axum_side::reference(true)];
    let mut agreed = 0;
    let mut intended: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut unexplained = Vec::new();
    for row in &rows {
        let mine = axum_side::passes(
            &ours[usize::from(row.trusted)][usize::from(row.strict)],
            row,
        )
        .await;
        let theirs = axum_side::passes(&reference[usize::from(row.trusted)], row).await;
        match (mine == theirs, row.intended_difference()) {
            (true, _) => agreed += 1,
            (false, Some(why)) => {
                assert!(
                    !mine,
                    "an intended difference only ever refuses more: {row:?}"
                );
                *intended.entry(why).or_default() += 1;
            }
            (false, None) => unexplained.push((row, mine, theirs)),
        }
    }
    eprintln!(
        "cross-origin matrix: {} rows, {agreed} agree with tower-http 0.7's CsrfLayer, intended differences {intended:?}",
        rows.len()
    );
    assert!(
        unexplained.is_empty(),
        "{} rows disagree, the first: {:?}",
        unexplained.len(),
        unexplained.first()
    );
}

fn post(
    origin: Option<&'static str>,
    site: Option<&'static str>,
    host: Option<&'static str>,
) -> Row {
    Row {
        method: "POST",
        websocket: false,
        sec_fetch_site: site,
        origin,
        host,
        absolute: false,
        path: "/login",
        trusted: false,
        strict: false,
    }
}

/// The traps, each on both frameworks: `(what, request, passes)`.
fn traps() -> Vec<(&'static str, Row, bool)> {
    let same = Some("example.com");
    vec![
        (
            "a same-origin form post",
            post(Some("http://example.com"), Some("same-origin"), same),
            true,
        ),
        (
            "a cross-site form post",
            post(Some("http://evil.example"), Some("cross-site"), same),
            false,
        ),
        (
            "Sec-Fetch-Site: same-site (a sibling subdomain)",
            post(Some("http://a.example.com"), Some("same-site"), same),
            false,
        ),
        (
            "an old browser's cross-origin post",
            post(Some("http://evil.example"), None, same),
            false,
        ),
        (
            "an old browser's same-origin post",
            post(Some("http://example.com"), None, same),
            true,
        ),
        (
            "Origin with userinfo",
            post(Some("http://evil@example.com"), None, same),
            false,
        ),
        ("Origin: null", post(Some("null"), None, same), false),
        (
            "Origin in upper case",
            post(Some("HTTP://EXAMPLE.COM"), None, same),
            false,
        ),
        (
            "Origin with the default port",
            post(Some("http://example.com:80"), None, same),
            false,
        ),
        (
            "an IPv6 host",
            post(Some("http://[::1]:8080"), None, Some("[::1]:8080")),
            true,
        ),
        (
            "an IPv6 host, another port",
            post(Some("http://[::1]:9090"), None, Some("[::1]:8080")),
            false,
        ),
        (
            "no Host header",
            post(Some("http://example.com"), None, None),
            false,
        ),
        (
            "neither header (not a browser)",
            post(None, None, same),
            true,
        ),
        (
            "an absolute-form URI names the host",
            Row {
                absolute: true,
                ..post(Some("http://example.com"), None, Some("evil.example"))
            },
            true,
        ),
        (
            "an absolute-form URI overrides a matching Host",
            Row {
                absolute: true,
                ..post(Some("http://evil.example"), None, Some("evil.example"))
            },
            false,
        ),
        (
            "a cross-site WebSocket handshake",
            Row {
                method: "GET",
                websocket: true,
                ..post(Some("http://evil.example"), Some("cross-site"), same)
            },
            false,
        ),
        (
            "an old browser's cross-site WebSocket handshake",
            Row {
                method: "GET",
                websocket: true,
                ..post(Some("http://evil.example"), None, same)
            },
            false,
        ),
        (
            "a same-origin WebSocket handshake",
            Row {
                method: "GET",
                websocket: true,
                ..post(Some("http://example.com"), Some("same-origin"), same)
            },
            true,
        ),
        (
            "a cross-site GET",
            Row {
                method: "GET",
                ..post(Some("http://evil.example"), Some("cross-site"), same)
            },
            true,
        ),
        (
            "a lower-case post",
            Row {
                method: "post",
                ..post(Some("http://evil.example"), Some("cross-site"), same)
            },
            false,
        ),
        (
            "PROPFIND",
            Row {
                method: "PROPFIND",
                ..post(Some("http://evil.example"), Some("cross-site"), same)
            },
            false,
        ),
        (
            "the exempt webhook path",
            Row {
                path: HOOK,
                ..post(Some("http://stripe.example"), Some("cross-site"), same)
            },
            true,
        ),
        (
            "the webhook path with a trailing slash",
            Row {
                path: "/hook/",
                ..post(Some("http://stripe.example"), Some("cross-site"), same)
            },
            false,
        ),
        (
            "the webhook path in another case",
            Row {
                path: "/HOOK",
                ..post(Some("http://stripe.example"), Some("cross-site"), same)
            },
            false,
        ),
        (
            "the webhook path below it",
            Row {
                path: "/hook/x",
                ..post(Some("http://stripe.example"), Some("cross-site"), same)
            },
            false,
        ),
        (
            "the webhook path percent-encoded",
            Row {
                path: "/%68ook",
                ..post(Some("http://stripe.example"), Some("cross-site"), same)
            },
            true,
        ),
        (
            "a trusted origin",
            Row {
                trusted: true,
                ..post(Some(TRUSTED), Some("cross-site"), same)
            },
            true,
        ),
        (
            "strict: neither header",
            Row {
                strict: true,
                ..post(None, None, same)
            },
            false,
        ),
        (
            "strict: a same-origin post",
            Row {
                strict: true,
                ..post(Some("http://example.com"), Some("same-origin"), same)
            },
            true,
        ),
    ]
}

#[actix_web::test]
async fn the_traps_are_refused_on_both_frameworks() {
    for (what, row, passes) in traps() {
        let router = axum_side::sessionkit(row.trusted, row.strict);
        let axum = axum_side::send(&router, &row).await;
        let (actix, actix_vary) = actix_side::send(&row).await;
        let expected = if passes { 200 } else { 403 };
        assert_eq!(axum.status().as_u16(), expected, "axum: {what}");
        assert_eq!(actix, expected, "actix-web: {what}");
        if !passes {
            assert_eq!(axum.headers()["vary"], "Sec-Fetch-Site", "{what}");
            assert_eq!(axum.headers()["content-type"], "application/json");
            assert_eq!(actix_vary.as_deref(), Some("Sec-Fetch-Site"), "{what}");
        }
    }
}

/// Report-only decides and passes; `Off` does not decide. A protected path behind the
/// guard is refused before any session check, and so is a public login form (login CSRF).
#[tokio::test]
async fn modes_and_scope() {
    use axum::Router;
    use tower::ServiceExt;
    let cross_site = post(
        Some("http://evil.example"),
        Some("cross-site"),
        Some("example.com"),
    );
    for (mode, status) in [
        (CrossOrigin::Protect, 403),
        (CrossOrigin::Strict, 403),
        (CrossOrigin::ReportOnly, 200),
        (CrossOrigin::Off, 200),
    ] {
        let router = Router::new()
            .fallback(|| async { "passed" })
            .layer(sessionkit::SessionGuard::stateless::<GuideSession>(keys()).cross_origin(mode));
        let response = router
            .oneshot(axum_side::request(&cross_site))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{mode}");
    }
    let protected = Row {
        path: "/app/settings",
        ..cross_site
    };
    let router = axum_side::sessionkit(false, false);
    assert_eq!(
        axum_side::send(&router, &protected).await.status().as_u16(),
        403
    );
}

#[test]
#[should_panic(expected = "trusted_origin()")]
fn a_trusted_origin_with_a_path_is_a_start_up_error() {
    let _ = sessionkit::SessionGuard::stateless::<GuideSession>(keys())
        .trusted_origin("https://app.example.com/login");
}

#[test]
#[should_panic(expected = "allow_cross_origin()")]
fn an_exempt_path_that_is_not_a_path_is_a_start_up_error() {
    let _ = sessionkit::actix::SessionGuard::stateless::<GuideSession>(keys())
        .allow_cross_origin("hooks/../stripe");
}
