//! How often `modify` gives up (`SessionChanged`) when N concurrent handlers each call it
//! once on one session, with no retry loop of their own: N = 10, 100 and 1,000, on every
//! store, in one process (one manager), and split across two processes (one manager each)
//! on one PostgreSQL and one Redis. Every run also checks that nothing was lost: the counter
//! equals the calls that succeeded.
//!
//! `cargo bench -p sessionkit-tests --features bench --bench modify` (`source .ci/services.sh` first for
//! PostgreSQL and Redis; without their URLs those rows are left out). `MODIFY_SIZES=10,100`
//! picks other sizes.

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sessionkit::{
    Error, Keys, MemoryStore, PostgresStore, RedisStore, Session, SessionManager, SessionStore,
    SqliteStore,
};

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Counter {
    #[session(user_id)]
    user_id: String,
    count: u64,
}

fn keys() -> Keys {
    Keys::new("benchmark-secret-0123456789-abcdefghijkl").unwrap()
}

/// The environment variable that makes this binary the second process: it holds the store,
/// the cookie header and how many calls to make.
const CHILD: &str = "SESSIONKIT_MODIFY_CHILD";

/// Opens the store a row names ("postgres" or "redis", from the environment).
async fn server_store(name: &str) -> Option<Box<dyn Fn() -> Arc<dyn Opened>>> {
    match name {
        "postgres" => {
            let url = std::env::var("SESSIONKIT_POSTGRES_URL").ok()?;
            let store = Arc::new(PostgresStore::connect(&url).await.unwrap());
            Some(Box::new(move || {
                Arc::new(Arc::clone(&store)) as Arc<dyn Opened>
            }))
        }
        "redis" => {
            let url = std::env::var("SESSIONKIT_REDIS_URL").ok()?;
            let store = Arc::new(RedisStore::connect(&url).await.unwrap());
            Some(Box::new(move || {
                Arc::new(Arc::clone(&store)) as Arc<dyn Opened>
            }))
        }
        _ => None,
    }
}

type Boxed<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// A store, erased so that the rows can be listed in one table.
trait Opened: Send + Sync {
    /// `calls` concurrent single `modify` calls through a manager of their own.
    fn run(self: Arc<Self>, header: Option<String>, calls: usize) -> Boxed<Outcome>;
    /// The session's counter now.
    fn count(self: Arc<Self>, header: String) -> Boxed<u64>;
}

impl<S: SessionStore + 'static> Opened for Arc<S> {
    fn run(self: Arc<Self>, header: Option<String>, calls: usize) -> Boxed<Outcome> {
        Box::pin(calls_on_one_session(Arc::clone(&*self), header, calls))
    }

    fn count(self: Arc<Self>, header: String) -> Boxed<u64> {
        let manager = SessionManager::<Counter, _>::new(Arc::clone(&*self), keys());
        Box::pin(async move { manager.load(&header).await.unwrap().count })
    }
}

/// What one run of concurrent calls did.
#[derive(Default)]
struct Outcome {
    header: String,
    succeeded: usize,
    gave_up: usize,
    other: usize,
    seconds: f64,
}

