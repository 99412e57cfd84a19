//! [`SetSession`]: setting, renewing or removing the session cookie as a value the handler
//! returns.

use actix_web::body::BoxBody;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, SET_COOKIE};
use actix_web::{HttpRequest, HttpResponse, Responder};
use cookie::Cookie;

/// A `Set-Cookie` for the session: `SetSession(cookie).with(Redirect::to("/dashboard"))`, or
/// on its own for an empty `200`. The response is also marked `Cache-Control: no-store`.
#[derive(Clone)]
pub struct SetSession(pub Cookie<'static>);

/// Every `Set-Cookie` of a session: what [`Session::cookies`](crate::Session::cookies) gives
/// a `chunked` type (its chunks, or one cookie, with the removals that go with them), as
/// `SetSessionCookies(cookies).with(responder)` or on its own.
#[derive(Clone)]
pub struct SetSessionCookies(pub Vec<Cookie<'static>>);

/// A handler's response with the session cookies added: see [`SetSession::with`].
pub struct WithSession<R> {
    cookies: Vec<Cookie<'static>>,
    inner: R,
}

impl SetSession {
    /// `inner`'s response, with the session cookie.
    pub fn with<R: Responder>(self, inner: R) -> WithSession<R> {
        SetSessionCookies(vec![self.0]).with(inner)
    }
}

impl SetSessionCookies {
    /// `inner`'s response, with the session cookies.
    pub fn with<R: Responder>(self, inner: R) -> WithSession<R> {
        WithSession {
            cookies: self.0,
            inner,
        }
    }
}

/// The cookies' names and attributes, with their values left out.
impl std::fmt::Debug for SetSessionCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(crate::cookies::redacted))
            .finish()
    }
}

impl std::fmt::Debug for SetSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SetSession")
            .field(&crate::cookies::redacted(&self.0))
            .finish()
    }
}

/// Adds the cookie to `response`, as header text (see the module docs), and `no-store`.
pub(crate) fn add_cookie(response: &mut HttpResponse<impl Sized>, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

impl Responder for SetSession {
    type Body = BoxBody;

    fn respond_to(self, request: &HttpRequest) -> HttpResponse<BoxBody> {
        SetSessionCookies(vec![self.0]).respond_to(request)
    }
}

impl Responder for SetSessionCookies {
    type Body = BoxBody;

    fn respond_to(self, request: &HttpRequest) -> HttpResponse<BoxBody> {
        self.with(HttpResponse::Ok().finish()).respond_to(request)
    }
}

impl<R: Responder> Responder for WithSession<R> {
    type Body = BoxBody;

    fn respond_to(self, request: &HttpRequest) -> HttpResponse<BoxBody> {
        let mut response = self.inner.respond_to(request).map_into_boxed_body();
        for cookie in &self.cookies {
            add_cookie(&mut response, cookie);
        }
        response
    }
}

/// A handler that returns `Result<_, sessionkit::Error>` answers with the error's
/// [`status`](crate::Error::status) and its reason phrase as the body: nothing from the
/// error's message, which is for logs.
impl actix_web::ResponseError for crate::Error {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::from_u16(self.status())
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        HttpResponse::build(status)
            .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .body(status.canonical_reason().unwrap_or("error"))
    }
}
