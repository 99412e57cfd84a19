//! [`SetSession`]: setting, renewing or removing the session cookie as a value the handler
//! returns, so no handler can forget to send it.

use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
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

impl IntoResponseParts for SetSession {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        let headers = parts.headers_mut();
        // A cookie built by this crate is valid header text; anything else is dropped
        // rather than sent half-formed.
        if let Ok(value) = HeaderValue::from_str(&self.0.to_string()) {
            headers.append(SET_COOKIE, value);
        }
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(parts)
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
