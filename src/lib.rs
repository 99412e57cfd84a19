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
//! The [`guide`] has a chapter for each part: attributes, stateless and database sessions,
//! axum and actix-web, sharing cookies with Next.js, route protection, errors, operations,
//! security and testing.
//!
//! # Features
//!
//! | feature | gives | needs |
//! | --- | --- | --- |
//! | *(none, the default)* | stateless sessions: [`Session`], [`Keys`], [`Verified`], cookies; [`MemoryStore`] and [`SessionManager`] for tests | nothing else |
//! | `sqlite` | `SqliteStore`, the embedded store | a tokio runtime |
//! | `postgres` | `PostgresStore` | a tokio runtime, PostgreSQL |
//! | `redis` | `RedisStore` | a tokio runtime, Redis 7+ |
//! | `axum` | the `Verified`/`DbSession` extractors, `SetSession`, the `SessionGuard` layer (module `axum`) | axum 0.8 |
//! | `actix` | the same for actix-web 4: extractors, `actix::SetSession`, the `actix::SessionGuard` middleware | actix-web 4 |
//! | `tokio` | `SessionManager::spawn_purge_task` (on with every server store) | a tokio runtime |
//!
//! # The `#[session(...)]` attributes
//!
//! Every key is optional and checked at compile time; a mistake is a compile error at the
//! offending token that lists the valid values.
//!
//! | key | values | default |
//! | --- | --- | --- |
//! | `cookie` | an RFC 6265 token. `__Host-` needs secure, path `"/"` and no domain; `__Secure-` needs secure | `"session"` |
//! | `ttl` | a duration: `"7d"`, `"12h"`, `"1h30m"`, `"90s"` (units `s m h d w`, largest first). Must be > 0 | `"7d"` |
//! | `algorithm` | `"HS256"`, `"HS384"`, `"HS512"` (signed, JWS), `"A256GCM"` (encrypted, JWE `dir`); with `format = "authjs"` also `"A256CBC-HS512"` | `"A256GCM"` (`"A256CBC-HS512"` for `authjs`) |
//! | `same_site` | `"strict"`, `"lax"`, `"none"` (none requires secure) | `"lax"` |
//! | `path` | must start with `/` | `"/"` |
//! | `domain` | a host name | none |
//! | `secure` | `true` / `false` (`false` only for local http development); bare `secure` means true | `true` |
//! | `http_only` | `true` / `false` | `true` |
//! | `partitioned` | flag (CHIPS); requires secure | off |
//! | `leeway` | a duration: the clock skew allowed on `exp` and `nbf` | `"0s"` (as jose) |
//! | `issuer`, `audience` | strings, written into every token and required on every token | none |
//! | `renew_within` | renew when less than this remains (database sessions: at most one store write per window). Shorter than `ttl` | half the `ttl` |
//! | `max_lifetime` | an absolute cap from the original sign-in that no renewal passes, for database and stateless sessions. At least `ttl` | none |
//! | `jose_compatible` | flag, signed algorithms only: the HMAC key is the secret's raw bytes, as jose uses it, to exchange tokens with a Next.js app. Without it the key is derived from the secret and the cookie name | off |
//! | `format` | `"jose"`, `"authjs"` (Auth.js v5), `"next-auth-v4"` (NextAuth.js v4), `"iron"` (iron-session): whose cookie the type reads and writes, with that library's key derivation, `ttl` and clock skew | `"jose"` |
//! | `chunked` | flag: a token too long for one cookie is split into `<cookie>.0`, `<cookie>.1`, ... as Auth.js does, and joined again on reading | off |
//! | `crate` | the path of this crate, if you renamed the dependency: `crate = "my_sessions"` | `::sessionkit` |
//!
//! On one field, `#[session(user_id)]` marks the user's identity: any type that converts to
//! text ([`UserId`]: `String`, integers, your newtype with a `Display`, or an `Option` of
//! one). Database stores file sessions under it for "log out everywhere".
//!
//! For local development over plain http, turn `secure` off in debug builds only:
//!
//! ```
//! # use serde::{Deserialize, Serialize};
//! # use sessionkit::Session;
//! #[derive(Serialize, Deserialize, Session)]
//! #[session(cookie = "session", ttl = "7d")]
//! #[cfg_attr(debug_assertions, session(secure = false))]
//! struct UserSession {
//!     user_id: String,
//! }
//! # assert_eq!(UserSession::CONFIG.secure, !cfg!(debug_assertions));
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
//! configured, and `auth_time` under a `max_lifetime`). The signing key is derived from the
//! secret and the cookie name ([`derive_signing_key`]), unless the type declares
//! `jose_compatible`: then it is the secret's bytes as given, as jose's
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
//! that redirects by the cookie alone and does the rolling refresh. See the `axum` module.
//!
//! # The payload
//!
//! The payload shares one JSON object with the registered claims, so no field may be
//! serialized as `iat`, `exp`, `nbf`, `iss`, `aud` or `auth_time` ([`AUTH_TIME`]; the
//! derive refuses it), and do not use `#[serde(deny_unknown_fields)]`
//! (the derive rejects it).
#![cfg_attr(
    feature = "actix",
    doc = r#"
