//! Live interop with Auth.js (`@auth/core`), NextAuth.js v4 (`next-auth`) and iron-session
//! under Node: for each format, tokens travel both ways (also chunked, also under a rotated
//! secret or password id), and every bad token gets the same verdict on both sides.
//!
//! Needs `node` and `npm ci --prefix tests/interop`, so every test here is `#[ignore]`d and
//! runs with `-- --ignored` (CI runs it); asked to run without them, they fail.

mod common;

use std::path::Path;
use std::process::Command;

use common::{AuthJsSession, IronSession, NextAuthSession, ada, cookie_header};
use serde_json::{Value, json};
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Cookie, Error, Keys, Session};

const SECRET: &str = "interop-auth-secret-0123456789-abcdefghij";
const OLD_SECRET: &str = "rotated-auth-secret-0123456789-abcdefghij";
const PASSWORD: &str = "interop-iron-password-0123456789-abcdefg";
const OLD_PASSWORD: &str = "rotated-iron-password-0123456789-abcdefg";
const AUTHJS_COOKIE: &str = "authjs.session-token";
const NEXTAUTH_COOKIE: &str = "next-auth.session-token";
const IRON_COOKIE: &str = "iron-session";

/// Runs one command of `interop/nextjs.mjs` and returns what it printed.
fn node(command: &str, argument: Value) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop");
    for package in ["@auth/core", "next-auth", "iron-session"] {
        assert!(
            dir.join("node_modules").join(package).is_dir(),
            "{package} is not installed: run `npm ci --prefix tests/interop`"
        );
    }
    let output = Command::new("node")
        .arg("nextjs.mjs")
        .arg(command)
        .arg(argument.to_string())
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|err| panic!("cannot run node: {err}"));
    assert!(
        output.status.success(),
        "nextjs.mjs {command} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("nextjs.mjs prints JSON")
}

fn keys(secret: &str) -> Keys {
    Keys::new(secret).expect("a valid secret")
}

fn big_notes() -> String {
    "n".repeat(6000)
}

/// The `Cookie:` header a browser sends after these `Set-Cookie`s: the live ones only.
fn header_after(cookies: &[Cookie<'static>]) -> String {
    cookie_header(
        cookies
            .iter()
            .filter(|cookie| !cookie.value().is_empty())
            .map(|cookie| (cookie.name(), cookie.value())),
    )
}

/// The request cookies a browser sends after these `Set-Cookie`s, as the object the Node
/// side reads: the live ones only.
fn request_cookies(cookies: &[Cookie<'static>]) -> serde_json::Map<String, Value> {
    cookies
        .iter()
        .filter(|cookie| !cookie.value().is_empty())
        .map(|cookie| (cookie.name().to_owned(), cookie.value().into()))
        .collect()
}

/// The request cookies of a list of `{name, value}` that Node wrote, as an object.
fn as_request_cookies(written: &Value) -> Value {
    let mut cookies = serde_json::Map::new();
    for cookie in written.as_array().expect("cookies") {
        let value = cookie["value"].as_str().unwrap();
        if !value.is_empty() {
            cookies.insert(cookie["name"].as_str().unwrap().into(), value.into());
        }
    }
    Value::Object(cookies)
}

fn as_header(written: &Value) -> String {
    let cookies = as_request_cookies(written);
    cookie_header(
        cookies
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str().unwrap())),
    )
}

/// Asserts that Node and Rust both refuse `token`, and says what each said.
fn both_refuse(what: &str, node_verdict: &Value, rust: Result<impl std::fmt::Debug, Error>) {
    assert_eq!(
        node_verdict["ok"], false,
        "{what}: Node accepted it: {node_verdict}"
    );
    let rust = rust.expect_err(&format!("{what}: Rust accepted it"));
    println!(
        "{what}: Node refused ({}), Rust refused ({rust})",
        node_verdict["error"]
    );
}

// ---------------------------------------------------------------- Auth.js

