//! Extractors in any router state, and several session types with their own keys, on axum
//! and actix-web alike: `SessionLayer` (or the guard) gives each session type its keys or
//! manager through the request. A forgotten layer is a `500` with an `error!` log that
//! names the call to add, never a panic and never "signed out".
#![cfg(all(feature = "axum", feature = "actix"))]

mod common;

use std::sync::Arc;

use common::{AuthJsSession, Captured, GuideSession, ada, guide, keys, other_keys};
use serde::{Deserialize, Serialize};
use sessionkit::{Cookie, MemoryStore, Session, SessionLayer, SessionManager};

#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Account {
    #[session(user_id)]
    user_id: String,
}

/// The Auth.js cookie is under the Next.js app's secret (`keys()`), the API's own session
/// under another (`other_keys()`).
fn two_cookies() -> String {
    let web = ada().cookies(&keys()).unwrap();
    let api = guide("api-7").cookie(&other_keys()).unwrap();
    header_of(web.iter().chain([&api]))
}

fn header_of<'a>(cookies: impl IntoIterator<Item = &'a Cookie<'static>>) -> String {
    cookies
        .into_iter()
        .map(|cookie| format!("{}={}", cookie.name(), cookie.value()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn manager() -> Arc<SessionManager<Account, MemoryStore>> {
    Arc::new(SessionManager::new(MemoryStore::new(), keys()))
}

/// A manager with one session of `user_id`, and that session's cookie.
async fn signed_in(user_id: &str) -> (Arc<SessionManager<Account, MemoryStore>>, Cookie<'static>) {
    let manager = manager();
    let cookie = manager
        .create(&Account {
            user_id: user_id.into(),
        })
        .await
        .unwrap();
    (manager, cookie)
}

/// Everything logged while `run` runs, on this thread.
fn logged<R>(run: impl FnOnce() -> R) -> (R, String) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::ERROR)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let result = tracing::subscriber::with_default(subscriber, run);
    (result, captured.text())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

mod on_axum {
    use axum::Router;
    use axum::body::Body;
    use axum::extract::State;
    use axum::http::{Request, StatusCode};
    use axum::response::Response;
    use axum::routing::get;
    use sessionkit::{DbSession, SessionGuard, Verified};
    use tower::ServiceExt;

    use super::*;

    async fn get_with(app: Router, path: &str, cookie: &str) -> Response {
        let request = Request::get(path)
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap();
        app.oneshot(request).await.unwrap()
    }

    use common::body_text as text;

    /// Both types in one handler; the router's state is `()`.
    fn two_types() -> Router {
        Router::new().route(
            "/me",
            get(
                |web: Verified<AuthJsSession>, api: Verified<GuideSession>| async move {
                    format!("{} {}", web.sub.clone().unwrap(), api.user_id)
                },
            ),
        )
    }

    #[tokio::test]
    async fn two_types_under_two_secrets_extract_side_by_side_in_a_unit_state() {
        let app = two_types().layer(
            SessionLayer::new()
                .keys::<AuthJsSession>(keys())
                .keys::<GuideSession>(other_keys()),
        );
        let response = get_with(app.clone(), "/me", &two_cookies()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            text(response).await,
            format!("{} api-7", ada().sub.unwrap())
        );

        // Each type is held to its own keys: the API cookie sealed under the Next.js app's
        // secret is refused, though that secret opens the Auth.js cookie.
        let web = ada().cookies(&keys()).unwrap();
        let forged = guide("api-7").cookie(&keys()).unwrap();
        let response = get_with(app, "/me", &header_of(web.iter().chain([&forged]))).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn the_layer_nearest_the_handler_wins_and_the_guard_gives_its_own_type() {
        // The guard gives GuideSession the wrong keys; a layer nearer the handler gives the
        // right ones, and the Auth.js type only has the guard's neighbour layer.
        let app = two_types()
            .layer(SessionLayer::new().keys::<GuideSession>(other_keys()))
            .layer(SessionGuard::stateless::<GuideSession>(keys()))
            .layer(SessionLayer::new().keys::<AuthJsSession>(keys()));
        let response = get_with(app, "/me", &two_cookies()).await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[derive(Clone)]
    struct AppState {
        greeting: &'static str,
    }

    #[tokio::test]
    async fn a_state_that_implements_neither_from_ref_nor_has_sessions() {
        let (manager, cookie) = signed_in("u9").await;
        let app = Router::new()
            .route(
                "/db",
                get(
                    |State(state): State<AppState>, session: DbSession<Account>| async move {
                        format!("{} {}", state.greeting, session.user_id)
                    },
                ),
            )
            .route(
                "/maybe",
                get(|session: Option<DbSession<Account>>| async move {
                    session.map_or("anonymous".to_owned(), |s| s.user_id.clone())
                }),
            )
            .route(
                "/stateless",
                get(|session: Option<Verified<GuideSession>>| async move {
                    session.map_or("anonymous".to_owned(), |s| s.user_id.clone())
                }),
            )
            .layer(
                SessionLayer::new()
                    .manager(Arc::clone(&manager))
                    .keys::<GuideSession>(other_keys()),
            )
            .with_state(AppState { greeting: "hello" });
        let sid = header_of([&cookie]);
        let response = get_with(app.clone(), "/db", &sid).await;
        assert_eq!(text(response).await, "hello u9");
        assert_eq!(
            text(get_with(app.clone(), "/maybe", &sid).await).await,
            "u9"
        );
        assert_eq!(
            text(get_with(app.clone(), "/maybe", "").await).await,
            "anonymous"
        );
        assert_eq!(
            get_with(app.clone(), "/db", "").await.status(),
            StatusCode::UNAUTHORIZED
        );
        let api = header_of([&guide("api-7").cookie(&other_keys()).unwrap()]);
        assert_eq!(
            text(get_with(app.clone(), "/stateless", &api).await).await,
            "api-7"
        );

        // A revoked session is refused through the layer's manager too.
        let loaded = manager.load(&sid).await.unwrap();
        manager.revoke(&loaded).await.unwrap();
        assert_eq!(
            get_with(app, "/db", &sid).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }

    #[tokio::test]
    async fn a_state_that_is_the_keys_still_works_without_a_layer() {
        let app = Router::new()
            .route(
                "/me",
                get(|api: Verified<GuideSession>| async move { api.user_id.clone() }),
            )
            .with_state(other_keys());
        let api = header_of([&guide("api-7").cookie(&other_keys()).unwrap()]);
        assert_eq!(text(get_with(app, "/me", &api).await).await, "api-7");
    }

    #[test]
    fn a_forgotten_layer_is_a_500_that_names_the_call_to_add() {
        let runtime = runtime();
        let (statuses, log) = logged(|| {
            runtime.block_on(async {
                let app: Router = Router::new()
                    .route("/v", get(|_: Verified<GuideSession>| async { "" }))
                    .route("/ov", get(|_: Option<Verified<GuideSession>>| async { "" }))
                    .route("/d", get(|_: DbSession<Account>| async { "" }))
                    .route("/od", get(|_: Option<DbSession<Account>>| async { "" }))
                    // A layer for another type does not count.
                    .layer(SessionLayer::new().keys::<AuthJsSession>(keys()));
                let mut statuses = Vec::new();
                for path in ["/v", "/ov", "/d", "/od"] {
                    // With a good cookie and without: neither is "signed out".
                    for cookie in [two_cookies(), String::new()] {
                        let response = get_with(app.clone(), path, &cookie).await;
                        statuses.push((path, response.status(), text(response).await));
                    }
                }
                statuses
            })
        });
        for (path, status, body) in statuses {
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
            assert_eq!(body, "internal server error", "{path}");
        }
        assert!(
            log.contains("SessionLayer::new().keys::<GuideSession>(keys)"),
            "{log}"
        );
        assert!(
            log.contains("SessionLayer::new().manager(manager)"),
            "{log}"
        );
        assert!(log.contains("SessionManager<Account, _>"), "{log}");
        assert!(log.contains("ERROR"), "{log}");
    }

    #[test]
    fn a_state_of_other_keys_is_not_mistaken_for_the_types_keys() {
        // The state fallback is for a state that *is* `Keys`; `Arc<Keys>` or a struct
        // holding keys needs the layer.
        let runtime = runtime();
        let (status, _) = logged(|| {
            runtime.block_on(async {
                let app = Router::new()
                    .route("/me", get(|_: Verified<GuideSession>| async { "" }))
                    .with_state(Arc::new(other_keys()));
                let api = header_of([&guide("api-7").cookie(&other_keys()).unwrap()]);
                get_with(app, "/me", &api).await.status()
            })
        });
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}

mod on_actix {
    use actix_web::http::StatusCode;
    use actix_web::{App, HttpResponse, test, web};
    use sessionkit::actix::SessionGuard;
    use sessionkit::{DbSession, Verified};

    use super::*;

    async fn both(web: Verified<AuthJsSession>, api: Verified<GuideSession>) -> HttpResponse {
        HttpResponse::Ok().body(format!("{} {}", web.sub.clone().unwrap(), api.user_id))
    }

    async fn account(session: DbSession<Account>) -> HttpResponse {
        HttpResponse::Ok().body(session.user_id.clone())
    }

    #[actix_web::test]
    async fn two_types_under_two_secrets_through_the_middleware() {
        let (manager, cookie) = signed_in("u9").await;
        let app = test::init_service(
            App::new()
                .route("/me", web::get().to(both))
                .route("/db", web::get().to(account))
                .wrap(
                    SessionLayer::new()
                        .keys::<AuthJsSession>(keys())
                        .keys::<GuideSession>(other_keys())
                        .manager(Arc::clone(&manager)),
                ),
        )
        .await;
        let request = test::TestRequest::get()
            .uri("/me")
            .insert_header(("cookie", two_cookies()))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = test::read_body(response).await;
        assert_eq!(body, format!("{} api-7", ada().sub.unwrap()));

        let request = test::TestRequest::get()
            .uri("/db")
            .insert_header(("cookie", header_of([&cookie])))
            .to_request();
        assert_eq!(
            test::read_body(test::call_service(&app, request).await).await,
            "u9"
        );

        let web = ada().cookies(&keys()).unwrap();
        let forged = guide("api-7").cookie(&keys()).unwrap();
        let request = test::TestRequest::get()
            .uri("/me")
            .insert_header(("cookie", header_of(web.iter().chain([&forged]))))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    #[actix_web::test]
    async fn the_guard_gives_its_type_and_app_data_still_works() {
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(keys()))
                .route("/me", web::get().to(both))
                .wrap(SessionGuard::stateless::<GuideSession>(other_keys())),
        )
        .await;
        // The Auth.js type from `web::Data<Keys>`, the API's type from the guard.
        let request = test::TestRequest::get()
            .uri("/me")
            .insert_header(("cookie", two_cookies()))
            .to_request();
        assert_eq!(
            test::call_service(&app, request).await.status(),
            StatusCode::OK
        );
    }

    // `test` here is actix-web's module; this is the standard test attribute.
    #[core::prelude::v1::test]
    fn a_forgotten_middleware_is_a_500_that_names_the_call_to_add() {
        let (statuses, log) = logged(|| {
            actix_web::rt::System::new().block_on(async {
                let app = test::init_service(
                    App::new()
                        .route("/me", web::get().to(both))
                        .route("/db", web::get().to(account))
                        .wrap(SessionLayer::new().keys::<AuthJsSession>(keys())),
                )
                .await;
                let mut statuses = Vec::new();
                for path in ["/me", "/db"] {
                    let request = test::TestRequest::get()
                        .uri(path)
                        .insert_header(("cookie", two_cookies()))
                        .to_request();
                    statuses.push((path, test::call_service(&app, request).await.status()));
                }
                statuses
            })
        });
        for (path, status) in statuses {
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        }
        assert!(
            log.contains(".wrap(SessionLayer::new().keys::<GuideSession>(keys))"),
            "{log}"
        );
        assert!(log.contains("SessionManager<Account, _>"), "{log}");
    }
}
