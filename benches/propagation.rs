//! How fast a revocation reaches another process through each store's revocation feed, and
//! how often a cached database session reads the store at steady state.
//!
//! Two managers of one cached session type (`#[session(cache = "10m")]`), each over its own
//! connection to one store, stand for two processes: `one` revokes sessions one by one, and
//! `two`, which served each from its cookie's copy a moment before, loads it again until it
//! is refused. The time from the revocation's return to that refusal is the propagation
//! time; the table gives its p50, p99 and max per store. Memory and SQLite (one pool) deliver
//! in the process before `revoke` returns; SQLite across two pools on one file is two
//! processes (the events table, polled every 100 ms); Redis and PostgreSQL run where
//! `SESSIONKIT_REDIS_URL` and `SESSIONKIT_POSTGRES_URL` are set (`source .ci/services.sh`).
//!
//! Then the steady state: every session loaded 100 times from its cookie through a counting
//! store, and the fraction of loads that reached the store.
//!
//! `cargo bench -p sessionkit-tests --features bench --bench propagation`; `PROPAGATION_N`
//! sets the sessions per store (default 10,000; 300 for SQLite across pools, whose poll
//! interval makes each one take about 100 ms).

#[path = "../tests/support/counting.rs"]
mod counting;
#[path = "support/sessions.rs"]
mod sessions;
#[path = "support/sqlite.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use counting::Counting;
use sessionkit::{Error, MemoryStore, SessionManager, SessionStore, SqliteStore};
use sessions::{CachedAccount, USER, signed_in_as};

type Manager<S> = SessionManager<CachedAccount, Arc<Counting<S>>>;

async fn pair<S: SessionStore + 'static>(one: S, two: S) -> (Arc<Manager<S>>, Arc<Manager<S>>) {
    let payload = |user_id| CachedAccount { user_id };
    let (one, _) = signed_in_as(Arc::new(Counting::new(one)), payload).await;
    let (two, _) = signed_in_as(Arc::new(Counting::new(two)), payload).await;
    (one, two)
}

/// The propagation times of `n` revocations from `one` to `two`.
async fn propagation<S: SessionStore + 'static>(
    one: &Manager<S>,
    two: &Manager<S>,
    n: usize,
) -> Vec<Duration> {
    let mut times = Vec::with_capacity(n);
    for index in 0..n {
        let cookie = one
            .create(&CachedAccount {
                user_id: format!("{USER}-{index}"),
            })
            .await
            .unwrap();
        let cookie = format!("sid={}", cookie.value());
        let reads = two.store().calls();
        two.load(&cookie).await.unwrap();
        assert_eq!(two.store().calls(), reads, "the copy was not trusted");
        let session = one.load(&cookie).await.unwrap();
        one.revoke(&session).await.unwrap();
        let revoked = Instant::now();
        loop {
            match two.load(&cookie).await {
                Err(Error::SessionNotFound) => break,
                Ok(_) => tokio::task::yield_now().await,
                Err(other) => panic!("{other:?}"),
            }
        }
        times.push(revoked.elapsed());
    }
    times.sort();
    times
}

/// The fraction of `rounds` loads of each of `sessions` sessions that read the store.
async fn store_reads<S: SessionStore + 'static>(
    manager: &Manager<S>,
    sessions: usize,
    rounds: usize,
) -> (usize, usize) {
    let mut cookies = Vec::with_capacity(sessions);
    for index in 0..sessions {
        let cookie = manager
            .create(&CachedAccount {
                user_id: format!("steady-{index}"),
            })
            .await
            .unwrap();
        cookies.push(format!("sid={}", cookie.value()));
    }
    let before = manager.store().calls();
    for _ in 0..rounds {
        for cookie in &cookies {
            manager.load(cookie).await.unwrap();
        }
    }
    (manager.store().calls() - before, sessions * rounds)
}

fn row(store: &str, times: &[Duration], reads: (usize, usize)) {
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "| {store} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {} of {} ({:.3}%) |",
        times.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        reads.0,
        reads.1,
        reads.0 as f64 * 100.0 / reads.1 as f64
    );
}

fn main() {
    let n: usize = std::env::var("PROPAGATION_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "| store | revocations | p50 | p99 | max | steady-state loads that read the store |"
        );
        println!("| --- | --- | --- | --- | --- | --- |");
        let memory = Arc::new(MemoryStore::new());
        let (one, two) = pair(Arc::clone(&memory), memory).await;
        let times = propagation(&one, &two, n).await;
        row(
            "memory (one process)",
            &times,
            store_reads(&two, 100, 100).await,
        );

        let pool = support::sqlite_pool("propagation.db").await;
        let store = SqliteStore::with_pool(pool.clone()).await.unwrap();
        let (one, two) = pair(store.clone(), store).await;
        let times = propagation(&one, &two, n).await;
        row(
            "SQLite (one process)",
            &times,
            store_reads(&two, 100, 100).await,
        );

        let file =
            std::env::temp_dir().join(format!("sessionkit-propagation-{}.db", std::process::id()));
        let (one, two) = pair(
            SqliteStore::open(&file).await.unwrap(),
            SqliteStore::open(&file).await.unwrap(),
        )
        .await;
        let times = propagation(&one, &two, n.min(300)).await;
        row(
            "SQLite (two processes, one file)",
            &times,
            store_reads(&two, 100, 100).await,
        );
        let _ = std::fs::remove_file(&file);

        if let Ok(url) = std::env::var("SESSIONKIT_REDIS_URL") {
            let connect =
                || sessionkit::RedisStore::connect_with_prefix(&url, "bench-propagation:");
            let (one, two) = pair(connect().await.unwrap(), connect().await.unwrap()).await;
            let times = propagation(&one, &two, n).await;
            row(
                "Redis (two connections)",
                &times,
                store_reads(&two, 100, 100).await,
            );
        }
        if let Ok(url) = std::env::var("SESSIONKIT_POSTGRES_URL") {
            let connect = || sessionkit::PostgresStore::connect(&url);
            let (one, two) = pair(connect().await.unwrap(), connect().await.unwrap()).await;
            let times = propagation(&one, &two, n).await;
            row(
                "PostgreSQL (two pools)",
                &times,
                store_reads(&two, 100, 100).await,
            );
        }
    });
}
