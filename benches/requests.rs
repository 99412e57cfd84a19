//! Whole requests, as users feel them: `GET /me` on axum, a protected route that answers the
//! signed-in user's id, over real TCP on 127.0.0.1 with 32 keep-alive connections, server and
//! client in one process. The contenders run round by round, interleaved, so that a noisy
//! machine slows them alike; the figure is each one's median requests per second, and the
//! ratios against tower-sessions 0.15 are the result.
//!
//! - sessionkit stateless sessions, HS256 and A256GCM, `Verified<T>` behind `SessionGuard`;
//! - sessionkit database sessions on `MemoryStore` and on SQLite, `DbSession<T>` behind
//!   `SessionGuard::database`;
//! - tower-sessions with its `MemoryStore` (0.15) and its sqlx `SqliteStore` (0.14, the
//!   line the sqlx store is published for), reading a typed value through its `Session`
//!   extractor;
//! - the same route with no session at all: the ceiling.
//!
//! Every contender's answers are checked first: 200 with the right id with its cookie, 401
//! without. `cargo bench --features axum,sqlite --bench requests`; set `REQUESTS_ROUNDS` and
//! `REQUESTS_ROUND_MS` to change the run (default 15 rounds of 400 ms each).

#[path = "support/sqlite.rs"]
mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use sessionkit::{
    DbSession, Keys, MemoryStore, Rejection, Session, SessionGuard, SessionManager, SqliteStore,
    Verified,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "benchmark-secret-0123456789-abcdefghijkl";
const USER: &str = "user-42";
const CONNECTIONS: usize = 32;

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "session", ttl = "7d", algorithm = "HS256", secure = false)]
struct Signed {
    user_id: String,
}

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "session", ttl = "7d", secure = false)]
struct Sealed {
    user_id: String,
}

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "7d", secure = false)]
struct Account {
    #[session(user_id)]
    user_id: String,
}

#[derive(Clone)]
struct Stateless {
    keys: Keys,
}

impl FromRef<Stateless> for Keys {
    fn from_ref(state: &Stateless) -> Keys {
        state.keys.clone()
    }
}

/// A contender: its name, where it listens, and the `Cookie:` header of a signed-in user.
struct Contender {
    name: &'static str,
    addr: SocketAddr,
    cookie: Option<String>,
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn guard(guard: SessionGuard) -> SessionGuard {
    guard.protect("/me").on_rejection(Rejection::Unauthorized)
}

async fn stateless<T: Session + Send + Sync + 'static>(name: &'static str, payload: T) -> Contender
where
    Verified<T>: HasUserId,
{
    let keys = Keys::new(SECRET).unwrap();
    let app = Router::new()
        .route(
            "/me",
            get(|session: Verified<T>| async move { session.user_id().to_owned() }),
        )
        .layer(guard(SessionGuard::stateless::<T>(keys.clone())))
        .with_state(Stateless { keys: keys.clone() });
    let token = payload.encrypt(&keys).unwrap();
    Contender {
        name,
        addr: serve(app).await,
        cookie: Some(format!("session={token}")),
    }
}

/// The id, whichever stateless type holds it.
trait HasUserId {
    fn user_id(&self) -> &str;
}

impl HasUserId for Verified<Signed> {
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl HasUserId for Verified<Sealed> {
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

async fn database<S: sessionkit::SessionStore + 'static>(
    name: &'static str,
    store: S,
) -> Contender {
    let manager = Arc::new(SessionManager::<Account, S>::new(
        store,
        Keys::new(SECRET).unwrap(),
    ));
    let app = Router::new()
        .route(
            "/me",
            get(|session: DbSession<Account>| async move { session.user_id.clone() }),
        )
        .layer(guard(SessionGuard::database(Arc::clone(&manager))))
        .with_state(Arc::clone(&manager));
    let cookie = manager
        .create(&Account {
            user_id: USER.into(),
        })
        .await
        .unwrap();
    Contender {
        name,
        addr: serve(app).await,
        cookie: Some(format!("sid={}", cookie.value())),
    }
}

/// tower-sessions' handler: the typed value from its `Session`, or 401.
macro_rules! tower_contender {
    ($name:expr, $krate:ident, $store:expr) => {{
        async fn me(session: $krate::Session) -> axum::response::Response {
            match session.get::<String>("user_id").await {
                Ok(Some(user_id)) => user_id.into_response(),
                _ => StatusCode::UNAUTHORIZED.into_response(),
            }
        }
        async fn login(session: $krate::Session) -> &'static str {
            session.insert("user_id", USER).await.unwrap();
            "ok"
        }
        let layer = $krate::SessionManagerLayer::new($store).with_secure(false);
        let app = Router::new()
            .route("/me", get(me))
            .route("/login", get(login))
            .layer(layer);
        let addr = serve(app).await;
        let (_, headers, _) = request(&mut connect(addr).await, "/login", None).await;
        let set_cookie = header(&headers, "set-cookie").expect("tower-sessions sets its cookie");
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        Contender {
            name: $name,
            addr,
            cookie: Some(cookie),
        }
    }};
}

async fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// One HTTP/1.1 request on a kept-alive connection: the status, the headers and the body.
async fn request(
    stream: &mut TcpStream,
    path: &str,
    cookie: Option<&str>,
) -> (u16, String, String) {
    let cookie = cookie
        .map(|cookie| format!("cookie: {cookie}\r\n"))
        .unwrap_or_default();
    let head = format!("GET {path} HTTP/1.1\r\nhost: bench\r\n{cookie}\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let read = stream.read(&mut chunk).await.unwrap();
        assert!(read > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let headers = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let status = headers[9..12].parse().unwrap();
    let length: usize =
        header(&headers, "content-length").map_or(0, |value| value.parse().unwrap());
    while buffer.len() < header_end + length {
        let read = stream.read(&mut chunk).await.unwrap();
        assert!(read > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = String::from_utf8_lossy(&buffer[header_end..header_end + length]).into_owned();
    (status, headers, body)
}

/// The value of the first header `name` (matched without regard to case).
fn header<'h>(headers: &'h str, name: &str) -> Option<&'h str> {
    headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// 200 with the right id with the cookie, 401 without: checked before anything is timed.
async fn check(contender: &Contender) {
    let mut stream = connect(contender.addr).await;
    let (status, _, body) = request(&mut stream, "/me", contender.cookie.as_deref()).await;
    assert_eq!((status, body.as_str()), (200, USER), "{}", contender.name);
    if contender.cookie.is_some() {
        let (status, _, _) = request(&mut stream, "/me", None).await;
        assert_eq!(status, 401, "{} without a cookie", contender.name);
    }
}

/// Requests per second over `CONNECTIONS` keep-alive connections for `length`.
async fn round(contender: &Contender, length: Duration) -> f64 {
    let done = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for _ in 0..CONNECTIONS {
        let mut stream = connect(contender.addr).await;
        let (done, count) = (Arc::clone(&done), Arc::clone(&count));
        let cookie = contender.cookie.clone();
        clients.push(tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let (status, _, _) = request(&mut stream, "/me", cookie.as_deref()).await;
                debug_assert_eq!(status, 200);
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let start = Instant::now();
    tokio::time::sleep(length).await;
    done.store(true, Ordering::Relaxed);
    let elapsed = start.elapsed();
    for client in clients {
        client.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and wants a quick
    // check, not a measurement.
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let rounds = if measuring {
        env_number("REQUESTS_ROUNDS", 15)
    } else {
        1
    };
    let length = Duration::from_millis(if measuring {
        env_number("REQUESTS_ROUND_MS", 400)
    } else {
        50
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ceiling = Router::new().route("/me", get(|| async { USER }));
        let contenders = vec![
            Contender {
                name: "no session (ceiling)",
                addr: serve(ceiling).await,
                cookie: None,
            },
            stateless(
                "sessionkit stateless HS256",
                Signed {
                    user_id: USER.into(),
                },
            )
            .await,
            stateless(
                "sessionkit stateless A256GCM",
                Sealed {
                    user_id: USER.into(),
                },
            )
            .await,
            database("sessionkit database, MemoryStore", MemoryStore::new()).await,
            database(
                "sessionkit database, SQLite",
                SqliteStore::with_pool(support::sqlite_pool("sessionkit.db").await)
                    .await
                    .unwrap(),
            )
            .await,
            tower_contender!(
                "tower-sessions, MemoryStore",
                tower_sessions,
                tower_sessions::MemoryStore::default()
            ),
            tower_contender!("tower-sessions, SQLite", tower_sessions_014, {
                let store = tower_sessions_sqlx_store::SqliteStore::new(
                    support::sqlite_pool("tower.db").await,
                );
                store.migrate().await.unwrap();
                store
            }),
        ];
        for contender in &contenders {
            check(contender).await;
        }
        let mut results: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
        for index in 0..rounds as usize {
            // A different order each round, so no contender always runs first.
            for offset in 0..contenders.len() {
                let which = (index + offset) % contenders.len();
                results[which].push(round(&contenders[which], length).await);
            }
        }
        let medians: Vec<f64> = results.iter_mut().map(|values| median(values)).collect();
        let by_name = |name: &str| {
            contenders
                .iter()
                .position(|contender| contender.name == name)
                .map(|index| medians[index])
                .unwrap()
        };
        let tower_memory = by_name("tower-sessions, MemoryStore");
        let tower_sqlite = by_name("tower-sessions, SQLite");
        println!(
            "GET /me, {CONNECTIONS} keep-alive connections, {rounds} interleaved rounds of {} ms",
            length.as_millis()
        );
        println!(
            "{:<36} {:>12} {:>22} {:>18}",
            "contender", "median req/s", "/ tower-sessions memory", "/ tower-sessions SQLite"
        );
        for (contender, median) in contenders.iter().zip(&medians) {
            println!(
                "{:<36} {:>12.0} {:>22.2}x {:>18.2}x",
                contender.name,
                median,
                median / tower_memory,
                median / tower_sqlite
            );
        }
    });
}
