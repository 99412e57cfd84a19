//! Keys: construction, the environment, generation, rotation, and what they never print.

mod common;

use common::*;
use sessionkit::{EnvProblem, Error, Keys, Session};

#[test]
fn secrets_shorter_than_32_bytes_are_refused() {
    assert_eq!(
        Keys::new([7u8; 31]).unwrap_err(),
        Error::KeyTooShort { len: 31, min: 32 }
    );
    assert_eq!(
        Keys::new("").unwrap_err(),
        Error::KeyTooShort { len: 0, min: 32 }
    );
    assert!(Keys::new([7u8; 32]).is_ok());
    assert_eq!(
        keys().with_fallback("short").unwrap_err(),
        Error::KeyTooShort { len: 5, min: 32 }
    );
}

#[test]
fn from_env_names_the_variable_and_the_problem() {
    // Each case has its own variable: tests run in parallel threads.
    let missing = Keys::from_env("SESSIONKIT_TEST_UNSET_VARIABLE").unwrap_err();
    assert_eq!(
        missing,
        Error::Env {
            var: "SESSIONKIT_TEST_UNSET_VARIABLE".into(),
            problem: EnvProblem::Missing
        }
    );
    assert!(
        missing
            .to_string()
            .contains("SESSIONKIT_TEST_UNSET_VARIABLE")
    );

    set("SESSIONKIT_TEST_EMPTY", "");
    assert_eq!(
        Keys::from_env("SESSIONKIT_TEST_EMPTY").unwrap_err(),
        Error::Env {
            var: "SESSIONKIT_TEST_EMPTY".into(),
            problem: EnvProblem::Empty
        }
    );

    set("SESSIONKIT_TEST_SHORT", "hunter2-is-short");
    let short = Keys::from_env("SESSIONKIT_TEST_SHORT").unwrap_err();
    assert_eq!(
        short,
        Error::Env {
            var: "SESSIONKIT_TEST_SHORT".into(),
            problem: EnvProblem::TooShort { len: 16, min: 32 }
        }
    );
    assert!(
        !short.to_string().contains("hunter2"),
        "the value is never shown: {short}"
    );

    set("SESSIONKIT_TEST_GOOD", SECRET);
    let from_env = Keys::from_env("SESSIONKIT_TEST_GOOD").unwrap();
    let token = guide("a").encrypt_at(&from_env, now()).unwrap();
    assert!(
        GuideSession::decrypt_at(&token, &keys(), now()).is_ok(),
        "the key is the variable's bytes"
    );
}

fn set(name: &str, value: &str) {
    // SAFETY: no other test in this binary reads or writes the environment, so no thread
    // calls getenv while this one calls setenv.
    unsafe { std::env::set_var(name, value) };
}

#[test]
fn generate_makes_a_working_random_base64_secret() {
    use base64::Engine;
    let (keys, secret) = Keys::generate();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&secret)
        .expect("standard base64");
    assert_eq!(raw.len(), 32);
    assert_eq!(secret.len(), 44);
    let (_, other) = Keys::generate();
    assert_ne!(*secret, *other);
    // The key is the base64 text's bytes, as jose's TextEncoder makes it.
    let token = guide("a").encrypt_at(&keys, now()).unwrap();
    assert!(GuideSession::decrypt_at(&token, &Keys::new(&secret).unwrap(), now()).is_ok());
}

#[test]
fn rotation_verifies_old_tokens_and_says_so() {
    let old_token = guide("a").encrypt_at(&other_keys(), now()).unwrap();
    let old_sealed = sealed("a").encrypt_at(&other_keys(), now()).unwrap();
    let rotated = keys().with_fallback(OTHER_SECRET).unwrap();
    assert_eq!(rotated.len(), 2);

    let verified = GuideSession::decrypt_at(&old_token, &rotated, now()).unwrap();
    assert!(verified.used_fallback_key());
    assert!(
        SealedSession::decrypt_at(&old_sealed, &rotated, now())
            .unwrap()
            .used_fallback_key()
    );

    // Re-issuing uses the primary key, which the old keys alone cannot verify.
    let reissued = GuideSession::refresh_at(&verified, &rotated, now()).unwrap();
    let fresh = GuideSession::decrypt_at(reissued.value(), &rotated, now()).unwrap();
    assert!(!fresh.used_fallback_key());
    assert_eq!(
        GuideSession::decrypt_at(reissued.value(), &other_keys(), now()).unwrap_err(),
        Error::Signature
    );

    // Once the fallback is gone, the old token is refused.
    assert_eq!(
        GuideSession::decrypt_at(&old_token, &keys(), now()).unwrap_err(),
        Error::Signature
    );
}

