//! The session types and secret every request benchmark uses: a signed and an encrypted
//! stateless type, and a database type, all answering `GET /me` with the user's id.

#![allow(dead_code)] // Each benchmark uses the types it needs.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sessionkit::{Keys, Session, SessionManager, SessionStore};

/// The secret of every contender's keys.
pub const SECRET: &str = "benchmark-secret-0123456789-abcdefghijkl";
/// The id every signed-in contender answers with.
pub const USER: &str = "user-42";

/// A database-session manager on `store` with the benchmarks' secret, and the `Cookie:`
/// header of `USER`'s session in it.
pub async fn signed_in<S: SessionStore + 'static>(
    store: S,
) -> (Arc<SessionManager<Account, S>>, String) {
    signed_in_as(store, |user_id| Account { user_id }).await
}

/// [`signed_in`] for any database type: for a type with a `cache`, once its revocation
/// feed is live and past its clock-skew allowance, so that the cookie's copy is trusted
/// (a load client keeps sending the cookie it was given).
pub async fn signed_in_as<T, S>(
    store: S,
    payload: impl Fn(String) -> T,
) -> (Arc<SessionManager<T, S>>, String)
where
    T: Session + Send + Sync + 'static,
    S: SessionStore + 'static,
{
    let manager = Arc::new(SessionManager::new(store, Keys::new(SECRET).unwrap()));
    if T::CONFIG.cache().is_some() {
        // The first use starts the feed.
        let _ = manager.load("sid=none").await;
        while !manager.feed_is_live() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    }
    let cookie = manager.create(&payload(USER.into())).await.unwrap();
    (manager, format!("sid={}", cookie.value()))
}

/// A signed stateless session.
#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "session", ttl = "7d", algorithm = "HS256", secure = false)]
pub struct Signed {
    pub user_id: String,
}

/// An encrypted stateless session (the default algorithm).
#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "session", ttl = "7d", secure = false)]
pub struct Sealed {
    pub user_id: String,
}

/// A database session.
#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "7d", secure = false)]
pub struct Account {
    #[session(user_id)]
    pub user_id: String,
}

/// A database session whose cookie carries a copy, served without a store read while the
/// store's revocation feed is live.
#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "7d", cache = "10m", secure = false)]
pub struct CachedAccount {
    #[session(user_id)]
    pub user_id: String,
}

/// The signed-in user's id, whichever session type holds it: one handler serves them all.
pub trait HasUserId {
    fn user_id(&self) -> &str;
}

impl HasUserId for Signed {
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl HasUserId for Sealed {
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl HasUserId for Account {
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl HasUserId for CachedAccount {
    fn user_id(&self) -> &str {
        &self.user_id
    }
}
