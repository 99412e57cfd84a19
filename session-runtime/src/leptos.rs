//! Leptos integration (feature `leptos`, Leptos 0.8 with `leptos_axum`, server side):
//! sessions inside `#[server]` functions and SSR resources, in the idiom of
//! `leptos_axum::extract` and `expect_context`.
//!
//! | to | call |
//! | --- | --- |
//! | read a stateless session | [`session::<T>()`](session), or [`optional_session`] for "maybe signed in" |
//! | read a database session | [`db_session::<T>()`](db_session), or [`optional_db_session`] |
//! | log in | [`log_in(&payload, &keys)`](log_in); database: [`log_in_db(&manager, &payload, label)`](log_in_db) |
//! | renew | [`renew(&session, &keys)`](renew) (the guard also renews on its own) |
//! | log out | [`log_out::<T>()`](log_out); database: [`revoke(&manager, &session)`](revoke) |
//! | change privileges, log out everywhere | [`regenerate`], [`revoke_user`] |
//! | send cookies made elsewhere | [`set_session_cookies`] |
//!
//! The keys or manager the readers use reach the request from a
//! [`SessionLayer`](crate::SessionLayer) or a `SessionGuard` around the Leptos router, as for
//! the axum extractors. Every `Set-Cookie` goes through Leptos' `ResponseOptions` and
//! arrives once, chunks and removals included; each one is appended, never inserted over
//! another.
//!
//! A refused session is a [`SessionError`], never a `500` with a `Debug` text: the
//! response is `401` (`503` when the store is down), and the refused cookie's removal
//! (for a type that is not `shared`) rides on the same response.
//!
//! **Streaming.** Headers leave with the first byte of a streamed page. A cookie set while
//! a page renders in Leptos' default out-of-order streaming is lost (leptos#3147). Set
//! cookies from server functions (actions, forms), or render the route with
//! `SsrMode::Async`, which waits for the page's resources before it sends the headers.
//! Renewals need neither: the `SessionGuard` adds them to the response's headers itself.

use std::fmt;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header::SET_COOKIE};
use cookie::Cookie;
use leptos::prelude::use_context;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos_axum::ResponseOptions;
use serde::{Deserialize, Serialize};

use crate::db::{DbSession, SessionManager, SessionStore};
use crate::error::Error;
use crate::keys::Keys;
use crate::session::Session;
use crate::token::Verified;
use crate::user_id::HasUserId;

/// Why a session helper failed, as a server function's error type: a component can match on
/// it, and it reaches the client as the response's status.
///
/// Its `Display` and its serialized form say only which kind of failure it was; the cause
/// is logged on the server (sessionkit logs every refusal at `debug`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionError {
    /// No valid session: missing, expired, tampered, foreign or revoked (`401`).
    Unauthorized,
    /// A concurrent write won (`409`); load the session again.
    Conflict,
    /// Bad input, such as an empty user id (`400`).
    BadRequest,
    /// The session store is down (`503`): an outage, not "signed out".
    Unavailable,
    /// The server's own fault (`500`): a session too large to make, or a helper called
    /// where no `SessionLayer`, guard or Leptos request context is (the log says which).
    Internal,
    /// An error of the server-function machinery itself (encoding, the network), with its
    /// message.
    ServerFn(String),
}

impl SessionError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            SessionError::Unauthorized => 401,
            SessionError::Conflict => 409,
            SessionError::BadRequest => 400,
            SessionError::Unavailable => 503,
            SessionError::Internal | SessionError::ServerFn(_) => 500,
        }
    }

    fn of(err: &Error) -> SessionError {
        SessionError::of_status(err.status())
    }

    /// The error a response status stands for: the one mapping, for sessionkit's errors
    /// and the extractors' refusals alike.
    fn of_status(status: u16) -> SessionError {
        match status {
            401 => SessionError::Unauthorized,
            409 => SessionError::Conflict,
            400 => SessionError::BadRequest,
            503 => SessionError::Unavailable,
            _ => SessionError::Internal,
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Unauthorized => f.write_str("unauthorized"),
            SessionError::Conflict => f.write_str("the session changed; try again"),
            SessionError::BadRequest => f.write_str("bad request"),
            SessionError::Unavailable => f.write_str("service unavailable"),
            SessionError::Internal => f.write_str("internal server error"),
            SessionError::ServerFn(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for SessionError {}

impl FromServerFnError for SessionError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        SessionError::ServerFn(value.to_string())
    }
}

/// The request's parts, as `leptos_axum` provides them to server functions and SSR.
fn request_parts() -> Result<Parts, SessionError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!(
            "sessionkit::leptos: no request in the Leptos context; call the session helpers \
             from a server function or an SSR render served by leptos_axum"
        );
        fail(SessionError::Internal)
    })
}

/// Records `error`'s status on the response (when there is one) and returns it.
fn fail(error: SessionError) -> SessionError {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    error
}

/// Appends every cookie to the response as its own `Set-Cookie` header: several chunks and
/// removals all arrive, each once.
pub fn set_session_cookies<'a>(cookies: impl IntoIterator<Item = Cookie<'a>>) {
    let Some(response) = use_context::<ResponseOptions>() else {
        tracing::error!(
            "sessionkit::leptos: no ResponseOptions in the Leptos context; the session \
             cookie was not sent (call the helpers from a server function served by leptos_axum)"
        );
        return;
    };
    let cookies: Vec<Cookie<'a>> = cookies.into_iter().collect();
    let mut headers = HeaderMap::new();
    crate::axum::append_cookies(&mut headers, &cookies);
    for value in headers.get_all(SET_COOKIE) {
        response.append_header(SET_COOKIE, value.clone());
    }
}

