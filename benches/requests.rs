//! Whole requests, as users feel them: `GET /me` on axum, a protected route that answers the
//! signed-in user's id, over real TCP on 127.0.0.1 with 32 keep-alive connections, server and
//! client in one process. The contenders run round by round, interleaved, so that a noisy
//! machine slows them alike; the figure is each one's median requests per second, and the
//! ratios against tower-sessions 0.15 are the result.
//!
//! - sessionkit stateless sessions, HS256 and A256GCM, `Verified<T>` behind `SessionGuard`;
//! - sessionkit database sessions on `MemoryStore` and on SQLite, `DbSession<T>` behind
//!   `SessionGuard::database`;
//! - the same with a cookie cache (`#[session(cache = "10m")]`) on `MemoryStore`, SQLite,
//!   and Redis and PostgreSQL where `SESSIONKIT_REDIS_URL` and `SESSIONKIT_POSTGRES_URL` are
//!   set (`source .ci/services.sh`);
//! - tower-sessions with its `MemoryStore` (0.15) and its sqlx `SqliteStore` (0.14, the
//!   line the sqlx store is published for), reading a typed value through its `Session`
//!   extractor;
//! - the same route with no session at all: the ceiling.
//!
//! Every contender's answers are checked first: 200 with the right id with its cookie, 401
//! without. `cargo bench -p sessionkit-tests --features bench --bench requests`; set `REQUESTS_ROUNDS` and
//! `REQUESTS_ROUND_MS` to change the run (default 15 rounds of 400 ms each).

#[path = "support/load.rs"]
mod load;
#[path = "support/sessions.rs"]
mod sessions;
#[path = "support/sqlite.rs"]
mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use load::{Contender, login_cookie};
use sessionkit::{
    DbSession, Keys, MemoryStore, Rejection, Session, SessionGuard, SqliteStore, Verified,
};
use sessions::{Account, CachedAccount, HasUserId, SECRET, Sealed, Signed, USER, signed_in_as};

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn guard(guard: SessionGuard) -> SessionGuard {
    guard.protect("/me").on_rejection(Rejection::Unauthorized)
}

async fn stateless<T: Session + HasUserId + Send + Sync + 'static>(
    name: &'static str,
    payload: T,
) -> Contender {
    let keys = Keys::new(SECRET).unwrap();
    let app = Router::new()
        .route(
            "/me",
            get(|session: Verified<T>| async move { session.user_id().to_owned() }),
        )
        .layer(guard(SessionGuard::stateless::<T>(keys.clone())));
    let token = payload.encrypt(&keys).unwrap();
    Contender {
        name,
        addr: serve(app).await,
        cookie: Some(format!("session={token}")),
    }
}

async fn database<S: sessionkit::SessionStore + 'static>(
    name: &'static str,
    store: S,
) -> Contender {
    database_of(name, store, |user_id| Account { user_id }).await
}

/// A database type with a cookie cache on `store`.
async fn cached<S: sessionkit::SessionStore + 'static>(name: &'static str, store: S) -> Contender {
    database_of(name, store, |user_id| CachedAccount { user_id }).await
}

async fn database_of<T, S>(name: &'static str, store: S, payload: fn(String) -> T) -> Contender
where
    T: Session + HasUserId + Send + Sync + 'static,
    S: sessionkit::SessionStore + 'static,
{
    let (manager, cookie) = signed_in_as(store, payload).await;
    let app = Router::new()
        .route(
            "/me",
            get(|session: DbSession<T>| async move { HasUserId::user_id(&*session).to_owned() }),
        )
        .layer(guard(SessionGuard::database(Arc::clone(&manager))));
    Contender {
        name,
        addr: serve(app).await,
        cookie: Some(cookie),
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
        Contender {
            name: $name,
            addr,
            cookie: Some(login_cookie(addr, "tower-sessions").await),
        }
    }};
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ceiling = Router::new().route("/me", get(|| async { USER }));
        let mut contenders = vec![
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
            cached(
                "sessionkit database cached, MemoryStore",
                MemoryStore::new(),
            )
            .await,
            cached(
                "sessionkit database cached, SQLite",
                SqliteStore::with_pool(support::sqlite_pool("cached.db").await)
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
        // The server stores, where `source .ci/services.sh` (or the same variables) gives them.
        if let Ok(url) = std::env::var("SESSIONKIT_REDIS_URL") {
            let store = sessionkit::RedisStore::connect_with_prefix(&url, "bench-requests:");
            contenders
                .push(cached("sessionkit database cached, Redis", store.await.unwrap()).await);
        }
        if let Ok(url) = std::env::var("SESSIONKIT_POSTGRES_URL") {
            let store = sessionkit::PostgresStore::connect(&url).await.unwrap();
            contenders.push(cached("sessionkit database cached, PostgreSQL", store).await);
        }
        load::measure(
            &contenders,
            &["tower-sessions, MemoryStore", "tower-sessions, SQLite"],
        )
        .await;
    });
}