#[test]
fn key_ids_are_written_and_select_the_key() {
    let keys = Keys::new_with_id("2026-11", SECRET)
        .unwrap()
        .with_fallback_id("2026-10", OTHER_SECRET)
        .unwrap();
    let token = guide("a").encrypt_at(&keys, now()).unwrap();
    assert_eq!(
        unb64(token.split('.').next().unwrap()),
        br#"{"alg":"HS256","kid":"2026-11"}"#
    );
    assert!(
        !GuideSession::decrypt_at(&token, &keys, now())
            .unwrap()
            .used_fallback_key()
    );
    let jwe = sealed("a").encrypt_at(&keys, now()).unwrap();
    assert_eq!(
        unb64(jwe.split('.').next().unwrap()),
        br#"{"alg":"dir","enc":"A256GCM","kid":"2026-11"}"#
    );
    assert!(SealedSession::decrypt_at(&jwe, &keys, now()).is_ok());

    let old = Keys::new_with_id("2026-10", OTHER_SECRET).unwrap();
    let old_token = guide("a").encrypt_at(&old, now()).unwrap();
    assert!(
        GuideSession::decrypt_at(&old_token, &keys, now())
            .unwrap()
            .used_fallback_key()
    );

    // A kid nobody has.
    let stranger = Keys::new_with_id("1999", SECRET).unwrap();
    let token = guide("a").encrypt_at(&stranger, now()).unwrap();
    assert_eq!(
        GuideSession::decrypt_at(&token, &keys, now()).unwrap_err(),
        Error::UnknownKey
    );
    // A kid names one key only: the right secret under another id does not verify.
    let mislabelled = Keys::new_with_id("2026-10", SECRET).unwrap();
    let token = guide("a").encrypt_at(&mislabelled, now()).unwrap();
    assert_eq!(
        GuideSession::decrypt_at(&token, &keys, now()).unwrap_err(),
        Error::Signature
    );

    // jose tokens carry no kid: every key is tried.
    let jose_like = guide("a").encrypt_at(&other_keys(), now()).unwrap();
    assert!(
        GuideSession::decrypt_at(&jose_like, &keys, now())
            .unwrap()
            .used_fallback_key()
    );
}

#[test]
fn nothing_prints_secrets_or_tokens() {
    let keys = Keys::new(SECRET)
        .unwrap()
        .with_fallback(OTHER_SECRET)
        .unwrap();
    let debug = format!("{keys:?}");
    assert!(
        !debug.contains(SECRET) && !debug.contains(OTHER_SECRET),
        "{debug}"
    );
    assert!(!debug.contains("interop"), "{debug}");

    let token = guide("secret-user").encrypt_at(&keys, now()).unwrap();
    let errors = [
        GuideSession::decrypt_at(&token, &keys, later(10 * 86_400)).unwrap_err(),
        GuideSession::decrypt_at(&flip_bit(&token, 2), &keys, now()).unwrap_err(),
        GuideSession::decrypt_at(&token, &common::other_keys(), now()).unwrap_err(),
        GuideSession::decrypt_at(&format!("{token}x.y"), &keys, now()).unwrap_err(),
        sealed("a")
            .encrypt_at(&keys, now())
            .and_then(|t| GuideSession::decrypt_at(&t, &keys, now()))
            .unwrap_err(),
    ];
    for err in errors {
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(
                !text.contains(&token[..20]) && !text.contains(token.split('.').nth(1).unwrap()),
                "{text}"
            );
            assert!(
                !text.contains(SECRET) && !text.contains("secret-user"),
                "{text}"
            );
        }
    }
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, Session)]
#[session(cookie = "other")]
struct OtherCookie {
    user_id: String,
    expires_at: String,
}

#[test]
fn one_key_serves_several_encrypted_session_types_apart() {
    // One `Keys` value, two cookie names: each gets its own derived content key.
    let keys = keys();
    let payload = || OtherCookie {
        user_id: "a".into(),
        expires_at: "x".into(),
    };
    for _ in 0..2 {
        let first = sealed("a").encrypt_at(&keys, now()).unwrap();
        let second = payload().encrypt_at(&keys, now()).unwrap();
        assert_eq!(
            SealedSession::decrypt_at(&first, &keys, now())
                .unwrap()
                .user_id,
            "a"
        );
        assert_eq!(
            *OtherCookie::decrypt_at(&second, &keys, now()).unwrap(),
            payload()
        );
        // Same secret, same payload shape, other cookie: never interchangeable.
        assert_eq!(
            SealedSession::decrypt_at(&second, &keys, now()).unwrap_err(),
            Error::Decryption
        );
        assert_eq!(
            OtherCookie::decrypt_at(&first, &keys, now()).unwrap_err(),
            Error::Decryption
        );
    }
}