# actix-web

With the `actix` feature: the same extractors, [`actix::SetSession`] as a responder, and
[`actix::SessionGuard`] as middleware with the axum layer's builder and behaviour.

```
# use serde::{Deserialize, Serialize};
use actix_web::{App, test, web};
use sessionkit::actix::{SessionGuard, SetSession};
use sessionkit::{Keys, Session, Verified};

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "session", ttl = "7d")]
struct UserSession {
    user_id: String,
}

# actix_web::rt::System::new().block_on(async {
let keys = Keys::generate().0;
let app = test::init_service(
    App::new()
        .app_data(web::Data::new(keys.clone()))
        .route("/dashboard", web::get().to(|session: Verified<UserSession>| async move {
            session.user_id.clone()
        }))
        .route("/logout", web::post().to(|| async {
            SetSession(UserSession::removal_cookie()).with("logged out")
        }))
        .wrap(SessionGuard::stateless::<UserSession>(keys.clone()).protect("/dashboard")),
)
.await;

// Without a session: a browser's navigation goes to the login page...
let page = test::TestRequest::get()
    .uri("/dashboard")
    .insert_header(("sec-fetch-mode", "navigate"));
assert_eq!(test::call_service(&app, page.to_request()).await.status(), 303);
// ...and an API call gets a 401.
let call = test::TestRequest::get().uri("/dashboard");
assert_eq!(test::call_service(&app, call.to_request()).await.status(), 401);

// With one: the handler runs, on the guard's verification.
let token = UserSession { user_id: "42".into() }.encrypt(&keys)?;
let request = test::TestRequest::get()
    .uri("/dashboard")
    .insert_header(("cookie", format!("session={token}")))
    .to_request();
assert_eq!(test::call_and_read_body(&app, request).await, "42");
# Ok::<(), sessionkit::Error>(()) }).unwrap();
```

Database sessions: register the manager as [`actix::Sessions`] for the `DbSession<T>`
extractor.

```
# use serde::{Deserialize, Serialize};
use std::sync::Arc;

use actix_web::{App, test, web};
use sessionkit::actix::Sessions;
use sessionkit::{DbSession, Keys, MemoryStore, Session, SessionManager};

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Account {
    #[session(user_id)]
    user_id: u64,
}

# actix_web::rt::System::new().block_on(async {
let manager = Arc::new(SessionManager::<Account, _>::new(MemoryStore::new(), Keys::generate().0));
let cookie = manager.create(&Account { user_id: 7 }).await?;
let app = test::init_service(
    App::new()
        .app_data(web::Data::new(Sessions::new(Arc::clone(&manager))))
        .route("/me", web::get().to(|session: DbSession<Account>| async move {
            session.user_id.to_string()
        })),
)
.await;
let request = test::TestRequest::get()
    .uri("/me")
    .insert_header(("cookie", format!("sid={}", cookie.value())))
    .to_request();
assert_eq!(test::call_and_read_body(&app, request).await, "7");
# Ok::<(), sessionkit::Error>(()) }).unwrap();
```
"#
)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(all(
    feature = "axum",
    feature = "actix",
    feature = "sqlite",
    feature = "postgres",
    feature = "redis"
))]
#[cfg_attr(
    docsrs,
    doc(cfg(all(
        feature = "axum",
        feature = "actix",
        feature = "sqlite",
        feature = "postgres",
        feature = "redis"
    )))
)]
pub mod guide;

/// The attributes it takes are in [the attribute table](crate#the-session-attributes).
pub use sessionkit_macros::Session;

/// The secrets sessions are sealed with, and their rotation; the example below shows both.
///
/// # Example
///
/// A secret too short to be safe never makes a key:
///
/// ```
/// use sessionkit::{Error, Keys};
///
/// let keys = Keys::new("a secret of at least thirty-two bytes!!")?
///     .with_fallback("last month's secret, still accepted for now")?;
/// assert_eq!(keys.len(), 2);
/// assert!(matches!(Keys::new("short"), Err(Error::KeyTooShort { .. })));
/// let (fresh, secret) = Keys::generate(); // for a `.env` file: SESSION_SECRET=<secret>
/// assert_eq!(secret.len(), 44);
/// # let _ = fresh;
/// # Ok::<(), sessionkit::Error>(())
/// ```
pub use sessionkit_runtime::Keys;

