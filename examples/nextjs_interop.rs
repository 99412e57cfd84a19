//! Verifies a session cookie made by a Next.js app that follows the session-management
//! guide (`lib/session.ts` with jose: HS256, `setIssuedAt()`, `setExpirationTime('7d')`).
//!
//! ```text
//! SESSION_SECRET=... cargo run --example nextjs_interop -- <token>
//! ```
//!
//! Paste the value of the app's `session` cookie as `<token>`. Encrypted tokens made with
//! sessionkit's documented key derivation (five dot-separated segments) work too.

#[path = "support/utc.rs"]
mod support;

use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use sessionkit::{Keys, Session, Verified};

/// The guide's payload: `encrypt({ userId, expiresAt })`.
#[derive(Debug, Serialize, Deserialize, Session)]
#[serde(rename_all = "camelCase")]
#[session(cookie = "session", ttl = "7d", algorithm = "HS256", jose_compatible)]
struct NextSession {
    user_id: String,
    /// jose serializes the guide's `Date` as an ISO 8601 string.
    expires_at: String,
}

/// The same payload in sessionkit's default encrypted mode.
#[derive(Debug, Serialize, Deserialize, Session)]
#[serde(rename_all = "camelCase")]
#[session(cookie = "session", ttl = "7d", algorithm = "A256GCM")]
struct SealedNextSession {
    user_id: String,
    expires_at: String,
}

fn main() -> ExitCode {
    let Some(token) = std::env::args().nth(1) else {
        eprintln!("usage: SESSION_SECRET=... cargo run --example nextjs_interop -- <token>");
        return ExitCode::from(2);
    };
    let keys = match Keys::from_env("SESSION_SECRET") {
        Ok(keys) => keys,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let encrypted = token.split('.').count() == 5;
    let verified = if encrypted {
        SealedNextSession::decrypt(&token, &keys)
            .map(|s| describe("A256GCM (encrypted)", &s, &s.user_id, &s.expires_at))
    } else {
        NextSession::decrypt(&token, &keys)
            .map(|s| describe("HS256 (signed)", &s, &s.user_id, &s.expires_at))
    };
    match verified {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rejected: {err}");
            ExitCode::FAILURE
        }
    }
}

fn describe<T>(mode: &str, session: &Verified<T>, user_id: &str, expires_at: &str) {
    println!("valid {mode} session");
    println!("  userId    {user_id}");
    println!("  expiresAt {expires_at}");
    match session.issued_at() {
        Some(iat) => println!("  iat       {}", support::utc(iat)),
        None => println!("  iat       (none)"),
    }
    println!("  exp       {}", support::utc(session.expires_at()));
}
