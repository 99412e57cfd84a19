//! The runtime behind [sessionkit](https://docs.rs/sessionkit): keys, token codecs,
//! claims and expiry, cookies and errors.
//!
//! Use it through the `sessionkit` crate. Everything here is ordinary Rust that the
//! `#[derive(Session)]` macro only configures.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// The layers, lowest first: configuration and errors; keys; the token format; cookies and
// the `Session` trait; database sessions; the framework-neutral guard; the framework adapters.
mod config;
mod error;
mod redact;
mod user_id;

mod keys;
mod token;

mod cookies;
mod session;

pub mod db;

mod guard;
#[cfg(any(feature = "axum", feature = "actix"))]
mod layer;

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
#[cfg(feature = "dioxus")]
#[cfg_attr(docsrs, doc(cfg(feature = "dioxus")))]
pub mod dioxus;
#[cfg(feature = "leptos")]
#[cfg_attr(docsrs, doc(cfg(feature = "leptos")))]
pub mod leptos;

pub use crate::config::{Algorithm, Format, SameSite, SessionConfig};
pub use crate::cookies::{MAX_COOKIE_SIZE, find_session_cookie, max_chunks};
pub use crate::error::{EnvProblem, Error};
#[cfg(any(feature = "axum", feature = "actix"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
pub use crate::guard::cross_origin::CrossOrigin;
pub use crate::guard::route;
pub use crate::keys::{
    HKDF_INFO_PREFIX, HKDF_SALT, HKDF_SALT_SIGNED, Keys, Secret, derive_content_key,
    derive_signing_key, derive_ticket_key,
};
#[cfg(any(feature = "axum", feature = "actix"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
pub use crate::layer::{SessionLayer, Sessions};
pub use crate::session::Session;
pub use crate::token::AUTH_TIME;
pub use crate::token::Verified;
pub use crate::user_id::{HasUserId, Optional, Shown, UserId, user_id_text};
pub use ::cookie;
pub use ::cookie::Cookie;
pub use time::OffsetDateTime;