fn authjs_decode(secret: Value, salt: &str, token: &str) -> Value {
    node(
        "authjs-decode",
        json!({ "secret": secret, "salt": salt, "token": token }),
    )
}

#[test]
#[ignore = "needs Node and @auth/core: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn authjs_tokens_travel_both_ways() {
    // Node to Rust: Auth.js's default claims into a typed struct.
    let made = node(
        "authjs-encode",
        json!({ "secret": SECRET, "salt": AUTHJS_COOKIE, "token": ada(), "maxAge": 2592000 }),
    );
    let token = made["token"].as_str().unwrap();
    let session = AuthJsSession::decrypt(token, &keys(SECRET)).expect("Auth.js's token opens");
    assert_eq!(*session, ada());

    // Rust to Node: decode gives the claims, with Auth.js's iat, exp (30 days) and jti.
    let token = ada().encrypt(&keys(SECRET)).unwrap();
    let read = authjs_decode(json!(SECRET), AUTHJS_COOKIE, &token);
    assert_eq!(read["ok"], true, "{read}");
    let payload = &read["payload"];
    for claim in ["name", "email", "picture", "sub"] {
        assert_eq!(payload[claim], serde_json::to_value(ada()).unwrap()[claim]);
    }
    assert_eq!(
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
        30 * 86_400
    );
    assert_eq!(payload["jti"].as_str().unwrap().len(), 36);

    // An A256GCM token under Auth.js's derivation, which Auth.js reads: so does Rust.
    let gcm = node(
        "authjs-encode-a256gcm",
        json!({ "secret": SECRET, "salt": AUTHJS_COOKIE, "token": ada() }),
    );
    let gcm = gcm["token"].as_str().unwrap();
    assert_eq!(authjs_decode(json!(SECRET), AUTHJS_COOKIE, gcm)["ok"], true);
    assert_eq!(*AuthJsSession::decrypt(gcm, &keys(SECRET)).unwrap(), ada());
    println!("authjs: Node -> Rust, Rust -> Node and A256GCM -> Rust: read alike");
}

#[test]
#[ignore = "needs Node and @auth/core: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn authjs_chunked_sessions_travel_both_ways() {
    let big = AuthJsSession {
        notes: Some(big_notes()),
        ..ada()
    };
    // Node to Rust: Auth.js encodes, its SessionStore chunks, Rust reads the header.
    let made = node(
        "authjs-encode",
        json!({ "secret": SECRET, "salt": AUTHJS_COOKIE, "token": big, "maxAge": 2592000 }),
    );
    let chunked = node(
        "authjs-chunk",
        json!({ "name": AUTHJS_COOKIE, "value": made["token"] }),
    );
    assert!(chunked["cookies"].as_array().unwrap().len() > 1);
    let header = as_header(&chunked["cookies"]);
    let read = AuthJsSession::from_cookie_header(&header, &keys(SECRET)).expect("joined");
    assert_eq!(*read, big);

    // Rust to Node: the same chunk boundaries as Auth.js's, read by its SessionStore.
    let cookies = big.cookies(&keys(SECRET)).unwrap();
    let token = big.encrypt(&keys(SECRET)).unwrap();
    let expected = node(
        "authjs-chunk",
        json!({ "name": AUTHJS_COOKIE, "value": token }),
    );
    let lengths = |values: Vec<usize>| values;
    assert_eq!(
        lengths(
            expected["cookies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["value"].as_str().unwrap().len())
                .collect()
        ),
        lengths(
            cookies
                .iter()
                .filter(|c| !c.value().is_empty())
                .map(|c| c.value().len())
                .collect()
        ),
        "chunks of the same sizes as Auth.js's"
    );
    let request = request_cookies(&cookies);
    let joined = node(
        "authjs-read",
        json!({ "name": AUTHJS_COOKIE, "cookies": request }),
    );
    let read = authjs_decode(
        json!(SECRET),
        AUTHJS_COOKIE,
        joined["value"].as_str().unwrap(),
    );
    assert_eq!(read["ok"], true, "{read}");
    assert_eq!(read["payload"]["notes"].as_str().unwrap().len(), 6000);

    // A session that shrinks: Rust removes the chunks Auth.js would otherwise join.
    let small = ada().cookies_replacing(&keys(SECRET), &header).unwrap();
    let removed: Vec<&str> = small
        .iter()
        .filter(|c| c.value().is_empty())
        .map(|c| c.name())
        .collect();
    assert_eq!(removed.len(), chunked["cookies"].as_array().unwrap().len());
    let joined = node(
        "authjs-read",
        json!({ "name": AUTHJS_COOKIE, "cookies": { AUTHJS_COOKIE: small[0].value() } }),
    );
    assert_eq!(
        authjs_decode(
            json!(SECRET),
            AUTHJS_COOKIE,
            joined["value"].as_str().unwrap()
        )["ok"],
        true
    );
    println!("authjs chunked: Node -> Rust and Rust -> Node, same boundaries");
}

