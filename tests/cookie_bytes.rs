//! A cookie of another name with bytes outside visible ASCII (`theme=café`, which any
//! same-site script can set with `document.cookie`) must not sign the user out: the guard and
//! every extractor find the session cookie in the header's bytes, on both frameworks, for
//! stateless and database sessions, in one `Cookie:` header or split over several.
#![cfg(all(feature = "axum", feature = "actix"))]

mod common;

use std::sync::Arc;

use common::{GuideSession, guide, keys};
use serde::{Deserialize, Serialize};
use sessionkit::{DbSession, MemoryStore, Session, SessionManager, Verified};

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Account {
    #[session(user_id)]
    user_id: String,
}

type Manager = SessionManager<Account, MemoryStore>;

/// A manager with one signed-in user (`7`), and that session's cookie.
async fn signed_in() -> (Arc<Manager>, sessionkit::Cookie<'static>) {
    let manager = Arc::new(Manager::new(MemoryStore::new(), keys()));
    let account = Account {
        user_id: "7".into(),
    };
    let cookie = manager.create(&account).await.unwrap();
    (manager, cookie)
}

/// The `Cookie:` headers of one request, each as raw bytes.
type Headers = Vec<Vec<u8>>;

/// Every way the session cookie `name=value` can arrive beside a non-ASCII cookie: before it,
/// after it, in UTF-8 and in Latin-1, in one header and in separate ones.
fn forms(name: &str, value: &str) -> Vec<(&'static str, Headers)> {
    let session = format!("{name}={value}").into_bytes();
    let join = |parts: &[&[u8]]| parts.join(&b"; "[..]);
    let utf8: &[u8] = "theme=café".as_bytes();
    let latin1: &[u8] = b"theme=caf\xe9";
    vec![
        ("UTF-8 before", vec![join(&[utf8, &session])]),
        ("UTF-8 after", vec![join(&[&session, utf8])]),
        ("Latin-1 before", vec![join(&[latin1, &session])]),
        ("Latin-1 after", vec![join(&[&session, latin1, b"x=1"])]),
        ("both sides", vec![join(&[utf8, &session, latin1])]),
        (
            "separate headers",
            vec![latin1.to_vec(), session.clone(), utf8.to_vec()],
        ),
    ]
}

mod axum_app {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::extract::FromRef;
    use axum::http::{HeaderValue, Request, StatusCode, header};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use sessionkit::{Keys, SessionGuard};
    use tower::ServiceExt;

    #[derive(Clone)]
    struct State {
        keys: Keys,
    }

    impl FromRef<State> for Keys {
        fn from_ref(state: &State) -> Keys {
            state.keys.clone()
        }
    }

    async fn send(app: Router, path: &str, cookies: &Headers) -> (StatusCode, String) {
        let mut request = Request::get(path).body(Body::empty()).unwrap();
        for cookie in cookies {
            request
                .headers_mut()
                .append(header::COOKIE, HeaderValue::from_bytes(cookie).unwrap());
        }
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// In every form, the session signs `user` in: through the guard and the extractor
    /// behind it (`/app/me`), and through the optional extractor alone (`/maybe`).
    async fn assert_every_form_signs_in(app: Router, name: &str, value: &str, user: &str) {
        for (form, cookies) in forms(name, value) {
            assert_eq!(
                send(app.clone(), "/app/me", &cookies).await,
                (StatusCode::OK, user.to_owned()),
                "{form}"
            );
            assert_eq!(
                send(app.clone(), "/maybe", &cookies).await.1,
                user,
                "{form}"
            );
        }
    }

    #[tokio::test]
    async fn stateless_sessions_survive_a_non_ascii_cookie() {
        let app = Router::new()
            .route(
                "/app/me",
                get(|session: Verified<GuideSession>| async move { session.user_id.clone() }),
            )
            .route(
                "/maybe",
                get(|session: Option<Verified<GuideSession>>| async move {
                    session.map_or_else(|| "anonymous".to_owned(), |s| s.user_id.clone())
                }),
            )
            .layer(SessionGuard::stateless::<GuideSession>(keys()).protect("/app"))
            .with_state(State { keys: keys() });
        let token = guide("ada").encrypt(&keys()).unwrap();
        assert_every_form_signs_in(app, "session", &token, "ada").await;
    }

    #[tokio::test]
    async fn database_sessions_survive_a_non_ascii_cookie() {
        let (manager, cookie) = signed_in().await;
        let app = Router::new()
            .route(
                "/app/me",
                get(|session: DbSession<Account>| async move { session.user_id.clone() }),
            )
            .route(
                "/maybe",
                get(|session: Option<DbSession<Account>>| async move {
                    session.map_or_else(|| "anonymous".to_owned(), |s| s.user_id.clone())
                }),
            )
            .layer(SessionGuard::database(Arc::clone(&manager)).protect("/app"))
            .with_state(Arc::clone(&manager));
        assert_every_form_signs_in(app, "sid", cookie.value(), "7").await;
    }
}

mod actix_app {
    use super::*;
    use actix_web::body::MessageBody;
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::http::StatusCode;
    use actix_web::http::header::{self, HeaderValue};
    use actix_web::{App, test, web};
    use sessionkit::actix::{SessionGuard, Sessions};

    /// As the axum twin: in every form, the session signs `user` in, through the guard
    /// (`/app/me`) and through the optional extractor alone (`/maybe`).
    async fn assert_every_form_signs_in<S, B>(app: &S, name: &str, value: &str, user: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let request = |path: &str, cookies: &Headers| {
            let mut request = test::TestRequest::get().uri(path);
            for cookie in cookies {
                let value = HeaderValue::from_bytes(cookie).unwrap();
                request = request.append_header((header::COOKIE, value));
            }
            request.to_request()
        };
        for (form, cookies) in forms(name, value) {
            let response = test::call_service(app, request("/app/me", &cookies)).await;
            assert_eq!(response.status(), StatusCode::OK, "{form}");
            assert_eq!(test::read_body(response).await, user, "{form}");
            let maybe = test::call_and_read_body(app, request("/maybe", &cookies)).await;
            assert_eq!(maybe, user, "{form}");
        }
    }

    #[actix_web::test]
    async fn stateless_sessions_survive_a_non_ascii_cookie() {
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(keys()))
                .route(
                    "/app/me",
                    web::get().to(|session: Verified<GuideSession>| async move {
                        session.user_id.clone()
                    }),
                )
                .route(
                    "/maybe",
                    web::get().to(|session: Option<Verified<GuideSession>>| async move {
                        session.map_or_else(|| "anonymous".to_owned(), |s| s.user_id.clone())
                    }),
                )
                .wrap(SessionGuard::stateless::<GuideSession>(keys()).protect("/app")),
        )
        .await;
        let token = guide("ada").encrypt(&keys()).unwrap();
        assert_every_form_signs_in(&app, "session", &token, "ada").await;
    }

    #[actix_web::test]
    async fn database_sessions_survive_a_non_ascii_cookie() {
        let (manager, cookie) = signed_in().await;
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(Sessions::new(Arc::clone(&manager))))
                .route(
                    "/app/me",
                    web::get()
                        .to(|session: DbSession<Account>| async move { session.user_id.clone() }),
                )
                .route(
                    "/maybe",
                    web::get().to(|session: Option<DbSession<Account>>| async move {
                        session.map_or_else(|| "anonymous".to_owned(), |s| s.user_id.clone())
                    }),
                )
                .wrap(SessionGuard::database(Arc::clone(&manager)).protect("/app")),
        )
        .await;
        assert_every_form_signs_in(&app, "sid", cookie.value(), "7").await;
    }
}