/// A session payload that passed every check; it derefs to your struct.
///
/// # Example
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// use sessionkit::{Keys, Session, Verified};
///
/// #[derive(Serialize, Deserialize, Session)]
/// #[session(cookie = "session", ttl = "1h", max_lifetime = "12h")]
/// struct UserSession {
///     user_id: String,
/// }
///
/// let keys = Keys::generate().0;
/// let token = UserSession { user_id: "42".into() }.encrypt(&keys)?;
/// let session: Verified<UserSession> = UserSession::decrypt(&token, &keys)?;
/// assert_eq!(session.user_id, "42"); // derefs to the payload
/// assert!(session.expires_at() > sessionkit::time::OffsetDateTime::now_utc());
/// assert!(session.issued_at().is_some() && session.authenticated_at().is_some());
/// assert!(!session.used_fallback_key());
/// # Ok::<(), sessionkit::Error>(())
/// ```
pub use sessionkit_runtime::Verified;

/// Database sessions of one type in one store: create, load, refresh, revoke.
///
/// # Example
///
/// Database sessions on the in-memory store (swap in `SqliteStore`, `PostgresStore` or
/// `RedisStore` for real use):
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// use sessionkit::{Keys, MemoryStore, Session, SessionManager};
///
/// #[derive(Serialize, Deserialize, Session)]
/// #[session(cookie = "sid", ttl = "1h")]
/// struct Account {
///     #[session(user_id)]
///     user_id: u64,
///     visits: u32,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let sessions = SessionManager::<Account, _>::new(MemoryStore::new(), Keys::generate().0);
/// let cookie = sessions.create_labeled(&Account { user_id: 7, visits: 0 }, "Firefox on Linux").await?;
/// let header = format!("sid={}", cookie.value()); // what the browser sends back
///
/// let session = sessions.load(&header).await?;
/// sessions.modify(&session, |account| account.visits += 1).await?;
/// assert_eq!(sessions.load(&header).await?.visits, 1);
///
/// let devices = sessions.list_sessions("7").await?;
/// assert_eq!(devices[0].label.as_deref(), Some("Firefox on Linux"));
/// assert_eq!(sessions.revoke_user("7").await?, 1); // log out everywhere
/// assert!(sessions.load(&header).await.is_err());
/// # Ok::<(), sessionkit::Error>(()) }).unwrap();
/// ```
pub use sessionkit_runtime::db::SessionManager;

/// A database session that was found and is live; it derefs to your struct.
///
/// # Example
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// use sessionkit::{DbSession, Keys, MemoryStore, Session, SessionManager};
///
/// #[derive(Serialize, Deserialize, Session)]
/// #[session(cookie = "sid", ttl = "1h")]
/// struct Account {
///     #[session(user_id)]
///     user_id: u64,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let sessions = SessionManager::<Account, _>::new(MemoryStore::new(), Keys::generate().0);
/// let cookie = sessions.create(&Account { user_id: 7 }).await?;
/// let session: DbSession<Account> = sessions.load(&format!("sid={}", cookie.value())).await?;
/// assert_eq!(session.user_id, 7); // derefs to the payload
/// assert_eq!(session.user_id(), Some("7")); // what the store files it under
/// assert!(session.expires_at() > session.created_at());
/// assert_eq!(session.version(), 1);
/// # Ok::<(), sessionkit::Error>(()) }).unwrap();
/// ```
pub use sessionkit_runtime::db::DbSession;

/// The in-memory store, for tests and single-process apps.
///
/// # Example
///
/// ```
/// use sessionkit::{MemoryStore, SessionStore};
///
/// let store = MemoryStore::new();
/// assert!(store.is_empty());
/// ```
pub use sessionkit_runtime::db::MemoryStore;

pub use sessionkit_runtime::db::AnyStore;

pub use sessionkit_runtime::db::Revocations;

/// The revocation feed: how a store tells every process sharing it that a session ended
/// or changed, so that a cookie's cached copy (`#[session(cache)]`) is served only while
/// nothing has been heard against it. A store outside this crate implements
/// [`SessionStore::publish`] and [`SessionStore::subscribe`] with these types; without
/// them it has no feed, and copies are never served from it.
pub mod feed {
    pub use sessionkit_runtime::db::{Event, Feed, Liveness};
}

