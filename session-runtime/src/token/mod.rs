//! Everything about the token format: sealing and opening tokens with the compact JWS
//! ([`jws`]) and JWE ([`jwe`]) codecs, chosen by the session type's [`Algorithm`], or with
//! another library's format ([`nextjs`] for Auth.js and NextAuth.js v4, [`iron`] for
//! iron-session) chosen by its [`Format`], around the claims envelope ([`claims`], read in
//! one pass by [`payload`]), the times a token carries ([`times`]) and the [`Verified`]
//! payload that comes out.
//!
//! Files depend only downwards: `mod.rs` on the codecs and the envelope; `jws`, `jwe` and
//! `nextjs` on `compact`; `claims` on `payload` and `times`; `verified` on `times`.

pub(crate) mod claims;
mod compact;
mod iron;
pub(crate) mod jwe;
pub(crate) mod jws;
mod nextjs;
mod payload;
pub(crate) mod times;
mod verified;

pub use self::times::AUTH_TIME;
pub(crate) use self::times::{Times, timestamp};
pub use self::verified::Verified;

use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::config::{Algorithm, Format, SessionConfig};
use crate::cookies::{self, Carried};
use crate::error::Error;
use crate::keys::{Binding, Keys, Purpose};
use cookie::Cookie;

/// The `exp` values that a cookie's `Expires` (an [`OffsetDateTime`]) can carry.
const EXPIRY_RANGE: std::ops::RangeInclusive<i64> =
    time::PrimitiveDateTime::MIN.assume_utc().unix_timestamp()
        ..=time::PrimitiveDateTime::MAX.assume_utc().unix_timestamp();

/// The policy a token of `purpose` is made and read under: a database ticket is always
/// sessionkit's own JWE (see [`SessionConfig::for_tickets`]).
fn policy(config: &SessionConfig, purpose: Purpose) -> SessionConfig {
    match purpose {
        Purpose::Session => *config,
        Purpose::Ticket => config.for_tickets(),
    }
}

/// Makes a token for `payload` with the primary key, carrying `times`.
pub(crate) fn seal<T: Serialize>(
    config: &SessionConfig,
    purpose: Purpose,
    keys: &Keys,
    payload: &T,
    times: Times,
) -> Result<String, Error> {
    let config = &policy(config, purpose);
    // Checked as a number: the date itself is only needed for a cookie's `Expires`.
    if !EXPIRY_RANGE.contains(&times.exp) {
        return Err(Error::Serialize("the expiry time is out of range".into()));
    }
    let key = keys.primary();
    let binding = Binding::of(config, purpose);
    let token = match config.format {
        Format::Jose => {
            let json = claims::encode(config, payload, times)?;
            match config.algorithm {
                Algorithm::A256Gcm => jwe::seal(&binding, key, json)?,
                _ => jws::seal(&binding, key, &json)?,
            }
        }
        Format::AuthJs | Format::NextAuthV4 => {
            let jti = nextjs::random_uuid()?;
            let json = claims::encode_with_id(config, payload, times, Some(&jti))?;
            nextjs::seal(&binding, key, json)?
        }
        Format::Iron => {
            let json = claims::encode_bare(config, payload)?;
            iron::seal(keys, json, times.exp.saturating_mul(1000))?
        }
    };
    // What decrypt refuses, encrypt must not hand out.
    let (size, limit) = cookies::token_size(config, &token);
    if size > limit {
        return Err(Error::TooLarge { size, limit });
    }
    Ok(token)
}

/// Makes a token and the `Set-Cookie` cookies that carry it (one, or its chunks for a
/// chunked type), with `Max-Age` the time from `iat` to `exp` (less iron-session's minute for
/// its format). `carried` is what the request held, whose leftover chunks are removed.
pub(crate) fn seal_cookies<T: Serialize>(
    config: &SessionConfig,
    purpose: Purpose,
    keys: &Keys,
    payload: &T,
    times: Times,
    carried: &Carried,
) -> Result<Vec<Cookie<'static>>, Error> {
    let token = seal(config, purpose, keys, payload, times)?;
    let max_age = config.cookie_max_age(times.exp.saturating_sub(times.iat));
    cookies::session_cookies(config, token, timestamp(times.exp), max_age, carried)
}

/// [`seal_cookies`] for a renewal of `session`: its payload, with every member its token
/// carried that the payload type did not read, unchanged (only the registered claims are
/// new).
pub(crate) fn renew_cookies<T: Serialize>(
    config: &SessionConfig,
    keys: &Keys,
    session: &Verified<T>,
    times: Times,
    carried: &Carried,
) -> Result<Vec<Cookie<'static>>, Error> {
    let purpose = Purpose::Session;
    match session.unread().is_empty() {
        true => seal_cookies(config, purpose, keys, &**session, times, carried),
        false => {
            let preserving = payload::Preserving::new(&**session, session.unread());
            seal_cookies(config, purpose, keys, &preserving, times, carried)
        }
    }
}

/// [`renew_cookies`] for a type whose token fits one cookie.
pub(crate) fn renew_cookie<T: Serialize>(
    config: &SessionConfig,
    keys: &Keys,
    session: &Verified<T>,
    times: Times,
) -> Result<Cookie<'static>, Error> {
    let purpose = Purpose::Session;
    match session.unread().is_empty() {
        true => seal_cookie(config, purpose, keys, &**session, times),
        false => {
            let preserving = payload::Preserving::new(&**session, session.unread());
            seal_cookie(config, purpose, keys, &preserving, times)
        }
    }
}

