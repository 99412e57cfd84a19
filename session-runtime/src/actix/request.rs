//! What the actix-web adapter reads from a request: its `Cookie:` headers as one.

use std::borrow::Cow;

use actix_web::http::header::{COOKIE, HeaderMap};

/// Whether the request is a browser's navigation: see [`crate::guard::decide::is_navigation`].
pub(crate) fn is_navigation(headers: &HeaderMap) -> bool {
    crate::guard::decide::is_navigation(
        headers.get("sec-fetch-mode").map(|value| value.as_bytes()),
        headers
            .get(actix_web::http::header::ACCEPT)
            .map(|value| value.as_bytes()),
    )
}

/// The request's `Cookie:` headers as one.
pub(crate) fn cookie_header(headers: &HeaderMap) -> Cow<'_, str> {
    crate::guard::decide::join_cookie_headers(headers.get_all(COOKIE).map(|value| value.as_bytes()))
}
