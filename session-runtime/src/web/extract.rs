//! Extractors: [`Verified<T>`](crate::Verified) for stateless sessions and
//! [`DbSession<T>`](crate::db::DbSession) for database sessions.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::cookie_header;
use crate::db::{DbSession, SessionManager, SessionStore};
use crate::error::Error;
use crate::keys::Keys;
use crate::session::Session;
use crate::verified::Verified;

/// The rejection of a request without a valid session: `401 Unauthorized` with a body that
/// says nothing about why (missing, expired, tampered and revoked all look alike), or `503`
/// when the session store is down.
#[derive(Debug)]
pub struct Unauthorized {
    store_failed: bool,
}

impl From<Error> for Unauthorized {
    fn from(err: Error) -> Self {
        Unauthorized {
            store_failed: matches!(err, Error::Store(_)),
        }
    }
}

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        let (status, body) = match self.store_failed {
            true => (StatusCode::SERVICE_UNAVAILABLE, "service unavailable"),
            false => (StatusCode::UNAUTHORIZED, "unauthorized"),
        };
        (status, [(header::CACHE_CONTROL, "no-store")], body).into_response()
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
        Ok(T::from_cookie_header(
            &cookie_header(&parts.headers),
            &Keys::from_ref(state),
        )?)
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
        Ok(state
            .sessions()
            .load(&cookie_header(&parts.headers))
            .await?)
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
