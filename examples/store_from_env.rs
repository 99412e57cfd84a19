//! Database sessions in a store chosen by configuration, with one manager type whatever the
//! store: SQLite on a laptop, Redis in production, and no generic parameter in the handlers.
//!
//! ```text
//! SESSION_STORE=sqlite::memory: cargo run --example store_from_env --features sqlite
//! ```
//!
//! `SESSION_STORE` takes `memory://` (the default), `sqlite://<path>` or `sqlite::memory:`
//! (feature `sqlite`), `postgres://user:password@host/db` (feature `postgres`), and
//! `redis://host:6379/0` or `rediss://host:6380/0` for TLS (feature `redis`).

use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use sessionkit::{AnyStore, Keys, Session, SessionManager};

#[derive(Debug, Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Account {
    #[session(user_id)]
    user_id: u64,
}

/// What the handlers and the app state name: no store type in it.
type Sessions = SessionManager<Account, AnyStore>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), sessionkit::Error> {
    let url = std::env::var("SESSION_STORE").unwrap_or_else(|_| "memory://".to_owned());
    // Only the scheme is printed: a store URL may carry a password.
    let scheme = url.split(':').next().unwrap_or_default();
    let sessions: Sessions =
        SessionManager::new(AnyStore::connect(&url).await?, Keys::generate().0);
    println!("store: {scheme}");
    let cookie = sessions.create(&Account { user_id: 7 }).await?;
    let header = format!("sid={}", cookie.value());
    let session = sessions.load(&header).await?;
    println!("signed in as user {}", session.user_id);
    println!("revoked: {} session(s)", sessions.revoke_user("7").await?);
    match sessions.load(&header).await {
        Err(err) => println!("the same cookie now: {err}"),
        Ok(_) => {
            return Err(sessionkit::Error::InvalidInput(
                "a revoked session came back",
            ));
        }
    }
    Ok(())
}
