//! Every token is bound to its session type: a token minted for one purpose is never accepted
//! as another (the class of bug behind next-auth's CVE-2023-48309). The matrix below mints a
//! token with every kind of session type and database manager under one secret, presents it
//! to every other, and checks that exactly the documented pairs accept each other.

mod common;

use std::sync::Arc;

use common::{SECRET, keys, now};
use serde::{Deserialize, Serialize};
use sessionkit::{Algorithm, Error, MemoryStore, Session, SessionManager, derive_signing_key};

/// All the stateless types share one shape, and every field has a default, so that any
/// claims set at all would deserialize: only the key can keep them apart.
macro_rules! stateless {
    ($name:ident, $($attr:tt)*) => {
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Session)]
        #[serde(default)]
        #[session($($attr)*)]
        struct $name {
            user_id: String,
            sid: String,
        }
    };
}

stateless!(SignedSession, cookie = "session", algorithm = "HS256");
stateless!(SignedReset, cookie = "reset", algorithm = "HS256");
stateless!(SignedSession384, cookie = "session", algorithm = "HS384");
stateless!(
    JoseSession,
    cookie = "session",
    algorithm = "HS256",
    jose_compatible
);
stateless!(
    JoseReset,
    cookie = "reset",
    algorithm = "HS256",
    jose_compatible
);
stateless!(SealedSession, cookie = "session");
stateless!(SealedReset, cookie = "reset");
// Stateless types that share a cookie name with a database type below.
stateless!(SealedSid, cookie = "sid");
stateless!(SignedSid, cookie = "sid", algorithm = "HS256");

macro_rules! database {
    ($name:ident, $($attr:tt)*) => {
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Session)]
        #[serde(default)]
        #[session($($attr)*)]
        struct $name {
            user_id: String,
        }
    };
}

database!(UserDb, cookie = "sid");
database!(AdminDb, cookie = "admin_sid");
database!(SignedDb, cookie = "sid", algorithm = "HS256");

/// Who made a token, and whom it was shown to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SignedSession,
    SignedReset,
    SignedSession384,
    JoseSession,
    JoseReset,
    SealedSession,
    SealedReset,
    SealedSid,
    SignedSid,
    UserDb,
    AdminDb,
    SignedDb,
}

const KINDS: [Kind; 12] = [
    Kind::SignedSession,
    Kind::SignedReset,
    Kind::SignedSession384,
    Kind::JoseSession,
    Kind::JoseReset,
    Kind::SealedSession,
    Kind::SealedReset,
    Kind::SealedSid,
    Kind::SignedSid,
    Kind::UserDb,
    Kind::AdminDb,
    Kind::SignedDb,
];

/// One store for all three database types, as an application with a user and an admin
/// session would have.
struct Managers {
    user: SessionManager<UserDb, Arc<MemoryStore>>,
    admin: SessionManager<AdminDb, Arc<MemoryStore>>,
    signed: SessionManager<SignedDb, Arc<MemoryStore>>,
}

fn managers() -> Managers {
    let store = Arc::new(MemoryStore::new());
    Managers {
        user: SessionManager::new(Arc::clone(&store), keys()),
        admin: SessionManager::new(Arc::clone(&store), keys()),
        signed: SessionManager::new(store, keys()),
    }
}

fn payload<T: Default + Serialize + serde::de::DeserializeOwned>() -> T {
    // `sid` is set too, so that a stateless token looks as much like a ticket as it can.
    serde_json::from_value(serde_json::json!({"user_id": "mallory", "sid": "planted"}))
        .expect("the shared shape")
}

async fn mint(kind: Kind, managers: &Managers) -> String {
    let at = now();
    let stateless = |result: Result<String, Error>| result.expect("mint");
    match kind {
        Kind::SignedSession => stateless(payload::<SignedSession>().encrypt_at(&keys(), at)),
        Kind::SignedReset => stateless(payload::<SignedReset>().encrypt_at(&keys(), at)),
        Kind::SignedSession384 => stateless(payload::<SignedSession384>().encrypt_at(&keys(), at)),
        Kind::JoseSession => stateless(payload::<JoseSession>().encrypt_at(&keys(), at)),
        Kind::JoseReset => stateless(payload::<JoseReset>().encrypt_at(&keys(), at)),
        Kind::SealedSession => stateless(payload::<SealedSession>().encrypt_at(&keys(), at)),
        Kind::SealedReset => stateless(payload::<SealedReset>().encrypt_at(&keys(), at)),
        Kind::SealedSid => stateless(payload::<SealedSid>().encrypt_at(&keys(), at)),
        Kind::SignedSid => stateless(payload::<SignedSid>().encrypt_at(&keys(), at)),
        Kind::UserDb => value(managers.user.create_at(&payload(), at).await),
        Kind::AdminDb => value(managers.admin.create_at(&payload(), at).await),
        Kind::SignedDb => value(managers.signed.create_at(&payload(), at).await),
    }
}

