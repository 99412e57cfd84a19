//! Session types and helpers shared by the integration tests.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Keys, Session};

/// The secret the tests share with the jose side; 40 bytes.
pub const SECRET: &str = "interop-secret-0123456789-abcdefghijklmn";
/// A different secret of valid length.
pub const OTHER_SECRET: &str = "another-secret-0123456789-abcdefghijklmn";

/// The guide's payload, signed as the guide signs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[serde(rename_all = "camelCase")]
#[session(
    cookie = "session",
    ttl = "7d",
    algorithm = "HS256",
    same_site = "lax",
    jose_compatible
)]
pub struct GuideSession {
    pub user_id: String,
    pub expires_at: String,
}

/// The guide's payload in the default encrypted mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[serde(rename_all = "camelCase")]
#[session(cookie = "session")]
pub struct SealedSession {
    pub user_id: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(algorithm = "HS384", ttl = "1h", jose_compatible)]
pub struct Hs384Session {
    pub user_id: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(algorithm = "HS512", ttl = "1h", jose_compatible)]
pub struct Hs512Session {
    pub user_id: u64,
}

pub fn keys() -> Keys {
    Keys::new(SECRET).expect("valid secret")
}

pub fn other_keys() -> Keys {
    Keys::new(OTHER_SECRET).expect("valid secret")
}

/// A fixed instant, so that expiry tests do not depend on the clock.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_790_000_000).expect("in range")
}

pub fn later(seconds: i64) -> OffsetDateTime {
    now() + Duration::seconds(seconds)
}

pub fn guide(user_id: &str) -> GuideSession {
    GuideSession {
        user_id: user_id.into(),
        expires_at: "2026-09-28T12:00:00.000Z".into(),
    }
}

pub fn sealed(user_id: &str) -> SealedSession {
    SealedSession {
        user_id: user_id.into(),
        expires_at: "2026-09-28T12:00:00.000Z".into(),
    }
}

/// base64url without padding, as JOSE writes segments.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(segment: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .expect("base64url")
}

/// A JWS with any header and claims, signed by jsonwebtoken (not by the code under test).
pub fn craft(header: &str, claims: &str, alg: jsonwebtoken::Algorithm, secret: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, alg).expect("sign");
    format!("{input}.{signature}")
}

/// An HS256 JWS with the guide's header and the given claims, signed with [`SECRET`].
pub fn craft_hs256(claims: &str) -> String {
    craft(
        r#"{"alg":"HS256"}"#,
        claims,
        jsonwebtoken::Algorithm::HS256,
        SECRET,
    )
}

/// Guide-style claims with the given registered-claim JSON appended.
pub fn guide_claims(registered: &str) -> String {
    let sep = if registered.is_empty() { "" } else { "," };
    format!(r#"{{"userId":"u","expiresAt":"2026-09-28T12:00:00.000Z"{sep}{registered}}}"#)
}

/// Flips one bit in the decoded bytes of segment `index`, keeping the base64 valid.
pub fn flip_bit(token: &str, index: usize) -> String {
    let mut segments: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut bytes = unb64(&segments[index]);
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    segments[index] = b64(&bytes);
    segments.join(".")
}

/// The cookie value with one character in the middle changed, as an attacker would.
pub fn tamper(value: &str) -> String {
    let mut tampered = value.to_owned();
    let middle = tampered.len() / 2;
    let replacement = if &tampered[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(middle..=middle, replacement);
    tampered
}

/// The value of the cookie `name` in a `Set-Cookie` header.
pub fn set_cookie_value(set_cookie: &str, name: &str) -> String {
    let cookie = sessionkit::Cookie::parse(set_cookie).expect("a valid Set-Cookie header");
    assert_eq!(cookie.name(), name, "{set_cookie}");
    cookie.value().to_owned()
}

/// Opens a compact JWE (`dir`, `A256GCM`) with a raw content key, independently of
/// sessionkit: base64url segments, the protected header's text as AAD, the tag appended.
pub fn open_jwe(token: &str, key: &[u8]) -> serde_json::Value {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 5, "a compact JWE");
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(key).expect("32-byte key");
    let mut sealed = unb64(parts[3]);
    sealed.extend(unb64(parts[4]));
    let iv = unb64(parts[2]);
    let iv: [u8; 12] = iv.try_into().expect("96-bit IV");
    let nonce = aes_gcm::aead::Nonce::<aes_gcm::Aes256Gcm>::from(iv);
    let plain = cipher
        .decrypt(
            &nonce,
            Payload {
                msg: &sealed,
                aad: parts[0].as_bytes(),
            },
        )
        .expect("the token opens under this key");
    serde_json::from_slice(&plain).expect("JSON claims")
}

/// Seals claims as a compact JWE (`dir`, `A256GCM`) under a raw content key, independently
/// of sessionkit, with a fixed IV: for minting test tokens only.
pub fn seal_jwe(claims: &serde_json::Value, key: &[u8]) -> String {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let header = b64(br#"{"alg":"dir","enc":"A256GCM"}"#);
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(key).expect("32-byte key");
    let iv = [7u8; 12];
    let nonce = aes_gcm::aead::Nonce::<aes_gcm::Aes256Gcm>::from(iv);
    let plain = claims.to_string();
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plain.as_bytes(),
                aad: header.as_bytes(),
            },
        )
        .expect("encrypts");
    let (ciphertext, tag) = sealed.split_at(sealed.len() - 16);
    format!("{header}..{}.{}.{}", b64(&iv), b64(ciphertext), b64(tag))
}

