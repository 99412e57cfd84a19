//! Validating a database session: the cookie's seal plus the store lookup, on each store,
//! side by side with tower-sessions 0.15 doing the equivalent load (read the id from the
//! `Cookie:` header, load the record, read the typed value) on its MemoryStore and sqlx
//! SQLite store, both with its default plain-id cookie and with its private cookie.
//!
//! `cargo bench -p sessionkit-tests --features bench --bench stores`. PostgreSQL and Redis are measured when
//! `SESSIONKIT_POSTGRES_URL` / `SESSIONKIT_REDIS_URL` are set (see `.ci/services.sh`).

#[path = "support/sqlite.rs"]
mod support;

use std::collections::HashMap;

use criterion::{Criterion, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Keys, MemoryStore, Session, SessionManager, SessionStore, SqliteStore};
#[derive(Clone, Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Account {
    #[session(user_id)]
    user_id: String,
    name: String,
}

fn account() -> Account {
    Account {
        user_id: "42".into(),
        name: "Ada Lovelace".into(),
    }
}

fn bench_sessionkit<S: SessionStore + 'static>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    store: S,
) {
    let manager = SessionManager::<Account, S>::new(
        store,
        Keys::new("benchmark-secret-0123456789-abcdefghijkl").unwrap(),
    );
    let cookie = rt.block_on(manager.create(&account())).unwrap();
    let header = format!("theme=dark; sid={}", cookie.value());
    c.bench_function(name, |b| {
        b.to_async(rt)
            .iter(|| async { manager.load(&header).await.unwrap() })
    });
}

/// tower-sessions' memory store implements the 0.15 store trait and its sqlx store the
/// 0.14 one; the same measurement is written once for both.
macro_rules! bench_tower {
    ($name:ident, $core:path) => {
        /// With `private`, the id travels in a private (AES-256-GCM) cookie, as
        /// `SessionManagerLayer::with_private` sets it up, and each request decrypts it from
        /// the `Cookie:` header: the work sessionkit's validate does.
        pub fn $name<S: $core>(
            c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
            rt: &tokio::runtime::Runtime,
            name: &str,
            store: S,
            private: bool,
        ) {
            let mut record = Record {
                id: Id::default(),
                data: HashMap::from([(
                    "account".to_owned(),
                    serde_json::to_value(account()).unwrap(),
                )]),
                expiry_date: OffsetDateTime::now_utc() + Duration::hours(1),
            };
            rt.block_on(store.create(&mut record)).unwrap();
            let key = cookie::Key::from(&[7u8; 64]);
            let mut jar = cookie::CookieJar::new();
            jar.private_mut(&key)
                .add(cookie::Cookie::new("id", record.id.to_string()));
            let header = match private {
                true => format!("theme=dark; id={}", jar.get("id").unwrap().value()),
                false => format!("theme=dark; id={}", record.id),
            };
            c.bench_function(name, |b| {
                b.to_async(rt).iter(|| async {
                    let mut jar = cookie::CookieJar::new();
                    for cookie in cookie::Cookie::split_parse(header.as_str()) {
                        jar.add_original(cookie.unwrap().into_owned());
                    }
                    let value = match private {
                        true => jar.private(&key).get("id").unwrap().value().to_owned(),
                        false => jar.get("id").unwrap().value().to_owned(),
                    };
                    let id: Id = value.parse().unwrap();
                    let record = store.load(&id).await.unwrap().unwrap();
                    serde_json::from_value::<Account>(record.data["account"].clone()).unwrap()
                })
            });
        }
    };
}

mod tower_015 {
    use super::*;
    use tower_sessions::session::{Id, Record};
    bench_tower!(bench, tower_sessions::SessionStore);
}

mod tower_014 {
    use super::*;
    use tower_sessions_core_014::session::{Id, Record};
    bench_tower!(bench, tower_sessions_core_014::SessionStore);
}

fn stores(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("validate");

    bench_sessionkit(&mut group, &rt, "sessionkit_memory", MemoryStore::new());
    tower_015::bench(
        &mut group,
        &rt,
        "tower_sessions_memory",
        tower_sessions::MemoryStore::default(),
        false,
    );
    tower_015::bench(
        &mut group,
        &rt,
        "tower_sessions_memory_private",
        tower_sessions::MemoryStore::default(),
        true,
    );

    let ours = rt.block_on(async {
        SqliteStore::with_pool(support::sqlite_pool("sessionkit.db").await)
            .await
            .unwrap()
    });
    bench_sessionkit(&mut group, &rt, "sessionkit_sqlite", ours);
    let theirs = rt.block_on(async {
        let store =
            tower_sessions_sqlx_store::SqliteStore::new(support::sqlite_pool("tower.db").await);
        store.migrate().await.unwrap();
        store
    });
    tower_014::bench(
        &mut group,
        &rt,
        "tower_sessions_sqlite",
        theirs.clone(),
        false,
    );
    tower_014::bench(
        &mut group,
        &rt,
        "tower_sessions_sqlite_private",
        theirs,
        true,
    );

    #[cfg(feature = "postgres")]
    if let Ok(url) = std::env::var("SESSIONKIT_POSTGRES_URL") {
        let store = rt
            .block_on(sessionkit::PostgresStore::connect(&url))
            .unwrap();
        bench_sessionkit(&mut group, &rt, "sessionkit_postgres", store);
    }
    #[cfg(feature = "redis")]
    if let Ok(url) = std::env::var("SESSIONKIT_REDIS_URL") {
        let store = rt
            .block_on(sessionkit::RedisStore::connect_with_prefix(
                &url,
                "sessionkit-bench:",
            ))
            .unwrap();
        bench_sessionkit(&mut group, &rt, "sessionkit_redis", store);
    }
    group.finish();
    std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("sessionkit-bench-{}", std::process::id())),
    )
    .ok();
}

criterion_group!(benches, stores);
criterion_main!(benches);
