//! Extractors: [`Verified<T>`](crate::Verified) for stateless sessions and
//! [`DbSession<T>`](crate::db::DbSession) for database sessions.

use std::any::Any;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::Cookie;

use super::guard::Rejection;
use super::request::cookie_header;
use crate::db::DbSession;
use crate::db::manager::OpenedTicket;
use crate::error::Error;
use crate::guard::decide::{FrameworkResponse, Refusal, RejectWith, extractor_refusal};
use crate::keys::Keys;
use crate::layer::{Provided, Unconfigured};
use crate::session::Session;
use crate::token::Verified;

/// The rejection of a request without a valid session: `401 Unauthorized` with a body that
/// says nothing about why (missing, expired, tampered and revoked all look alike), or `503`
/// when the session store is down.
///
/// When the request did present a session cookie and it will never be accepted (revoked,
/// expired, tampered), the `401` also removes it, so that the guard's optimistic check and
/// the browser stop believing in it.
///
/// Behind a [`SessionGuard`](super::SessionGuard) configured with
/// [`on_rejection`](super::SessionGuard::on_rejection), the configured response is sent
/// instead of the `401`.
pub struct Unauthorized {
    store_failed: bool,
    /// No layer or guard gave the session type its keys or manager: the app's mistake.
    unconfigured: bool,
    clear: Vec<Cookie<'static>>,
    configured: Option<Arc<RejectWith<Rejection>>>,
    navigation: bool,
}

impl std::fmt::Debug for Unauthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unauthorized")
            .field("store_failed", &self.store_failed)
            .field("unconfigured", &self.unconfigured)
            .finish_non_exhaustive()
    }
}

impl From<Error> for Unauthorized {
    fn from(err: Error) -> Self {
        Unauthorized {
            store_failed: Refusal::store_failed(&err),
            unconfigured: false,
            clear: Vec::new(),
            configured: None,
            navigation: false,
        }
    }
}

impl Unauthorized {
    /// The rejection of session type `T` for `err`, removing a cookie that is dead for good,
    /// in the form the guard in front of it asks for.
    fn of<T: Session>(err: Error, parts: &Parts) -> Unauthorized {
        let refusal = Refusal::of::<T>(&err, &super::request::cookie_header(&parts.headers));
        Unauthorized {
            store_failed: refusal.store_failed,
            unconfigured: false,
            clear: refusal.clear,
            configured: parts
                .extensions
                .get::<Arc<RejectWith<Rejection>>>()
                .cloned(),
            navigation: super::request::is_navigation(&parts.headers),
        }
    }
}

impl Unauthorized {
    /// The `500` of an extractor whose session type was given no keys or manager.
    fn unconfigured(_: Unconfigured) -> Unauthorized {
        Unauthorized {
            store_failed: false,
            unconfigured: true,
            clear: Vec::new(),
            configured: None,
            navigation: false,
        }
    }
}

impl Unauthorized {
    /// The status this rejection answers with, and the cookies it removes, for adapters
    /// that answer in their own way (Leptos' server functions).
    #[cfg(feature = "leptos")]
    pub(crate) fn into_parts(self) -> (u16, Vec<Cookie<'static>>) {
        let status = match (self.unconfigured, self.store_failed) {
            (true, _) => 500,
            (false, true) => 503,
            (false, false) => 401,
        };
        (status, self.clear)
    }
}

impl FrameworkResponse for Response {
    fn unauthorized() -> Response {
        (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            crate::guard::decide::UNAUTHORIZED_BODY,
        )
            .into_response()
    }

    fn unavailable() -> Response {
        (StatusCode::SERVICE_UNAVAILABLE, "service unavailable").into_response()
    }

    fn bad_request() -> Response {
        (StatusCode::BAD_REQUEST, "bad request").into_response()
    }

    fn forbidden() -> Response {
        (
            StatusCode::FORBIDDEN,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::VARY, "Sec-Fetch-Site"),
            ],
            crate::guard::decide::FORBIDDEN_BODY,
        )
            .into_response()
    }

    fn see_other(path: &str) -> Response {
        Redirect::to(path).into_response()
    }
}

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        if self.unconfigured {
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response();
        }
        let mut response = extractor_refusal(
            self.store_failed,
            self.configured.as_deref(),
            self.navigation,
        );
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        super::response::append_cookies(response.headers_mut(), &self.clear);
        response
    }
}

