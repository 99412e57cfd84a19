//! Database sessions on SQLite: create, validate, refresh, "log out everywhere", purge.
//!
//! ```text
//! cargo run --example database --features sqlite
//! ```
//!
//! It needs no setup: the database is a file in the system's temporary directory, created
//! on first use, and the key is generated for the run.

#[path = "support/utc.rs"]
mod support;

use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Keys, Session, SessionManager, SqliteStore};

/// The session lives in the database; the cookie only carries its sealed id.
/// `#[session(user_id)]` files it under the user, for "log out everywhere".
#[derive(Debug, Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h", renew_within = "15m", max_lifetime = "12h")]
struct Account {
    #[session(user_id)]
    user_id: u64,
    name: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    // Errors are shown as their message (`Display`), which is what a user should read.
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), sessionkit::Error> {
    let path = std::env::temp_dir().join("sessionkit-database-example.db");
    let store = SqliteStore::open(&path).await?;
    let (keys, _) = Keys::generate();
    let sessions = SessionManager::<Account, _>::new(store, keys);
    println!("Sessions are stored in {}\n", path.display());

    // Log in on a laptop and a phone.
    let now = OffsetDateTime::now_utc();
    let ada = Account {
        user_id: 7,
        name: "Ada".into(),
    };
    let laptop = sessions.create_at(&ada, now).await?;
    let phone = sessions.create_at(&ada, now).await?;
    println!("1. Created two sessions for user 7. The laptop's cookie:");
    println!("   Set-Cookie: {laptop}\n");

    // A request from the laptop: the seal, then the row.
    let header = format!("sid={}", laptop.value());
    let session = sessions.load_at(&header, now).await?;
    println!(
        "2. The laptop's request validates: {} (user {}), expires {}\n",
        session.name,
        session.user_id,
        support::utc(session.expires_at())
    );

    // 50 minutes later the session is inside its renewal window: one write, a new cookie.
    let later = now + Duration::minutes(50);
    let session = sessions.load_at(&header, later).await?;
    match sessions.refresh_at(&session, later).await? {
        Some(renewed) => println!(
            "3. 50 minutes on, refresh extends it to {}\n",
            renewed
                .expires_datetime()
                .map_or_else(|| "?".into(), support::utc)
        ),
        None => println!("3. 50 minutes on, nothing to renew\n"),
    }

    // Log out everywhere: both devices' sessions end.
    let ended = sessions.revoke_user("7").await?;
    println!("4. Log out everywhere ended {ended} sessions.");
    for (device, cookie) in [("laptop", &laptop), ("phone", &phone)] {
        match sessions
            .load_at(&format!("sid={}", cookie.value()), later)
            .await
        {
            Ok(_) => println!("   the {device} is still signed in (this should never happen)"),
            Err(err) => println!("   the {device}: {err}"),
        }
    }

    // Expired rows are already invisible; a purge reclaims their space.
    let _expired = sessions
        .create_at(
            &Account {
                user_id: 8,
                name: "Grace".into(),
            },
            now - Duration::hours(2),
        )
        .await?;
    println!(
        "\n5. Purged {} expired session(s).",
        sessions.purge_expired().await?
    );
    Ok(())
}
