//! The claims envelope: the payload's fields plus `iat` and `exp` (and `iss`/`aud` when
//! configured, and `auth_time` under a lifetime cap) in one JSON object, and the expiry rules applied when it is opened.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::payload::{self as split, Registered};
use super::times::{AUTH_TIME, Lifetime, Times, timestamp};
use crate::config::SessionConfig;
use crate::error::Error;

/// Serializes `payload` and appends the registered claims, in the order jose's `SignJWT`
/// writes them after `setIssuedAt().setExpirationTime(...)`, so that the same claims at the
/// same second give byte-identical tokens.
pub(crate) fn encode<T: Serialize>(
    config: &SessionConfig,
    payload: &T,
    times: Times,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut json = Plaintext::default();
    serde_json::to_writer(&mut json, payload)
        .map_err(|err| Error::Serialize(crate::redact::serialize_message(&err)))?;
    if json.0.first() != Some(&b'{') || json.0.last() != Some(&b'}') {
        return Err(Error::Serialize(
            "a session must serialize to a JSON object".into(),
        ));
    }
    json.0.pop();
    let as_json = |err: serde_json::Error| Error::Serialize(err.to_string());
    if let Some(issuer) = config.issuer {
        json.push_key("iss");
        serde_json::to_writer(&mut json, issuer).map_err(as_json)?;
    }
    if let Some(audience) = config.audience {
        json.push_key("aud");
        serde_json::to_writer(&mut json, audience).map_err(as_json)?;
    }
    // serde_json writes integers with itoa, well under what `write!` costs.
    if let Some(auth_time) = times.auth_time {
        json.push_key(AUTH_TIME);
        serde_json::to_writer(&mut json, &auth_time).map_err(as_json)?;
    }
    json.push_key("iat");
    serde_json::to_writer(&mut json, &times.iat).map_err(as_json)?;
    json.push_key("exp");
    serde_json::to_writer(&mut json, &times.exp).map_err(as_json)?;
    json.push(b"}");
    Ok(json.0)
}

/// A growing buffer for a payload's JSON that wipes every buffer it outgrows, so that no
/// freed allocation keeps a copy of the plaintext (a `Vec`'s own reallocation frees the old
/// buffer as it is). Everything is written through [`Plaintext::push`] for that reason.
#[derive(Default)]
struct Plaintext(Zeroizing<Vec<u8>>);

impl Plaintext {
    fn push(&mut self, bytes: &[u8]) {
        let needed = self.0.len() + bytes.len();
        if needed > self.0.capacity() {
            let mut grown = Vec::with_capacity(needed.max(256).next_power_of_two());
            grown.extend_from_slice(&self.0);
            // The old buffer is wiped as it is dropped here.
            self.0 = Zeroizing::new(grown);
        }
        self.0.extend_from_slice(bytes);
    }

    /// Starts the next member of the open JSON object (which lacks its closing brace).
    fn push_key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.push(b",");
        }
        self.push(b"\"");
        self.push(key.as_bytes());
        self.push(b"\":");
    }
}

impl std::io::Write for Plaintext {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.push(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A NumericDate (RFC 7519): seconds since the epoch, as a JSON number in range.
fn numeric_date(claim: &Option<Value>, name: &'static str) -> Result<Option<i64>, Error> {
    let Some(value) = claim else { return Ok(None) };
    let seconds = match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|float| float.is_finite() && float.abs() < 1e15)
                .map(|float| float.floor() as i64)
        }),
        _ => None,
    };
    match seconds.filter(|&s| OffsetDateTime::from_unix_timestamp(s).is_ok()) {
        Some(seconds) => Ok(Some(seconds)),
        None => Err(Error::Claims(name)),
    }
}

/// Reads verified claims JSON into the payload and checks its registered claims against
/// the configuration and `now`.
///
/// When the JSON does not fit, the claims are read again on their own so that the error
/// names the first problem in the order a careful reader would: not an object, then the
/// registered claims, then the payload.
pub(crate) fn open<T: DeserializeOwned>(
    config: &SessionConfig,
    cap: Option<time::Duration>,
    json: &[u8],
    now: OffsetDateTime,
) -> Result<(T, Lifetime), Error> {
    match split::payload_and_claims::<T>(json) {
        Ok((value, registered)) => Ok((value, check(config, cap, &registered, now)?)),
        Err(_) => {
            let registered = split::claims(json)
                .map_err(|_| Error::Malformed("the claims are not a JSON object"))?;
            check(config, cap, &registered, now)?;
            Err(Error::Payload(split::payload_error::<T>(json)))
        }
    }
}

/// The registered-claim rules.
///
/// As jose: expired when `exp <= now - leeway`, not yet valid when `nbf > now + leeway`,
/// in whole seconds. `iat` is optional, as in jose and RFC 7519. Stricter than jose: `exp`
/// is required, and a malformed time claim (a string, null, out of range) is refused rather
/// than ignored.
///
/// With a lifetime `cap`, the session also ends at `auth_time + cap` (or `iat + cap` for a
/// token without `auth_time`; one with neither is refused), whatever its `exp` says.
fn check(
    config: &SessionConfig,
    cap: Option<time::Duration>,
    claims: &Registered,
    now: OffsetDateTime,
) -> Result<Lifetime, Error> {
    let exp = numeric_date(&claims.exp, "`exp` is not a valid NumericDate")?
        .ok_or(Error::Claims("`exp` is missing"))?;
    let iat = numeric_date(&claims.iat, "`iat` is not a valid NumericDate")?;
    let nbf = numeric_date(&claims.nbf, "`nbf` is not a valid NumericDate")?;
    let auth_time = numeric_date(&claims.auth_time, "`auth_time` is not a valid NumericDate")?;
    let now = now.unix_timestamp();
    let leeway = config.leeway().whole_seconds();
    if exp <= now.saturating_sub(leeway) {
        return Err(Error::Expired {
            expired_at: timestamp(exp),
        });
    }
    let authenticated_at = match cap {
        None => None,
        Some(cap) => {
            let since = auth_time.or(iat).ok_or(Error::Claims(
                "`auth_time` is missing, and the type has a lifetime cap",
            ))?;
            let ends = since.saturating_add(cap.whole_seconds());
            if ends <= now.saturating_sub(leeway) {
                return Err(Error::Expired {
                    expired_at: timestamp(ends),
                });
            }
            Some(timestamp(since))
        }
    };
    if let Some(nbf) = nbf.filter(|&nbf| nbf > now.saturating_add(leeway)) {
        return Err(Error::NotYetValid {
            not_before: timestamp(nbf),
        });
    }
    if let Some(issuer) = config.issuer {
        if !matches!(&claims.iss, Some(Value::String(iss)) if iss == issuer) {
            return Err(Error::Claims("`iss` does not match the configured issuer"));
        }
    }
    if let Some(audience) = config.audience {
        let listed = match &claims.aud {
            Some(Value::String(aud)) => aud == audience,
            Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(audience)),
            _ => false,
        };
        if !listed {
            return Err(Error::Claims(
                "`aud` does not include the configured audience",
            ));
        }
    }
    Ok(Lifetime {
        issued_at: iat.map(timestamp),
        expires_at: timestamp(exp),
        authenticated_at,
    })
}