/// [`seal_cookies`] for a type whose token fits one cookie: that cookie, or `TooLarge`.
pub(crate) fn seal_cookie<T: Serialize>(
    config: &SessionConfig,
    purpose: Purpose,
    keys: &Keys,
    payload: &T,
    times: Times,
) -> Result<Cookie<'static>, Error> {
    let config = &policy(config, purpose);
    let token = seal(config, purpose, keys, payload, times)?;
    let max_age = config.cookie_max_age(times.exp.saturating_sub(times.iat));
    cookies::session_cookie(config, token, timestamp(times.exp), max_age)
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
    let config = &policy(config, purpose);
    if token.is_empty() {
        return Err(Error::Missing);
    }
    // Bounded before any decoding, so an oversized value costs nothing.
    let limit = cookies::max_token_len(config);
    if token.len() > limit {
        return Err(Error::CookieTooLarge {
            size: token.len(),
            limit,
        });
    }
    let binding = Binding::of(config, purpose);
    let (json, key_index) = match config.format {
        Format::Jose => match config.algorithm {
            Algorithm::A256Gcm => jwe::open(&binding, keys, token)?,
            _ => jws::open(&binding, keys, token)?,
        },
        Format::AuthJs | Format::NextAuthV4 => nextjs::open(&binding, keys, token)?,
        Format::Iron => return open_iron(config, keys, token, now),
    };
    // serde_json does not look inside the strings it skips, so the whole claims set is
    // checked here: RFC 7519 requires UTF-8 JSON, and jose's decoder is fatal on anything else.
    if std::str::from_utf8(&json).is_err() {
        return Err(Error::Malformed("the claims are not UTF-8"));
    }
    claims::check_binding(config, &json)?;
    // A ticket's lifetime cap is kept by the store, which knows when the session began.
    let cap = match purpose {
        Purpose::Session => config.max_lifetime(),
        Purpose::Ticket => None,
    };
    let (value, lifetime, unread) = claims::open::<T>(config, cap, &json, now)?;
    Ok(Verified::new(value, lifetime, key_index).with_unread(unread))
}

/// An iron seal: the expiry is the seal's own, and the JSON is the session alone.
fn open_iron<T: DeserializeOwned>(
    config: &SessionConfig,
    keys: &Keys,
    token: &str,
    now: OffsetDateTime,
) -> Result<Verified<T>, Error> {
    let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    let leeway_ms = config.leeway().whole_milliseconds();
    let leeway_ms = i64::try_from(leeway_ms).unwrap_or(i64::MAX);
    let opened = iron::open(keys, token, now_ms, leeway_ms)?;
    if std::str::from_utf8(&opened.json).is_err() {
        return Err(Error::Malformed("the session is not UTF-8"));
    }
    claims::check_binding(config, &opened.json)?;
    let (value, unread) = claims::decode_bare::<T>(&opened.json)?;
    let lifetime = times::Lifetime {
        issued_at: None,
        expires_at: timestamp(opened.expires_ms.div_euclid(1000)),
        authenticated_at: None,
    };
    Ok(Verified::new(value, lifetime, opened.key_index).with_unread(unread))
}

/// Finds the session cookie of `config` in a `Cookie:` request header (its chunks, joined,
/// for a chunked type) and opens it.
pub(crate) fn open_cookie<T: DeserializeOwned>(
    config: &SessionConfig,
    purpose: Purpose,
    keys: &Keys,
    cookie_header: &str,
    now: OffsetDateTime,
) -> Result<Verified<T>, Error> {
    let config = &policy(config, purpose);
    let token = cookies::read_session_value(cookie_header, config)
        .inspect_err(|err| rejected(config, purpose, err))?;
    open(config, purpose, keys, &token, now)
}

#[cfg(test)]
mod tests {
    use super::compact::Header;
    use super::{EXPIRY_RANGE, Times, seal, seal_cookie};
    use crate::config::SessionConfig;
    use crate::error::Error;
    use crate::keys::{Keys, Purpose};

    /// An expiry that no cookie date can carry is refused when the token is made, not
    /// clamped when its cookie is written; the range's ends are still accepted.
    #[test]
    fn an_expiry_beyond_the_calendar_is_refused() {
        let keys = Keys::new("an expiry test secret of thirty-two bytes").unwrap();
        let config = SessionConfig::DEFAULT;
        let at = |exp| Times {
            iat: 0,
            exp,
            auth_time: None,
        };
        let payload = serde_json::json!({ "user": "u" });
        for exp in [*EXPIRY_RANGE.end() + 1, *EXPIRY_RANGE.start() - 1, i64::MAX] {
            let refused = seal(&config, Purpose::Session, &keys, &payload, at(exp));
            assert!(matches!(refused, Err(Error::Serialize(_))), "{exp}");
            let refused = seal_cookie(&config, Purpose::Ticket, &keys, &payload, at(exp));
            assert!(matches!(refused, Err(Error::Serialize(_))), "{exp}");
        }
        for exp in [*EXPIRY_RANGE.start(), *EXPIRY_RANGE.end()] {
            let cookie = seal_cookie(&config, Purpose::Session, &keys, &payload, at(exp)).unwrap();
            let expires = cookie.expires_datetime().unwrap();
            assert_eq!(expires.unix_timestamp(), exp);
        }
    }

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
