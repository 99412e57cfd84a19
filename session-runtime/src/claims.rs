//! The claims envelope: the payload's fields plus `iat` and `exp` (and `iss`/`aud` when
//! configured) in one JSON object, and the expiry rules applied when it is opened.

use std::io::Write;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;

use crate::config::SessionConfig;
use crate::error::Error;
use crate::split::{self, Registered};

/// The times a verified token carries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetime {
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Serializes `payload` and appends the registered claims, in the order jose's `SignJWT`
/// writes them after `setIssuedAt().setExpirationTime(...)`, so that the same claims at the
/// same second give byte-identical tokens.
pub(crate) fn encode<T: Serialize>(
    config: &SessionConfig,
    payload: &T,
    iat: i64,
    exp: i64,
) -> Result<Vec<u8>, Error> {
    let mut json = serde_json::to_vec(payload).map_err(|err| Error::Serialize(err.to_string()))?;
    if json.first() != Some(&b'{') || json.last() != Some(&b'}') {
        return Err(Error::Serialize(
            "a session must serialize to a JSON object".into(),
        ));
    }
    json.pop();
    let as_json = |err: serde_json::Error| Error::Serialize(err.to_string());
    if let Some(issuer) = config.issuer {
        push_key(&mut json, "iss");
        serde_json::to_writer(&mut json, issuer).map_err(as_json)?;
    }
    if let Some(audience) = config.audience {
        push_key(&mut json, "aud");
        serde_json::to_writer(&mut json, audience).map_err(as_json)?;
    }
    push_key(&mut json, "iat");
    write!(json, "{iat}").map_err(|err| Error::Serialize(err.to_string()))?;
    push_key(&mut json, "exp");
    write!(json, "{exp}").map_err(|err| Error::Serialize(err.to_string()))?;
    json.push(b'}');
    Ok(json)
}

/// Starts the next member of the open JSON object `json` (which lacks its closing brace).
fn push_key(json: &mut Vec<u8>, key: &str) {
    if json.len() > 1 {
        json.push(b',');
    }
    json.push(b'"');
    json.extend_from_slice(key.as_bytes());
    json.extend_from_slice(b"\":");
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

pub(crate) fn timestamp(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Reads verified claims JSON into the payload and checks its registered claims against
/// the configuration and `now`.
///
/// When the JSON does not fit, the claims are read again on their own so that the error
/// names the first problem in the order a careful reader would: not an object, then the
/// registered claims, then the payload.
pub(crate) fn open<T: DeserializeOwned>(
    config: &SessionConfig,
    json: &[u8],
    now: OffsetDateTime,
) -> Result<(T, Lifetime), Error> {
    match split::payload_and_claims::<T>(json) {
        Ok((value, registered)) => Ok((value, check(config, &registered, now)?)),
        Err(payload_err) => {
            let registered = split::claims(json)
                .map_err(|_| Error::Malformed("the claims are not a JSON object"))?;
            check(config, &registered, now)?;
            Err(Error::Payload(payload_error(&payload_err)))
        }
    }
}

/// serde's message names the field and the expected type; its location refers to JSON the
/// caller never sees, so only the message is kept, and it is cut short.
fn payload_error(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    message.chars().take(160).collect()
}

/// The registered-claim rules.
///
/// As jose: expired when `exp <= now - leeway`, not yet valid when `nbf > now + leeway`,
/// in whole seconds. Stricter than jose: `exp` and `iat` are required, and a malformed
/// time claim (a string, null, out of range) is refused rather than ignored.
fn check(
    config: &SessionConfig,
    claims: &Registered,
    now: OffsetDateTime,
) -> Result<Lifetime, Error> {
    let exp = numeric_date(&claims.exp, "`exp` is not a valid NumericDate")?
        .ok_or(Error::Claims("`exp` is missing"))?;
    let iat = numeric_date(&claims.iat, "`iat` is not a valid NumericDate")?
        .ok_or(Error::Claims("`iat` is missing"))?;
    let nbf = numeric_date(&claims.nbf, "`nbf` is not a valid NumericDate")?;
    let now = now.unix_timestamp();
    let leeway = config.leeway().whole_seconds();
    if exp <= now.saturating_sub(leeway) {
        return Err(Error::Expired {
            expired_at: timestamp(exp),
        });
    }
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
        issued_at: timestamp(iat),
        expires_at: timestamp(exp),
    })
}