/// Auth.js's default session claims, as `@auth/core` writes them into its session token.
/// `notes` is only there to make a session large enough to be chunked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(format = "authjs", cookie = "authjs.session-token", chunked)]
pub struct AuthJsSession {
    pub name: Option<String>,
    pub email: Option<String>,
    pub picture: Option<String>,
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// The same cookie, owned by this app (`shared = false`): the guard renews it, and a refusal
/// removes it with its chunks. (A shared one is left alone: `tests/neighbour.rs`.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(
    format = "authjs",
    cookie = "authjs.session-token",
    chunked,
    shared = false
)]
pub struct OwnedAuthJsSession {
    pub name: Option<String>,
    pub email: Option<String>,
    pub picture: Option<String>,
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl From<AuthJsSession> for OwnedAuthJsSession {
    fn from(session: AuthJsSession) -> OwnedAuthJsSession {
        let AuthJsSession {
            name,
            email,
            picture,
            sub,
            notes,
        } = session;
        OwnedAuthJsSession {
            name,
            email,
            picture,
            sub,
            notes,
        }
    }
}

/// The same claims in NextAuth.js v4's session token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(format = "next-auth-v4", cookie = "next-auth.session-token", chunked)]
pub struct NextAuthSession {
    pub name: Option<String>,
    pub email: Option<String>,
    pub picture: Option<String>,
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// An iron-session cookie's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[serde(rename_all = "camelCase")]
#[session(format = "iron", cookie = "iron-session", chunked)]
pub struct IronSession {
    pub user_id: String,
    #[serde(default)]
    pub admin: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Ada, as Auth.js's default claims describe her.
pub fn ada() -> AuthJsSession {
    AuthJsSession {
        name: Some("Ada Lovelace".into()),
        email: Some("ada@example.com".into()),
        picture: Some("https://example.com/ada.png".into()),
        sub: Some("user-1815".into()),
        notes: None,
    }
}

/// A `Cookie:` header of `name=value` pairs.
pub fn cookie_header<'a>(cookies: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    cookies
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Everything a `tracing` subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// An axum response's body, as text.
pub async fn body_text(response: axum::response::Response) -> String {
    use http_body_util::BodyExt;
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// An axum response's `Set-Cookie` headers, in order.
pub fn set_cookie_headers(response: &axum::response::Response) -> Vec<String> {
    response
        .headers()
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

/// A variable `.ci/services.sh` exports for the suites that need a server; without it the
/// test fails, saying what to run.
pub fn required_env(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!("{name} is not set: `source .ci/services.sh` starts the servers"),
    }
}

/// A directory of one test's own under the system's temporary directory, empty when made
/// and removed when dropped, also when the test fails.
pub struct Scratch(std::path::PathBuf);

impl Scratch {
    /// `sessionkit-<name>-<pid>`, emptied.
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("sessionkit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// A path inside it.
    pub fn join(&self, file: &str) -> std::path::PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
