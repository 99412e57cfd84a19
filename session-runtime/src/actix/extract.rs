//! Extractors: [`Verified<T>`](crate::Verified) and [`DbSession<T>`](crate::db::DbSession),
//! with what a [`SessionLayer`](crate::SessionLayer) or guard gave their session type, or
//! with `web::Data<Keys>` and `web::Data<Sessions<T>>`.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, LOCATION};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use cookie::Cookie;
use futures_util::future::LocalBoxFuture;

use super::guard::Rejection;
use super::request::cookie_header;
use super::response::add_cookie;
use crate::db::DbSession;
use crate::db::manager::OpenedTicket;
use crate::error::Error;
use crate::guard::decide::{FrameworkResponse, Refusal, RejectWith, extractor_refusal};
use crate::keys::Keys;
use crate::layer::{Provided, Sessions};
use crate::session::Session;
use crate::token::Verified;

/// The rejection of a request without a valid session: `401 Unauthorized` with a body that
/// says nothing about why, `503` when the session store is down, and `Cache-Control:
/// no-store`. A cookie that can never be accepted (revoked, expired, tampered) is removed.
/// Behind a [`SessionGuard`](super::SessionGuard) configured with `on_rejection`, the
/// configured response is sent instead of the `401`.
pub struct Unauthorized {
    store_failed: bool,
    clear: Vec<Cookie<'static>>,
    configured: Option<Arc<RejectWith<Rejection>>>,
    navigation: bool,
}

impl Unauthorized {
    fn of<T: Session>(err: Error, request: &HttpRequest) -> Unauthorized {
        let refusal = Refusal::of::<T>(&err, &super::request::cookie_header(request.headers()));
        Unauthorized {
            store_failed: refusal.store_failed,
            clear: refusal.clear,
            configured: request
                .extensions()
                .get::<Arc<RejectWith<Rejection>>>()
                .cloned(),
            navigation: super::request::is_navigation(request.headers()),
        }
    }
}

impl std::fmt::Debug for Unauthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unauthorized")
            .field("store_failed", &self.store_failed)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for Unauthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.store_failed {
            true => "service unavailable",
            false => "unauthorized",
        })
    }
}

impl FrameworkResponse for HttpResponse {
    fn unauthorized() -> HttpResponse {
        HttpResponse::Unauthorized()
            .content_type("application/json")
            .body(crate::guard::decide::UNAUTHORIZED_BODY)
    }

    fn unavailable() -> HttpResponse {
        HttpResponse::ServiceUnavailable().body("service unavailable")
    }

    fn bad_request() -> HttpResponse {
        HttpResponse::BadRequest().body("bad request")
    }

    fn forbidden() -> HttpResponse {
        HttpResponse::Forbidden()
            .content_type("application/json")
            .insert_header((actix_web::http::header::VARY, "Sec-Fetch-Site"))
            .body(crate::guard::decide::FORBIDDEN_BODY)
    }

    fn see_other(path: &str) -> HttpResponse {
        HttpResponse::SeeOther()
            .insert_header((LOCATION, path))
            .finish()
    }
}

impl ResponseError for Unauthorized {
    fn status_code(&self) -> StatusCode {
        match self.store_failed {
            true => StatusCode::SERVICE_UNAVAILABLE,
            false => StatusCode::UNAUTHORIZED,
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = extractor_refusal(
            self.store_failed,
            self.configured.as_deref(),
            self.navigation,
        );
        for clear in &self.clear {
            add_cookie(&mut response, clear);
        }
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// The session the guard verified for this request, if it did and nobody else holds it.
fn handed_off<V: 'static>(request: &HttpRequest) -> Option<V> {
    let shared = request.extensions_mut().remove::<Arc<V>>()?;
    match Arc::try_unwrap(shared) {
        Ok(verified) => Some(verified),
        Err(shared) => {
            request.extensions_mut().insert(shared);
            None
        }
    }
}

/// Reads the session cookie and verifies it, with the keys a
/// [`SessionLayer`](crate::SessionLayer) or a guard gave session type `T`, or else those in
/// `web::Data<Keys>`. With neither, the request is answered `500` and the log names the
/// middleware to add. `Option<Verified<T>>` gives `None` instead of the `401`.
impl<T: Session + Send + Sync + 'static> FromRequest for Verified<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(verified) = handed_off::<Verified<T>>(request) {
            return ready(Ok(verified));
        }
        let extensions = request.extensions();
        let registered = request.app_data::<web::Data<Keys>>().map(|keys| &***keys);
        let keys = match crate::layer::keys_for::<T>(extensions.get::<Provided>(), registered) {
            Ok(keys) => keys,
            Err(_) => return ready(Err(unconfigured())),
        };
        ready(
            T::from_cookie_header(&cookie_header(request.headers()), keys)
                .map_err(|err| Unauthorized::of::<T>(err, request).into()),
        )
    }
}

/// The `500` of an extractor whose session type was given no keys or manager (the log
/// names the middleware to add).
fn unconfigured() -> actix_web::Error {
    actix_web::error::ErrorInternalServerError("internal server error")
}

/// Loads and checks the database session: the seal (or the guard's opened ticket), then the
/// row, with the manager a [`SessionLayer`](crate::SessionLayer) or a guard gave session
/// type `T`, or else the one in `web::Data<Sessions<T>>`. With neither, `500`.
impl<T: Session + Send + Sync + 'static> FromRequest for DbSession<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(session) = handed_off::<DbSession<T>>(request) {
            return Box::pin(std::future::ready(Ok(session)));
        }
        let sessions = {
            let extensions = request.extensions();
            let registered = request
                .app_data::<web::Data<Sessions<T>>>()
                .map(|sessions| &***sessions);
            crate::layer::sessions_for::<T>(extensions.get::<Provided>(), registered).cloned()
        };
        let request = request.clone();
        Box::pin(async move {
            let sessions = sessions.map_err(|_| unconfigured())?;
            let opened = request.extensions_mut().remove::<OpenedTicket<T>>();
            let header = cookie_header(request.headers()).into_owned();
            sessions
                .load(&header, opened)
                .await
                .map_err(|err| Unauthorized::of::<T>(err, &request).into())
        })
    }
}