#[test]
#[ignore = "needs Node and @auth/core: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn authjs_rotated_secrets_read_on_both_sides() {
    // Auth.js with [new, old] encrypts with the new secret; a token of the old one still reads.
    let old = node(
        "authjs-encode",
        json!({ "secret": OLD_SECRET, "salt": AUTHJS_COOKIE, "token": ada(), "maxAge": 3600 }),
    );
    let old = old["token"].as_str().unwrap();
    let rotated = keys(SECRET).with_fallback(OLD_SECRET).unwrap();
    let session = AuthJsSession::decrypt(old, &rotated).expect("found by its kid");
    assert!(session.used_fallback_key());
    // Rust's token under the primary, read by Auth.js given both.
    let token = ada().encrypt(&rotated).unwrap();
    let read = authjs_decode(json!([SECRET, OLD_SECRET]), AUTHJS_COOKIE, &token);
    assert_eq!(read["ok"], true, "{read}");
    let read = authjs_decode(json!([OLD_SECRET, SECRET]), AUTHJS_COOKIE, &token);
    assert_eq!(read["ok"], true, "Auth.js finds the key by kid: {read}");
    println!("authjs rotated: both sides read a token of either secret");
}

#[test]
#[ignore = "needs Node and @auth/core: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn authjs_bad_tokens_get_the_same_verdict_on_both_sides() {
    let now = OffsetDateTime::now_utc();
    let from_node = |secret: &str, max_age: i64| {
        node(
            "authjs-encode",
            json!({ "secret": secret, "salt": AUTHJS_COOKIE, "token": ada(), "maxAge": max_age }),
        )["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let good_node = from_node(SECRET, 3600);
    let good_rust = ada().encrypt(&keys(SECRET)).unwrap();
    let wrong_salt_node = node(
        "authjs-encode",
        json!({ "secret": SECRET, "salt": "__Secure-authjs.session-token", "token": ada(), "maxAge": 3600 }),
    )["token"]
        .as_str()
        .unwrap()
        .to_owned();
    #[derive(serde::Serialize, serde::Deserialize, sessionkit::Session)]
    #[session(format = "authjs", cookie = "__Secure-authjs.session-token")]
    struct OtherSalt {
        sub: Option<String>,
    }
    let wrong_salt_rust = OtherSalt {
        sub: Some("user-1815".into()),
    }
    .encrypt(&keys(SECRET))
    .unwrap();
    let cases = [
        ("Node token, tampered", flip_in(&good_node, 3)),
        ("Rust token, tampered", flip_in(&good_rust, 3)),
        ("Node token, expired", from_node(SECRET, -60)),
        (
            "Rust token, expired",
            ada()
                .encrypt_at(&keys(SECRET), now - Duration::days(31))
                .unwrap(),
        ),
        ("Node token, wrong secret", from_node(OLD_SECRET, 3600)),
        (
            "Rust token, wrong secret",
            ada().encrypt(&keys(OLD_SECRET)).unwrap(),
        ),
        ("Node token, wrong salt", wrong_salt_node),
        ("Rust token, wrong salt", wrong_salt_rust),
    ];
    for (what, token) in cases {
        let node_verdict = authjs_decode(json!(SECRET), AUTHJS_COOKIE, &token);
        both_refuse(
            &format!("authjs {what}"),
            &node_verdict,
            AuthJsSession::decrypt(&token, &keys(SECRET)),
        );
    }
    // And the good ones, accepted by both, so the refusals above mean something.
    for token in [good_node, good_rust] {
        assert_eq!(
            authjs_decode(json!(SECRET), AUTHJS_COOKIE, &token)["ok"],
            true
        );
        assert!(AuthJsSession::decrypt(&token, &keys(SECRET)).is_ok());
    }
}

/// `token` with the first character of its `index`-th dot-separated part changed.
fn flip_in(token: &str, index: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let first = parts[index].remove(0);
    parts[index].insert(0, if first == 'A' { 'B' } else { 'A' });
    parts.join(".")
}

// ---------------------------------------------------------------- NextAuth.js v4

fn nextauth_decode(secret: &str, token: &str) -> Value {
    node(
        "nextauth4-decode",
        json!({ "secret": secret, "token": token }),
    )
}

fn v4(session: AuthJsSession) -> NextAuthSession {
    NextAuthSession {
        name: session.name,
        email: session.email,
        picture: session.picture,
        sub: session.sub,
        notes: session.notes,
    }
}

#[test]
#[ignore = "needs Node and next-auth v4: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn nextauth_v4_tokens_travel_both_ways_chunked_and_rotated() {
    let made = node(
        "nextauth4-encode",
        json!({ "secret": SECRET, "token": ada(), "maxAge": 2592000 }),
    );
    let token = made["token"].as_str().unwrap();
    assert_eq!(
        *NextAuthSession::decrypt(token, &keys(SECRET)).unwrap(),
        v4(ada())
    );
    let token = v4(ada()).encrypt(&keys(SECRET)).unwrap();
    let read = nextauth_decode(SECRET, &token);
    assert_eq!(read["ok"], true, "{read}");
    assert_eq!(read["payload"]["email"], "ada@example.com");
    assert_eq!(read["payload"]["jti"].as_str().unwrap().len(), 36);

    // Chunked, both ways, at v4's boundaries (3933 characters).
    let big = v4(AuthJsSession {
        notes: Some(big_notes()),
        ..ada()
    });
    let made = node(
        "nextauth4-encode",
        json!({ "secret": SECRET, "token": big, "maxAge": 2592000 }),
    );
    let chunked = node(
        "nextauth4-chunk",
        json!({ "name": NEXTAUTH_COOKIE, "value": made["token"] }),
    );
    let header = as_header(&chunked["cookies"]);
    assert_eq!(
        *NextAuthSession::from_cookie_header(&header, &keys(SECRET)).unwrap(),
        big
    );
    let cookies = big.cookies(&keys(SECRET)).unwrap();
    assert!(
        cookies
            .iter()
            .any(|c| c.name() == "next-auth.session-token.1")
    );
    assert!(
        cookies
            .iter()
            .filter(|c| !c.value().is_empty())
            .all(|c| c.value().len() <= 3933)
    );
    let request = request_cookies(&cookies);
    let joined = node(
        "nextauth4-read",
        json!({ "name": NEXTAUTH_COOKIE, "cookies": request }),
    );
    let read = nextauth_decode(SECRET, joined["value"].as_str().unwrap());
    assert_eq!(read["ok"], true, "{read}");
    assert_eq!(read["payload"]["notes"].as_str().unwrap().len(), 6000);

    // v4 has one secret; Rust rotates: the old secret's token reads as a fallback.
    let old = node(
        "nextauth4-encode",
        json!({ "secret": OLD_SECRET, "token": ada(), "maxAge": 3600 }),
    );
    let rotated = keys(SECRET).with_fallback(OLD_SECRET).unwrap();
    assert!(
        NextAuthSession::decrypt(old["token"].as_str().unwrap(), &rotated)
            .unwrap()
            .used_fallback_key()
    );
    assert_eq!(
        nextauth_decode(SECRET, &v4(ada()).encrypt(&rotated).unwrap())["ok"],
        true
    );
    println!("next-auth v4: Node -> Rust, Rust -> Node, chunked both ways, rotated: read alike");
}