/// `err` as the helpers' error, its status recorded on the response.
fn failed(err: Error) -> SessionError {
    fail(SessionError::of(&err))
}

/// Sends the cookie a manager call made, or fails with its error.
fn send(made: Result<Cookie<'static>, Error>) -> Result<(), SessionError> {
    set_session_cookies([made.map_err(failed)?]);
    Ok(())
}

/// The extractor's refusal, turned into the helpers' error: its status on the response, and
/// its removal cookies beside it.
fn refused(rejection: crate::axum::Unauthorized) -> SessionError {
    let (status, clear) = rejection.into_parts();
    set_session_cookies(clear);
    fail(SessionError::of_status(status))
}

/// The signed-in user's stateless session, or [`SessionError::Unauthorized`] (with the
/// response's status set to `401`, and the dead cookie removed).
pub async fn session<T: Session + Send + Sync + 'static>() -> Result<Verified<T>, SessionError> {
    let mut parts = request_parts()?;
    <Verified<T> as FromRequestParts<()>>::from_request_parts(&mut parts, &())
        .await
        .map_err(refused)
}

/// The stateless session if there is a valid one: `Ok(None)` when signed out.
pub async fn optional_session<T: Session + Send + Sync + 'static>()
-> Result<Option<Verified<T>>, SessionError> {
    let mut parts = request_parts()?;
    <Verified<T> as OptionalFromRequestParts<()>>::from_request_parts(&mut parts, &())
        .await
        .map_err(refused)
}

/// The signed-in user's database session (the seal, then the row), or
/// [`SessionError::Unauthorized`] (`401`); a store outage is
/// [`SessionError::Unavailable`] (`503`).
pub async fn db_session<T: Session + Send + Sync + 'static>() -> Result<DbSession<T>, SessionError>
{
    let mut parts = request_parts()?;
    <DbSession<T> as FromRequestParts<()>>::from_request_parts(&mut parts, &())
        .await
        .map_err(refused)
}

/// The database session if there is a valid one: `Ok(None)` when signed out; a store outage
/// is still [`SessionError::Unavailable`].
pub async fn optional_db_session<T: Session + Send + Sync + 'static>()
-> Result<Option<DbSession<T>>, SessionError> {
    let mut parts = request_parts()?;
    <DbSession<T> as OptionalFromRequestParts<()>>::from_request_parts(&mut parts, &())
        .await
        .map_err(refused)
}

/// The request's `Cookie:` headers as one, for removing the chunks it carried.
fn cookie_header() -> Result<String, SessionError> {
    let parts = request_parts()?;
    Ok(crate::axum::cookie_header(&parts.headers).into_owned())
}

/// Logs in with a stateless session: sets its cookie (or its chunks), and removes any chunk
/// of an earlier session that the new cookies do not replace.
pub fn log_in<T: Session>(payload: &T, keys: &Keys) -> Result<(), SessionError> {
    let header = cookie_header()?;
    let cookies = payload.cookies_replacing(keys, &header).map_err(failed)?;
    set_session_cookies(cookies);
    Ok(())
}

/// Re-issues a stateless session with a new expiry, keeping every claim it carried.
pub fn renew<T: Session>(session: &Verified<T>, keys: &Keys) -> Result<(), SessionError> {
    let header = cookie_header()?;
    let now = time::OffsetDateTime::now_utc();
    let cookies = T::refresh_cookies_at(session, keys, &header, now).map_err(failed)?;
    set_session_cookies(cookies);
    Ok(())
}

/// Logs out: removes the session cookie and every chunk the request carried.
pub fn log_out<T: Session>() -> Result<(), SessionError> {
    let header = cookie_header()?;
    set_session_cookies(T::removal_cookies(&header));
    Ok(())
}

/// Logs in with a database session: a new session (labelled, for the device list, when a
/// label is given) and its cookie.
pub async fn log_in_db<T, S>(
    manager: &SessionManager<T, S>,
    payload: &T,
    label: Option<&str>,
) -> Result<(), SessionError>
where
    T: Session + HasUserId + Send + Sync + 'static,
    S: SessionStore,
{
    send(match label {
        Some(label) => manager.create_labeled(payload, label).await,
        None => manager.create(payload).await,
    })
}

/// Gives the session a new id (on a change of privileges) and sends its new cookie.
pub async fn regenerate<T, S>(
    manager: &SessionManager<T, S>,
    session: &DbSession<T>,
) -> Result<(), SessionError>
where
    T: Session + Send + Sync + 'static,
    S: SessionStore,
{
    send(manager.regenerate(session).await)
}

/// Logs out of a database session: ends it in the store and removes its cookie.
pub async fn revoke<T, S>(
    manager: &SessionManager<T, S>,
    session: &DbSession<T>,
) -> Result<(), SessionError>
where
    T: Session + Send + Sync + 'static,
    S: SessionStore,
{
    send(manager.revoke(session).await)
}

/// Logs the session's user out everywhere: ends every one of their sessions and removes
/// this device's cookie. Returns how many sessions ended.
pub async fn revoke_user<T, S>(
    manager: &SessionManager<T, S>,
    session: &DbSession<T>,
) -> Result<u64, SessionError>
where
    T: Session + HasUserId + Send + Sync + 'static,
    S: SessionStore,
{
    let ended = match session.user_id() {
        Some(user_id) => manager.revoke_user(user_id).await,
        // Without a user id the session is its user's only one.
        None => manager.revoke(session).await.map(|_| 1),
    }
    .map_err(failed)?;
    set_session_cookies([T::removal_cookie()]);
    Ok(ended)
}
