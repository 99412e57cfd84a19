//! Costs as sessions grow, per store: `load` and `create` latency at each population,
//! `revoke_user` of one user with many sessions, the purge of many expired sessions while
//! readers keep loading, and the space a session takes.
//!
//! ```text
//! cargo bench -p sessionkit-tests --features bench --bench scale
//! ```
//!
//! Sizes come from the environment, so that CI can run a small one:
//! `SESSIONKIT_SCALE_SIZES` (populations, default `1000,100000,1000000`),
//! `SESSIONKIT_SCALE_REVOKE` (the user's sessions, default 100000),
//! `SESSIONKIT_SCALE_PURGE` (expired sessions, default 1000000),
//! `SESSIONKIT_SCALE_SAMPLES` (timed calls per measurement, default 2000) and
//! `SESSIONKIT_SCALE_STORES` (default `memory,sqlite,postgres,redis,cluster`). PostgreSQL,
//! Redis and the Redis Cluster run when `source .ci/services.sh` has set their variables,
//! and are skipped with a note otherwise.
//!
//! Every figure is a latency of one call as a client sees it, measured with one caller (the
//! readers during revocation and purge are 32 concurrent tasks). The populations are filled
//! through `SessionStore::create` by 32 tasks; the timed `load` is `SessionManager::load`
//! (unseal, then the store), the timed `create` is `SessionManager::create`.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sessionkit::time::OffsetDateTime;
use sessionkit::{Keys, Record, Session, SessionKey, SessionManager, SessionStore, user_tag};

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Account {
    #[session(user_id)]
    user_id: String,
}

const NAMESPACE: &str = "sid";
const FILLERS: usize = 32;
const READERS: usize = 32;

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Median, 99th percentile and maximum of some latencies.
struct Stats {
    median: Duration,
    p99: Duration,
    max: Duration,
    count: usize,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p99: at(0.99),
        max: *samples.last().unwrap(),
        count: samples.len(),
    }
}

