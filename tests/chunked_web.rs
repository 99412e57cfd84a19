//! Chunked sessions through the web glue of both frameworks: the extractors reassemble
//! them, the guard renews them in chunks, and every response that sets the session (log in,
//! renew, log out, refuse) removes the chunks the request carried and the new cookies do
//! not replace, so that no stale chunk is ever joined to a new token.
#![cfg(all(feature = "axum", feature = "actix"))]

mod common;

use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Cookie, Keys, Session};

const SECRET: &str = "chunked-web-secret-0123456789-abcdefghij";
const NAME: &str = "authjs.session-token";

use common::OwnedAuthJsSession as Owned;

fn ada() -> Owned {
    common::ada().into()
}

fn keys() -> Keys {
    Keys::new(SECRET).unwrap()
}

fn big(size: usize) -> Owned {
    Owned {
        notes: Some("n".repeat(size)),
        ..ada()
    }
}

/// The `Cookie:` header of the live cookies among `cookies`.
fn header_of(cookies: &[Cookie<'_>]) -> String {
    cookies
        .iter()
        .filter(|c| !c.value().is_empty())
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The cookies a browser holds after applying `set` to `jar`.
fn apply(jar: &[Cookie<'static>], set: &[Cookie<'static>]) -> Vec<Cookie<'static>> {
    let mut jar: Vec<Cookie<'static>> = jar.to_vec();
    for cookie in set {
        jar.retain(|held| held.name() != cookie.name());
        if !cookie.value().is_empty() {
            jar.push(cookie.clone());
        }
    }
    jar
}

/// The names of cookies, for messages (their values are long tokens).
fn names(cookies: &[Cookie<'_>]) -> Vec<String> {
    cookies.iter().map(|c| c.name().to_owned()).collect()
}

fn parse(set_cookies: Vec<String>) -> Vec<Cookie<'static>> {
    set_cookies
        .into_iter()
        .map(|text| Cookie::parse(text).expect("a Set-Cookie").into_owned())
        .collect()
}

/// A session of four chunks, as a browser would hold it.
fn four_chunks() -> Vec<Cookie<'static>> {
    let cookies = big(11_000).cookies(&keys()).unwrap();
    let jar = apply(&[], &cookies);
    assert_eq!(jar.len(), 4, "11 000 characters of notes make four chunks");
    jar
}

#[test]
fn cookies_split_on_auth_js_boundaries_and_shrink_without_leftovers() {
    let cookies = big(6000).cookies(&keys()).unwrap();
    assert_eq!(
        names(&cookies),
        [".0", ".1", ".2", ""].map(|s| format!("{NAME}{s}"))
    );
    assert!(cookies[..2].iter().all(|c| c.value().len() == 3936));
    assert!(cookies[3].value().is_empty(), "the whole cookie is removed");
    for cookie in &cookies[..3] {
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.path(), Some("/"));
        assert!(cookie.max_age().is_some());
    }
    let token = big(6000).encrypt(&keys()).unwrap();
    assert!(token.len() > 2 * 3936 && token.len() <= 3 * 3936);

    // Growing from one cookie to chunks: the whole cookie is removed once, not twice.
    let grown = big(6000)
        .cookies_replacing(&keys(), &format!("{NAME}=old"))
        .unwrap();
    let mut grown_names = names(&grown);
    grown_names.sort();
    grown_names.dedup();
    assert_eq!(grown_names.len(), grown.len(), "{:?}", names(&grown));

    // Shrinking from four chunks to one cookie: all four chunks are removed.
    let jar = four_chunks();
    let small = ada().cookies_replacing(&keys(), &header_of(&jar)).unwrap();
    let jar = apply(&jar, &small);
    assert_eq!(jar.len(), 1);
    assert_eq!(jar[0].name(), NAME);
    assert_eq!(
        *Owned::from_cookie_header(&header_of(&jar), &keys()).unwrap(),
        ada()
    );
    // Without `chunked`, a token over 4096 bytes is still TooLarge.
    #[derive(serde::Serialize, serde::Deserialize, sessionkit::Session)]
    #[session(format = "authjs", cookie = "authjs.session-token")]
    struct Unchunked {
        notes: String,
    }
    assert!(matches!(
        Unchunked {
            notes: "n".repeat(6000)
        }
        .cookies(&keys()),
        Err(sessionkit::Error::TooLarge { .. })
    ));
    // And a chunked type has a ceiling: eight chunks.
    assert!(matches!(
        big(40_000).cookies(&keys()),
        Err(sessionkit::Error::TooLarge { .. })
    ));
    // The removal of a chunked session removes every chunk the request carried.
    let removal = Owned::removal_cookies(&header_of(&four_chunks()));
    assert_eq!(removal.len(), 5);
    assert!(apply(&four_chunks(), &removal).is_empty());
}

