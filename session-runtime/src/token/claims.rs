//! The claims envelope: the payload's fields plus `iat` and `exp` (and `iss`/`aud` when
//! configured, and `auth_time` under a lifetime cap) in one JSON object, and the expiry rules applied when it is opened.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;
use zeroize::Zeroize;

use super::payload::{self as split, Names, Registered, Unread};
use super::times::{Lifetime, Times, timestamp};
use crate::config::SessionConfig;
use crate::error::Error;

/// Serializes `payload` and appends the registered claims, in the order jose's `SignJWT`
/// writes them after `setIssuedAt().setExpirationTime(...)`, so that the same claims at the
/// same second give byte-identical tokens.
pub(crate) fn encode<T: Serialize>(
    config: &SessionConfig,
    payload: &T,
    times: Times,
) -> Result<Plaintext, Error> {
    encode_with_id(config, payload, times, None)
}

/// The payload's JSON alone, in a buffer that is wiped: an iron seal's content, which holds
/// no claims (the seal carries its own expiry), but for the `bind` claim if configured.
pub(crate) fn encode_bare<T: Serialize>(
    config: &SessionConfig,
    payload: &T,
) -> Result<Plaintext, Error> {
    let mut json = Plaintext::secret_empty();
    serde_json::to_writer(&mut json, payload)
        .map_err(|err| Error::Serialize(crate::redact::serialize_message(&err)))?;
    if json.bytes.first() != Some(&b'{') || json.bytes.last() != Some(&b'}') {
        return Err(Error::Serialize(
            "a session must serialize to a JSON object".into(),
        ));
    }
    if config.bind.is_some() {
        json.bytes.pop();
        push_binding(config, &mut json)?;
        json.push(b"}");
    }
    Ok(json)
}

/// Appends the `bind` claim (the cookie name) to an open JSON object, if configured. A
/// payload that has a member of that name already is refused: the token would carry the
/// claim twice.
fn push_binding(config: &SessionConfig, json: &mut Plaintext) -> Result<(), Error> {
    let Some(claim) = config.bind else {
        return Ok(());
    };
    let mut closed = json.bytes.clone();
    closed.push(b'}');
    let found = string_member(&closed, claim);
    closed.zeroize();
    if !matches!(found, Ok(None)) {
        return Err(Error::Serialize(format!(
            "the payload has a member `{claim}`, the claim `bind` writes"
        )));
    }
    json.push_key(claim);
    serde_json::to_writer(&mut *json, config.cookie_name)
        .map_err(|err| Error::Serialize(err.to_string()))
}

/// For a `bind` type, checks that the token's claim names this type's cookie: iron seals and
/// NextAuth.js v4 tokens are made under keys that do not depend on the cookie name, so
/// without it one such type would open every other's tokens.
pub(crate) fn check_binding(config: &SessionConfig, json: &[u8]) -> Result<(), Error> {
    let Some(claim) = config.bind else {
        return Ok(());
    };
    match string_member(json, claim) {
        Ok(Some(bound)) if bound == config.cookie_name => Ok(()),
        Ok(Some(_)) => Err(Error::Claims("the token is bound to another session type")),
        Ok(None) => Err(Error::Claims("the token carries no binding claim")),
        Err(_) => Err(Error::Claims("the token's binding claim is not one string")),
    }
}

/// The string value of the member `name` of a JSON object, read without copying any other
/// member's value (those are session data, and a copy would not be wiped). A second member
/// of that name is an error.
fn string_member(json: &[u8], name: &str) -> serde_json::Result<Option<String>> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

    struct Member<'n>(&'n str);

    impl<'de> Visitor<'de> for Member<'_> {
        type Value = Option<String>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key != self.0 {
                    map.next_value::<IgnoredAny>()?;
                } else if found.is_some() {
                    return Err(serde::de::Error::custom("a claim appears twice"));
                } else {
                    found = Some(map.next_value::<String>()?);
                }
            }
            Ok(found)
        }
    }

    impl<'de> DeserializeSeed<'de> for Member<'_> {
        type Value = Option<String>;

        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_map(self)
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let found = Member(name).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(found)
}

/// Reads a payload from JSON that is the payload alone (an iron seal's), and the members it
/// did not read.
pub(crate) fn decode_bare<T: DeserializeOwned>(json: &[u8]) -> Result<(T, Unread), Error> {
    // Only the keys are kept while telling an object from anything else: the values are
    // session data, and this copy would not be wiped.
    type Keys = std::collections::BTreeMap<String, serde::de::IgnoredAny>;
    match split::payload_and_claims::<T>(json, Names::None) {
        Ok((value, _, unread)) => Ok((value, unread)),
        Err(_) => Err(match serde_json::from_slice::<Keys>(json) {
            Ok(_) => Error::Payload(split::payload_error::<T>(json, Names::None)),
            Err(_) => Error::Malformed("the session is not a JSON object"),
        }),
    }
}

