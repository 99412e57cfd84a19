//! Properties over arbitrary input: round trips in both modes, and no panics on anything a
//! client can send.

mod common;

use common::{keys, now};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use sessionkit::{Session, find_session_cookie};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(algorithm = "HS256")]
struct Signed {
    name: String,
    id: u64,
    score: i32,
    roles: Vec<String>,
    note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(algorithm = "A256GCM")]
struct Encrypted {
    name: String,
    id: u64,
    score: i32,
    roles: Vec<String>,
    note: Option<String>,
}

fn fields() -> impl Strategy<Value = (String, u64, i32, Vec<String>, Option<String>)> {
    (
        any::<String>(),
        any::<u64>(),
        any::<i32>(),
        proptest::collection::vec(any::<String>(), 0..4),
        proptest::option::of(any::<String>()),
    )
}

proptest! {
    #[test]
    fn signed_round_trip((name, id, score, roles, note) in fields()) {
        let value = Signed { name, id, score, roles, note };
        let token = value.encrypt_at(&keys(), now()).unwrap();
        prop_assert_eq!(Signed::decrypt_at(&token, &keys(), now()).unwrap().into_inner(), value);
    }

    #[test]
    fn encrypted_round_trip((name, id, score, roles, note) in fields()) {
        let value = Encrypted { name, id, score, roles, note };
        let token = value.encrypt_at(&keys(), now()).unwrap();
        prop_assert_eq!(Encrypted::decrypt_at(&token, &keys(), now()).unwrap().into_inner(), value);
    }

    #[test]
    fn decrypt_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = Signed::decrypt_at(&text, &keys(), now());
        let _ = Encrypted::decrypt_at(&text, &keys(), now());
    }

    #[test]
    fn decrypt_never_panics_on_token_shaped_text(text in "[A-Za-z0-9_=-]{0,60}(\\.[A-Za-z0-9_=-]{0,60}){0,5}") {
        prop_assert!(Signed::decrypt_at(&text, &keys(), now()).is_err());
        prop_assert!(Encrypted::decrypt_at(&text, &keys(), now()).is_err());
    }

    #[test]
    fn a_changed_token_never_verifies(position in any::<prop::sample::Index>(), byte in b'-'..=b'z') {
        let value = Encrypted { name: "n".into(), id: 1, score: 2, roles: vec![], note: None };
        for token in [
            value.encrypt_at(&keys(), now()).unwrap(),
            Signed { name: "n".into(), id: 1, score: 2, roles: vec![], note: None }.encrypt_at(&keys(), now()).unwrap(),
        ] {
            let mut bytes = token.clone().into_bytes();
            let at = position.index(bytes.len());
            prop_assume!(bytes[at] != byte);
            bytes[at] = byte;
            let changed = String::from_utf8(bytes).unwrap();
            // Segments must be canonical base64url, so even a change in the unused bits of a
            // last character is refused rather than decoded to the same bytes.
            prop_assert!(Signed::decrypt_at(&changed, &keys(), now()).is_err());
            prop_assert!(Encrypted::decrypt_at(&changed, &keys(), now()).is_err());
        }
    }

    #[test]
    fn the_cookie_lookup_never_panics(header in any::<String>()) {
        let _ = find_session_cookie(&header, "session");
        let _ = Signed::from_cookie_header_at(&header, &keys(), now());
    }

    #[test]
    fn the_cookie_lookup_finds_the_session_among_others(
        before in proptest::collection::vec(("[a-z]{1,8}", "[A-Za-z0-9]{0,12}"), 0..5),
        after in proptest::collection::vec(("[a-z]{1,8}", "[A-Za-z0-9]{0,12}"), 0..5),
    ) {
        prop_assume!(before.iter().chain(&after).all(|(name, _)| name != "session"));
        let token = Signed { name: "n".into(), id: 1, score: 2, roles: vec![], note: None }.encrypt_at(&keys(), now()).unwrap();
        let pairs: Vec<String> = before.iter().map(|(n, v)| format!("{n}={v}"))
            .chain(std::iter::once(format!("session={token}")))
            .chain(after.iter().map(|(n, v)| format!("{n}={v}")))
            .collect();
        let header = pairs.join("; ");
        prop_assert_eq!(find_session_cookie(&header, "session").unwrap(), token.as_str());
    }
}