/// Makes `calls` concurrent single `modify` calls on the session of `header` (a new one
/// when `None`), each in its own task.
async fn calls_on_one_session<S: SessionStore + 'static>(
    store: Arc<S>,
    header: Option<String>,
    calls: usize,
) -> Outcome {
    let manager = Arc::new(SessionManager::<Counter, _>::new(store, keys()));
    let header = match header {
        Some(header) => header,
        None => {
            let user_id = format!("modify-{}", std::process::id());
            let cookie = manager
                .create(&Counter { user_id, count: 0 })
                .await
                .unwrap();
            format!("sid={}", cookie.value())
        }
    };
    let started = Instant::now();
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let manager = Arc::clone(&manager);
            let header = header.clone();
            tokio::spawn(async move {
                let session = manager.load(&header).await?;
                manager.modify(&session, |counter| counter.count += 1).await
            })
        })
        .collect();
    let mut outcome = Outcome {
        header,
        ..Outcome::default()
    };
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => outcome.succeeded += 1,
            Err(Error::SessionChanged) => outcome.gave_up += 1,
            Err(_) => outcome.other += 1,
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Ok(spec) = std::env::var(CHILD) {
        let mut words = spec.splitn(4, ' ');
        let mut next = || words.next().expect("store, start, calls, header");
        let (store, start, calls, header) = (next(), next(), next(), next());
        let outcome = runtime.block_on(async {
            let open = server_store(store).await.expect("the store's URL");
            let store = open();
            wait_until(start.parse().unwrap()).await;
            store
                .run(Some(header.to_owned()), calls.parse().unwrap())
                .await
        });
        println!(
            "{} {} {} {}",
            outcome.succeeded, outcome.gave_up, outcome.other, outcome.seconds
        );
        return;
    }
    let sizes: Vec<usize> = std::env::var("MODIFY_SIZES")
        .unwrap_or_else(|_| "10,100,1000".into())
        .split(',')
        .map(|size| size.trim().parse().expect("MODIFY_SIZES: whole numbers"))
        .collect();
    println!("| store | processes | calls | gave up | other errors | lost | seconds |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    runtime.block_on(async {
        let dir = std::env::temp_dir().join(format!("sessionkit-modify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sqlite = Arc::new(SqliteStore::open(dir.join("sessions.db")).await.unwrap());
        let memory = Arc::new(MemoryStore::new());
        let mut rows: Vec<(&str, Arc<dyn Opened>)> = vec![
            ("MemoryStore", Arc::new(memory)),
            ("SQLite (WAL file)", Arc::new(sqlite)),
        ];
        let servers = [("postgres", "PostgreSQL"), ("redis", "Redis")];
        let mut opened = Vec::new();
        for (name, label) in servers {
            if let Some(open) = server_store(name).await {
                rows.push((label, open()));
                opened.push((name, label));
            }
        }
        for &calls in &sizes {
            for (label, store) in &rows {
                let outcome = Arc::clone(store).run(None, calls).await;
                let count = Arc::clone(store).count(outcome.header.clone()).await;
                report(label, 1, calls, &[&outcome], count);
            }
            for &(name, label) in &opened {
                two_processes(name, label, calls).await;
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    });
}

/// Half the calls in this process, half in a second one, on one session of one server.
async fn two_processes(name: &str, label: &str, calls: usize) {
    let open = server_store(name).await.unwrap();
    let store = open();
    // Create the session first, then start both halves together.
    let first = Arc::clone(&store).run(None, 0).await;
    // Both halves start at one agreed instant, well after the child has started up.
    let start = unix_millis() + 500;
    let spec = format!("{name} {start} {} {}", calls / 2, first.header);
    let child = tokio::task::spawn_blocking(move || {
        std::process::Command::new(std::env::current_exe().unwrap())
            .env(CHILD, spec)
            .output()
    });
    let here = Arc::clone(&store).run(Some(first.header.clone()), calls - calls / 2);
    let here = async move {
        wait_until(start).await;
        here.await
    };
    let (child, here) = tokio::join!(child, here);
    let child = child.unwrap().unwrap();
    assert!(
        child.status.success(),
        "the second process failed: {}",
        String::from_utf8_lossy(&child.stderr)
    );
    let child = String::from_utf8(child.stdout).unwrap();
    let numbers: Vec<&str> = child.split_whitespace().collect();
    let there = Outcome {
        succeeded: numbers[0].parse().unwrap(),
        gave_up: numbers[1].parse().unwrap(),
        other: numbers[2].parse().unwrap(),
        seconds: numbers[3].parse().unwrap(),
        ..Outcome::default()
    };
    let count = store.count(first.header).await;
    report(label, 2, calls, &[&here, &there], count);
}

fn unix_millis() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.unwrap().as_millis() as u64
}

async fn wait_until(unix_millis_then: u64) {
    let left = unix_millis_then.saturating_sub(unix_millis());
    tokio::time::sleep(std::time::Duration::from_millis(left)).await;
}

/// One row of the table. "lost" is the successful calls the counter does not show (or,
/// negative, steps it shows that no call reported): it must be 0.
fn report(label: &str, processes: usize, calls: usize, outcomes: &[&Outcome], count: u64) {
    let succeeded: usize = outcomes.iter().map(|o| o.succeeded).sum();
    let lost = succeeded as i64 - count as i64;
    let gave_up: usize = outcomes.iter().map(|o| o.gave_up).sum();
    let other: usize = outcomes.iter().map(|o| o.other).sum();
    let seconds = outcomes.iter().map(|o| o.seconds).fold(0.0, f64::max);
    assert_eq!(lost, 0, "{label}: a successful modify was lost");
    println!(
        "| {label} | {processes} | {calls} | {gave_up} ({:.1}%) | {other} | {lost} | {seconds:.2} |",
        100.0 * gave_up as f64 / calls as f64
    );
}