pub use sessionkit_runtime::db::{
    MAX_LABEL_CHARS, MAX_USER_ID_LEN, Record, SessionInfo, SessionKey, SessionStore, StoreError,
    StoreErrorKind, Updated, user_tag,
};

/// The PostgreSQL store (feature `postgres`).
///
/// # Example
///
/// ```no_run
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use sessionkit::PostgresStore;
///
/// // Creates the table `sessionkit_sessions_v2` if it is missing.
/// let store = PostgresStore::connect("postgres://app@127.0.0.1/app").await?;
/// # Ok::<(), sessionkit::Error>(()) }).unwrap();
/// ```
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use sessionkit_runtime::db::PostgresStore;

/// The Redis store (feature `redis`).
///
/// # Example
///
/// ```no_run
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use sessionkit::RedisStore;
///
/// let store = RedisStore::connect("redis://127.0.0.1:6379/").await?;
/// let other_app = RedisStore::connect_with_prefix("redis://127.0.0.1:6379/", "billing:").await?;
/// # Ok::<(), sessionkit::Error>(()) }).unwrap();
/// ```
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use sessionkit_runtime::db::RedisStore;

/// The SQLite store (feature `sqlite`), the embedded default.
///
/// # Example
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use sessionkit::SqliteStore;
///
/// # let dir = std::env::temp_dir().join(format!("sessionkit-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("sessions.db");
/// // A file in WAL mode, created if missing, with its table created on first use:
/// let store = SqliteStore::open(&path).await?;
/// // Or a private in-memory database, for tests:
/// let scratch = SqliteStore::memory().await?;
/// # drop((store, scratch));
/// # // The database and its `-wal` and `-shm` files go with their folder.
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), sessionkit::Error>(()) }).unwrap();
/// ```
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sessionkit_runtime::db::SqliteStore;

// The module's own docs say what it is; a summary here would show twice.
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use sessionkit_runtime::axum;

/// Sets, renews or removes the session cookie as part of a handler's response (feature `axum`).
///
/// # Example
///
/// Log in and log out as values the handler returns:
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// use axum::response::{IntoResponse, Redirect};
/// use sessionkit::{Keys, Session, SetSession};
///
/// #[derive(Serialize, Deserialize, Session)]
/// #[session(cookie = "session", ttl = "7d")]
/// struct UserSession {
///     user_id: String,
/// }
///
/// let keys = Keys::generate().0;
/// let login = (SetSession(UserSession { user_id: "42".into() }.cookie(&keys)?), Redirect::to("/dashboard"));
/// let response = login.into_response();
/// assert!(response.headers()["set-cookie"].to_str().unwrap().starts_with("session="));
/// assert_eq!(response.headers()["cache-control"], "no-store");
///
/// let logout = (SetSession(UserSession::removal_cookie()), Redirect::to("/login")).into_response();
/// assert!(logout.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
/// # Ok::<(), sessionkit::Error>(())
/// ```
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use sessionkit_runtime::axum::SetSession;

/// Every `Set-Cookie` of a session as a response part (feature `axum`): what
/// [`Session::cookies`] gives a `chunked` type, its chunks and the removals that go with
/// them.
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use sessionkit_runtime::axum::SetSessionCookies;

/// The guide's proxy as an axum layer: route protection and the rolling refresh (feature `axum`).
///
/// # Example
///
/// The guide's proxy in front of an axum app, with the extractor behind it:
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// use axum::{Router, body::Body, http::Request, routing::get};
/// use sessionkit::{Keys, Session, SessionGuard, Verified};
/// use tower::ServiceExt;
///
/// #[derive(Serialize, Deserialize, Session)]
/// #[session(cookie = "session", ttl = "7d")]
/// struct UserSession {
///     user_id: String,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let keys = Keys::generate().0;
/// let app = Router::new()
///     .route("/dashboard", get(|session: Verified<UserSession>| async move { session.user_id.clone() }))
///     .route("/login", get(|| async { "log in" }))
///     .layer(
///         SessionGuard::stateless::<UserSession>(keys.clone())
///             .protect("/dashboard")
///             .public_only("/login")
///             .login_path("/login")
///             .home_path("/dashboard"),
///     );
/// // The guard gives the extractor behind it its keys: the router needs no state.
///
/// // Without a session, a browser's navigation to the dashboard goes to the login page...
/// let anonymous = Request::get("/dashboard")
///     .header("sec-fetch-mode", "navigate")
///     .body(Body::empty())
///     .unwrap();
/// let response = app.clone().oneshot(anonymous).await.unwrap();
/// assert_eq!(response.headers()["location"], "/login");
/// // ...and an API call gets `401 {"error":"unauthorized"}`.
/// let call = Request::get("/dashboard").body(Body::empty()).unwrap();
/// assert_eq!(app.clone().oneshot(call).await.unwrap().status(), 401);
///
/// // With one, the handler runs, and the extractor reuses the guard's verification.
/// let token = UserSession { user_id: "42".into() }.encrypt(&keys)?;
/// let signed_in = Request::get("/dashboard")
///     .header("cookie", format!("session={token}"))
///     .body(Body::empty())
///     .unwrap();
/// assert_eq!(app.oneshot(signed_in).await.unwrap().status(), 200);
/// # Ok::<(), sessionkit::Error>(()) }).unwrap();
/// ```
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use sessionkit_runtime::axum::SessionGuard;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use sessionkit_runtime::axum::{Rejection, Unauthorized};

