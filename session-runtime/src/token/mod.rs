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
use crate::cookies::MAX_COOKIE_SIZE;
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

/// Decodes one base64url segment, refusing padding and non-canonical encodings.
pub(crate) fn decode_segment(segment: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| Error::Malformed("a segment is not valid base64url"))
}

#[cfg(test)]
mod tests {
    use super::Header;

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
