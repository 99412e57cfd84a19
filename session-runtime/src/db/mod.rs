//! Database-backed sessions: the cookie carries a sealed session id, and the session lives
//! in a [`SessionStore`].
//!
//! The id is 256 random bits from the operating system. The cookie holds it sealed with the
//! session type's codec as `{sid, iat, exp}`, so a proxy can check the seal and the expiry
//! without a database (the guide's "optimistic" check). Stores key rows by
//! `sha256(sid)` ([`SessionKey`]) and never see `sid` itself, so a leaked table holds no
//! usable cookies.

mod any;
mod backoff;
mod feed;
#[cfg(any(feature = "redis", feature = "sqlite", feature = "postgres"))]
mod feed_task;
mod id;
pub(crate) mod manager;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
mod revocations;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;
mod turns;
mod validate;

pub use self::any::AnyStore;
pub use self::feed::{Event, Feed, Liveness};
pub use self::id::{SessionKey, user_tag};
pub use self::manager::{DbSession, SessionManager};
pub use self::memory::MemoryStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use self::postgres::PostgresStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::RedisStore;
pub use self::revocations::Revocations;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use self::sqlite::SqliteStore;
pub use self::store::{Record, SessionInfo, SessionStore, Updated};
pub use self::validate::{MAX_LABEL_CHARS, MAX_USER_ID_LEN};
pub use crate::error::{StoreError, StoreErrorKind};