fn value(cookie: Result<sessionkit::Cookie<'static>, Error>) -> String {
    cookie.expect("create").value().to_owned()
}

/// Whether `kind` accepts `token`, presented under its own cookie name (an attacker can
/// always rename a cookie). Database types are asked both ways: the optimistic check and
/// the full load.
async fn accepts(kind: Kind, token: &str, managers: &Managers) -> bool {
    let at = now();
    let header = |name: &str| format!("{name}={token}");
    match kind {
        Kind::SignedSession => SignedSession::decrypt_at(token, &keys(), at).is_ok(),
        Kind::SignedReset => SignedReset::decrypt_at(token, &keys(), at).is_ok(),
        Kind::SignedSession384 => SignedSession384::decrypt_at(token, &keys(), at).is_ok(),
        Kind::JoseSession => JoseSession::decrypt_at(token, &keys(), at).is_ok(),
        Kind::JoseReset => JoseReset::decrypt_at(token, &keys(), at).is_ok(),
        Kind::SealedSession => SealedSession::decrypt_at(token, &keys(), at).is_ok(),
        Kind::SealedReset => SealedReset::decrypt_at(token, &keys(), at).is_ok(),
        Kind::SealedSid => SealedSid::decrypt_at(token, &keys(), at).is_ok(),
        Kind::SignedSid => SignedSid::decrypt_at(token, &keys(), at).is_ok(),
        Kind::UserDb => {
            let checked = managers.user.check_cookie_at(&header("sid"), at).is_ok();
            let loaded = managers.user.load_at(&header("sid"), at).await.is_ok();
            assert_eq!(checked, loaded, "the optimistic check agrees with the load");
            loaded
        }
        Kind::AdminDb => {
            let checked = managers
                .admin
                .check_cookie_at(&header("admin_sid"), at)
                .is_ok();
            let loaded = managers
                .admin
                .load_at(&header("admin_sid"), at)
                .await
                .is_ok();
            assert_eq!(checked, loaded, "the optimistic check agrees with the load");
            loaded
        }
        Kind::SignedDb => {
            let checked = managers.signed.check_cookie_at(&header("sid"), at).is_ok();
            let loaded = managers.signed.load_at(&header("sid"), at).await.is_ok();
            assert_eq!(checked, loaded, "the optimistic check agrees with the load");
            loaded
        }
    }
}

/// The pairs that accept each other: a type accepts its own tokens, and `jose_compatible`
/// types under one secret and algorithm are not separated (they use the raw secret, as jose
/// does; the docs say so).
fn expected(minted: Kind, shown_to: Kind) -> bool {
    let jose = [Kind::JoseSession, Kind::JoseReset];
    minted == shown_to || (jose.contains(&minted) && jose.contains(&shown_to))
}

