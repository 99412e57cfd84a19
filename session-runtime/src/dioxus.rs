//! Dioxus 0.7 fullstack integration (feature `dioxus`, server side): server functions read
//! and write sessions with the axum types.
//!
//! - [`Verified<T>`](crate::Verified), [`DbSession<T>`](crate::db::DbSession) and their
//!   `Option`s are server-function extractors:
//!   `#[post("/api/me", session: Verified<UserSession>)]`. Their keys or manager come from a
//!   [`SessionLayer`](crate::SessionLayer) or a `SessionGuard` around the Dioxus router, since
//!   its state is Dioxus' own. A refusal answers as the axum extractor does: `401` (with the
//!   dead cookie's removal) or `503`.
//! - A server function sets or removes the session cookie by returning
//!   [`SetSession`] or, for chunks and removals,
//!   [`SetSessionCookies`]: every `Set-Cookie` is its own
//!   header, so all of them arrive, not only the last.
//!
//! This module makes those two types usable as server-function return values: on the client
//! side they read the `Set-Cookie` headers back.

use cookie::Cookie;
use dioxus_fullstack::http::response::Parts;
use dioxus_fullstack::{FromResponseParts, ServerFnError};

use crate::axum::{SetSession, SetSessionCookies};

/// The `Set-Cookie` headers of a response, as cookies.
fn set_cookies(parts: &Parts) -> Vec<Cookie<'static>> {
    parts
        .headers
        .get_all(dioxus_fullstack::http::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|text| Cookie::parse(text.to_owned()).ok())
        .collect()
}

impl FromResponseParts for SetSessionCookies {
    fn from_response_parts(parts: &mut Parts) -> Result<Self, ServerFnError> {
        Ok(SetSessionCookies(set_cookies(parts)))
    }
}

impl FromResponseParts for SetSession {
    fn from_response_parts(parts: &mut Parts) -> Result<Self, ServerFnError> {
        set_cookies(parts)
            .into_iter()
            .next()
            .map(SetSession)
            .ok_or_else(|| ServerFnError::Deserialization("no Set-Cookie in the response".into()))
    }
}
