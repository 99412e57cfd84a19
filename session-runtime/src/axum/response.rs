//! [`SetSession`]: setting, renewing or removing the session cookie as a value the handler
//! returns, so no handler can forget to send it.

use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use cookie::Cookie;

/// A `Set-Cookie` for the session, returned from a handler:
/// `(SetSession(cookie), Redirect::to("/dashboard"))`. It also marks the response
/// `Cache-Control: no-store`, so no cache keeps a response that carries a session.
#[derive(Clone)]
pub struct SetSession(pub Cookie<'static>);

/// The cookie's name and attributes, with its value (a bearer token) left out.
impl std::fmt::Debug for SetSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SetSession")
            .field(&crate::cookies::redacted(&self.0))
            .finish()
    }
}

/// Every `Set-Cookie` of a session, returned from a handler: what
/// [`Session::cookies`](crate::Session::cookies) gives a `chunked` type (its chunks, or one
/// cookie, with the removals that go with them). Marks the response `no-store`, as
/// [`SetSession`] does.
#[derive(Clone)]
pub struct SetSessionCookies(pub Vec<Cookie<'static>>);

/// The cookies' names and attributes, with their values left out.
impl std::fmt::Debug for SetSessionCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(crate::cookies::redacted))
            .finish()
    }
}

/// Appends each cookie as a `Set-Cookie`. A cookie built by this crate is valid header
/// text; anything else is dropped rather than sent half-formed.
pub(crate) fn append_cookies(headers: &mut HeaderMap, cookies: &[Cookie<'_>]) {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            headers.append(SET_COOKIE, value);
        }
    }
}

impl IntoResponseParts for SetSession {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        SetSessionCookies(vec![self.0]).into_response_parts(parts)
    }
}

impl IntoResponseParts for SetSessionCookies {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        let headers = parts.headers_mut();
        append_cookies(headers, &self.0);
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(parts)
    }
}

impl IntoResponse for SetSessionCookies {
    fn into_response(self) -> Response {
        (self, ()).into_response()
    }
}

impl IntoResponse for SetSession {
    fn into_response(self) -> Response {
        (self, ()).into_response()
    }
}

/// A handler that returns `Result<_, sessionkit::Error>` answers with the error's
/// [`status`](crate::Error::status) and its reason phrase as the body: nothing from the
/// error's message, which is for logs.
impl IntoResponse for crate::Error {
    fn into_response(self) -> Response {
        let status = axum::http::StatusCode::from_u16(self.status())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, status.canonical_reason().unwrap_or("error")).into_response();
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
