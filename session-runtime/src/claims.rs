//! The claims envelope: the payload's fields plus `iat` and `exp` (and `iss`/`aud` when
//! configured) in one JSON object, and the expiry rules applied when it is opened.

use std::io::Write;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::config::SessionConfig;
use crate::error::Error;

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
    now: OffsetDateTime,
) -> Result<(Vec<u8>, OffsetDateTime), Error> {
    let iat = now.unix_timestamp();
    let exp = iat
        .checked_add(config.ttl().whole_seconds())
        .and_then(|exp| OffsetDateTime::from_unix_timestamp(exp).ok())
        .ok_or(Error::Serialize("the expiry time is out of range".into()))?;
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
    write!(json, "{}", exp.unix_timestamp()).map_err(|err| Error::Serialize(err.to_string()))?;
    json.push(b'}');
    Ok((json, exp))
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

/// A claim that was present in the JSON, whatever its value, so that `"exp": null` is a
/// malformed claim rather than a missing one (the mistake behind CVE-2026-25537).
#[derive(Default)]
struct Present(Option<Value>);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(|value| Present(Some(value)))
    }
}

/// The registered claims; every other field is skipped here and read into the payload.
#[derive(Deserialize)]
struct Registered {
    #[serde(default)]
    exp: Present,
    #[serde(default)]
    iat: Present,
    #[serde(default)]
    nbf: Present,
    #[serde(default)]
    iss: Present,
    #[serde(default)]
    aud: Present,
}

/// A NumericDate (RFC 7519): seconds since the epoch, as a JSON number in range.
fn numeric_date(claim: &Present, name: &'static str) -> Result<Option<i64>, Error> {
    let Some(value) = &claim.0 else {
        return Ok(None);
    };
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

fn timestamp(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Checks the registered claims of verified JSON against the configuration and `now`.
///
/// As jose: expired when `exp <= now - leeway`, not yet valid when `nbf > now + leeway`,
/// in whole seconds. Stricter than jose: `exp` and `iat` are required, and any malformed
/// time claim is refused rather than ignored.
pub(crate) fn validate(
    config: &SessionConfig,
    json: &[u8],
    now: OffsetDateTime,
) -> Result<Lifetime, Error> {
    const NOT_AN_OBJECT: Error = Error::Malformed("the claims are not a JSON object");
    // serde would also read a struct from a JSON array, positionally.
    if json.trim_ascii_start().first() != Some(&b'{') {
        return Err(NOT_AN_OBJECT);
    }
    let claims: Registered = serde_json::from_slice(json).map_err(|_| NOT_AN_OBJECT)?;
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
        if !matches!(&claims.iss.0, Some(Value::String(iss)) if iss == issuer) {
            return Err(Error::Claims("`iss` does not match the configured issuer"));
        }
    }
    if let Some(audience) = config.audience {
        let listed = match &claims.aud.0 {
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
