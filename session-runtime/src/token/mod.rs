//! Everything about the token format: sealing and opening tokens with the compact JWS
//! ([`jws`]) and JWE ([`jwe`]) codecs, chosen by the session type's [`Algorithm`], around
//! the claims envelope ([`claims`], read in one pass by [`payload`]), the times a token
//! carries ([`times`]) and the [`Verified`] payload that comes out.
//!
//! Files depend only downwards: `mod.rs` on the codecs and the envelope; `jws` and `jwe` on
//! `compact`; `claims` on `payload` and `times`; `verified` on `times`.

pub(crate) mod claims;
mod compact;
pub(crate) mod jwe;
pub(crate) mod jws;
mod payload;
pub(crate) mod times;
mod verified;

pub use self::times::AUTH_TIME;
pub(crate) use self::times::{Times, timestamp};
pub use self::verified::Verified;

use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::config::{Algorithm, SessionConfig};
use crate::cookies::{MAX_COOKIE_SIZE, find_session_cookie, session_cookie};
use crate::error::Error;
use crate::keys::{Binding, Keys, Purpose};
use cookie::Cookie;

/// A token and the expiry written into it.
pub(crate) struct Sealed {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

/// Makes a token for `payload` with the primary key, carrying `times`.
pub(crate) fn seal<T: Serialize>(
    config: &SessionConfig,
    purpose: Purpose,
    keys: &Keys,
    payload: &T,
    times: Times,
) -> Result<Sealed, Error> {
    let expires_at = OffsetDateTime::from_unix_timestamp(times.exp)
        .map_err(|_| Error::Serialize("the expiry time is out of range".into()))?;
    let json = claims::encode(config, payload, times)?;
    let key = keys.primary();
    let binding = Binding::of(config, purpose);
    let token = match config.algorithm {
        Algorithm::A256Gcm => jwe::seal(&binding, key, json)?,
        _ => jws::seal(&binding, key, &json)?,
    };
    // What decrypt refuses, encrypt must not hand out.
    let size = config.cookie_name.len() + token.len();
    if size > MAX_COOKIE_SIZE {
        return Err(Error::TooLarge {
            size,
            limit: MAX_COOKIE_SIZE,
        });
    }
    Ok(Sealed { token, expires_at })
}

/// Makes a token and the `Set-Cookie` cookie that carries it, with `Max-Age` the time from
/// `iat` to `exp`.
pub(crate) fn seal_cookie<T: Serialize>(
    config: &SessionConfig,
    purpose: Purpose,
    keys: &Keys,
    payload: &T,
    times: Times,
) -> Result<Cookie<'static>, Error> {
    let sealed = seal(config, purpose, keys, payload, times)?;
    let max_age = time::Duration::seconds(times.exp.saturating_sub(times.iat));
    session_cookie(config, sealed.token, sealed.expires_at, max_age)
}

/// Verifies `token` (algorithm, key, integrity, expiry) and deserializes the payload. Every
/// refusal is logged at `debug` with its cause and the session type's cookie name, never
/// with the token or anything in it.
pub(crate) fn open<T: DeserializeOwned>(
    config: &SessionConfig,
    purpose: Purpose,
    keys: &Keys,
    token: &str,
    now: OffsetDateTime,
) -> Result<Verified<T>, Error> {
    open_unlogged(config, purpose, keys, token, now)
        .inspect_err(|err| rejected(config, purpose, err))
}

/// The one place a refused session is logged.
fn rejected(config: &SessionConfig, purpose: Purpose, err: &Error) {
    tracing::debug!(
        cookie = config.cookie_name,
        purpose = ?purpose,
        cause = err.cause(),
        "session refused: {err}"
    );
}

fn open_unlogged<T: DeserializeOwned>(
    config: &SessionConfig,
    purpose: Purpose,
    keys: &Keys,
    token: &str,
    now: OffsetDateTime,
) -> Result<Verified<T>, Error> {
    if token.is_empty() {
        return Err(Error::Missing);
    }
    // Bounded before any decoding, so an oversized value costs nothing.
    if token.len() > MAX_COOKIE_SIZE {
        return Err(Error::TooLarge {
            size: token.len(),
            limit: MAX_COOKIE_SIZE,
        });
    }
    let binding = Binding::of(config, purpose);
    let (json, key_index) = match config.algorithm {
        Algorithm::A256Gcm => jwe::open(&binding, keys, token)?,
        _ => jws::open(&binding, keys, token)?,
    };
    // serde_json does not look inside the strings it skips, so the whole claims set is
    // checked here: RFC 7519 requires UTF-8 JSON, and jose's decoder is fatal on anything else.
    if std::str::from_utf8(&json).is_err() {
        return Err(Error::Malformed("the claims are not UTF-8"));
    }
    // A ticket's lifetime cap is kept by the store, which knows when the session began.
    let cap = match purpose {
        Purpose::Session => config.max_lifetime(),
        Purpose::Ticket => None,
    };
    let (value, lifetime) = claims::open(config, cap, &json, now)?;
    Ok(Verified::new(value, lifetime, key_index))
}

/// Finds the session cookie of `config` in a `Cookie:` request header and opens it.
pub(crate) fn open_cookie<T: DeserializeOwned>(
    config: &SessionConfig,
    purpose: Purpose,
    keys: &Keys,
    cookie_header: &str,
    now: OffsetDateTime,
) -> Result<Verified<T>, Error> {
    let token = find_session_cookie(cookie_header, config.cookie_name)
        .inspect_err(|err| rejected(config, purpose, err))?;
    open(config, purpose, keys, token, now)
}

#[cfg(test)]
mod tests {
    use super::compact::Header;

    #[test]
    fn plain_headers_match_the_precomputed_segments() {
        use crate::config::Algorithm;
        use crate::token::{jwe, jws};
        for alg in [Algorithm::Hs256, Algorithm::Hs384, Algorithm::Hs512] {
            assert_eq!(
                jws::plain_header(alg),
                Header::encode(&[("alg", alg.name())], None)
            );
        }
        assert_eq!(
            jwe::PLAIN_HEADER,
            Header::encode(&[("alg", "dir"), ("enc", "A256GCM")], None)
        );
    }
}
