//! Whole requests on actix-web: `GET /me` through sessionkit's `SessionGuard` middleware and
//! extractors, side by side with actix-session 0.11 (its `CookieSessionStore`, a private
//! cookie, and its `RedisSessionStore`), and the same route with no session as the ceiling.
//! The load generator, the answer check and the interleaved rounds are `benches/requests.rs`'s
//! (`support/load.rs`); each server runs on its own actix system with two workers.
//!
//! - sessionkit stateless HS256 and A256GCM, `Verified<T>`;
//! - sessionkit database sessions on `MemoryStore` and, with `SESSIONKIT_REDIS_URL`, on Redis;
//! - actix-session with `CookieSessionStore` and, with `SESSIONKIT_REDIS_URL`, with
//!   `RedisSessionStore`, reading a typed value through its `Session` extractor.
//!
//! `cargo bench -p sessionkit-tests --features bench --bench requests_actix` (`source .ci/services.sh` first for
//! the Redis pair; without it they are left out and the run says so).

#[path = "support/load.rs"]
mod load;
#[path = "support/sessions.rs"]
mod sessions;

use std::net::SocketAddr;
use std::sync::Arc;

use actix_session::storage::{CookieSessionStore, RedisSessionStore, SessionStore as _};
use actix_session::{Session as ActixSession, SessionMiddleware};
use actix_web::body::MessageBody;
use actix_web::cookie::Key;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, HttpServer, web};
use load::{Contender, login_cookie};
use sessionkit::actix::{Rejection, SessionGuard, Sessions};
use sessionkit::{DbSession, Keys, MemoryStore, RedisStore, Session, Verified};
use sessions::{Account, CachedAccount, HasUserId, SECRET, Sealed, Signed, USER, signed_in_as};

/// Serves the app that `app` builds on its own actix system, two workers, and returns where.
fn serve<F, T, B>(app: F) -> SocketAddr
where
    F: Fn() -> App<T> + Send + Clone + 'static,
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(app)
                .workers(2)
                .listen(listener)
                .unwrap()
                .run()
                .await
                .unwrap()
        })
    });
    addr
}

fn guard(guard: SessionGuard) -> SessionGuard {
    guard.protect("/me").on_rejection(Rejection::Unauthorized)
}

async fn stateless_me<T: Session + HasUserId + Send + Sync + 'static>(
    session: Verified<T>,
) -> String {
    session.user_id().to_owned()
}

async fn account_me<T: Session + HasUserId + Send + Sync + 'static>(
    session: DbSession<T>,
) -> String {
    HasUserId::user_id(&*session).to_owned()
}

/// sessionkit stateless sessions of type `T`, signed in with `payload`.
fn stateless<T: Session + HasUserId + Send + Sync + 'static>(
    name: &'static str,
    payload: T,
) -> Contender {
    let keys = Keys::new(SECRET).unwrap();
    let token = payload.encrypt(&keys).unwrap();
    let addr = serve(move || {
        App::new()
            .app_data(web::Data::new(keys.clone()))
            .route("/me", web::get().to(stateless_me::<T>))
            .wrap(guard(SessionGuard::stateless::<T>(keys.clone())))
    });
    Contender {
        name,
        addr,
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
    let addr = serve(move || {
        App::new()
            .app_data(web::Data::new(Sessions::new(Arc::clone(&manager))))
            .route("/me", web::get().to(account_me::<T>))
            .wrap(guard(SessionGuard::database(Arc::clone(&manager))))
    });
    Contender {
        name,
        addr,
        cookie: Some(cookie),
    }
}

async fn actix_session_me(session: ActixSession) -> HttpResponse {
    match session.get::<String>("user_id") {
        Ok(Some(user_id)) => HttpResponse::Ok().body(user_id),
        _ => HttpResponse::Unauthorized().finish(),
    }
}

async fn actix_session_login(session: ActixSession) -> &'static str {
    session.insert("user_id", USER).unwrap();
    "ok"
}

/// actix-session with the store `store` makes (one per worker): logs in once through
/// `/login` and keeps its cookie.
async fn actix_session<S, M>(name: &'static str, store: M) -> Contender
where
    S: actix_session::storage::SessionStore + 'static,
    M: Fn() -> S + Send + Clone + 'static,
{
    let key = Key::from(&[7u8; 64]);
    let addr = serve(move || {
        App::new()
            .route("/me", web::get().to(actix_session_me))
            .route("/login", web::get().to(actix_session_login))
            .wrap(
                SessionMiddleware::builder(store(), key.clone())
                    .cookie_secure(false)
                    .build(),
            )
    });
    Contender {
        name,
        addr,
        cookie: Some(login_cookie(addr, "actix-session").await),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ceiling = serve(|| App::new().route("/me", web::get().to(|| async { USER })));
        let mut contenders = vec![Contender {
            name: "no session (ceiling)",
            addr: ceiling,
            cookie: None,
        }];
        contenders.push(stateless(
            "sessionkit stateless HS256",
            Signed {
                user_id: USER.into(),
            },
        ));
        contenders.push(stateless(
            "sessionkit stateless A256GCM",
            Sealed {
                user_id: USER.into(),
            },
        ));
        contenders.push(database("sessionkit database, MemoryStore", MemoryStore::new()).await);
        contenders.push(
            cached(
                "sessionkit database cached, MemoryStore",
                MemoryStore::new(),
            )
            .await,
        );
        contenders.push(
            actix_session(
                "actix-session, CookieSessionStore",
                CookieSessionStore::default,
            )
            .await,
        );
        match std::env::var("SESSIONKIT_REDIS_URL") {
            Ok(url) => {
                let prefix = format!("sessionkit-bench-{}:", std::process::id());
                let store = RedisStore::connect_with_prefix(&url, &prefix)
                    .await
                    .unwrap();
                contenders.push(database("sessionkit database, Redis", store.clone()).await);
                contenders.push(cached("sessionkit database cached, Redis", store).await);
                let store = RedisSessionStore::new(url.as_str()).await.unwrap();
                // Fails here, not in the middle of a round, if the server cannot be used.
                store
                    .load(&"absent".to_owned().try_into().unwrap())
                    .await
                    .unwrap();
                contenders.push(
                    actix_session("actix-session, RedisSessionStore", move || store.clone()).await,
                );
            }
            Err(_) => {
                println!("requests_actix: Redis pair skipped, SESSIONKIT_REDIS_URL is not set")
            }
        }
        load::measure(
            &contenders,
            &[
                "actix-session, CookieSessionStore",
                "actix-session, RedisSessionStore",
            ],
        )
        .await;
    });
}