/// Auth.js's derivation (salt: the cookie name) with v4's cipher, under v4's cookie name.
#[derive(serde::Serialize, serde::Deserialize, sessionkit::Session)]
#[session(
    format = "authjs",
    algorithm = "A256GCM",
    cookie = "next-auth.session-token"
)]
struct AuthJsGcm {
    sub: Option<String>,
}

#[test]
#[ignore = "needs Node and next-auth v4: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn nextauth_v4_bad_tokens_get_the_same_verdict_on_both_sides() {
    let now = OffsetDateTime::now_utc();
    let from_node = |secret: &str, max_age: i64| {
        node(
            "nextauth4-encode",
            json!({ "secret": secret, "token": ada(), "maxAge": max_age }),
        )["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let good_node = from_node(SECRET, 3600);
    let good_rust = v4(ada()).encrypt(&keys(SECRET)).unwrap();
    let cases = [
        ("Node token, tampered", flip_in(&good_node, 3)),
        ("Rust token, tampered", flip_in(&good_rust, 3)),
        ("Node token, expired", from_node(SECRET, -60)),
        (
            "Rust token, expired",
            v4(ada())
                .encrypt_at(&keys(SECRET), now - Duration::days(31))
                .unwrap(),
        ),
        ("Node token, wrong secret", from_node(OLD_SECRET, 3600)),
        (
            "Rust token, wrong secret",
            v4(ada()).encrypt(&keys(OLD_SECRET)).unwrap(),
        ),
        // v4's salt is empty; an Auth.js v5 token is one under another salt.
        (
            "Auth.js v5 token (another salt)",
            ada().encrypt(&keys(SECRET)).unwrap(),
        ),
        (
            "A256GCM token under Auth.js's salt and info",
            AuthJsGcm {
                sub: Some("user-1815".into()),
            }
            .encrypt(&keys(SECRET))
            .unwrap(),
        ),
    ];
    for (what, token) in cases {
        both_refuse(
            &format!("next-auth v4 {what}"),
            &nextauth_decode(SECRET, &token),
            NextAuthSession::decrypt(&token, &keys(SECRET)),
        );
    }
    for token in [good_node, good_rust] {
        assert_eq!(nextauth_decode(SECRET, &token)["ok"], true);
        assert!(NextAuthSession::decrypt(&token, &keys(SECRET)).is_ok());
    }
}

// ---------------------------------------------------------------- iron-session

fn iron_user() -> IronSession {
    IronSession {
        user_id: "user-1815".into(),
        admin: true,
        notes: None,
    }
}

fn iron_unseal(password: Value, seal: &str) -> Value {
    node("iron-unseal", json!({ "password": password, "seal": seal }))
}

#[test]
#[ignore = "needs Node and iron-session: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn iron_seals_travel_both_ways_chunked_and_rotated() {
    let made = node(
        "iron-seal",
        json!({ "password": PASSWORD, "data": iron_user(), "ttl": 1209600 }),
    );
    let seal = made["seal"].as_str().unwrap();
    assert_eq!(
        *IronSession::decrypt(seal, &keys(PASSWORD)).unwrap(),
        iron_user()
    );
    let sealed = iron_user().encrypt(&keys(PASSWORD)).unwrap();
    let read = iron_unseal(json!(PASSWORD), &sealed);
    assert_eq!(read["ok"], true, "{read}");
    assert_eq!(read["payload"], serde_json::to_value(iron_user()).unwrap());

    // The cookie: Max-Age is the ttl less iron-session's 60 s, as iron-session sets it.
    let cookie = iron_user().cookie(&keys(PASSWORD)).unwrap();
    let saved = node(
        "iron-save",
        json!({ "password": PASSWORD, "cookieName": IRON_COOKIE, "data": iron_user(), "ttl": 1209600 }),
    );
    assert_eq!(
        cookie.max_age().unwrap().whole_seconds(),
        saved["cookies"][0]["maxAge"].as_i64().unwrap()
    );

    // Chunked both ways: iron-session's `chunk: true` and getIronSession's reading.
    let big = IronSession {
        notes: Some(big_notes()),
        ..iron_user()
    };
    let saved = node(
        "iron-save",
        json!({ "password": PASSWORD, "cookieName": IRON_COOKIE, "data": big, "ttl": 1209600 }),
    );
    let header = as_header(&saved["cookies"]);
    assert_eq!(
        *IronSession::from_cookie_header(&header, &keys(PASSWORD)).unwrap(),
        big
    );
    let cookies = big.cookies(&keys(PASSWORD)).unwrap();
    let request = request_cookies(&cookies);
    assert!(request.len() > 1);
    let read = node(
        "iron-read",
        json!({ "password": PASSWORD, "cookieName": IRON_COOKIE, "cookies": request }),
    );
    assert_eq!(read["ok"], true, "{read}");
    assert_eq!(read["payload"]["notes"].as_str().unwrap().len(), 6000);

    // Password ids: iron-session seals with the highest id; Rust reads either id.
    let passwords = json!({ "1": OLD_PASSWORD, "2": PASSWORD });
    let made = node(
        "iron-seal",
        json!({ "password": passwords, "data": iron_user(), "ttl": 3600 }),
    );
    let seal = made["seal"].as_str().unwrap();
    assert!(seal.starts_with("Fe26.2*2*"));
    let rotated = Keys::new_with_id("2", PASSWORD)
        .unwrap()
        .with_fallback_id("1", OLD_PASSWORD)
        .unwrap();
    assert!(
        !IronSession::decrypt(seal, &rotated)
            .unwrap()
            .used_fallback_key()
    );
    let old = node(
        "iron-seal",
        json!({ "password": { "1": OLD_PASSWORD }, "data": iron_user(), "ttl": 3600 }),
    );
    assert!(
        IronSession::decrypt(old["seal"].as_str().unwrap(), &rotated)
            .unwrap()
            .used_fallback_key()
    );
    let sealed = iron_user().encrypt(&rotated).unwrap();
    assert!(sealed.starts_with("Fe26.2*2*"));
    assert_eq!(iron_unseal(passwords, &sealed)["ok"], true);

    // Plain passwords, no ids: both keys are iron's id 1, and each is tried in order, so a
    // seal iron-session made under the old password opens after a rotation (it used to be
    // refused: only the first key with the id was tried).
    let plain = Keys::new(PASSWORD)
        .unwrap()
        .with_fallback(OLD_PASSWORD)
        .unwrap();
    let old_plain = node(
        "iron-seal",
        json!({ "password": OLD_PASSWORD, "data": iron_user(), "ttl": 3600 }),
    );
    let opened = IronSession::decrypt(old_plain["seal"].as_str().unwrap(), &plain).unwrap();
    assert!(opened.used_fallback_key());
    assert_eq!(*opened, iron_user());
    let new_plain = node(
        "iron-seal",
        json!({ "password": PASSWORD, "data": iron_user(), "ttl": 3600 }),
    );
    assert!(
        !IronSession::decrypt(new_plain["seal"].as_str().unwrap(), &plain)
            .unwrap()
            .used_fallback_key()
    );
    // Neither password: still refused.
    let stranger = node(
        "iron-seal",
        json!({ "password": "a third iron password, 0123456789-abcdefg", "data": iron_user(), "ttl": 3600 }),
    );
    assert_eq!(
        IronSession::decrypt(stranger["seal"].as_str().unwrap(), &plain).unwrap_err(),
        Error::Signature
    );
    println!("iron: Node -> Rust, Rust -> Node, chunked both ways, password ids: read alike");
}

