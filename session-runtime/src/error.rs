//! The one error type. Its messages name the cause and never print a secret or a token.

use std::fmt;

use time::OffsetDateTime;

/// Why a token, a cookie or a key was refused.
///
/// Each variant is one cause, so a caller can tell "log in again" ([`Error::Expired`],
/// [`Error::Missing`]) from "somebody is tampering" ([`Error::Signature`],
/// [`Error::Decryption`]). Neither `Display` nor `Debug` contains key material, a token, a
/// session id or a value from a payload: [`Error::Payload`] names the field path and the
/// expected type only. A store's own message ([`crate::db::StoreError::message`]) is the
/// backend's text about its failure.
///
/// `Debug` prints the same message as `Display`, so an error returned from `main` (or shown
/// by anyhow or eyre) reads as a sentence with its hint, not as a struct. Match on the
/// variants, or use [`Error::cause`], to tell causes apart in code.
///
/// A handler that returns it with `?` gets an HTTP answer from [`Error::status`] (the
/// `axum` and `actix` features implement `IntoResponse` and `ResponseError` with it).
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No session: the cookie is absent or empty, or the token is the empty string.
    #[error("no session cookie or token was presented")]
    Missing,
    /// The token is not a well-formed compact JWS/JWE for this session type.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The token's `alg`/`enc` is not the one this session type is configured with.
    #[error("token algorithm is not allowed: expected {expected}")]
    Algorithm {
        /// The configured algorithm.
        expected: &'static str,
    },
    /// The token header lists a `crit` extension this library does not implement.
    #[error("token header marks extensions as critical, and none are supported")]
    CriticalHeader,
    /// The token carries a key id (`kid`) that no configured key has.
    #[error("token was made with a key id that is not configured")]
    UnknownKey,
    /// The signature does not match any configured key: tampered, or a foreign key.
    #[error("token signature is invalid")]
    Signature,
    /// The encrypted token does not open with any configured key: tampered, or foreign.
    #[error("token could not be decrypted")]
    Decryption,
    /// The token's `exp` has passed (`exp <= now - leeway`).
    #[error("session expired at {}", utc(.expired_at))]
    Expired {
        /// When it expired.
        expired_at: OffsetDateTime,
    },
    /// The token's `nbf` lies in the future (`nbf > now + leeway`).
    #[error("session is not valid before {}", utc(.not_before))]
    NotYetValid {
        /// When it becomes valid.
        not_before: OffsetDateTime,
    },
    /// A registered claim is missing or malformed (`exp`, `iat`, `nbf`, `auth_time`), or
    /// `iss`/`aud` do not match the configuration.
    #[error("invalid token claims: {0}")]
    Claims(&'static str),
    /// The verified claims do not deserialize into the session type: where (the field path)
    /// and what was expected, never the value found.
    #[error("session payload does not match the session type: {0}")]
    Payload(String),
    /// The session could not be serialized, or does not serialize to a JSON object.
    #[error("session could not be serialized: {0}")]
    Serialize(String),
    /// A secret shorter than [`crate::Keys::MIN_SECRET_LEN`] bytes.
    #[error("session secret is {len} bytes; at least {min} are required")]
    KeyTooShort {
        /// Its length in bytes.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// An environment variable could not supply a key.
    #[error("environment variable `{var}` {problem}")]
    Env {
        /// The variable's name.
        var: String,
        /// What is wrong with it.
        problem: EnvProblem,
    },
    /// A cookie sessionkit was asked to make (name and value, or a chunked type's token)
    /// would pass what browsers store: a fault of the server (500).
    #[error("session cookie is {size} bytes; browsers drop cookies over {limit}")]
    TooLarge {
        /// The size of name plus value, or of the token.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A session cookie or token that *arrived* larger than any this type writes (a cookie
    /// over 4096 bytes, more chunks than the type's limit, a token passed to `decrypt`):
    /// refused before any decoding, a refused session (401), never a server fault.
    #[error(
        "the presented session cookie is {size} bytes; this session type reads at most {limit}"
    )]
    CookieTooLarge {
        /// The size of name plus value, or of the presented token.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The `Cookie:` header holds the session cookie more than once. See
    /// [`crate::find_session_cookie`] for why this is refused.
    #[error("the session cookie appears {count} times in the request")]
    DuplicateCookie {
        /// How many times.
        count: usize,
    },
    /// A database session is not in the store: revoked, expired, or never created.
    #[error("the session is not in the store (revoked or expired)")]
    SessionNotFound,
    /// A stateless token of a `revocable` type was issued before its user's watermark:
    /// `Revocations::revoke_user_tokens` ended it ("log out everywhere").
    #[error("the token was revoked: its user logged out everywhere after it was issued")]
    Revoked,
    /// A write was based on a session that another request has changed since it was
    /// loaded; nothing was written. Load it again (or use `SessionManager::modify`, which
    /// does so by itself).
    #[error("the session was changed by another request since it was loaded")]
    SessionChanged,
    /// An update would give the session another user, and the store keeps each user's
    /// sessions in their own place (a Redis Cluster's hash slot): use
    /// `SessionManager::regenerate_with`, which moves it there under a new id and returns
    /// its new cookie. Nothing was written.
    #[error("the session's user changed: regenerate it (`regenerate_with`) to move it")]
    UserChanged,
    /// A value given to a database session is not acceptable (a user id or a label that
    /// is empty, too long, or holds control characters). Refused before it reaches the
    /// store: a client error, never an outage.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The session store failed.
    #[error("{0}")]
    Store(StoreError),
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

/// A time as people read it in a message: `2026-12-04 07:11:15 UTC`.
pub(crate) fn utc(at: &OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    at.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_else(|_| at.to_string())
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Error {
    /// The HTTP status a handler should answer with when this error ends a request:
    ///
    /// - `401 Unauthorized` for every refused session (missing, malformed, tampered,
    ///   foreign, expired, revoked, duplicated cookie, a payload of another shape): the
    ///   client is not signed in;
    /// - `400 Bad Request` for [`Error::InvalidInput`] (an empty user id, say);
    /// - `409 Conflict` for [`Error::SessionChanged`]: another request changed the session;
    /// - `503 Service Unavailable` for a store outage ([`StoreErrorKind::Unavailable`]);
    /// - `500 Internal Server Error` for the server's own faults: a key or environment
    ///   variable that is wrong, a session too large for a cookie when it is made
    ///   ([`Error::TooLarge`]), a payload that cannot be serialized, a store that refused
    ///   or returned bad data, a failed random number generator, an update that needed
    ///   `regenerate_with` ([`Error::UserChanged`]).
    ///
    /// The status is all a response should say: the adapters' bodies carry only its
    /// reason phrase, never this error's message.
    pub fn status(&self) -> u16 {
        match self {
            Error::Missing
            | Error::Malformed(_)
            | Error::Algorithm { .. }
            | Error::CriticalHeader
            | Error::UnknownKey
            | Error::Signature
            | Error::Decryption
            | Error::Expired { .. }
            | Error::NotYetValid { .. }
            | Error::Claims(_)
            | Error::Payload(_)
            | Error::DuplicateCookie { .. }
            | Error::CookieTooLarge { .. }
            | Error::SessionNotFound
            | Error::Revoked => 401,
            Error::InvalidInput(_) => 400,
            Error::SessionChanged => 409,
            Error::Store(StoreError {
                kind: StoreErrorKind::Unavailable,
                ..
            }) => 503,
            Error::Serialize(_)
            | Error::KeyTooShort { .. }
            | Error::Env { .. }
            | Error::TooLarge { .. }
            | Error::Store(_)
            | Error::UserChanged
            | Error::Random => 500,
        }
    }

    /// A short, stable name of the cause (`"expired"`, `"signature"`, `"session-not-found"`,
    /// ...), for logs and metrics. It never carries data from the request.
    pub fn cause(&self) -> &'static str {
        match self {
            Error::Missing => "missing",
            Error::Malformed(_) => "malformed",
            Error::Algorithm { .. } => "algorithm",
            Error::CriticalHeader => "critical-header",
            Error::UnknownKey => "unknown-key",
            Error::Signature => "signature",
            Error::Decryption => "decryption",
            Error::Expired { .. } => "expired",
            Error::NotYetValid { .. } => "not-yet-valid",
            Error::Claims(_) => "claims",
            Error::Payload(_) => "payload",
            Error::Serialize(_) => "serialize",
            Error::KeyTooShort { .. } => "key-too-short",
            Error::Env { .. } => "env",
            Error::TooLarge { .. } => "too-large",
            Error::CookieTooLarge { .. } => "cookie-too-large",
            Error::DuplicateCookie { .. } => "duplicate-cookie",
            Error::SessionNotFound => "session-not-found",
            Error::Revoked => "revoked",
            Error::SessionChanged => "session-changed",
            Error::UserChanged => "user-changed",
            Error::InvalidInput(_) => "invalid-input",
            Error::Store(_) => "store",
            Error::Random => "random",
        }
    }
}

/// What is wrong with the environment variable behind [`Error::Env`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvProblem {
    /// The variable is not set.
    #[error("is not set")]
    Missing,
    /// The variable is set but not valid Unicode.
    #[error("is not valid UTF-8")]
    NotUnicode,
    /// The variable is set to the empty string.
    #[error("is empty")]
    Empty,
    /// The variable holds fewer bytes than a key needs.
    #[error("holds {len} bytes; at least {min} are required (try `openssl rand -base64 32`)")]
    TooShort {
        /// Its length in bytes.
        len: usize,
        /// The minimum.
        min: usize,
    },
}

/// A failure of the store itself, carried by [`Error::Store`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    /// What kind of failure.
    pub kind: StoreErrorKind,
    /// The backend's message. It never contains a session id.
    pub message: String,
}

/// The kinds of [`StoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// A record with that key already exists.
    Conflict,
    /// The backend could not be reached or failed; retrying later may succeed. This means
    /// an outage and nothing else: bad input is refused before it reaches the store.
    Unavailable,
    /// A stored record could not be read back.
    Corrupt,
    /// The backend refused the data itself (a value it cannot store). Retrying the same
    /// write will fail again; this is not an outage.
    Rejected,
}

impl StoreError {
    /// An [`Error::Store`] of the given kind.
    pub fn error(kind: StoreErrorKind, message: impl fmt::Display) -> Error {
        Error::Store(StoreError {
            kind,
            message: message.to_string(),
        })
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            StoreErrorKind::Conflict => "a session with that id already exists",
            StoreErrorKind::Unavailable => "the session store is unavailable",
            StoreErrorKind::Corrupt => "a stored session could not be read",
            StoreErrorKind::Rejected => "the session store refused the data",
        };
        write!(f, "{kind}: {}", self.message)
    }
}