#[tokio::test]
async fn no_session_type_accepts_another_types_token() {
    let managers = managers();
    let mut wrong = Vec::new();
    for minted in KINDS {
        let token = mint(minted, &managers).await;
        for shown_to in KINDS {
            let accepted = accepts(shown_to, &token, &managers).await;
            if accepted != expected(minted, shown_to) {
                wrong.push(format!(
                    "{minted:?} token shown to {shown_to:?}: accepted = {accepted}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_signed_types_key_is_the_documented_derivation() {
    // HMAC-SHA256 under HKDF-SHA256(secret, "sessionkit/jws/v1",
    // "sessionkit HS256 cookie=session"), checked with jsonwebtoken, not the code under test.
    let key = derive_signing_key(SECRET.as_bytes(), Algorithm::Hs256, "session");
    assert_eq!(key.len(), 32);
    let token = payload::<SignedSession>()
        .encrypt_at(&keys(), now())
        .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let decoded = jsonwebtoken::decode::<serde_json::Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_secret(&key),
        &validation,
    )
    .expect("verifies under the derived key");
    assert_eq!(decoded.claims["user_id"], "mallory");
    // And not under the raw secret, which is what jose_compatible types use.
    assert!(
        jsonwebtoken::decode::<serde_json::Value>(
            &token,
            &jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()),
            &validation,
        )
        .is_err()
    );
    let key384 = derive_signing_key(SECRET.as_bytes(), Algorithm::Hs384, "session");
    let key512 = derive_signing_key(SECRET.as_bytes(), Algorithm::Hs512, "session");
    assert_eq!((key384.len(), key512.len()), (48, 64));
    assert_ne!(
        *derive_signing_key(SECRET.as_bytes(), Algorithm::Hs256, "reset"),
        *key
    );
}

#[tokio::test]
async fn a_renamed_database_cookie_is_refused_by_the_other_type() {
    let managers = managers();
    let admin = managers.admin.create_at(&payload(), now()).await.unwrap();
    // The admin's cookie, renamed to the user session's name, on the same store.
    let renamed = format!("sid={}", admin.value());
    assert_eq!(
        managers.user.load_at(&renamed, now()).await.unwrap_err(),
        Error::Decryption
    );
}

// ------------------------------------------------------------------------------------------
// The formats whose keys do not depend on the cookie name: iron-session's seals and
// NextAuth.js v4's tokens. Without `bind`, one such type opens another's tokens (inherent in
// the formats: that is how iron-session's magic-link pattern works); with `bind`, a claim
// carries the cookie name and is required on read.

stateless!(IronSessionCookie, format = "iron", cookie = "iron-session");
stateless!(IronMagicLink, format = "iron", cookie = "magic-link");
stateless!(
    BoundIronSession,
    format = "iron",
    cookie = "iron-session",
    bind = "purpose"
);
stateless!(
    BoundIronMagicLink,
    format = "iron",
    cookie = "magic-link",
    bind = "purpose"
);
stateless!(
    V4Session,
    format = "next-auth-v4",
    cookie = "next-auth.session-token"
);
stateless!(
    V4Other,
    format = "next-auth-v4",
    cookie = "other.session-token"
);
stateless!(
    BoundV4Session,
    format = "next-auth-v4",
    cookie = "next-auth.session-token",
    bind = "purpose"
);
stateless!(
    BoundV4Other,
    format = "next-auth-v4",
    cookie = "other.session-token",
    bind = "purpose"
);

#[test]
fn iron_and_next_auth_v4_are_bound_only_with_bind() {
    let link = IronMagicLink::default().encrypt(&keys()).unwrap();
    // Unbound: a magic-link seal opens as the session, as the README says.
    assert!(IronSessionCookie::decrypt(&link, &keys()).is_ok());
    let v4 = V4Other::default().encrypt(&keys()).unwrap();
    assert!(V4Session::decrypt(&v4, &keys()).is_ok());

    // Bound: each opens only its own, and refuses an unbound token (no claim) and another
    // bound type's.
    let bound_link = BoundIronMagicLink::default().encrypt(&keys()).unwrap();
    assert!(BoundIronMagicLink::decrypt(&bound_link, &keys()).is_ok());
    for (token, what) in [(&bound_link, "another type's"), (&link, "an unbound")] {
        assert!(
            matches!(
                BoundIronSession::decrypt(token, &keys()).map(|_| ()),
                Err(Error::Claims(_))
            ),
            "iron: {what} seal"
        );
    }
    let bound_v4 = BoundV4Other::default().encrypt(&keys()).unwrap();
    assert!(BoundV4Other::decrypt(&bound_v4, &keys()).is_ok());
    for (token, what) in [(&bound_v4, "another type's"), (&v4, "an unbound")] {
        assert!(
            matches!(
                BoundV4Session::decrypt(token, &keys()).map(|_| ()),
                Err(Error::Claims(_))
            ),
            "next-auth-v4: {what} token"
        );
    }
    // The claim is the cookie name, once.
    assert_eq!(
        BoundV4Session::decrypt(
            &BoundV4Session::default().encrypt(&keys()).unwrap(),
            &keys()
        )
        .map(|_| ()),
        Ok(())
    );
}

/// A payload with a member named like the claim would carry it twice: refused when made.
#[test]
fn a_payload_member_named_like_the_binding_claim_is_refused() {
    #[derive(Serialize, Deserialize, Session)]
    #[session(format = "iron", cookie = "magic-link", bind = "purpose")]
    struct Clashing {
        purpose: String,
    }
    let made = Clashing {
        purpose: "magic-link".into(),
    }
    .encrypt(&keys());
    assert!(matches!(made, Err(Error::Serialize(_))), "{made:?}");
}
