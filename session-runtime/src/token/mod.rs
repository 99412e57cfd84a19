//! Sealing and opening tokens: the compact JWS ([`jws`]) and JWE ([`jwe`]) codecs, chosen
//! by the session type's [`Algorithm`], around the claims envelope.

pub(crate) mod jwe;
pub(crate) mod jws;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::claims;
use crate::config::{Algorithm, SessionConfig};
use crate::cookies::{MAX_COOKIE_SIZE, find_session_cookie};
use crate::error::Error;
use crate::keys::Keys;
use crate::verified::Verified;

/// A token and the expiry written into it.
pub(crate) struct Sealed {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

/// Makes a token for `payload` with the primary key, valid from `now` for the ttl.
pub(crate) fn seal<T: Serialize>(
    config: &SessionConfig,
    keys: &Keys,
    payload: &T,
    now: OffsetDateTime,
) -> Result<Sealed, Error> {
    let iat = now.unix_timestamp();
    let exp = iat
        .checked_add(config.ttl().whole_seconds())
        .ok_or(Error::Serialize("the expiry time is out of range".into()))?;
    seal_until(config, keys, payload, iat, exp)
}

/// Makes a token with the given `iat` and `exp`, in Unix seconds.
pub(crate) fn seal_until<T: Serialize>(
    config: &SessionConfig,
    keys: &Keys,
    payload: &T,
    iat: i64,
    exp: i64,
) -> Result<Sealed, Error> {
    let expires_at = OffsetDateTime::from_unix_timestamp(exp)
        .map_err(|_| Error::Serialize("the expiry time is out of range".into()))?;
    let json = claims::encode(config, payload, iat, exp)?;
    let key = keys.primary();
    let token = match config.algorithm {
        Algorithm::A256Gcm => jwe::seal(key, config.cookie_name, json)?,
        signed => jws::seal(signed, key, &json),
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

/// Verifies `token` (algorithm, key, integrity, expiry) and deserializes the payload.
pub(crate) fn open<T: DeserializeOwned>(
    config: &SessionConfig,
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
    let (json, key_index) = match config.algorithm {
        Algorithm::A256Gcm => jwe::open(keys, config.cookie_name, token)?,
        signed => jws::open(signed, keys, token)?,
    };
    let (value, lifetime) = claims::open(config, &json, now)?;
    Ok(Verified::new(value, lifetime, key_index))
}

/// Finds the session cookie of `config` in a `Cookie:` request header and opens it.
pub(crate) fn open_cookie<T: DeserializeOwned>(
    config: &SessionConfig,
    keys: &Keys,
    cookie_header: &str,
    now: OffsetDateTime,
) -> Result<Verified<T>, Error> {
    let token = find_session_cookie(cookie_header, config.cookie_name)?;
    open(config, keys, token, now)
}

/// The protected header fields this library reads. Unknown members are ignored, except
/// `crit`, which by RFC 7515 must be understood, and `zip`, which is not supported.
#[derive(Deserialize)]
pub(crate) struct Header {
    pub alg: Option<String>,
    pub enc: Option<String>,
    pub kid: Option<String>,
    crit: Option<serde_json::Value>,
    zip: Option<serde_json::Value>,
}

impl Header {
    /// Decodes and screens a base64url header segment.
    pub(crate) fn decode(segment: &str) -> Result<Header, Error> {
        let bytes = decode_segment(segment)?;
        let header: Header = serde_json::from_slice(&bytes)
            .map_err(|_| Error::Malformed("the header is not a JSON object"))?;
        if header.crit.is_some() {
            return Err(Error::CriticalHeader);
        }
        if header.zip.is_some() {
            return Err(Error::Malformed("compressed tokens are not supported"));
        }
        Ok(header)
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
