//! What the actix-web adapter reads from a request (its `Cookie:` headers as one, the facts
//! the guard decides on) and what it puts into one for the extractors.

use std::borrow::Cow;

use actix_web::http::header::{COOKIE, HeaderMap};

/// What the cross-origin check reads of a request.
pub(crate) fn facts<'a>(
    method: &'a actix_web::http::Method,
    uri: &'a actix_web::http::Uri,
    headers: &'a HeaderMap,
    path: &'a str,
) -> crate::guard::cross_origin::Facts<'a> {
    crate::guard::cross_origin::Facts::read(
        method.as_str(),
        path,
        uri.authority().map(|authority| authority.as_str()),
        |name| headers.get(name).map(|value| value.as_bytes()),
        headers
            .get_all(actix_web::http::header::UPGRADE)
            .map(|value| value.as_bytes()),
    )
}

/// Whether the request is a browser's navigation: see [`crate::guard::decide::is_navigation`].
pub(crate) fn is_navigation(headers: &HeaderMap) -> bool {
    crate::guard::decide::is_navigation(|name| headers.get(name).map(|value| value.as_bytes()))
}

/// Puts a layer's (or the guard's) table in front of what the layers further out gave.
pub(crate) fn provide(extensions: &mut actix_web::dev::Extensions, table: &crate::layer::Table) {
    let outer = extensions.remove::<crate::layer::Provided>();
    extensions.insert(crate::layer::Provided::layered(table, outer));
}

/// The request's `Cookie:` headers as one.
pub(crate) fn cookie_header(headers: &HeaderMap) -> Cow<'_, str> {
    crate::guard::decide::join_cookie_headers(headers.get_all(COOKIE).map(|value| value.as_bytes()))
}
