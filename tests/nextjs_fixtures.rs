//! Tokens made by Auth.js (`@auth/core`), NextAuth.js v4 and iron-session, committed in
//! `fixtures/nextjs.json` (made by `node interop/nextjs.mjs fixtures`), read here without
//! Node: each format, its chunked form, and every refusal of a changed or foreign token.

mod common;

use common::{AuthJsSession, IronSession, NextAuthSession, ada, cookie_header};
use serde_json::Value;
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Error, Keys, Session};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/nextjs.json")).expect("valid JSON")
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in the fixtures"))
}

/// A moment just after the fixtures were made, when every one of them is valid.
fn made_at(fixtures: &Value) -> OffsetDateTime {
    let seconds = fixtures["madeAt"].as_i64().expect("madeAt");
    OffsetDateTime::from_unix_timestamp(seconds + 1).expect("in range")
}

fn keys(fixtures: &Value, pointer: &str) -> Keys {
    Keys::new(text(fixtures, pointer)).expect("a valid secret")
}

/// `token` with one character of its `index`-th `separator`-separated part changed.
fn tampered(token: &str, separator: char, index: usize) -> String {
    let mut parts: Vec<String> = token.split(separator).map(str::to_owned).collect();
    let part = &mut parts[index];
    let last = part.pop().expect("a non-empty part");
    part.push(if last == 'A' { 'B' } else { 'A' });
    parts.join(&separator.to_string())
}

#[test]
fn an_authjs_token_reads_into_the_default_claims() {
    let f = fixtures();
    let token = text(&f, "/authjs/token");
    let session = AuthJsSession::decrypt_at(token, &keys(&f, "/secret"), made_at(&f))
        .expect("Auth.js's own token opens");
    assert_eq!(*session, ada());
    assert_eq!(
        session.expires_at() - session.issued_at().expect("Auth.js writes iat"),
        Duration::days(30)
    );
    // The header is Auth.js's: dir, A256CBC-HS512, and a kid.
    let header = text(&f, "/authjs/token").split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).unwrap(),
    )
    .unwrap();
    assert_eq!(header["enc"], "A256CBC-HS512");
    assert!(header["kid"].is_string());
}

#[test]
fn an_authjs_token_is_refused_when_changed_expired_foreign_or_salted_otherwise() {
    let f = fixtures();
    let token = text(&f, "/authjs/token");
    let keys = keys(&f, "/secret");
    let now = made_at(&f);
    // Header (its kid no longer names the key, or it no longer parses), IV, ciphertext,
    // tag: every part is covered.
    assert!(AuthJsSession::decrypt_at(&tampered(token, '.', 0), &keys, now).is_err());
    // (A changed last character of the IV may leave base64url's unused bits set: malformed.)
    for part in 2..5 {
        assert!(
            matches!(
                AuthJsSession::decrypt_at(&tampered(token, '.', part), &keys, now),
                Err(Error::Decryption | Error::Malformed(_))
            ),
            "part {part}"
        );
    }
    // 30 days on, plus Auth.js's 15 s of clock tolerance.
    let expiry = now + Duration::days(30);
    assert!(AuthJsSession::decrypt_at(token, &keys, expiry + Duration::seconds(13)).is_ok());
    assert!(matches!(
        AuthJsSession::decrypt_at(token, &keys, expiry + Duration::seconds(15)),
        Err(Error::Expired { .. })
    ));
    // Another secret: its key's thumbprint is not the token's kid.
    let other = Keys::new("another-auth-secret-0123456789-abcdefghij").unwrap();
    assert_eq!(
        AuthJsSession::decrypt_at(token, &other, now).err(),
        Some(Error::UnknownKey)
    );
    // The same secret under another cookie name (the salt): another key.
    #[derive(serde::Serialize, serde::Deserialize, sessionkit::Session)]
    #[session(format = "authjs", cookie = "__Secure-authjs.session-token")]
    struct SecureCookie {
        sub: Option<String>,
    }
    assert_eq!(
        SecureCookie::decrypt_at(token, &keys, now).err(),
        Some(Error::UnknownKey)
    );
}

