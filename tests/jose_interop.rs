//! Live interop with the `jose` library under Node, as a Next.js app uses it.
//!
//! Needs `node` and `npm ci --prefix tests/interop`, so every test here is `#[ignore]`d
//! (cargo counts them as ignored, not passed) and runs with `-- --ignored`; asked to run
//! without Node or jose, they fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{GuideSession, SECRET, SealedSession, guide, keys, sealed};
use serde_json::Value;
use sessionkit::time::OffsetDateTime;
use sessionkit::{Error, Session};

fn interop_dir() -> PathBuf {
    // This package is `tests/`, so the Node side is beside this file.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// Runs one jose command and returns what it printed.
fn jose(args: &[&str]) -> Value {
    let dir = interop_dir();
    assert!(
        dir.join("node_modules/jose").is_dir(),
        "jose is not installed: run `npm ci --prefix tests/interop`"
    );
    let output = Command::new("node")
        .arg("jose.mjs")
        .args(args)
        .current_dir(&dir)
        .env("SESSION_SECRET", SECRET)
        .output()
        .unwrap_or_else(|err| panic!("cannot run node: {err}"));
    assert!(
        output.status.success(),
        "jose {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("jose.mjs prints JSON")
}

fn unix(seconds: &Value) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds.as_i64().expect("a number")).expect("in range")
}

#[test]
#[ignore = "needs Node and jose: `npm ci --prefix tests/interop`, then run with `-- --ignored`"]
fn guide_tokens_verify_in_rust_and_match_byte_for_byte() {
    let made = jose(&["guide-encrypt", "user-42"]);
    let token = made["token"].as_str().expect("token");
    let session = GuideSession::decrypt(token, &keys()).expect("a guide token verifies");
    assert_eq!(session.user_id, "user-42");
    assert_eq!(
        session.expires_at,
        made["expiresAt"].as_str().expect("expiresAt")
    );
    assert_eq!(
        session.expires_at_seconds(),
        session.issued_at_seconds() + 7 * 86_400
    );

    // Same claims, same second: the same bytes as jose's SignJWT.
    let again = session
        .clone()
        .into_inner()
        .encrypt_at(&keys(), session.issued_at().expect("jose writes iat"))
        .expect("encrypt");
    assert_eq!(again, token);

    // And a foreign key refuses it.
    assert_eq!(
        GuideSession::decrypt(token, &common::other_keys()).unwrap_err(),
        Error::Signature
    );
}

trait Seconds {
    fn issued_at_seconds(&self) -> i64;
    fn expires_at_seconds(&self) -> i64;
}

impl<T> Seconds for sessionkit::Verified<T> {
    fn issued_at_seconds(&self) -> i64 {
        self.issued_at().expect("iat").unix_timestamp()
    }
    fn expires_at_seconds(&self) -> i64 {
        self.expires_at().unix_timestamp()
    }
}

#[test]
#[ignore = "needs Node and jose: `npm ci --prefix tests/interop`, then run with `-- --ignored`"]
fn rust_signed_tokens_pass_jose_jwt_verify() {
    let token = guide("user-7").encrypt(&keys()).expect("encrypt");
    let verified = jose(&["verify-hs", "HS256", &token]);
    assert_eq!(
        verified["protectedHeader"],
        serde_json::json!({ "alg": "HS256" })
    );
    let payload = &verified["payload"];
    assert_eq!(payload["userId"], "user-7");
    assert_eq!(payload["expiresAt"], "2026-09-28T12:00:00.000Z");
    let session = GuideSession::decrypt(&token, &keys()).expect("decrypt");
    assert_eq!(Some(unix(&payload["iat"])), session.issued_at());
    assert_eq!(unix(&payload["exp"]), session.expires_at());
}

#[test]
#[ignore = "needs Node and jose: `npm ci --prefix tests/interop`, then run with `-- --ignored`"]
fn rust_hs384_and_hs512_tokens_pass_jose() {
    let token = common::Hs384Session { user_id: 1 }
        .encrypt(&keys())
        .expect("encrypt");
    let verified = jose(&["verify-hs", "HS384", &token]);
    assert_eq!(verified["payload"]["user_id"], 1);
    let token = common::Hs512Session { user_id: 2 }
        .encrypt(&keys())
        .expect("encrypt");
    let verified = jose(&["verify-hs", "HS512", &token]);
    assert_eq!(verified["payload"]["user_id"], 2);
}

#[test]
#[ignore = "needs Node and jose: `npm ci --prefix tests/interop`, then run with `-- --ignored`"]
fn rust_encrypted_tokens_open_with_jose_jwt_decrypt() {
    let token = sealed("user-9").encrypt(&keys()).expect("encrypt");
    let opened = jose(&["decrypt-a256gcm", "session", &token]);
    assert_eq!(
        opened["protectedHeader"],
        serde_json::json!({ "alg": "dir", "enc": "A256GCM" })
    );
    assert_eq!(opened["payload"]["userId"], "user-9");
    let session = SealedSession::decrypt(&token, &keys()).expect("decrypt");
    assert_eq!(unix(&opened["payload"]["exp"]), session.expires_at());
}

#[test]
#[ignore = "needs Node and jose: `npm ci --prefix tests/interop`, then run with `-- --ignored`"]
fn jose_encrypted_tokens_open_in_rust() {
    let payload = r#"{"userId":"user-11","expiresAt":"2026-12-03T10:00:00.000Z"}"#;
    let made = jose(&["encrypt-a256gcm", "session", payload]);
    let token = made["token"].as_str().expect("token");
    let session = SealedSession::decrypt(token, &keys()).expect("a jose JWE opens");
    assert_eq!(
        *session,
        SealedSession {
            user_id: "user-11".into(),
            expires_at: "2026-12-03T10:00:00.000Z".into()
        }
    );
    assert_eq!(
        session.expires_at() - session.issued_at().expect("jose writes iat"),
        sessionkit::time::Duration::days(7)
    );
    // The key is bound to the cookie name: a token sealed for another cookie does not open.
    let made = jose(&["encrypt-a256gcm", "other", payload]);
    let foreign = made["token"].as_str().expect("token");
    assert_eq!(
        SealedSession::decrypt(foreign, &keys()).unwrap_err(),
        Error::Decryption
    );
}

/// A signed type without `jose_compatible`: its HMAC key is derived from the secret and
/// the cookie name, and jose uses it through the documented derivation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, Session)]
#[session(cookie = "reset", ttl = "1h", algorithm = "HS512")]
struct ResetLink {
    user_id: String,
}

#[test]
#[ignore = "needs Node and jose: `npm ci --prefix tests/interop`, then run with `-- --ignored`"]
fn derived_signing_keys_work_both_ways_with_jose() {
    let token = ResetLink {
        user_id: "user-9".into(),
    }
    .encrypt(&keys())
    .expect("encrypt");
    let verified = jose(&["verify-derived", "HS512", "reset", &token]);
    assert_eq!(verified["payload"]["user_id"], "user-9");
    let made = jose(&["sign-derived", "HS512", "reset", r#"{"user_id":"user-10"}"#]);
    let token = made["token"].as_str().expect("token");
    let session = ResetLink::decrypt(token, &keys()).expect("a jose token under the derived key");
    assert_eq!(session.user_id, "user-10");
    // Signed for another cookie name, it is refused.
    let other = jose(&[
        "sign-derived",
        "HS512",
        "session",
        r#"{"user_id":"user-10"}"#,
    ]);
    assert_eq!(
        ResetLink::decrypt(other["token"].as_str().unwrap(), &keys()).unwrap_err(),
        Error::Signature
    );
}
