//! Tokens made by jose (the guide's `encrypt()` and `EncryptJWT`), committed, so that this
//! direction is covered on machines without Node. `node tests/interop/jose.mjs fixtures`
//! regenerates them.

mod common;

use common::{GuideSession, SealedSession};
use serde_json::Value;
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Error, Keys, Session};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/jose.json")).expect("fixture JSON")
}

fn keys(fixtures: &Value) -> Keys {
    Keys::new(fixtures["secret"].as_str().unwrap()).unwrap()
}

/// The second jose made the token in, read from its (verified) claims by jose's own rules.
fn made_at(token: &str) -> OffsetDateTime {
    use base64::Engine;
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1).unwrap())
        .unwrap();
    let claims: Value = serde_json::from_slice(&claims).unwrap();
    OffsetDateTime::from_unix_timestamp(claims["iat"].as_i64().unwrap()).unwrap()
}

#[test]
fn the_guides_signed_token_verifies() {
    let fixtures = fixtures();
    let token = fixtures["guideHs256"].as_str().unwrap();
    let at = made_at(token);
    let session =
        GuideSession::decrypt_at(token, &keys(&fixtures), at + Duration::hours(1)).unwrap();
    assert_eq!(
        session.user_id,
        fixtures["payload"]["userId"].as_str().unwrap()
    );
    assert_eq!(
        session.expires_at,
        fixtures["payload"]["expiresAt"].as_str().unwrap()
    );
    assert_eq!(session.issued_at(), Some(at));
    assert_eq!(session.expires_at(), at + Duration::days(7));
    // Byte-identical when re-made from the same claims at the same second.
    assert_eq!(
        session
            .clone()
            .into_inner()
            .encrypt_at(&keys(&fixtures), at)
            .unwrap(),
        token
    );
    assert!(matches!(
        GuideSession::decrypt_at(token, &keys(&fixtures), at + Duration::days(7)).unwrap_err(),
        Error::Expired { .. }
    ));
}

#[test]
fn joses_encrypted_token_opens() {
    let fixtures = fixtures();
    let token = fixtures["encryptJwtA256gcm"].as_str().unwrap();
    let keys = keys(&fixtures);
    // The claims are encrypted, so find the time by trying jose's own window.
    let signed_at = made_at(fixtures["guideHs256"].as_str().unwrap());
    let session =
        SealedSession::decrypt_at(token, &keys, signed_at + Duration::minutes(1)).unwrap();
    assert_eq!(
        session.user_id,
        fixtures["payload"]["userId"].as_str().unwrap()
    );
    assert_eq!(
        session.expires_at() - session.issued_at().expect("jose writes iat"),
        Duration::days(7)
    );
    assert!(
        (session.issued_at().expect("jose writes iat") - signed_at)
            .whole_seconds()
            .abs()
            <= 1
    );
    // Wrong key, and the token under a signed type.
    assert_eq!(
        SealedSession::decrypt_at(token, &common::other_keys(), signed_at).unwrap_err(),
        Error::Decryption
    );
    assert!(matches!(
        GuideSession::decrypt_at(token, &keys, signed_at).unwrap_err(),
        Error::Algorithm { .. }
    ));
}

/// The guide's payload in a signed type without `jose_compatible`: its key is derived from
/// the secret and the cookie name.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, Session)]
#[serde(rename_all = "camelCase")]
#[session(cookie = "session", ttl = "7d", algorithm = "HS256")]
struct BoundSession {
    user_id: String,
    expires_at: String,
}

#[test]
fn a_kid_and_typ_from_jose_are_ignored_when_no_key_has_an_id() {
    let fixtures = fixtures();
    let token = fixtures["kidTypHs256"].as_str().unwrap();
    let at = made_at(token) + Duration::hours(1);
    let session = GuideSession::decrypt_at(token, &keys(&fixtures), at).unwrap();
    assert_eq!(session.user_id, "fixture-user");
    // Once keys have ids, a kid selects among them, and an unknown one is refused.
    let secret = fixtures["secret"].as_str().unwrap();
    let with_ids = Keys::new_with_id("rust-key", secret).unwrap();
    assert_eq!(
        GuideSession::decrypt_at(token, &with_ids, at).unwrap_err(),
        Error::UnknownKey
    );
    let matching = Keys::new_with_id("nextjs-key-1", secret).unwrap();
    assert!(GuideSession::decrypt_at(token, &matching, at).is_ok());
}

#[test]
fn a_jose_token_without_iat_verifies() {
    let fixtures = fixtures();
    let token = fixtures["noIatHs256"].as_str().unwrap();
    let session = GuideSession::decrypt_at(
        token,
        &keys(&fixtures),
        made_at(fixtures["kidTypHs256"].as_str().unwrap()),
    )
    .unwrap();
    assert_eq!(session.issued_at(), None);
    assert_eq!(session.user_id, "fixture-user");
}

#[test]
fn a_jose_token_under_the_derived_key_opens_only_in_the_bound_type() {
    let fixtures = fixtures();
    let derived = fixtures["derivedHs256"].as_str().unwrap();
    let raw = fixtures["guideHs256"].as_str().unwrap();
    let at = made_at(derived) + Duration::hours(1);
    let session = BoundSession::decrypt_at(derived, &keys(&fixtures), at).unwrap();
    assert_eq!(session.user_id, "fixture-user");
    assert_eq!(
        GuideSession::decrypt_at(derived, &keys(&fixtures), at).unwrap_err(),
        Error::Signature
    );
    assert_eq!(
        BoundSession::decrypt_at(raw, &keys(&fixtures), made_at(raw)).unwrap_err(),
        Error::Signature
    );
}