/// Reads the session cookie and verifies it, in any router state. The keys are those a
/// [`SessionLayer`](crate::SessionLayer) or a guard gave session type `T`, or else the
/// router's state when that state is the [`Keys`] themselves (`.with_state(keys)`). With
/// neither, the request is answered `500` and the log names the layer to add.
impl<T, S> FromRequestParts<S> for Verified<T>
where
    T: Session + Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    type Rejection = Unauthorized;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Unauthorized> {
        if let Some(verified) = handed_off::<Verified<T>>(parts) {
            return Ok(verified);
        }
        let keys = keys_for::<T, S>(parts, state)?;
        T::from_cookie_header(&cookie_header(&parts.headers), keys)
            .map_err(|err| Unauthorized::of::<T>(err, parts))
    }
}

/// `Option<Verified<T>>`: `None` when there is no valid session. A missing configuration
/// is still the `500`, so that a forgotten layer never looks like "signed out".
impl<T, S> OptionalFromRequestParts<S> for Verified<T>
where
    T: Session + Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    type Rejection = Unauthorized;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Unauthorized> {
        if let Some(verified) = handed_off::<Verified<T>>(parts) {
            return Ok(Some(verified));
        }
        let keys = keys_for::<T, S>(parts, state)?;
        Ok(T::from_cookie_header(&cookie_header(&parts.headers), keys).ok())
    }
}

/// The keys for `T`: see [`crate::layer::keys_for`].
fn keys_for<'a, T: 'static, S: 'static>(
    parts: &'a Parts,
    state: &'a S,
) -> Result<&'a Keys, Unauthorized> {
    let state: &dyn Any = state;
    crate::layer::keys_for::<T>(parts.extensions.get::<Provided>(), state.downcast_ref())
        .map_err(Unauthorized::unconfigured)
}

/// Loads and checks the database session, in any router state: the seal, then the row (the
/// guide's `verifySession`). The manager is the one a [`SessionLayer`](crate::SessionLayer)
/// or a database guard gave session type `T`; with none, the request is answered `500`
/// and the log names the layer to add.
impl<T, S> FromRequestParts<S> for DbSession<T>
where
    T: Session + Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = Unauthorized;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Unauthorized> {
        load::<T>(parts)
            .await?
            .map_err(|err| Unauthorized::of::<T>(err, parts))
    }
}

/// `Option<DbSession<T>>`: `None` when there is no valid session; a failing store is
/// still an error (`503`), so an outage never looks like "signed out", and so is a missing
/// configuration (`500`).
impl<T, S> OptionalFromRequestParts<S> for DbSession<T>
where
    T: Session + Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = Unauthorized;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Unauthorized> {
        match load::<T>(parts).await? {
            Ok(session) => Ok(Some(session)),
            Err(err @ Error::Store(_)) => Err(err.into()),
            Err(_) => Ok(None),
        }
    }
}

/// The session the guard verified for this request, if it did and nobody else holds it:
/// the extractor takes it instead of opening the cookie a second time.
fn handed_off<V: Send + Sync + 'static>(parts: &mut Parts) -> Option<V> {
    let shared = parts.extensions.remove::<Arc<V>>()?;
    match Arc::try_unwrap(shared) {
        Ok(verified) => Some(verified),
        // Other middleware kept a copy: put it back and verify again.
        Err(shared) => {
            parts.extensions.insert(shared);
            None
        }
    }
}

/// Loads the database session with the manager given for `T`: from the ticket the guard
/// already opened, or from the cookie. The outer error is a missing manager.
async fn load<T>(parts: &mut Parts) -> Result<Result<DbSession<T>, Error>, Unauthorized>
where
    T: Session + Send + Sync + 'static,
{
    if let Some(session) = handed_off::<DbSession<T>>(parts) {
        return Ok(Ok(session));
    }
    let opened = parts.extensions.remove::<OpenedTicket<T>>();
    let sessions = crate::layer::sessions_for::<T>(parts.extensions.get::<Provided>(), None)
        .map_err(Unauthorized::unconfigured)?;
    Ok(sessions.load(&cookie_header(&parts.headers), opened).await)
}
