//! What the axum adapter reads from a request (its `Cookie:` headers as one, the facts the
//! guard decides on) and what it puts into one for the extractors.

use std::borrow::Cow;

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

use crate::layer::Provided;

/// What the cross-origin check reads of a request for `path` (the path the client sent).
pub(crate) fn facts<'a>(
    method: &'a axum::http::Method,
    uri: &'a axum::http::Uri,
    headers: &'a HeaderMap,
    path: &'a str,
) -> crate::guard::cross_origin::Facts<'a> {
    crate::guard::cross_origin::Facts::read(
        method.as_str(),
        path,
        uri.authority().map(|authority| authority.as_str()),
        |name| headers.get(name).map(|value| value.as_bytes()),
        headers
            .get_all(axum::http::header::UPGRADE)
            .iter()
            .map(|value| value.as_bytes()),
    )
}

/// Whether the request is a browser's navigation: see [`crate::guard::decide::is_navigation`].
pub(crate) fn is_navigation(headers: &HeaderMap) -> bool {
    crate::guard::decide::is_navigation(|name| headers.get(name).map(|value| value.as_bytes()))
}

/// Puts a layer's (or the guard's) table in front of what the layers further out gave.
pub(crate) fn provide(extensions: &mut axum::http::Extensions, table: &crate::layer::Table) {
    let outer = extensions.remove::<Provided>();
    extensions.insert(Provided::layered(table, outer));
}

/// All `Cookie:` headers of a request as one: see [`crate::guard::decide::join_cookie_headers`].
pub(crate) fn cookie_header(headers: &HeaderMap) -> Cow<'_, str> {
    crate::guard::decide::join_cookie_headers(
        headers.get_all(COOKIE).iter().map(|value| value.as_bytes()),
    )
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header::COOKIE};

    use super::cookie_header;

    #[test]
    fn split_cookie_headers_are_joined_and_a_single_one_is_borrowed() {
        let mut headers = HeaderMap::new();
        assert_eq!(cookie_header(&headers), "");
        headers.append(COOKIE, HeaderValue::from_static("a=1"));
        assert!(matches!(
            cookie_header(&headers),
            std::borrow::Cow::Borrowed("a=1")
        ));
        headers.append(COOKIE, HeaderValue::from_static("session=x"));
        headers.append(COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie_header(&headers), "a=1; session=x; b=2");
    }
}