/// Gives each session type its keys or manager through the request (features `axum` or
/// `actix`), so that the extractors work in any router state and several session types,
/// each under its own secret, live in one app.
///
/// # Example
///
/// An API that reads the Next.js app's Auth.js cookie and its own session, with two
/// secrets, in a router whose state is `()`:
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// use axum::{Router, body::Body, http::Request, routing::get};
/// use sessionkit::{Keys, Session, SessionLayer, Verified};
/// use tower::ServiceExt;
///
/// #[derive(Serialize, Deserialize, Session)]
/// #[session(cookie = "authjs.session-token", ttl = "30d", format = "authjs")]
/// struct AuthJsSession {
///     sub: String,
/// }
///
/// #[derive(Serialize, Deserialize, Session)]
/// #[session(cookie = "api", ttl = "7d")]
/// struct ApiSession {
///     user_id: String,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// // AUTH_SECRET, shared with the Next.js app; the API's own secret is another.
/// let auth_secret = Keys::new("a secret the Next.js app shares with the API")?;
/// let api_keys = Keys::generate().0;
/// let app: Router = Router::new()
///     .route(
///         "/me",
///         get(|web: Verified<AuthJsSession>, api: Option<Verified<ApiSession>>| async move {
///             format!("{} {}", web.sub, api.map_or("-".into(), |api| api.user_id.clone()))
///         }),
///     )
///     .layer(
///         SessionLayer::new()
///             .keys::<AuthJsSession>(auth_secret.clone())
///             .keys::<ApiSession>(api_keys.clone()),
///     );
///
/// let web = AuthJsSession { sub: "u1".into() }.encrypt(&auth_secret)?;
/// let api = ApiSession { user_id: "42".into() }.encrypt(&api_keys)?;
/// let request = Request::get("/me")
///     .header("cookie", format!("authjs.session-token={web}; api={api}"))
///     .body(Body::empty())
///     .unwrap();
/// let response = app.oneshot(request).await.unwrap();
/// assert_eq!(response.status(), 200);
/// # Ok::<(), sessionkit::Error>(()) }).unwrap();
/// ```
#[cfg(any(feature = "axum", feature = "actix"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
pub use sessionkit_runtime::SessionLayer;

/// How the guard treats cross-origin requests with unsafe methods (CSRF protection, on by
/// default as [`CrossOrigin::Protect`]): `SessionGuard::cross_origin(CrossOrigin::...)`.
#[cfg(any(feature = "axum", feature = "actix"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
pub use sessionkit_runtime::CrossOrigin;

// As for `axum`: the module's own docs are its summary.
#[cfg(feature = "leptos")]
#[cfg_attr(docsrs, doc(cfg(feature = "leptos")))]
pub use sessionkit_runtime::leptos;

#[cfg(feature = "dioxus")]
#[cfg_attr(docsrs, doc(cfg(feature = "dioxus")))]
pub use sessionkit_runtime::dioxus;

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub use sessionkit_runtime::actix;

pub use sessionkit_runtime::{
    AUTH_TIME, Algorithm, Cookie, EnvProblem, Error, Format, HKDF_INFO_PREFIX, HKDF_SALT,
    HKDF_SALT_SIGNED, HasUserId, MAX_COOKIE_SIZE, SameSite, Secret, Session, SessionConfig, UserId,
    cookie, derive_content_key, derive_signing_key, derive_ticket_key, find_session_cookie,
    max_chunks, route,
};
pub use time;

/// Paths the derive's generated code uses. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use sessionkit_runtime::{Algorithm, Format, SameSite, SessionConfig, user_id_text};
    pub use std::string::{String, ToString};
}