fn us(duration: Duration) -> String {
    format!("{:.0} µs", duration.as_secs_f64() * 1e6)
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

/// A record as the manager would file it: the user's tag in front of its key.
fn record(user_id: &str, id: usize, run: u32, now: i64, expires_at: i64) -> Record {
    let tag = u16::from_be_bytes(user_tag(NAMESPACE, user_id));
    Record {
        key: SessionKey::of(&format!("{tag:04x}.scale-{run}-{id}")),
        namespace: NAMESPACE.into(),
        user_id: Some(user_id.into()),
        payload: format!(r#"{{"user_id":"{user_id}"}}"#),
        created_at: now,
        expires_at,
        version: 1,
        label: None,
    }
}

/// Files records `from..to` (of 10,000 users, or of `one_user`) with 32 tasks.
async fn fill<S: SessionStore + 'static>(
    store: &Arc<S>,
    range: std::ops::Range<usize>,
    one_user: Option<&str>,
    run: u32,
    expires_at: i64,
) {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let next = Arc::new(AtomicUsize::new(range.start));
    let end = range.end;
    let one_user = one_user.map(str::to_owned);
    let tasks: Vec<_> = (0..FILLERS)
        .map(|_| {
            let store = Arc::clone(store);
            let next = Arc::clone(&next);
            let one_user = one_user.clone();
            tokio::spawn(async move {
                loop {
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    if id >= end {
                        break;
                    }
                    let user = one_user
                        .clone()
                        .unwrap_or_else(|| format!("user{}", id % 10_000));
                    store
                        .create(&record(&user, id, run, now, expires_at))
                        .await
                        .expect("filled");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

async fn time<F: Future>(work: F) -> (F::Output, Duration) {
    let started = Instant::now();
    let output = work.await;
    (output, started.elapsed())
}

/// 32 tasks loading `probes` until `stop`; every latency they saw.
fn readers<S: SessionStore + 'static>(
    manager: &Arc<SessionManager<Account, Arc<S>>>,
    probes: &Arc<Vec<String>>,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<Vec<Duration>>> {
    (0..READERS)
        .map(|reader| {
            let manager = Arc::clone(manager);
            let probes = Arc::clone(probes);
            let stop = Arc::clone(stop);
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut next = reader;
                while !stop.load(Ordering::Relaxed) {
                    let header = &probes[next % probes.len()];
                    next += READERS;
                    let (loaded, took) = time(manager.load(header)).await;
                    loaded.expect("a live probe loads");
                    seen.push(took);
                    // A store that never waits (the memory store) would otherwise keep
                    // the runtime's threads from everything else, the clock included.
                    tokio::task::yield_now().await;
                }
                seen
            })
        })
        .collect()
}

async fn collect(tasks: Vec<tokio::task::JoinHandle<Vec<Duration>>>) -> Stats {
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    stats(all)
}

/// How a store reports its size, for the space per session.
type Footprint = Box<dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = Option<u64>>>>>;

async fn run<S: SessionStore + 'static>(name: &str, store: S, footprint: Footprint) {
    let store = Arc::new(store);
    let keys = Keys::new("scale-secret-0123456789-abcdefghijklmnop").unwrap();
    let manager = Arc::new(SessionManager::<Account, _>::new(Arc::clone(&store), keys));
    let sizes: Vec<usize> = env_list("SESSIONKIT_SCALE_SIZES", "1000,100000,1000000")
        .iter()
        .filter_map(|size| size.replace('_', "").parse().ok())
        .collect();
    let samples = env_number("SESSIONKIT_SCALE_SAMPLES", 2000);
    let run_id = std::process::id();
    let far = OffsetDateTime::now_utc().unix_timestamp() + 6 * 3600;

    // Probe sessions, loaded at every size: made once, through the manager.
    let mut probes = Vec::new();
    for index in 0..samples.min(1000) {
        let account = Account {
            user_id: format!("probe{index}"),
        };
        let cookie = manager.create(&account).await.unwrap();
        probes.push(format!("sid={}", cookie.value()));
    }
    let probes = Arc::new(probes);
    let base = footprint().await;

    let mut filled = probes.len();
    println!("\n## {name}\n");
    println!("| live sessions | load median | load p99 | create median | create p99 |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    let mut per_session = None;
    for &size in &sizes {
        if size > filled {
            fill(&store, filled..size, None, run_id, far).await;
            filled = size;
        }
        let mut loads = Vec::with_capacity(samples);
        for index in 0..samples {
            let (loaded, took) = time(manager.load(&probes[index % probes.len()])).await;
            loaded.unwrap();
            loads.push(took);
        }
        let mut creates = Vec::with_capacity(samples);
        let mut made = Vec::with_capacity(samples);
        for index in 0..samples {
            let account = Account {
                user_id: format!("new{index}"),
            };
            let (cookie, took) = time(manager.create(&account)).await;
            made.push(cookie.unwrap());
            creates.push(took);
        }
        // The timed creates are taken out again, so that the population stays as stated.
        for cookie in made {
            let session = manager
                .load(&format!("sid={}", cookie.value()))
                .await
                .unwrap();
            manager.revoke(&session).await.unwrap();
        }
        let (loads, creates) = (stats(loads), stats(creates));
        println!(
            "| {size} | {} | {} | {} | {} |",
            us(loads.median),
            us(loads.p99),
            us(creates.median),
            us(creates.p99)
        );
        if let (Some(base), Some(now)) = (base, footprint().await) {
            per_session = Some(now.saturating_sub(base) / (size.max(1) as u64));
        }
    }
    match per_session {
        Some(bytes) => println!("\nspace: {bytes} bytes per session (at {filled})"),
        None => println!("\nspace: not measured"),
    }

    // One user with many sessions, revoked while 32 readers load other sessions.
    let revoke = env_number("SESSIONKIT_SCALE_REVOKE", 100_000);
    let user = format!("many-{run_id}");
    let (_, filling) = time(fill(&store, 0..revoke, Some(&user), run_id + 1, far)).await;
    // Records a second this store takes, for timing the purge's expiry below.
    let rate = revoke as f64 / filling.as_secs_f64().max(1e-3);
    let stop = Arc::new(AtomicBool::new(false));
    let reading = readers(&manager, &probes, &stop);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (revoked, took) = time(manager.revoke_user(&user)).await;
    stop.store(true, Ordering::Relaxed);
    let during = collect(reading).await;
    assert_eq!(revoked.unwrap(), revoke as u64);
    println!(
        "\nrevoke_user of {revoke} sessions: {} in all; 32 readers meanwhile: median {}, p99 {}, longest {} ({} loads)",
        ms(took),
        us(during.median),
        us(during.p99),
        ms(during.max),
        during.count
    );

    // Many expired sessions, purged while the readers load live ones; against the same
    // readers without a purge.
    let purge = env_number("SESSIONKIT_SCALE_PURGE", 1_000_000);
    let stop = Arc::new(AtomicBool::new(false));
    let reading = readers(&manager, &probes, &stop);
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    let quiet = collect(reading).await;
    // Filed to expire 2 s after they are all in (Redis refuses an expiry in the past, and
    // deletes the keys itself when it comes).
    let fill_started = Instant::now();
    let expires_at =
        OffsetDateTime::now_utc().unix_timestamp() + (purge as f64 / rate * 1.5) as i64 + 3;
    fill(&store, 0..purge, None, run_id + 2, expires_at).await;
    let filled_in = fill_started.elapsed();
    let wait = (expires_at + 1 - OffsetDateTime::now_utc().unix_timestamp()).max(0);
    let stop = Arc::new(AtomicBool::new(false));
    let reading = readers(&manager, &probes, &stop);
    tokio::time::sleep(Duration::from_secs(wait as u64)).await;
    let (purged, took) = time(manager.purge_expired()).await;
    // Redis expires the keys in the background over a while: the readers keep going.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    let busy = collect(reading).await;
    println!(
        "purge of {purge} expired sessions (filed in {:.1} s): purge_expired took {} and removed {}; readers' p99 {} during vs {} without (median {} vs {}), longest {} vs {}",
        filled_in.as_secs_f64(),
        ms(took),
        purged.unwrap(),
        us(busy.p99),
        us(quiet.p99),
        us(busy.median),
        us(quiet.median),
        ms(busy.max),
        ms(quiet.max)
    );
}

#[tokio::main]
async fn main() {
    let stores = env_list(
        "SESSIONKIT_SCALE_STORES",
        "memory,sqlite,postgres,redis,cluster",
    );
    for store in stores {
        match store.as_str() {
            "memory" => {
                run(
                    "MemoryStore",
                    sessionkit::MemoryStore::new(),
                    Box::new(|| Box::pin(async { resident_bytes() })),
                )
                .await
            }
            "sqlite" => {
                let dir =
                    std::env::temp_dir().join(format!("sessionkit-scale-{}", std::process::id()));
                std::fs::create_dir_all(&dir).unwrap();
                let file = dir.join("sessions.db");
                let store = sessionkit::SqliteStore::open(&file).await.unwrap();
                let size_of = file.clone();
                run(
                    "SqliteStore (WAL file)",
                    store,
                    Box::new(move || {
                        let file = size_of.clone();
                        Box::pin(async move { file_bytes(&file) })
                    }),
                )
                .await;
                std::fs::remove_dir_all(&dir).ok();
            }
            "postgres" => match std::env::var("SESSIONKIT_POSTGRES_URL") {
                Ok(url) => {
                    let store = sessionkit::PostgresStore::connect(&url).await.unwrap();
                    let pool = sqlx::PgPool::connect(&url).await.unwrap();
                    run(
                        "PostgresStore",
                        store,
                        Box::new(move || {
                            let pool = pool.clone();
                            Box::pin(async move {
                                let size: i64 = sqlx::query_scalar(
                                    "SELECT pg_total_relation_size('sessionkit_sessions_v2')",
                                )
                                .fetch_one(&pool)
                                .await
                                .ok()?;
                                u64::try_from(size).ok()
                            })
                        }),
                    )
                    .await
                }
                Err(_) => {
                    println!("\n## PostgresStore: skipped, SESSIONKIT_POSTGRES_URL is not set")
                }
            },
            "redis" => match std::env::var("SESSIONKIT_REDIS_URL") {
                Ok(url) => {
                    let prefix = format!("sessionkit-scale-{}:", std::process::id());
                    let store = sessionkit::RedisStore::connect_with_prefix(&url, &prefix)
                        .await
                        .unwrap();
                    let urls = vec![url];
                    run(
                        "RedisStore",
                        store,
                        Box::new(move || {
                            let urls = urls.clone();
                            Box::pin(async move { redis_memory(&urls).await })
                        }),
                    )
                    .await
                }
                Err(_) => println!("\n## RedisStore: skipped, SESSIONKIT_REDIS_URL is not set"),
            },
            "cluster" => match std::env::var("SESSIONKIT_REDIS_CLUSTER_NODES") {
                Ok(nodes) => {
                    let prefix = format!("sessionkit-scale-{}:", std::process::id());
                    let store = sessionkit::RedisStore::connect_cluster_with_prefix(
                        nodes.split(','),
                        &prefix,
                    )
                    .await
                    .unwrap();
                    let urls: Vec<String> = nodes.split(',').map(str::to_owned).collect();
                    run(
                        "RedisStore on a Redis Cluster (3 masters, 3 replicas)",
                        store,
                        Box::new(move || {
                            let urls = urls.clone();
                            Box::pin(async move { redis_memory(&urls).await })
                        }),
                    )
                    .await
                }
                Err(_) => println!(
                    "\n## Redis Cluster: skipped, SESSIONKIT_REDIS_CLUSTER_NODES is not set"
                ),
            },
            other => println!(
                "unknown store {other}: expected memory, sqlite, postgres, redis or cluster"
            ),
        }
    }
}

/// This process's resident memory, from /proc.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split(' ').nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// A SQLite database's size with its write-ahead log.
fn file_bytes(file: &std::path::Path) -> Option<u64> {
    let mut total = std::fs::metadata(file).ok()?.len();
    let wal = file.with_extension("db-wal");
    total += std::fs::metadata(wal).map(|meta| meta.len()).unwrap_or(0);
    Some(total)
}

/// The memory the masters among `urls` use (`INFO memory`'s `used_memory`), summed.
async fn redis_memory(urls: &[String]) -> Option<u64> {
    let mut total = 0;
    for url in urls {
        let client = redis::Client::open(url.as_str()).ok()?;
        let mut connection = client.get_multiplexed_async_connection().await.ok()?;
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query_async(&mut connection)
            .await
            .ok()?;
        if info.contains("role:slave") {
            continue;
        }
        let memory: String = redis::cmd("INFO")
            .arg("memory")
            .query_async(&mut connection)
            .await
            .ok()?;
        let used = memory
            .lines()
            .find_map(|line| line.strip_prefix("used_memory:"))?
            .trim()
            .parse::<u64>()
            .ok()?;
        total += used;
    }
    Some(total)
}