mod axum_glue {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use axum::response::{IntoResponse, Response};
    use axum::routing::get;
    use sessionkit::axum::{SessionGuard, SetSession, SetSessionCookies};
    use sessionkit::{Error, Verified};
    use tower::ServiceExt;

    fn router() -> Router {
        Router::new()
            .route(
                "/app/me",
                get(|session: Verified<Owned>| async move {
                    format!("{}", session.notes.as_deref().map_or(0, str::len))
                }),
            )
            .route(
                "/app/grow",
                get(|| async { Ok::<_, Error>(SetSessionCookies(big(6000).cookies(&keys())?)) }),
            )
            .route(
                "/app/logout",
                get(|| async { SetSession(Owned::removal_cookie()).into_response() }),
            )
            .route(
                "/open/me",
                get(|session: Verified<Owned>| async move {
                    session.sub.clone().unwrap_or_default()
                }),
            )
            .route("/login", get(|| async { "login" }))
            .layer(SessionGuard::stateless::<Owned>(keys()).protect("/app"))
            .with_state(keys())
    }

    /// A browser's page load (a navigation).
    async fn send(path: &str, jar: &[Cookie<'static>]) -> (StatusCode, Vec<Cookie<'static>>) {
        send_request(Request::get(path).header("sec-fetch-mode", "navigate"), jar).await
    }

    /// An API call.
    async fn send_api(path: &str, jar: &[Cookie<'static>]) -> (StatusCode, Vec<Cookie<'static>>) {
        send_request(Request::get(path), jar).await
    }

    async fn send_request(
        mut request: axum::http::request::Builder,
        jar: &[Cookie<'static>],
    ) -> (StatusCode, Vec<Cookie<'static>>) {
        if !jar.is_empty() {
            request = request.header(header::COOKIE, header_of(jar));
        }
        let response: Response = router()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let set = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect();
        (response.status(), parse(set))
    }

    #[tokio::test]
    async fn the_extractor_and_guard_read_chunks_and_every_response_removes_leftovers() {
        // Read: four chunks, reassembled behind the guard.
        let jar = four_chunks();
        let (status, set) = send("/app/me", &jar).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            set.is_empty(),
            "nothing to renew or remove: {:?}",
            names(&set)
        );

        // Log in again with a three-chunk session: the guard removes the fourth chunk.
        let (status, set) = send("/app/grow", &jar).await;
        assert_eq!(status, StatusCode::OK);
        let after = apply(&jar, &set);
        assert_eq!(after.len(), 3, "{:?}", names(&set));
        assert!(after.iter().all(|c| c.name() != format!("{NAME}.3")));
        assert_eq!(
            Owned::from_cookie_header(&header_of(&after), &keys())
                .unwrap()
                .notes
                .as_deref()
                .map(str::len),
            Some(6000)
        );

        // Log out with the plain removal cookie: the guard removes every chunk too.
        let (_, set) = send("/app/logout", &after).await;
        assert!(apply(&after, &set).is_empty(), "{:?}", names(&set));

        // A gap: refused, and the guard sends the browser to the login page.
        let gap = [jar[0].clone(), jar[2].clone()];
        let (status, _) = send("/app/me", &gap).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }

    #[tokio::test]
    async fn the_guard_renews_a_chunked_session_in_chunks() {
        let long_ago = OffsetDateTime::now_utc() - Duration::days(20);
        let old = apply(&[], &big(11_000).cookies_at(&keys(), long_ago).unwrap());
        let before = Owned::from_cookie_header(&header_of(&old), &keys()).unwrap();
        let (status, set) = send("/app/me", &old).await;
        assert_eq!(status, StatusCode::OK);
        let renewed = apply(&old, &set);
        let after = Owned::from_cookie_header(&header_of(&renewed), &keys())
            .expect("the renewed chunks reassemble");
        assert!(after.expires_at() > before.expires_at() + Duration::days(19));
        assert_eq!(*after, *before);
    }

    #[tokio::test]
    async fn a_refused_chunked_session_is_removed_whole() {
        let mut jar = four_chunks();
        // Tamper with the last chunk's last characters.
        let last = jar[3].value().to_owned();
        jar[3].set_value(format!("{}AAAA", &last[..last.len() - 4]));
        let (status, set) = send_api("/open/me", &jar).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(apply(&jar, &set).is_empty(), "{:?}", names(&set));
    }
}

mod actix_glue {
    use super::*;
    use actix_web::http::{StatusCode, header};
    use actix_web::{App, HttpResponse, test, web};
    use sessionkit::Verified;
    use sessionkit::actix::{SessionGuard, SetSession, SetSessionCookies};

    async fn me(session: Verified<Owned>) -> String {
        format!("{}", session.notes.as_deref().map_or(0, str::len))
    }

    async fn grow() -> Result<SetSessionCookies, sessionkit::Error> {
        Ok(SetSessionCookies(big(6000).cookies(&keys())?))
    }

    async fn logout() -> impl actix_web::Responder {
        SetSession(Owned::removal_cookie()).with(HttpResponse::Ok().finish())
    }

    async fn send(path: &str, jar: &[Cookie<'static>]) -> (StatusCode, Vec<Cookie<'static>>) {
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(keys()))
                .route("/app/me", web::get().to(me))
                .route("/app/grow", web::get().to(grow))
                .route("/app/logout", web::get().to(logout))
                .route("/open/me", web::get().to(me))
                .route(
                    "/app/plain",
                    web::get().to(|| async { SetSession(ada().cookie(&keys()).unwrap()) }),
                )
                .wrap(SessionGuard::stateless::<Owned>(keys()).protect("/app")),
        )
        .await;
        let mut request = test::TestRequest::get().uri(path);
        if !jar.is_empty() {
            request = request.insert_header((header::COOKIE, header_of(jar)));
        }
        let response = test::call_service(&app, request.to_request()).await;
        let set = response
            .headers()
            .get_all(header::SET_COOKIE)
            .map(|value| value.to_str().unwrap().to_owned())
            .collect();
        (response.status(), parse(set))
    }

    #[actix_web::test]
    async fn chunks_are_read_renewed_and_never_left_behind() {
        let jar = four_chunks();
        let (status, set) = send("/app/me", &jar).await;
        assert_eq!(status, StatusCode::OK);
        assert!(set.is_empty());

        let (_, set) = send("/app/grow", &jar).await;
        let after = apply(&jar, &set);
        assert_eq!(after.len(), 3, "{:?}", names(&set));

        let (_, set) = send("/app/plain", &jar).await;
        let plain = apply(&jar, &set);
        assert_eq!(plain.len(), 1, "{:?}", names(&set));
        assert_eq!(plain[0].name(), NAME);

        let (_, set) = send("/app/logout", &after).await;
        assert!(apply(&after, &set).is_empty(), "{:?}", names(&set));

        let long_ago = OffsetDateTime::now_utc() - Duration::days(20);
        let old = apply(&[], &big(11_000).cookies_at(&keys(), long_ago).unwrap());
        let (_, set) = send("/app/me", &old).await;
        let renewed = apply(&old, &set);
        let after = Owned::from_cookie_header(&header_of(&renewed), &keys()).unwrap();
        assert!(after.expires_at() > OffsetDateTime::now_utc() + Duration::days(29));

        let mut tampered = four_chunks();
        let last = tampered[3].value().to_owned();
        tampered[3].set_value(format!("{}AAAA", &last[..last.len() - 4]));
        let (status, set) = send("/open/me", &tampered).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(apply(&tampered, &set).is_empty(), "{:?}", names(&set));
    }
}
