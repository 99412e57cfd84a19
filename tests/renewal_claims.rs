//! When sessionkit rewrites a token (an explicit `refresh`, or the guard renewing a type it
//! owns), no claim is lost and none is doubled: every member the token carried that the
//! session type did not read comes back with the same JSON value; only `iat` and `exp` (and
//! `jti`, for the Auth.js formats) are new. The live checks against `@auth/core`, next-auth
//! v4 and iron-session are in `tests/nextjs_interop.rs`.

mod common;

use std::collections::BTreeMap;

use common::{GuideSession, craft_hs256, keys, unb64};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sessionkit::Session;
use sessionkit::time::{Duration, OffsetDateTime};

/// The real clock: these tokens are renewed by the plain methods, which read it.
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// A JSON object's members, refusing one that appears twice (serde_json's own maps keep the
/// last one silently).
#[derive(Debug, Default)]
struct Strict(BTreeMap<String, Value>);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Strict, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = Strict;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
                let mut members = BTreeMap::new();
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    if members.insert(name.clone(), value).is_some() {
                        return Err(serde::de::Error::custom(format!("`{name}` appears twice")));
                    }
                }
                Ok(Strict(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// The claims of a signed token, read strictly.
fn claims_of(token: &str) -> BTreeMap<String, Value> {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice::<Strict>(&unb64(payload))
        .expect("no claim appears twice")
        .0
}

/// A token the Next.js app wrote, with claims the Rust type does not declare.
fn from_nextjs(iat: i64) -> String {
    craft_hs256(&format!(
        r#"{{"userId":"u-1","expiresAt":"2026-09-28T12:00:00.000Z","plan":"pro","accessToken":"at-123","mfa_pending":true,"roles":["a","b"],"nested":{{"x":[1,2,{{"y":null}}]}},"iat":{iat},"exp":{}}}"#,
        iat + 7 * 86400
    ))
}

#[test]
fn a_refresh_keeps_every_claim_the_type_did_not_read() {
    let issued = now() - Duration::days(5);
    let token = from_nextjs(issued.unix_timestamp());
    let before = claims_of(&token);
    let session = GuideSession::decrypt(&token, &keys()).unwrap();
    let renewed = GuideSession::refresh(&session, &keys()).unwrap();
    let after = claims_of(renewed.value());
    for (name, value) in &before {
        match name.as_str() {
            "iat" | "exp" => assert!(after[name].as_i64() > value.as_i64(), "{name} moved on"),
            _ => assert_eq!(after.get(name), Some(value), "{name} kept as it was"),
        }
    }
    assert_eq!(after.len(), before.len(), "nothing added: {after:?}");
    // Read again, and renewed again: still the same claims (the restriction the other app
    // wrote, `mfa_pending`, never silently disappears).
    let again = GuideSession::decrypt(renewed.value(), &keys()).unwrap();
    let twice = claims_of(GuideSession::refresh(&again, &keys()).unwrap().value());
    assert_eq!(twice["mfa_pending"], Value::Bool(true));
    assert_eq!(twice.len(), before.len());
}

/// The same through `refresh_cookies_at`, the guard's renewal.
#[test]
fn the_guards_renewal_keeps_them_too() {
    let token = from_nextjs((now() - Duration::days(5)).unix_timestamp());
    let header = format!("session={token}");
    let session = GuideSession::from_cookie_header(&header, &keys()).unwrap();
    let cookies = GuideSession::refresh_cookies_at(&session, &keys(), &header, now()).unwrap();
    assert_eq!(cookies.len(), 1);
    let after = claims_of(cookies[0].value());
    assert_eq!(after["plan"], "pro");
    assert_eq!(after["accessToken"], "at-123");
    assert_eq!(
        after["nested"],
        serde_json::json!({"x": [1, 2, {"y": null}]})
    );
}

/// A catch-all `#[serde(flatten)]` field receives the unknown claims, and never a registered
/// one: a round trip writes each claim once.
#[derive(Debug, Serialize, Deserialize, Session)]
#[serde(rename_all = "camelCase")]
#[session(cookie = "session", ttl = "7d", algorithm = "HS256", jose_compatible)]
struct CatchAll {
    user_id: String,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

#[test]
fn a_flatten_catch_all_never_receives_registered_claims() {
    let token = from_nextjs((now() - Duration::days(5)).unix_timestamp());
    let session = CatchAll::decrypt(&token, &keys()).unwrap();
    for registered in ["iat", "exp", "nbf", "iss", "aud", "auth_time", "jti"] {
        assert!(!session.rest.contains_key(registered), "{registered}");
    }
    assert_eq!(session.rest["plan"], "pro");
    let renewed = CatchAll::refresh(&session, &keys()).unwrap();
    let after = claims_of(renewed.value());
    assert_eq!(after["plan"], "pro");
    assert_eq!(after["expiresAt"], "2026-09-28T12:00:00.000Z");
    // Made afresh from the value: each claim once too.
    let made = claims_of(&session.into_inner().encrypt(&keys()).unwrap());
    assert_eq!(made["mfa_pending"], Value::Bool(true));
}

/// A token without unknown claims is renewed byte for byte as before (nothing to keep).
#[test]
fn a_token_with_nothing_unread_renews_as_before() {
    let at = now();
    let session = GuideSession::decrypt_at(
        &common::guide("u").encrypt_at(&keys(), at).unwrap(),
        &keys(),
        at,
    )
    .unwrap();
    let renewed = GuideSession::refresh_at(&session, &keys(), at).unwrap();
    assert_eq!(
        renewed.value(),
        common::guide("u").encrypt_at(&keys(), at).unwrap()
    );
}

/// An Auth.js type with a catch-all: `jti`, which Auth.js replaces on every write, is never
/// handed to it, so a rewritten token carries one `jti`, the new one (it used to carry the
/// old one from the catch-all beside the new).
#[derive(Debug, Serialize, Deserialize, Session)]
#[session(format = "authjs", cookie = "authjs.session-token")]
struct AuthJsCatchAll {
    sub: Option<String>,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

#[test]
fn an_auth_js_catch_all_never_receives_jti() {
    let token = common::ada().encrypt(&keys()).unwrap();
    let session = AuthJsCatchAll::decrypt(&token, &keys()).unwrap();
    assert!(
        !session.rest.contains_key("jti"),
        "{:?}",
        session.rest.keys()
    );
    assert_eq!(session.rest["email"], "ada@example.com");
    // Renewed and made afresh, each reads back: a doubled `jti` would be refused as a
    // repeated registered claim.
    let renewed = AuthJsCatchAll::refresh(&session, &keys()).unwrap();
    let again = AuthJsCatchAll::decrypt(renewed.value(), &keys()).unwrap();
    assert_eq!(again.rest["email"], "ada@example.com");
    let made = session.into_inner().encrypt(&keys()).unwrap();
    assert!(AuthJsCatchAll::decrypt(&made, &keys()).is_ok());
}