#[test]
#[ignore = "needs Node and iron-session: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn iron_bad_seals_get_the_same_verdict_on_both_sides() {
    let now = OffsetDateTime::now_utc();
    let from_node = |password: &str, ttl: i64| {
        node(
            "iron-seal",
            json!({ "password": password, "data": iron_user(), "ttl": ttl }),
        )["seal"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let good_node = from_node(PASSWORD, 3600);
    let good_rust = iron_user().encrypt(&keys(PASSWORD)).unwrap();
    let star = |seal: &str, index: usize| {
        let mut parts: Vec<String> = seal.split('*').map(str::to_owned).collect();
        let first = parts[index].remove(0);
        parts[index].insert(0, if first == 'a' { 'b' } else { 'a' });
        parts.join("*")
    };
    let cases = [
        ("Node seal, ciphertext tampered", star(&good_node, 4)),
        ("Rust seal, ciphertext tampered", star(&good_rust, 4)),
        ("Node seal, salt tampered", star(&good_node, 2)),
        ("Rust seal, salt tampered", star(&good_rust, 2)),
        ("Node seal, expired", from_node(PASSWORD, -120)),
        (
            "Rust seal, expired",
            iron_user()
                .encrypt_at(&keys(PASSWORD), now - Duration::days(15))
                .unwrap(),
        ),
        ("Node seal, wrong password", from_node(OLD_PASSWORD, 3600)),
        (
            "Rust seal, wrong password",
            iron_user().encrypt(&keys(OLD_PASSWORD)).unwrap(),
        ),
        (
            "Rust seal, unknown password id",
            iron_user()
                .encrypt(&Keys::new_with_id("7", PASSWORD).unwrap())
                .unwrap(),
        ),
    ];
    for (what, seal) in cases {
        both_refuse(
            &format!("iron {what}"),
            &iron_unseal(json!(PASSWORD), &seal),
            IronSession::decrypt(&seal, &keys(PASSWORD)),
        );
    }
    // The version suffix is outside the MAC: every form of it gets the verdict
    // iron-session gives it, on seals from both sides.
    for seal in [&good_node, &good_rust] {
        let body = seal.strip_suffix("~2").expect("a `~2` suffix");
        for suffix in ["", "~", "~1", "~2", "~9", "~2~2", "~2garbage", "~x"] {
            let variant = format!("{body}{suffix}");
            let node_ok = iron_unseal(json!(PASSWORD), &variant)["ok"] == true;
            let rust_ok = IronSession::decrypt(&variant, &keys(PASSWORD)).is_ok();
            assert_eq!(
                rust_ok, node_ok,
                "suffix {suffix:?}: Node {node_ok}, Rust {rust_ok}"
            );
        }
    }
    for seal in [good_node, good_rust] {
        assert_eq!(iron_unseal(json!(PASSWORD), &seal)["ok"], true);
        assert!(IronSession::decrypt(&seal, &keys(PASSWORD)).is_ok());
    }
    // Beyond one format: a header of Rust's chunked cookies after a removal reads as nothing.
    let cookies = IronSession::removal_cookies("iron-session.0=a; iron-session.1=b");
    assert_eq!(header_after(&cookies), "");
    assert_eq!(cookies.len(), 3);
}

// ---------------------------------------------------------------- claims a renewal keeps

/// The claims a Next.js app's `jwt` callback adds, which the Rust types do not declare.
fn with_app_claims(mut token: Value) -> Value {
    token["plan"] = json!("pro");
    token["accessToken"] = json!("at-123");
    token["mfa_pending"] = json!(true);
    token["roles"] = json!(["a", { "b": [1, null] }]);
    token
}

/// Asserts that `after` has every claim of `before` with the same value, but for the
/// registered ones, which a rewrite replaces.
fn every_claim_kept(what: &str, before: &Value, after: &Value, replaced: &[&str]) {
    let (before, after) = (before.as_object().unwrap(), after.as_object().unwrap());
    for (name, value) in before {
        if replaced.contains(&name.as_str()) {
            assert!(
                after.contains_key(name),
                "{what}: `{name}` is there, renewed"
            );
            continue;
        }
        assert_eq!(after.get(name), Some(value), "{what}: `{name}` kept");
    }
    assert_eq!(
        after.len(),
        before.len(),
        "{what}: nothing added: {after:?}"
    );
    println!(
        "{what}: {} claims kept through a renewal in Rust",
        before.len()
    );
}

/// An Auth.js token with `plan`, `accessToken` and `picture` (and more), made by
/// `@auth/core`, refreshed in Rust by a type that declares none of the app's claims, and
/// decoded by `@auth/core` again: every claim equal, `iat`, `exp` and `jti` new.
#[test]
#[ignore = "needs Node and @auth/core: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn authjs_claims_survive_a_renewal_in_rust() {
    let claims = with_app_claims(serde_json::to_value(ada()).unwrap());
    let made = node(
        "authjs-encode",
        json!({ "secret": SECRET, "salt": AUTHJS_COOKIE, "token": claims, "maxAge": 2592000 }),
    );
    let token = made["token"].as_str().unwrap();
    let before = authjs_decode(json!(SECRET), AUTHJS_COOKIE, token);
    let session = AuthJsSession::decrypt(token, &keys(SECRET)).unwrap();
    let renewed = AuthJsSession::refresh(&session, &keys(SECRET)).unwrap();
    let after = authjs_decode(json!(SECRET), AUTHJS_COOKIE, renewed.value());
    assert_eq!(after["ok"], true, "{after}");
    every_claim_kept(
        "authjs",
        &before["payload"],
        &after["payload"],
        &["iat", "exp", "jti"],
    );
    assert_ne!(before["payload"]["jti"], after["payload"]["jti"]);
}