#[test]
fn a_chunked_authjs_session_is_reassembled_from_the_cookie_header() {
    let f = fixtures();
    let chunks: Vec<(&str, &str)> = f["authjs"]["chunks"]
        .as_array()
        .expect("chunks")
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["value"].as_str().unwrap()))
        .collect();
    assert_eq!(chunks.len(), 3, "Auth.js split the 6 KB session in three");
    let keys = keys(&f, "/secret");
    let now = made_at(&f);
    let mut header = cookie_header(chunks.iter().copied());
    let session = AuthJsSession::from_cookie_header_at(&header, &keys, now).expect("joined");
    assert_eq!(session.notes.as_deref(), Some(&*"x".repeat(6000)));
    assert_eq!(session.sub.as_deref(), Some("user-1815"));
    // Any order in the header.
    let reversed = cookie_header(chunks.iter().rev().copied());
    assert!(AuthJsSession::from_cookie_header_at(&reversed, &keys, now).is_ok());
    // A gap is refused, and so is a chunk given twice.
    let gap = cookie_header([chunks[0], chunks[2]]);
    assert_eq!(
        AuthJsSession::from_cookie_header_at(&gap, &keys, now).err(),
        Some(Error::Malformed("the session's cookie chunks have a gap"))
    );
    header.push_str(&format!("; {}={}", chunks[1].0, chunks[1].1));
    assert_eq!(
        AuthJsSession::from_cookie_header_at(&header, &keys, now).err(),
        Some(Error::DuplicateCookie { count: 2 })
    );
    // Without the last chunk, the token is cut short: refused.
    let short = cookie_header([chunks[0], chunks[1]]);
    assert!(AuthJsSession::from_cookie_header_at(&short, &keys, now).is_err());
}

#[test]
fn a_nextauth_v4_token_reads_and_is_refused_when_changed_or_foreign() {
    let f = fixtures();
    let token = text(&f, "/nextauth4/token");
    let keys = keys(&f, "/secret");
    let now = made_at(&f);
    let session = NextAuthSession::decrypt_at(token, &keys, now).expect("v4's token opens");
    assert_eq!(session.email.as_deref(), Some("ada@example.com"));
    assert_eq!(session.sub.as_deref(), Some("user-1815"));
    for part in [0, 2, 3, 4] {
        assert!(
            NextAuthSession::decrypt_at(&tampered(token, '.', part), &keys, now).is_err(),
            "part {part}"
        );
    }
    let other = Keys::new("another-auth-secret-0123456789-abcdefghij").unwrap();
    assert_eq!(
        NextAuthSession::decrypt_at(token, &other, now).err(),
        Some(Error::Decryption)
    );
    // A rotated secret: the old one, as a fallback, still reads it.
    let rotated = other.with_fallback(text(&f, "/secret")).unwrap();
    assert!(
        NextAuthSession::decrypt_at(token, &rotated, now)
            .unwrap()
            .used_fallback_key()
    );
    // An Auth.js v5 token is not a v4 token (another key: salt and info differ).
    assert!(NextAuthSession::decrypt_at(text(&f, "/authjs/token"), &keys, now).is_err());
}

#[test]
fn an_iron_seal_reads_and_is_refused_when_changed_expired_or_foreign() {
    let f = fixtures();
    let seal = text(&f, "/iron/seal");
    assert!(seal.starts_with("Fe26.2*1*") && seal.ends_with("~2"));
    let keys = keys(&f, "/password");
    let now = made_at(&f);
    let session = IronSession::decrypt_at(seal, &keys, now).expect("iron-session's seal opens");
    assert_eq!(session.user_id, "user-1815");
    assert!(!session.admin);
    let body = seal.strip_suffix("~2").unwrap();
    for part in 1..8 {
        assert!(
            IronSession::decrypt_at(&tampered(body, '*', part), &keys, now).is_err(),
            "part {part}"
        );
    }
    // 14 days, and iron's 60 s of skew.
    let expiry = now + Duration::days(14);
    assert!(IronSession::decrypt_at(seal, &keys, expiry + Duration::seconds(58)).is_ok());
    assert!(matches!(
        IronSession::decrypt_at(seal, &keys, expiry + Duration::seconds(60)),
        Err(Error::Expired { .. })
    ));
    let other = Keys::new("another-iron-password-0123456789-abcdefg").unwrap();
    assert_eq!(
        IronSession::decrypt_at(seal, &other, now).err(),
        Some(Error::Signature)
    );
    // Password ids: id 1 is what the seal names.
    let by_id = Keys::new_with_id("2", "another-iron-password-0123456789-abcdefg")
        .unwrap()
        .with_fallback_id("1", text(&f, "/password"))
        .unwrap();
    assert!(
        IronSession::decrypt_at(seal, &by_id, now)
            .unwrap()
            .used_fallback_key()
    );
    let wrong_id = Keys::new_with_id("2", text(&f, "/password")).unwrap();
    assert_eq!(
        IronSession::decrypt_at(seal, &wrong_id, now).err(),
        Some(Error::UnknownKey)
    );
}

#[test]
fn a_chunked_iron_session_is_reassembled() {
    let f = fixtures();
    let chunks: Vec<(&str, &str)> = f["iron"]["chunks"]
        .as_array()
        .expect("chunks")
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["value"].as_str().unwrap()))
        .collect();
    assert_eq!(chunks.len(), 3);
    let header = cookie_header(chunks.iter().copied());
    let session = IronSession::from_cookie_header_at(&header, &keys(&f, "/password"), made_at(&f))
        .expect("joined");
    assert_eq!(session.notes.as_deref(), Some(&*"y".repeat(6000)));
}
