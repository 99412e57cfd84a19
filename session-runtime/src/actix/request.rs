//! What the actix-web adapter reads from a request: its `Cookie:` headers as one.

use std::borrow::Cow;

use actix_web::http::header::{COOKIE, HeaderMap};

/// The request's `Cookie:` headers as one.
pub(crate) fn cookie_header(headers: &HeaderMap) -> Cow<'_, str> {
    crate::guard::decide::join_cookie_headers(headers.get_all(COOKIE).map(|value| value.as_bytes()))
}
