//! The whole stateless session flow in one run: log in, verify, tamper, expire, refresh,
//! log out.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Set `SESSION_SECRET` (see `cargo run --example keygen`) to use your own key; without it
//! a throwaway key is generated.

#[path = "support/utc.rs"]
mod support;

use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Keys, Session};

/// What the server remembers about a signed-in user. `#[session(...)]` is checked at
/// compile time: try `same_site = "none", secure = false` and see the error.
#[derive(Debug, Serialize, Deserialize, Session)]
#[serde(rename_all = "camelCase")]
#[session(cookie = "session", ttl = "7d", same_site = "lax")]
struct UserSession {
    user_id: String,
    role: String,
}

fn main() -> ExitCode {
    // Errors are shown as their message (`Display`), which is what a user should read.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), sessionkit::Error> {
    let keys = match std::env::var_os("SESSION_SECRET") {
        Some(_) => {
            println!("Using the key in SESSION_SECRET.\n");
            Keys::from_env("SESSION_SECRET")?
        }
        None => {
            let (keys, _secret) = Keys::generate();
            println!("SESSION_SECRET is not set, so this run uses a throwaway random key.");
            println!("Make a lasting one and export it into this shell:");
            println!("  cargo run --example keygen >> .env && set -a && . ./.env && set +a\n");
            keys
        }
    };

    // 1. Log in (the guide's createSession): seal the session into a cookie.
    let login = UserSession {
        user_id: "42".into(),
        role: "admin".into(),
    }
    .cookie(&keys)?;
    println!("1. Log in. The server responds with:");
    println!("   Set-Cookie: {login}\n");

    // 2. Every later request (verifySession): the browser sends the cookie back.
    let request_header = format!("theme=dark; session={}", login.value());
    let session = UserSession::from_cookie_header(&request_header, &keys)?;
    println!("2. The next request carries the cookie; it decrypts to:");
    println!(
        "   user_id = {:?}, role = {:?}",
        session.user_id, session.role
    );
    if let Some(issued) = session.issued_at() {
        println!("   issued  {}", support::utc(issued));
    }
    println!("   expires {}\n", support::utc(session.expires_at()));

    // 3. Change one character of the cookie, as an attacker would.
    let mut value = login.value().to_owned();
    let middle = value.len() / 2;
    let replacement = if &value[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    value.replace_range(middle..=middle, replacement);
    let tampered = format!("session={value}");
    println!("3. A tampered cookie is refused:");
    match UserSession::from_cookie_header(&tampered, &keys) {
        Ok(_) => println!("   accepted (this should never happen)\n"),
        Err(err) => println!("   {err}\n"),
    }

    // 4. The same cookie eight days later.
    let next_week = OffsetDateTime::now_utc() + Duration::days(8);
    println!("4. The genuine cookie, eight days later:");
    match UserSession::from_cookie_header_at(&request_header, &keys, next_week) {
        Ok(_) => println!("   accepted (this should never happen)\n"),
        Err(err) => println!("   {err}\n"),
    }

    // 5. Keep an active user signed in (updateSession, done right: a new token, not only
    //    a longer cookie).
    let an_hour_later = OffsetDateTime::now_utc() + Duration::hours(1);
    let renewed = UserSession::refresh_at(&session, &keys, an_hour_later)?;
    let renewed_session = UserSession::decrypt_at(renewed.value(), &keys, an_hour_later)?;
    println!("5. An hour later, refresh re-issues the token with a new expiry:");
    println!("   Set-Cookie: {renewed}");
    println!(
        "   expires {} (was {})\n",
        support::utc(renewed_session.expires_at()),
        support::utc(session.expires_at())
    );

    // 6. Log out (deleteSession).
    println!("6. Log out:");
    println!("   Set-Cookie: {}", UserSession::removal_cookie());
    Ok(())
}
