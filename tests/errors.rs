//! Errors as a handler's caller and a person see them: `Debug` reads like `Display` (so an
//! error returned from `main` keeps its hint), and `?` in a handler answers with a status
//! that tells client errors from outages, with nothing from the message in the body.

use sessionkit::{Error, Keys, StoreError, StoreErrorKind};

fn short_secret_error() -> Error {
    let var = "SESSIONKIT_TEST_ERRORS_SHORT_SECRET";
    // SAFETY: the variable is this test's own; no other code reads or writes it.
    unsafe { std::env::set_var(var, "7 bytes") };
    Keys::from_env(var).unwrap_err()
}

#[test]
fn debug_reads_as_the_message_with_its_hint() {
    let err = short_secret_error();
    let debug = format!("{err:?}");
    assert_eq!(debug, err.to_string());
    assert!(debug.contains("openssl rand -base64 32"), "{debug}");
    assert!(!debug.contains("TooShort {"), "{debug}");
    assert!(debug.contains("at least 32"), "{debug}");
}

#[test]
fn statuses_tell_client_errors_from_outages() {
    let store = |kind| StoreError::error(kind, "backend text");
    for (err, status) in [
        (Error::Missing, 401),
        (Error::Signature, 401),
        (Error::Decryption, 401),
        (Error::SessionNotFound, 401),
        (Error::DuplicateCookie { count: 2 }, 401),
        (Error::InvalidInput("an empty user id"), 400),
        (Error::SessionChanged, 409),
        (store(StoreErrorKind::Unavailable), 503),
        (store(StoreErrorKind::Corrupt), 500),
        (store(StoreErrorKind::Rejected), 500),
        (Error::Random, 500),
        (short_secret_error(), 500),
    ] {
        assert_eq!(err.status(), status, "{err}");
    }
}

#[cfg(feature = "axum")]
#[tokio::test]
async fn axum_handlers_answer_with_the_status_and_no_message() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let app = axum::Router::new()
        .route(
            "/input",
            get(|| async { Err::<(), _>(Error::InvalidInput("an empty user id")) }),
        )
        .route(
            "/gone",
            get(|| async { Err::<(), _>(Error::SessionNotFound) }),
        )
        .route(
            "/down",
            get(|| async {
                Err::<(), _>(StoreError::error(
                    StoreErrorKind::Unavailable,
                    "db-host-secret:5432 refused",
                ))
            }),
        );
    for (path, status, reason) in [
        ("/input", StatusCode::BAD_REQUEST, "Bad Request"),
        ("/gone", StatusCode::UNAUTHORIZED, "Unauthorized"),
        (
            "/down",
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
        ),
    ] {
        let response = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, reason, "{path}: the body says only the status");
    }
}

#[cfg(feature = "actix")]
#[actix_web::test]
async fn actix_handlers_answer_with_the_status_and_no_message() {
    use actix_web::{App, test, web};

    let app = test::init_service(
        App::new()
            .route(
                "/input",
                web::get()
                    .to(|| async { Err::<String, _>(Error::InvalidInput("an empty user id")) }),
            )
            .route(
                "/down",
                web::get().to(|| async {
                    Err::<String, _>(StoreError::error(
                        StoreErrorKind::Unavailable,
                        "db-host-secret:5432 refused",
                    ))
                }),
            ),
    )
    .await;
    for (path, status, reason) in [
        ("/input", 400, "Bad Request"),
        ("/down", 503, "Service Unavailable"),
    ] {
        let response =
            test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
        assert_eq!(test::read_body(response).await, reason, "{path}");
    }
}