/// Which members are registered claims in this type's tokens: a JWT's, and `jti` for the
/// Auth.js formats, which replace it on every write.
fn names(config: &SessionConfig) -> Names {
    match config.format {
        crate::config::Format::AuthJs | crate::config::Format::NextAuthV4 => Names::JwtWithId,
        _ => Names::Jwt,
    }
}

/// [`encode`], with a `jti` (a token id, which the Auth.js formats write) last.
pub(crate) fn encode_with_id<T: Serialize>(
    config: &SessionConfig,
    payload: &T,
    times: Times,
    jti: Option<&str>,
) -> Result<Plaintext, Error> {
    let mut json = Plaintext::for_sealing(config);
    let serialized = if json.secret {
        serde_json::to_writer(&mut json, payload)
    } else {
        // Nothing to wipe: serde_json's own `Vec` writer is the quicker one.
        serde_json::to_writer(&mut json.bytes, payload)
    };
    serialized.map_err(|err| Error::Serialize(crate::redact::serialize_message(&err)))?;
    if json.bytes.first() != Some(&b'{') || json.bytes.last() != Some(&b'}') {
        return Err(Error::Serialize(
            "a session must serialize to a JSON object".into(),
        ));
    }
    json.bytes.pop();
    push_binding(config, &mut json)?;
    let as_json = |err: serde_json::Error| Error::Serialize(err.to_string());
    if let Some(issuer) = config.issuer {
        json.push_key("iss");
        serde_json::to_writer(&mut json, issuer).map_err(as_json)?;
    }
    if let Some(audience) = config.audience {
        json.push_key("aud");
        serde_json::to_writer(&mut json, audience).map_err(as_json)?;
    }
    // The numbers and the closing brace are gathered on the stack and reach the buffer in
    // one copy: written member by member, the small copies cost more than the digits.
    let mut tail = Tail::default();
    if let Some(auth_time) = times.auth_time {
        // `AUTH_TIME`, spelled out so that its length is known; the tests compare the two.
        tail.number(b",\"auth_time\":", auth_time);
    }
    tail.number(b",\"iat\":", times.iat);
    tail.number(b",\"exp\":", times.exp);
    if jti.is_none() {
        tail.put(b"}");
    }
    // An empty payload leaves only `{`, which no comma follows.
    let skip = usize::from(json.bytes.len() == 1);
    json.push(&tail.as_bytes()[skip..]);
    if let Some(jti) = jti {
        json.push_key("jti");
        serde_json::to_writer(&mut json, jti).map_err(as_json)?;
        json.push(b"}");
    }
    Ok(json)
}

/// The registered claims that are numbers, written on the stack: at most three members of
/// at most 33 bytes each, and a brace.
struct Tail {
    bytes: [u8; 112],
    len: usize,
}

impl Default for Tail {
    fn default() -> Tail {
        Tail {
            bytes: [0; 112],
            len: 0,
        }
    }
}

impl Tail {
    /// Appends bytes whose length the compiler knows, so that no copy routine is called.
    #[inline(always)]
    fn put<const N: usize>(&mut self, part: &[u8; N]) {
        self.bytes[self.len..self.len + N].copy_from_slice(part);
        self.len += N;
    }

