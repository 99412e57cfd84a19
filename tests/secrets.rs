//! Nothing secret or personal reaches `Debug`, `Display` or an error: not the key, not a
//! token or session id, not a payload value. Every path is fed a payload that holds a marker
//! string, and the marker must never come out.

mod common;

use std::sync::Arc;

use common::{SECRET, keys, now};
use serde::{Deserialize, Serialize};
use sessionkit::{Error, Keys, MemoryStore, Session, SessionManager};

const MARKER: &str = "MARKER-alice@example.com-7c1f";

#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(cookie = "profile", algorithm = "HS256", jose_compatible)]
struct Profile {
    email: String,
    role: String,
}

/// The same cookie read with other field types, as after a careless deploy.
#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(cookie = "profile", algorithm = "HS256", jose_compatible)]
struct Renamed {
    email: u64,
    role: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(cookie = "profile", algorithm = "HS256", jose_compatible)]
struct WithRole {
    email: String,
    role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Role {
    Admin,
}

/// A payload whose `Serialize` fails with a message that holds the marker.
#[derive(Debug, Clone, Deserialize, Session)]
#[session(cookie = "broken")]
struct Broken {
    email: String,
}

impl Serialize for Broken {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(format!(
            "cannot write {}",
            self.email
        )))
    }
}

/// Database sessions of one cookie name, written by one type and read by another.
#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(cookie = "sid")]
struct DbProfile {
    email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(cookie = "sid")]
struct DbNumbers {
    email: u64,
}

fn profile() -> Profile {
    Profile {
        email: MARKER.into(),
        role: MARKER.into(),
    }
}

/// `Debug` and `Display` of an error hold none of the forbidden strings.
fn assert_clean(err: &Error, forbidden: &[&str]) {
    let shown = format!("{err} / {err:?}");
    for needle in forbidden.iter().chain([&MARKER, &SECRET]) {
        assert!(!shown.contains(needle), "{shown:?} contains {needle:?}");
    }
}

#[test]
fn keys_and_generated_secrets_never_print() {
    let keys = Keys::new(SECRET)
        .unwrap()
        .with_fallback(MARKER.repeat(2))
        .unwrap();
    let shown = format!("{keys:?}");
    assert!(
        !shown.contains(SECRET) && !shown.contains(MARKER),
        "{shown}"
    );
    let (_, secret) = Keys::generate();
    assert_eq!(secret.len(), 44);
    assert!(!format!("{secret:?}").contains(&*secret));
}

#[test]
fn verified_sessions_do_not_print_their_payload() {
    let token = profile().encrypt_at(&keys(), now()).unwrap();
    let session = Profile::decrypt_at(&token, &keys(), now()).unwrap();
    let shown = format!("{session:?}");
    assert!(
        !shown.contains(MARKER) && !shown.contains(&token),
        "{shown}"
    );
    // Asking for the payload itself still shows it.
    assert!(format!("{:?}", *session).contains(MARKER));
}

#[test]
fn payload_errors_name_the_field_and_type_but_never_the_value() {
    let token = profile().encrypt_at(&keys(), now()).unwrap();
    let err = Renamed::decrypt_at(&token, &keys(), now()).unwrap_err();
    assert_eq!(
        err,
        Error::Payload("at `email`: invalid type: string, expected u64".into())
    );
    assert_clean(&err, &[&token]);
    let err = WithRole::decrypt_at(&token, &keys(), now()).unwrap_err();
    assert!(
        matches!(&err, Error::Payload(message) if message.starts_with("at `role`: unknown variant"))
    );
    assert_clean(&err, &[&token]);
}

#[test]
fn token_errors_never_hold_the_token() {
    let token = profile().encrypt_at(&keys(), now()).unwrap();
    let tampered = common::tamper(&token);
    let expired = Profile::decrypt_at(&token, &keys(), now() + sessionkit::time::Duration::days(8));
    let errors = [
        Profile::decrypt_at(&tampered, &keys(), now()).unwrap_err(),
        expired.unwrap_err(),
        Profile::decrypt_at(&token, &common::other_keys(), now()).unwrap_err(),
        Profile::from_cookie_header_at(
            &format!("profile={token}; profile={tampered}"),
            &keys(),
            now(),
        )
        .unwrap_err(),
        Profile::decrypt_at(&format!("{token}{}", "A".repeat(5000)), &keys(), now()).unwrap_err(),
    ];
    for err in &errors {
        assert_clean(err, &[&token, &tampered]);
    }
}

#[test]
fn serialize_and_size_errors_never_hold_the_payload() {
    let err = Broken {
        email: MARKER.into(),
    }
    .encrypt_at(&keys(), now())
    .unwrap_err();
    assert!(matches!(err, Error::Serialize(_)));
    assert_clean(&err, &[]);
    let huge = Profile {
        email: MARKER.repeat(200),
        role: String::new(),
    };
    let err = huge.cookie_at(&keys(), now()).unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }));
    assert_clean(&err, &[]);
}

#[tokio::test]
async fn database_sessions_and_corrupt_rows_never_print_the_payload_or_the_id() {
    let store = Arc::new(MemoryStore::new());
    let writer = SessionManager::<DbProfile, _>::new(Arc::clone(&store), keys());
    let reader = SessionManager::<DbNumbers, _>::new(Arc::clone(&store), keys());
    let cookie = writer
        .create_at(
            &DbProfile {
                email: MARKER.into(),
            },
            now(),
        )
        .await
        .unwrap();
    let header = format!("sid={}", cookie.value());
    let session = writer.load_at(&header, now()).await.unwrap();
    let shown = format!("{session:?}");
    assert!(
        !shown.contains(MARKER) && !shown.contains(cookie.value()),
        "{shown}"
    );
    let err = reader.load_at(&header, now()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Store(store) if store.kind == sessionkit::StoreErrorKind::Corrupt),
        "{err:?}"
    );
    assert!(err.to_string().contains("email"), "{err}");
    assert_clean(&err, &[cookie.value()]);
}

#[cfg(feature = "axum")]
#[test]
fn set_session_does_not_print_its_token() {
    let cookie = profile().cookie_at(&keys(), now()).unwrap();
    let shown = format!("{:?}", sessionkit::SetSession(cookie.clone()));
    assert!(!shown.contains(cookie.value()), "{shown}");
    assert!(
        shown.contains("profile=") && shown.contains("HttpOnly"),
        "{shown}"
    );
}
