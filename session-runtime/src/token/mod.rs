//! Sealing and opening tokens: the compact JWS ([`jws`]) and JWE ([`jwe`]) codecs, chosen
//! by the session type's [`Algorithm`], around the claims envelope.

pub(crate) mod jwe;
pub(crate) mod jws;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::claims;
use crate::config::{Algorithm, SessionConfig};
use crate::cookies::{MAX_COOKIE_SIZE, find_session_cookie, session_cookie};
use crate::error::Error;
use crate::keys::{Binding, Keys, Purpose};
use crate::verified::Verified;
use cookie::Cookie;

/// A token and the expiry written into it.
pub(crate) struct Sealed {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

/// The times written into a new token, in Unix seconds.
#[derive(Clone, Copy)]
pub(crate) struct Times {
    pub iat: i64,
    pub exp: i64,
    /// The original sign-in, written as `auth_time` when the type has a `max_lifetime`.
    pub auth_time: Option<i64>,
}

impl Times {
    /// A fresh sign-in at `now`: valid for the ttl, and the start of the lifetime cap.
    pub(crate) fn signed_in(config: &SessionConfig, now: OffsetDateTime) -> Result<Times, Error> {
        let iat = now.unix_timestamp();
        let exp = iat
            .checked_add(config.ttl().whole_seconds())
            .ok_or(Error::Serialize("the expiry time is out of range".into()))?;
        Ok(Times {
            iat,
            exp,
            auth_time: config.max_lifetime().map(|_| iat),
        })
    }

    /// A renewal at `now` of a session first signed in at `auth_time`: the ttl from now,
    /// but never past `auth_time + max_lifetime`. A session already at its cap is
    /// [`Error::Expired`]: no renewal brings it back.
    pub(crate) fn renewed(
        config: &SessionConfig,
        auth_time: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<Times, Error> {
        let mut times = Times::signed_in(config, now)?;
        let (Some(max), Some(auth_time)) = (config.max_lifetime(), auth_time) else {
            return Ok(times);
        };
        let auth_time = auth_time.unix_timestamp();
        let cap = auth_time.saturating_add(max.whole_seconds());
        if cap <= times.iat {
            return Err(Error::Expired {
                expired_at: claims::timestamp(cap),
            });
        }
        times.exp = times.exp.min(cap);
        times.auth_time = Some(auth_time);
        Ok(times)
    }
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

/// The protected header members this library reads.
///
/// Unknown members (`typ`, `cty`, ...) are ignored, as jose ignores them, except `crit`,
/// which RFC 7515 says must be understood (no extension is implemented, so any `crit`, of
/// any JSON type, is refused), and `zip`, which is not supported.
pub(crate) struct Header {
    pub alg: Option<String>,
    pub enc: Option<String>,
    pub kid: Option<String>,
}

impl Header {
    /// Decodes and screens a base64url header segment.
    pub(crate) fn decode(segment: &str) -> Result<Header, Error> {
        let bytes = decode_segment(segment)?;
        // serde_json skips unknown members without checking their strings: the whole
        // header must be UTF-8, as RFC 7515 requires and jose enforces.
        if std::str::from_utf8(&bytes).is_err() {
            return Err(Error::Malformed("the header is not UTF-8"));
        }
        let mut members: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&bytes)
                .map_err(|_| Error::Malformed("the header is not a JSON object"))?;
        if members.contains_key("crit") {
            return Err(Error::CriticalHeader);
        }
        if members.contains_key("zip") {
            return Err(Error::Malformed("compressed tokens are not supported"));
        }
        // An `alg` or `enc` that is not a string names no algorithm: it is kept as an empty
        // name, which never equals the configured one, so it is refused as `Algorithm`.
        let mut algorithm = |name: &str| match members.remove(name) {
            None => None,
            Some(serde_json::Value::String(value)) => Some(value),
            Some(_) => Some(String::new()),
        };
        let alg = algorithm("alg");
        let enc = algorithm("enc");
        let kid = match members.remove("kid") {
            None => None,
            Some(serde_json::Value::String(kid)) => Some(kid),
            Some(_) => return Err(Error::Malformed("the header's `kid` is not a string")),
        };
        Ok(Header { alg, enc, kid })
    }

    /// The header a key writes: exactly jose's `{"alg":...}` unless the key has an id.
    pub(crate) fn encode(fields: &[(&str, &str)], kid: Option<&str>) -> String {
        let mut map = serde_json::Map::new();
        for (name, value) in fields {
            map.insert((*name).to_owned(), (*value).into());
        }
        if let Some(kid) = kid {
            map.insert("kid".to_owned(), kid.into());
        }
        URL_SAFE_NO_PAD.encode(serde_json::Value::Object(map).to_string())
    }
}

/// A compact token being written: ASCII only (base64url, dots and encoded headers), so its
/// bytes are collected directly and become a `String` once, at the end. Encoding straight
/// into the buffer skips base64's chunked writer, which copies and re-validates each piece.
pub(crate) struct Compact(Vec<u8>);

impl Compact {
    pub(crate) fn with_capacity(capacity: usize) -> Compact {
        Compact(Vec::with_capacity(capacity))
    }