    /// Appends `,"name":` (as given) and the digits of `value`.
    #[inline(always)]
    fn number<const N: usize>(&mut self, member: &[u8; N], value: i64) {
        self.put(member);
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(value).as_bytes();
        self.bytes[self.len..self.len + digits.len()].copy_from_slice(digits);
        self.len += digits.len();
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The claims' JSON, wiped when dropped if it is secret: an encrypted token's claims, made
/// or opened. A signed token carries its claims readably in the token itself, so its JSON
/// is not wiped, which would only cost time. While it grows, every buffer it outgrows is
/// wiped too (a `Vec`'s own reallocation frees the old buffer as it is), so it is written
/// only through [`Plaintext::push`].
pub(crate) struct Plaintext {
    bytes: Vec<u8>,
    secret: bool,
}

impl Plaintext {
    /// An empty buffer for the claims of a token made with `algorithm`.
    fn for_sealing(config: &SessionConfig) -> Plaintext {
        Plaintext {
            bytes: Vec::with_capacity(128),
            secret: config.algorithm.is_encrypted(),
        }
    }

    /// Claims that were decrypted: wiped when dropped.
    pub(crate) fn secret(bytes: Vec<u8>) -> Plaintext {
        Plaintext {
            bytes,
            secret: true,
        }
    }

    /// Claims that were readable in the token anyway.
    pub(crate) fn public(bytes: Vec<u8>) -> Plaintext {
        Plaintext {
            bytes,
            secret: false,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        let needed = self.bytes.len() + bytes.len();
        if self.secret && needed > self.bytes.capacity() {
            let mut grown = Vec::with_capacity(needed.max(128).next_power_of_two());
            grown.extend_from_slice(&self.bytes);
            let mut old = std::mem::replace(&mut self.bytes, grown);
            old.as_mut_slice().zeroize();
        }
        self.bytes.extend_from_slice(bytes);
    }

    /// Starts the next member of the open JSON object (which lacks its closing brace).
    /// Appends `extra` zero bytes (room for a cipher's padding), wiping any buffer it outgrows.
    pub(crate) fn extend_zeroed(&mut self, extra: usize) {
        const ZEROS: [u8; 16] = [0; 16];
        let mut left = extra;
        while left > 0 {
            let step = left.min(ZEROS.len());
            self.push(&ZEROS[..step]);
            left -= step;
        }
    }

    /// Keeps the first `len` bytes, wiping the rest first when they are secret.
    pub(crate) fn truncate(&mut self, len: usize) {
        if self.secret && len < self.bytes.len() {
            self.bytes[len..].zeroize();
        }
        self.bytes.truncate(len);
    }

    /// An empty buffer for secret JSON.
    pub(crate) fn secret_empty() -> Plaintext {
        Plaintext::secret(Vec::with_capacity(128))
    }

    fn push_key(&mut self, key: &str) {
        if self.bytes.len() > 1 {
            self.push(b",");
        }
        self.push(b"\"");
        self.push(key.as_bytes());
        self.push(b"\":");
    }
}

impl std::ops::Deref for Plaintext {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl std::ops::DerefMut for Plaintext {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

impl Drop for Plaintext {
    fn drop(&mut self) {
        // Only the initialized bytes ever held claims: the one byte `encode` pops (`}`) is
        // overwritten, and nothing else is removed, so the spare capacity holds none.
        if self.secret {
            self.bytes.as_mut_slice().zeroize();
        }
    }
}

impl std::io::Write for Plaintext {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.push(bytes);
        Ok(bytes.len())
    }

    // serde_json writes every token with `write_all`; the default one loops over `write`.
    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.push(bytes);
        Ok(())
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
) -> Result<(T, Lifetime, Unread), Error> {
    let names = names(config);
    match split::payload_and_claims::<T>(json, names) {
        Ok((value, registered, unread)) => {
            Ok((value, check(config, cap, &registered, now)?, unread))
        }
        Err(_) => {
            let registered = split::claims(json, names)
                .map_err(|_| Error::Malformed("the claims are not a JSON object"))?;
            check(config, cap, &registered, now)?;
            Err(Error::Payload(split::payload_error::<T>(json, names)))
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

#[cfg(test)]
mod tests {
    use super::{encode, encode_with_id};
    use crate::config::{Algorithm, SessionConfig};
    use crate::token::AUTH_TIME;
    use crate::token::Times;
    use std::collections::BTreeMap;

    fn text(json: &[u8]) -> &str {
        std::str::from_utf8(json).unwrap()
    }

    /// The registered claims follow the payload's members in jose's order, each behind one
    /// comma, also after an empty payload and before a `jti`.
    #[test]
    fn registered_claims_are_appended_in_order() {
        let times = Times {
            iat: 1_700_000_000,
            exp: -5,
            auth_time: Some(0),
        };
        let plain = SessionConfig::DEFAULT;
        let capped = SessionConfig::DEFAULT.with_max_lifetime_seconds(60);
        let mut payload = BTreeMap::new();
        payload.insert("a", 1);
        let empty = BTreeMap::<&str, u8>::new();

        let only_times = Times {
            auth_time: None,
            ..times
        };
        assert_eq!(
            text(&encode(&plain, &payload, only_times).unwrap()),
            r#"{"a":1,"iat":1700000000,"exp":-5}"#
        );
        assert_eq!(
            text(&encode(&plain, &empty, only_times).unwrap()),
            r#"{"iat":1700000000,"exp":-5}"#
        );
        let issued = SessionConfig::DEFAULT
            .with_issuer("me")
            .with_audience("you");
        assert_eq!(
            text(&encode(&issued, &empty, times).unwrap()),
            format!(r#"{{"iss":"me","aud":"you","{AUTH_TIME}":0,"iat":1700000000,"exp":-5}}"#)
        );
        let sealed = capped.with_algorithm(Algorithm::A256Gcm);
        assert_eq!(
            text(&encode_with_id(&sealed, &empty, times, Some("id")).unwrap()),
            format!(r#"{{"{AUTH_TIME}":0,"iat":1700000000,"exp":-5,"jti":"id"}}"#)
        );
        let extremes = Times {
            iat: i64::MIN,
            exp: i64::MAX,
            auth_time: Some(i64::MIN),
        };
        assert_eq!(
            text(&encode_with_id(&plain, &payload, extremes, Some("x")).unwrap()),
            format!(
                r#"{{"a":1,"{AUTH_TIME}":{min},"iat":{min},"exp":{max},"jti":"x"}}"#,
                min = i64::MIN,
                max = i64::MAX
            )
        );
    }
}
