//! One request through the axum app in process (no sockets), to see the server's own cost
//! per request without the kernel's: the bare route, sessionkit's extractor alone, the
//! extractor behind `SessionGuard`, database sessions on `MemoryStore` behind
//! `SessionGuard::database`, and tower-sessions 0.15's `MemoryStore` reading the
//! same typed value. Complements `requests`, whose figures are mostly TCP.
//!
//! `cargo bench -p sessionkit-tests --features bench --bench guard`.
//!
//! For instruction counts, which a shared machine cannot disturb: `GUARD_CALLS=2000
//! GUARD_ONLY=<name>` (one of the names below) skips criterion and makes that many calls,
//! so `valgrind --tool=callgrind` of the bench binary with 2000 and with 0 gives the
//! instructions per request as the difference over 2000. `sessionkit_guard_cross_origin_off`
//! beside `sessionkit_guard_and_extractor` gives what the cross-origin check costs.

#[path = "support/sessions.rs"]
mod sessions;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use std::sync::Arc;

use sessionkit::{
    CrossOrigin, DbSession, Keys, MemoryStore, Rejection, Session, SessionGuard, SessionLayer,
    Verified,
};
use sessions::{Account, SECRET, Signed, USER, signed_in};
use tower::ServiceExt;

fn get_me(cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get("/me");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

async fn call(app: &Router, cookie: Option<&str>) -> StatusCode {
    app.clone().oneshot(get_me(cookie)).await.unwrap().status()
}

/// A same-origin form post from a current browser, which the cross-origin check reads.
fn post_me(cookie: &str) -> Request<Body> {
    Request::post("/me")
        .header(header::COOKIE, cookie)
        .header(header::HOST, "example.com")
        .header(header::ORIGIN, "http://example.com")
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap()
}

async fn post(app: &Router, cookie: &str) -> StatusCode {
    app.clone().oneshot(post_me(cookie)).await.unwrap().status()
}

fn guard(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let keys = Keys::new(SECRET).unwrap();
    let me = get(|session: Verified<Signed>| async move { session.user_id.clone() });
    let ceiling = Router::new().route("/me", get(|| async { USER }));
    // The extractor alone: its keys come through the request, from a `SessionLayer`.
    let extractor = Router::new()
        .route("/me", me.clone())
        .layer(SessionLayer::new().keys::<Signed>(keys.clone()));
    let guarded_with = |mode: CrossOrigin| {
        Router::new()
            .route("/me", me.clone().post(|| async { USER }))
            .layer(
                SessionGuard::stateless::<Signed>(keys.clone())
                    .protect("/me")
                    .on_rejection(Rejection::Unauthorized)
                    .cross_origin(mode),
            )
    };
    // The default guard checks cross-origin requests; the same guard with the check off
    // shows what the check costs.
    let guarded = guarded_with(CrossOrigin::Protect);
    let unchecked = guarded_with(CrossOrigin::Off);
    let token = format!(
        "session={}",
        Signed {
            user_id: USER.into()
        }
        .encrypt(&keys)
        .unwrap()
    );

    let (manager, ticket) = runtime.block_on(signed_in(MemoryStore::new()));
    let database = Router::new()
        .route(
            "/me",
            get(|session: DbSession<Account>| async move { session.user_id.clone() }),
        )
        .layer(
            SessionGuard::database(Arc::clone(&manager))
                .protect("/me")
                .on_rejection(Rejection::Unauthorized),
        );

    async fn tower_me(session: tower_sessions::Session) -> axum::response::Response {
        match session.get::<String>("user_id").await {
            Ok(Some(user_id)) => user_id.into_response(),
            _ => StatusCode::UNAUTHORIZED.into_response(),
        }
    }
    async fn tower_login(session: tower_sessions::Session) -> &'static str {
        session.insert("user_id", USER).await.unwrap();
        "ok"
    }
    let tower = Router::new()
        .route("/me", get(tower_me))
        .route("/login", get(tower_login))
        .layer(
            tower_sessions::SessionManagerLayer::new(tower_sessions::MemoryStore::default())
                .with_secure(false),
        );
    let tower_cookie = runtime.block_on(async {
        let login = Request::get("/login").body(Body::empty()).unwrap();
        let response = tower.clone().oneshot(login).await.unwrap();
        let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_owned()
    });

    runtime.block_on(async {
        assert_eq!(call(&ceiling, None).await, StatusCode::OK);
        for (app, cookie) in [
            (&extractor, &token),
            (&guarded, &token),
            (&unchecked, &token),
            (&database, &ticket),
        ] {
            assert_eq!(call(app, Some(cookie)).await, StatusCode::OK);
            assert_eq!(call(app, None).await, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(post(&guarded, &token).await, StatusCode::OK);
        assert_eq!(post(&unchecked, &token).await, StatusCode::OK);
        assert_eq!(call(&tower, Some(&tower_cookie)).await, StatusCode::OK);
        assert_eq!(call(&tower, None).await, StatusCode::UNAUTHORIZED);
    });

    if let Ok(calls) = std::env::var("GUARD_CALLS") {
        let calls: usize = calls.parse().expect("GUARD_CALLS is a number");
        let only = std::env::var("GUARD_ONLY").expect("GUARD_ONLY names one route");
        let (app, cookie) = match only.as_str() {
            "no_session" => (&ceiling, None),
            "sessionkit_extractor_only" => (&extractor, Some(&token)),
            "sessionkit_guard_and_extractor" => (&guarded, Some(&token)),
            "sessionkit_guard_cross_origin_off" => (&unchecked, Some(&token)),
            "sessionkit_database_memory" => (&database, Some(&ticket)),
            "tower_sessions_memory" => (&tower, Some(&tower_cookie)),
            other => panic!("no route {other:?}"),
        };
        runtime.block_on(async {
            for _ in 0..calls {
                std::hint::black_box(call(app, cookie.map(String::as_str)).await);
            }
        });
        std::process::exit(0);
    }

    let mut group = c.benchmark_group("request");
    group.bench_function("no_session", |b| {
        b.to_async(&runtime).iter(|| call(&ceiling, None))
    });
    group.bench_function("sessionkit_extractor_only", |b| {
        b.to_async(&runtime).iter(|| call(&extractor, Some(&token)))
    });
    group.bench_function("sessionkit_guard_and_extractor", |b| {
        b.to_async(&runtime).iter(|| call(&guarded, Some(&token)))
    });
    group.bench_function("sessionkit_guard_cross_origin_off", |b| {
        b.to_async(&runtime).iter(|| call(&unchecked, Some(&token)))
    });
    group.bench_function("sessionkit_guard_post", |b| {
        b.to_async(&runtime).iter(|| post(&guarded, &token))
    });
    group.bench_function("sessionkit_guard_post_cross_origin_off", |b| {
        b.to_async(&runtime).iter(|| post(&unchecked, &token))
    });
    group.bench_function("sessionkit_database_memory", |b| {
        b.to_async(&runtime).iter(|| call(&database, Some(&ticket)))
    });
    group.bench_function("tower_sessions_memory", |b| {
        b.to_async(&runtime)
            .iter(|| call(&tower, Some(&tower_cookie)))
    });
    group.finish();
}

criterion_group!(benches, guard);
criterion_main!(benches);
