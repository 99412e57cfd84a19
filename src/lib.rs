//! Typed, compile-time-checked web sessions.
//!
//! Derive [`Session`] on a serde struct, declare the cookie and token policy in
//! `#[session(...)]`, and get encryption, expiry checks, cookie builders, refresh and
//! logout. Every attribute is checked when your crate compiles. Tokens interoperate with
//! the JavaScript library `jose`, so a Next.js app and a Rust service can share a session.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use sessionkit::{Keys, Session};
//!
//! #[derive(Serialize, Deserialize, Session)]
//! #[serde(rename_all = "camelCase")]
//! #[session(cookie = "session", ttl = "7d", same_site = "lax")]
//! struct UserSession {
//!     user_id: String,
//! }
//!
//! # fn main() -> Result<(), sessionkit::Error> {
//! let keys = Keys::new("a secret of at least thirty-two bytes!!")?;
//!
//! // Log in: the Set-Cookie header to send.
//! let cookie = UserSession { user_id: "42".into() }.cookie(&keys)?;
//! assert!(cookie.http_only().unwrap_or(false));
//!
//! // Each request: verify the cookie the browser sent back.
//! let header = format!("theme=dark; session={}", cookie.value());
//! let session = UserSession::from_cookie_header(&header, &keys)?;
//! assert_eq!(session.user_id, "42");
//!
//! // A tampered cookie is refused with a typed error.
//! let tampered = header.replace("session=e", "session=f");
//! assert!(UserSession::from_cookie_header(&tampered, &keys).is_err());
//!
//! // Renew, and log out.
//! let renewed = UserSession::refresh(&session, &keys)?;
//! let logout = UserSession::removal_cookie();
//! assert_eq!(logout.value(), "");
//! # let _ = renewed;
//! # Ok(())
//! # }
//! ```
//!
//! # Token formats
//!
//! - **`A256GCM` (the default)**: a compact JWE, `alg: dir`, `enc: A256GCM`. The payload is
//!   encrypted and authenticated. The 32-byte content key is
//!   `HKDF-SHA256(ikm = secret, salt = "sessionkit/jwe/v1",
//!   info = "sessionkit A256GCM cookie=" || cookie name, L = 32)` (see
//!   [`derive_content_key`]); binding the cookie name keeps one session type's token from
//!   opening as another's.
//! - **`HS256`, `HS384`, `HS512`**: a compact JWS with the header `{"alg":"HS256"}`,
//!   exactly what jose's `SignJWT` writes. **The payload is only signed: anyone holding the
//!   cookie can read it.** Use it for what the Next.js guide does, or to share cookies with
//!   a jose app.
//!
//! The claims are the payload's fields plus `iat` and `exp` (and `iss`/`aud` when
//! configured). The key is the secret's bytes as given, as jose's
//! `new TextEncoder().encode(secret)`.
//!
//! # Verification
//!
//! A token is refused when its algorithm is not the configured one (`none` included), when
//! its header has `crit` (of any JSON type), when the header or claims are not UTF-8 JSON,
//! when no key verifies it, when `exp <= now - leeway` (expired) or `nbf > now + leeway`
//! (not yet valid), when `exp` is missing or a time claim is malformed, when a configured
//! `iss`/`aud` does not match, or when the session is past its `max_lifetime`. `iat` is
//! optional on read, as in jose. Each cause is its own [`Error`] variant.
//!
//! # Binding
//!
//! Every token is bound to its session type: the key is derived from the secret and the
//! cookie name (HKDF-SHA256, see [`derive_content_key`] and [`derive_signing_key`]), and a
//! database ticket has a derivation of its own. So a password-reset token never opens as a
//! session, and a ticket never opens as a stateless session. A signed type that exchanges
//! tokens with a Next.js app declares `#[session(jose_compatible)]`: its key is then the
//! secret's raw bytes, as jose uses them, and such types under one secret are not separated
//! from each other.
//!
//! # Database sessions
//!
//! [`SessionManager`] keeps the session in a [`SessionStore`] ([`MemoryStore`], and with
//! features [`SqliteStore`] (default), `PostgresStore`, `RedisStore`); the cookie carries
//! only the session id, sealed as above. Stores key rows by `sha256(id)`. The manager
//! creates, loads (seal first, then the row), refreshes under `renew_within` and
//! `max_lifetime`, updates, revokes one or all of a user's sessions (the field marked
//! `#[session(user_id)]`), regenerates the id on privilege changes and purges.
//!
//! # axum
//!
//! With the `axum` feature: `Verified<T>` and `DbSession<T>` are extractors (rejecting with
//! a bare 401), `SetSession` puts a cookie on a response, and `SessionGuard` is a layer
//! that redirects by the cookie alone and does the rolling refresh. See the `web` module.
//!
//! # The payload
//!
//! The payload shares one JSON object with the registered claims, so no field may be
//! serialized as `iat`, `exp`, `nbf`, `iss`, `aud` or `auth_time` ([`AUTH_TIME`]; the
//! derive refuses it), and do not use `#[serde(deny_unknown_fields)]`
//! (the derive rejects it).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub use sessionkit_macros::Session;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use sessionkit_runtime::db::PostgresStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use sessionkit_runtime::db::RedisStore;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sessionkit_runtime::db::SqliteStore;
pub use sessionkit_runtime::db::{
    DbSession, MAX_LABEL_CHARS, MAX_USER_ID_LEN, MemoryStore, Record, SessionInfo, SessionKey,
    SessionManager, SessionStore, StoreError, StoreErrorKind, Updated,
};
/// axum integration (feature `axum`): extractors, [`SetSession`] and the [`SessionGuard`]
/// layer.
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use sessionkit_runtime::web;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use sessionkit_runtime::web::{HasSessions, Rejection, SessionGuard, SetSession, Unauthorized};
pub use sessionkit_runtime::{
    AUTH_TIME, Algorithm, Cookie, EnvProblem, Error, HKDF_INFO_PREFIX, HKDF_SALT, HKDF_SALT_SIGNED,
    Keys, MAX_COOKIE_SIZE, SameSite, Secret, Session, SessionConfig, Verified, cookie,
    derive_content_key, derive_signing_key, derive_ticket_key, find_session_cookie, route,
};
pub use time;

/// Paths the derive's generated code uses. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use sessionkit_runtime::{Algorithm, SameSite, SessionConfig, user_id_text};
    pub use std::string::{String, ToString};
}