#[test]
#[ignore = "needs Node and next-auth v4: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn nextauth_v4_claims_survive_a_renewal_in_rust() {
    let claims = with_app_claims(serde_json::to_value(ada()).unwrap());
    let made = node(
        "nextauth4-encode",
        json!({ "secret": SECRET, "token": claims, "maxAge": 2592000 }),
    );
    let token = made["token"].as_str().unwrap();
    let before = nextauth_decode(SECRET, token);
    let session = NextAuthSession::decrypt(token, &keys(SECRET)).unwrap();
    let renewed = NextAuthSession::refresh(&session, &keys(SECRET)).unwrap();
    let after = nextauth_decode(SECRET, renewed.value());
    assert_eq!(after["ok"], true, "{after}");
    every_claim_kept(
        "next-auth v4",
        &before["payload"],
        &after["payload"],
        &["iat", "exp", "jti"],
    );
}

/// An iron seal with fields the Rust type does not declare, re-sealed in Rust: iron-session
/// unseals the same data.
#[test]
#[ignore = "needs Node and iron-session: `npm ci --prefix tests/interop`, then `-- --ignored`"]
fn iron_fields_survive_a_reseal_in_rust() {
    let data = with_app_claims(serde_json::to_value(iron_user()).unwrap());
    let made = node(
        "iron-seal",
        json!({ "password": PASSWORD, "data": data, "ttl": 1209600 }),
    );
    let seal = made["seal"].as_str().unwrap();
    let session = IronSession::decrypt(seal, &keys(PASSWORD)).unwrap();
    let resealed = IronSession::refresh(&session, &keys(PASSWORD)).unwrap();
    let after = iron_unseal(json!(PASSWORD), resealed.value());
    assert_eq!(after["ok"], true, "{after}");
    every_claim_kept("iron", &data, &after["payload"], &[]);
}
