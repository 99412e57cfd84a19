//! The session types and secret every request benchmark uses: a signed and an encrypted
//! stateless type, and a database type, all answering `GET /me` with the user's id.

#![allow(dead_code)] // Each benchmark uses the types it needs.

use serde::{Deserialize, Serialize};
use sessionkit::Session;

/// The secret of every contender's keys.
pub const SECRET: &str = "benchmark-secret-0123456789-abcdefghijkl";

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

/// The signed-in user's id, whichever stateless type holds it: one handler serves both.
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
