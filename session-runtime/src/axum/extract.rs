//! Extractors: [`Verified<T>`](crate::Verified) for stateless sessions and
//! [`DbSession<T>`](crate::db::DbSession) for database sessions.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::Cookie;

use super::guard::Rejection;
use super::request::cookie_header;
use crate::db::manager::OpenedTicket;
use crate::db::{DbSession, SessionManager, SessionStore};
use crate::error::Error;
use crate::guard::decide::{FrameworkResponse, Refusal, RejectWith, extractor_refusal};
use crate::keys::Keys;
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
    clear: Vec<Cookie<'static>>,
    configured: Option<Arc<RejectWith<Rejection>>>,
    navigation: bool,
}

impl std::fmt::Debug for Unauthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unauthorized")
            .field("store_failed", &self.store_failed)
            .finish_non_exhaustive()
    }
}

impl From<Error> for Unauthorized {
    fn from(err: Error) -> Self {
        Unauthorized {
            store_failed: Refusal::store_failed(&err),
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
            clear: refusal.clear,
            configured: parts
                .extensions
                .get::<Arc<RejectWith<Rejection>>>()
                .cloned(),
            navigation: super::request::is_navigation(&parts.headers),
        }
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

/// Reads the session cookie and verifies it, with the [`Keys`] from the app state.
impl<T, S> FromRequestParts<S> for Verified<T>
where
    T: Session + Send + Sync + 'static,
    Keys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Unauthorized;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Unauthorized> {
        if let Some(verified) = handed_off::<T>(parts) {
            return Ok(verified);
        }
        T::from_cookie_header(&cookie_header(&parts.headers), &Keys::from_ref(state))
            .map_err(|err| Unauthorized::of::<T>(err, parts))
    }
}

/// `Option<Verified<T>>`: `None` when there is no valid session.
impl<T, S> OptionalFromRequestParts<S> for Verified<T>
where
    T: Session + Send + Sync + 'static,
    Keys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        if let Some(verified) = handed_off::<T>(parts) {
            return Ok(Some(verified));
        }
        Ok(T::from_cookie_header(&cookie_header(&parts.headers), &Keys::from_ref(state)).ok())
    }
}

/// App state that holds the [`SessionManager`] of the session type `T`. It is a trait with
/// an associated store type, rather than `FromRef`, so that the extractor can name the store.
///
/// `Arc<SessionManager<T, S>>` implements it, so that can be the state itself; a larger
/// state implements it in three lines:
///
/// ```
/// # use std::sync::Arc;
/// # use serde::{Deserialize, Serialize};
/// # use sessionkit_runtime::db::{MemoryStore, SessionManager};
/// # use sessionkit_runtime::axum::HasSessions;
/// # #[derive(Serialize, Deserialize)] struct Account;
/// # impl sessionkit_runtime::Session for Account { const CONFIG: sessionkit_runtime::SessionConfig = sessionkit_runtime::SessionConfig::DEFAULT; }
/// #[derive(Clone)]
/// struct AppState {
///     sessions: Arc<SessionManager<Account, MemoryStore>>,
/// }
///
/// impl HasSessions<Account> for AppState {
///     type Store = MemoryStore;
///     fn sessions(&self) -> &SessionManager<Account, MemoryStore> { &self.sessions }
/// }
/// ```
///
/// When a handler with a `DbSession<T>` argument does not compile, axum's
/// `#[axum::debug_handler]` (axum's `macros` feature) points at the missing impl, with
/// this trait's note on how to write it.
#[diagnostic::on_unimplemented(
    message = "the state `{Self}` does not give the `DbSession<{T}>` extractor its sessions",
    label = "`{Self}` does not implement `HasSessions<{T}>`",
    note = "use `Arc<SessionManager<{T}, _>>` as the state, or implement `HasSessions<{T}>` for `{Self}`: `type Store = YourStore;` and `fn sessions(&self) -> &SessionManager<{T}, YourStore> {{ &self.sessions }}`"
)]
pub trait HasSessions<T>: Send + Sync {
    /// The store behind the sessions.
    type Store: SessionStore;
    /// The manager.
    fn sessions(&self) -> &SessionManager<T, Self::Store>;
}

impl<T: Send + Sync, S: SessionStore> HasSessions<T> for Arc<SessionManager<T, S>> {
    type Store = S;

    fn sessions(&self) -> &SessionManager<T, S> {
        self
    }
}

/// Loads and checks the database session: the seal, then the row (the guide's
/// `verifySession`).
impl<T, S> FromRequestParts<S> for DbSession<T>
where
    T: Session + Send + Sync + 'static,
    S: HasSessions<T>,
{
    type Rejection = Unauthorized;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Unauthorized> {
        load::<T, S>(parts, state)
            .await
            .map_err(|err| Unauthorized::of::<T>(err, parts))
    }
}

/// `Option<DbSession<T>>`: `None` when there is no valid session; a failing store is
/// still an error (`503`), so an outage never looks like "signed out".
impl<T, S> OptionalFromRequestParts<S> for DbSession<T>
where
    T: Session + Send + Sync + 'static,
    S: HasSessions<T>,
{
    type Rejection = Unauthorized;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Unauthorized> {
        match load::<T, S>(parts, state).await {
            Ok(session) => Ok(Some(session)),
            Err(err @ Error::Store(_)) => Err(err.into()),
            Err(_) => Ok(None),
        }
    }
}

/// The session the guard verified for this request, if it did and nobody else holds it:
/// the extractor takes it instead of opening the cookie a second time.
fn handed_off<T: Send + Sync + 'static>(parts: &mut Parts) -> Option<Verified<T>> {
    let shared = parts.extensions.remove::<Arc<Verified<T>>>()?;
    match Arc::try_unwrap(shared) {
        Ok(verified) => Some(verified),
        // Other middleware kept a copy: put it back and verify again.
        Err(shared) => {
            parts.extensions.insert(shared);
            None
        }
    }
}

/// Loads the database session: from the ticket the guard already opened, or from the
/// cookie.
async fn load<T, S>(parts: &mut Parts, state: &S) -> Result<DbSession<T>, Error>
where
    T: Session + Send + Sync + 'static,
    S: HasSessions<T>,
{
    let now = time::OffsetDateTime::now_utc();
    match parts.extensions.remove::<OpenedTicket<T>>() {
        Some(ticket) => state.sessions().load_opened(ticket, now).await,
        None => {
            state
                .sessions()
                .load_at(&cookie_header(&parts.headers), now)
                .await
        }
    }
}
