//! How long "log out everywhere" blocks Redis for a user with 100,000 sessions.
//!
//! `revoke_user` deletes in batches of 500, one short script each, so that no single call
//! stalls the server. This creates 100,000 sessions for one user, then measures the whole
//! `revoke_user` and, from Redis' own SLOWLOG (threshold 0), the longest single command it
//! ran. Needs `SESSIONKIT_REDIS_URL` (`source .ci/services.sh`); without it, it says so and
//! exits. Run with `cargo bench -p sessionkit-tests --features bench --bench redis_revoke`.

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sessionkit::{Keys, RedisStore, Session, SessionManager};

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Account {
    #[session(user_id)]
    user_id: String,
}

const SESSIONS: usize = 100_000;

#[tokio::main]
async fn main() {
    let Ok(url) = std::env::var("SESSIONKIT_REDIS_URL") else {
        println!("redis_revoke: skipped, SESSIONKIT_REDIS_URL is not set");
        return;
    };
    let prefix = format!("sessionkit-bench-{}:", std::process::id());
    let store = RedisStore::connect_with_prefix(&url, &prefix)
        .await
        .unwrap();
    let keys = Keys::new("bench-secret-0123456789-abcdefghijklmnop").unwrap();
    let manager = Arc::new(SessionManager::<Account, _>::new(store.clone(), keys));
    let user = "many-devices";

    let started = Instant::now();
    let workers: Vec<_> = (0..32)
        .map(|worker| {
            let manager = Arc::clone(&manager);
            tokio::spawn(async move {
                for _ in (worker..SESSIONS).step_by(32) {
                    let account = Account {
                        user_id: user.into(),
                    };
                    manager.create(&account).await.unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let indexed = store.user_index_len("sid", user).await.unwrap();
    println!(
        "created {SESSIONS} sessions in {:.1} s; the user's index holds {indexed}",
        started.elapsed().as_secs_f64()
    );

    let client = redis::Client::open(url.as_str()).unwrap();
    let mut admin = client.get_multiplexed_async_connection().await.unwrap();
    let config: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("slowlog-log-slower-than")
        .query_async(&mut admin)
        .await
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("slowlog-max-len")
        .arg(1_000_000)
        .query_async(&mut admin)
        .await
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("slowlog-log-slower-than")
        .arg(0)
        .query_async(&mut admin)
        .await
        .unwrap();
    let _: () = redis::cmd("SLOWLOG")
        .arg("RESET")
        .query_async(&mut admin)
        .await
        .unwrap();

    let started = Instant::now();
    let revoked = manager.revoke_user(user).await.unwrap();
    let total = started.elapsed();

    // Each entry: id, timestamp, duration in microseconds, the command and its arguments,
    // ... Commands a script runs are logged one by one as well; the script's own entry
    // (EVALSHA) covers them, and is the time Redis was blocked.
    let log: Vec<redis::Value> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(-1)
        .query_async(&mut admin)
        .await
        .unwrap();
    let durations: Vec<i64> = log
        .iter()
        .filter_map(|entry| {
            let redis::Value::Array(fields) = entry else {
                return None;
            };
            let (Some(redis::Value::Int(micros)), Some(redis::Value::Array(command))) =
                (fields.get(2), fields.get(3))
            else {
                return None;
            };
            let Some(redis::Value::BulkString(name)) = command.first() else {
                return None;
            };
            name.to_ascii_uppercase()
                .starts_with(b"EVAL")
                .then_some(*micros)
        })
        .collect();
    let longest = durations.iter().copied().max().unwrap_or_default();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("slowlog-log-slower-than")
        .arg(config.get(1).map_or("10000", String::as_str))
        .query_async(&mut admin)
        .await
        .unwrap();
    println!(
        "revoke_user: {revoked} sessions in {:.0} ms, in {} script calls; the longest one held Redis for {:.2} ms",
        total.as_secs_f64() * 1000.0,
        durations.len(),
        longest as f64 / 1000.0
    );
    assert_eq!(revoked as usize, SESSIONS);
}
