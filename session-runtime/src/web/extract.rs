//! Extractors: [`Verified<T>`](crate::Verified) for stateless sessions and
//! [`DbSession<T>`](crate::db::DbSession) for database sessions.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cookie::Cookie;

use super::cookie_header;
use crate::cookies::removal_cookie;
use crate::db::{DbSession, SessionManager, SessionStore};
use crate::error::Error;
use crate::keys::Keys;
use crate::session::Session;
use crate::verified::Verified;

/// The rejection of a request without a valid session: `401 Unauthorized` with a body that
/// says nothing about why (missing, expired, tampered and revoked all look alike), or `503`
/// when the session store is down.
///
/// When the request did present a session cookie and it will never be accepted (revoked,
/// expired, tampered), the `401` also removes it, so that the guard's optimistic check and
/// the browser stop believing in it.
#[derive(Debug)]
pub struct Unauthorized {
    store_failed: bool,
    clear: Option<Cookie<'static>>,
}

impl From<Error> for Unauthorized {
    fn from(err: Error) -> Self {
        Unauthorized {
            store_failed: matches!(err, Error::Store(_)),
            clear: None,
        }
    }
}

impl Unauthorized {
    /// The rejection of session type `T` for `err`, removing a cookie that is dead for good.
    fn of<T: Session>(err: Error) -> Unauthorized {
        let dead = !matches!(
            err,
            Error::Missing | Error::DuplicateCookie { .. } | Error::Store(_)
        );
        Unauthorized {
            clear: dead.then(|| removal_cookie(&T::CONFIG)),
            ..Unauthorized::from(err)
        }
    }
}

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        let (status, body) = match self.store_failed {
            true => (StatusCode::SERVICE_UNAVAILABLE, "service unavailable"),
            false => (StatusCode::UNAUTHORIZED, "unauthorized"),
        };
        let mut response = (status, [(header::CACHE_CONTROL, "no-store")], body).into_response();
        let removal = self
            .clear
            .and_then(|cookie| HeaderValue::from_str(&cookie.to_string()).ok());
        if let Some(removal) = removal {
            response.headers_mut().append(header::SET_COOKIE, removal);
        }
        response
    }
}

/// Reads the session cookie and verifies it, with the [`Keys`] from the app state.
impl<T, S> FromRequestParts<S> for Verified<T>
where
    T: Session + Send,
    Keys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Unauthorized;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Unauthorized> {
        T::from_cookie_header(&cookie_header(&parts.headers), &Keys::from_ref(state))
            .map_err(Unauthorized::of::<T>)
    }
}

/// `Option<Verified<T>>`: `None` when there is no valid session.
impl<T, S> OptionalFromRequestParts<S> for Verified<T>
where
    T: Session + Send,
    Keys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(T::from_cookie_header(&cookie_header(&parts.headers), &Keys::from_ref(state)).ok())
    }
}

/// App state that holds the [`SessionManager`] of the session type `T`. It is a trait with
/// an associated store type, rather than `FromRef`, so that the extractor can name the store.
///
/// `Arc<SessionManager<T, S>>` implements it, so that can be the state itself; a larger
/// state implements it in three lines.
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
    T: Session + Send + Sync,
    S: HasSessions<T>,
{
    type Rejection = Unauthorized;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Unauthorized> {
        state
            .sessions()
            .load(&cookie_header(&parts.headers))
            .await
            .map_err(Unauthorized::of::<T>)
    }
}

/// `Option<DbSession<T>>`: `None` when there is no valid session; a failing store is
/// still an error (`503`), so an outage never looks like "signed out".
impl<T, S> OptionalFromRequestParts<S> for DbSession<T>
where
    T: Session + Send + Sync,
    S: HasSessions<T>,
{
    type Rejection = Unauthorized;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Unauthorized> {
        match state.sessions().load(&cookie_header(&parts.headers)).await {
            Ok(session) => Ok(Some(session)),
            Err(err @ Error::Store(_)) => Err(err.into()),
            Err(_) => Ok(None),
        }
    }
}