    pub(crate) fn push_str(&mut self, text: &str) {
        self.0.extend_from_slice(text.as_bytes());
    }

    pub(crate) fn push_dot(&mut self) {
        self.0.push(b'.');
    }

    /// Appends the base64url (unpadded) of `bytes`.
    pub(crate) fn push_base64(&mut self, bytes: &[u8]) {
        let start = self.0.len();
        let encoded = base64_len(bytes.len());
        self.0.resize(start + encoded, 0);
        let written = URL_SAFE_NO_PAD
            .encode_slice(bytes, &mut self.0[start..])
            .expect("the buffer is sized to the encoding");
        debug_assert_eq!(written, encoded);
    }

    /// Everything written so far.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn finish(self) -> String {
        String::from_utf8(self.0).expect("a compact token is ASCII")
    }
}

/// The length of the unpadded base64url of `bytes` bytes.
pub(crate) const fn base64_len(bytes: usize) -> usize {
    match base64::encoded_len(bytes, false) {
        Some(len) => len,
        None => panic!("a token's parts are far below usize::MAX"),
    }
}

/// The `N` dot-separated segments of a compact token, or `Err` with how many there are.
///
/// Only the short segments at the two ends are searched for dots: the long one before the
/// last (the claims or the ciphertext) is left to the base64url decoder, which refuses a
/// `.` in it anyway, so a token's bulk is scanned once, not twice.
pub(crate) fn segments<const N: usize>(token: &str) -> Result<[&str; N], usize> {
    let too_few = || Err(token.bytes().filter(|&byte| byte == b'.').count() + 1);
    let mut found = [""; N];
    let mut rest = token;
    for slot in found.iter_mut().take(N - 2) {
        let Some((head, tail)) = rest.split_once('.') else {
            return too_few();
        };
        *slot = head;
        rest = tail;
    }
    let Some((middle, last)) = rest.rsplit_once('.') else {
        return too_few();
    };
    found[N - 2] = middle;
    found[N - 1] = last;
    Ok(found)
}

/// Decodes a short base64url segment of exactly `N` (at most 48) bytes without allocating.
pub(crate) fn decode_array<const N: usize>(segment: &str) -> Option<[u8; N]> {
    let mut buffer = [0u8; 64];
    let length = URL_SAFE_NO_PAD.decode_slice(segment, &mut buffer).ok()?;
    buffer[..length].try_into().ok()
}

/// Decodes one base64url segment, refusing padding and non-canonical encodings.
pub(crate) fn decode_segment(segment: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| Error::Malformed("a segment is not valid base64url"))
}

/// Asserts that a length-based split (`fast`) takes exactly the cases marked for it, and
/// splits each as the dot search does.
#[cfg(test)]
pub(crate) fn assert_fast_split_agrees<const N: usize>(
    cases: &[(String, bool)],
    fast: impl for<'a> Fn(&'a str) -> Option<[&'a str; N]>,
) {
    for (token, takes_fast_path) in cases {
        let parts = fast(token);
        assert_eq!(parts.is_some(), *takes_fast_path, "{token}");
        if let Some(parts) = parts {
            assert_eq!(Ok(parts), segments::<N>(token), "{token}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Header, decode_array, segments};

    #[test]
    fn segments_are_split_in_one_pass() {
        assert_eq!(segments::<3>("a.b.c"), Ok(["a", "b", "c"]));
        assert_eq!(segments::<5>("a..c.d."), Ok(["a", "", "c", "d", ""]));
        assert_eq!(segments::<5>("a.b.c"), Err(3));
        assert_eq!(segments::<3>(""), Err(1));
        assert_eq!(segments::<3>("a.b"), Err(2));
        // Extra dots land in the long segment, whose base64url decoding refuses them.
        assert_eq!(segments::<3>("a.b.c.d.e"), Ok(["a", "b.c.d", "e"]));
    }

    #[test]
    fn short_segments_decode_to_exact_lengths() {
        assert_eq!(decode_array::<3>("AQID"), Some([1, 2, 3]));
        assert_eq!(decode_array::<2>("AQID"), None);
        assert_eq!(decode_array::<3>("AQI="), None);
        assert_eq!(decode_array::<12>(&"A".repeat(200)), None);
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
