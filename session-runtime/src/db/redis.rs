//! [`RedisStore`]: database sessions in Redis, for deployments on several servers.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};

use super::{Record, SessionKey, SessionStore, StoreError, StoreErrorKind};
use crate::error::Error;

/// Creates the session only if its key is new (`SET NX`), with Redis' own expiry at the
/// session's, and files it in the user's set, in one atomic step.
const CREATE: &str = r"
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EXAT', ARGV[2]) then return 0 end
if ARGV[3] ~= '' then
  redis.call('SADD', KEYS[2], ARGV[3])
  local at = redis.call('EXPIRETIME', KEYS[2])
  if at == -1 or at < tonumber(ARGV[2]) then redis.call('EXPIREAT', KEYS[2], ARGV[2]) end
end
return 1";

/// Deletes every session in a user's set, then the set, atomically, so a session created
/// concurrently is either deleted or created after the revocation.
const DELETE_USER: &str = r"
local deleted = 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  deleted = deleted + redis.call('DEL', ARGV[1] .. member)
end
redis.call('DEL', KEYS[1])
return deleted";

/// Replaces a session only if it is still there (`SET XX`) and not expired as of `now`.
const SAVE: &str = r"
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
if cjson.decode(stored)['expires_at'] <= tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'XX', 'EXAT', ARGV[2])
return 1";

/// Sessions in Redis. Each session is a string key `{prefix}s:{sha256 hex}` holding JSON,
/// expiring (by Redis itself) when the session does; each user has a set
/// `{prefix}u:{user id}` of their sessions, for "log out everywhere".
///
/// The connection reconnects by itself after the server restarts; while it is down,
/// operations fail fast with [`StoreErrorKind::Unavailable`].
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    user_id: Option<String>,
    payload: String,
    created_at: i64,
    expires_at: i64,
}

fn unavailable(err: redis::RedisError) -> Error {
    StoreError::error(StoreErrorKind::Unavailable, err)
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`), with keys under `sessionkit:`.
    pub async fn connect(url: &str) -> Result<RedisStore, Error> {
        RedisStore::connect_with_prefix(url, "sessionkit:").await
    }

    /// Connects with another key prefix, to keep several applications apart.
    pub async fn connect_with_prefix(url: &str, prefix: &str) -> Result<RedisStore, Error> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(unavailable)?;
        Ok(RedisStore {
            connection,
            prefix: prefix.to_owned(),
        })
    }

    fn session_key(&self, key: &SessionKey) -> String {
        format!("{}s:{}", self.prefix, key.to_hex())
    }

    fn user_key(&self, user_id: &str) -> String {
        format!("{}u:{user_id}", self.prefix)
    }

    fn encode(record: &Record) -> Result<String, Error> {
        let stored = Stored {
            user_id: record.user_id.clone(),
            payload: record.payload.clone(),
            created_at: record.created_at,
            expires_at: record.expires_at,
        };
        serde_json::to_string(&stored).map_err(|err| Error::Serialize(err.to_string()))
    }

    async fn run<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, Error> {
        let mut connection = self.connection.clone();
        command
            .query_async(&mut connection)
            .await
            .map_err(unavailable)
    }
}

impl SessionStore for RedisStore {
    async fn create(&self, record: &Record) -> Result<(), Error> {
        let user_id = record.user_id.as_deref();
        let created: i64 = self
            .run(
                redis::cmd("EVAL")
                    .arg(CREATE)
                    .arg(2)
                    .arg(self.session_key(&record.key))
                    .arg(self.user_key(user_id.unwrap_or_default()))
                    .arg(RedisStore::encode(record)?)
                    .arg(record.expires_at)
                    .arg(user_id.map(|_| record.key.to_hex()).unwrap_or_default()),
            )
            .await?;
        match created {
            1 => Ok(()),
            _ => Err(StoreError::error(
                StoreErrorKind::Conflict,
                "duplicate session key",
            )),
        }
    }

    async fn load(&self, key: &SessionKey, now: i64) -> Result<Option<Record>, Error> {
        let stored: Option<String> = self
            .run(redis::cmd("GET").arg(self.session_key(key)))
            .await?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        let stored: Stored = serde_json::from_str(&stored)
            .map_err(|err| StoreError::error(StoreErrorKind::Corrupt, err))?;
        Ok((stored.expires_at > now).then_some(Record {
            key: *key,
            user_id: stored.user_id,
            payload: stored.payload,
            created_at: stored.created_at,
            expires_at: stored.expires_at,
        }))
    }

    async fn save(&self, record: &Record, now: i64) -> Result<bool, Error> {
        let saved: i64 = self
            .run(
                redis::cmd("EVAL")
                    .arg(SAVE)
                    .arg(1)
                    .arg(self.session_key(&record.key))
                    .arg(RedisStore::encode(record)?)
                    .arg(record.expires_at)
                    .arg(now),
            )
            .await?;
        Ok(saved == 1)
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        // A stale member left in the user's set is harmless: it names nothing, and the set
        // expires with the user's last session.
        let deleted: i64 = self
            .run(redis::cmd("DEL").arg(self.session_key(key)))
            .await?;
        Ok(deleted == 1)
    }

    async fn delete_user(&self, user_id: &str) -> Result<u64, Error> {
        let deleted: i64 = self
            .run(
                redis::cmd("EVAL")
                    .arg(DELETE_USER)
                    .arg(1)
                    .arg(self.user_key(user_id))
                    .arg(format!("{}s:", self.prefix)),
            )
            .await?;
        Ok(deleted.max(0) as u64)
    }

    /// Redis deletes sessions at their expiry by itself; this removes the ones that are
    /// expired as of `now` but not yet by Redis' clock (a skewed clock, or a `now` in the
    /// future), scanning the session keys.
    async fn purge_expired(&self, now: i64) -> Result<u64, Error> {
        let pattern = format!("{}s:*", self.prefix);
        let mut cursor: u64 = 0;
        let mut purged = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = self
                .run(
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(500),
                )
                .await?;
            if !keys.is_empty() {
                let values: Vec<Option<String>> = self.run(redis::cmd("MGET").arg(&keys)).await?;
                let expired: Vec<&String> = keys
                    .iter()
                    .zip(values)
                    .filter(|(_, value)| {
                        value
                            .as_deref()
                            .and_then(|value| serde_json::from_str::<Stored>(value).ok())
                            .is_some_and(|stored| stored.expires_at <= now)
                    })
                    .map(|(key, _)| key)
                    .collect();
                if !expired.is_empty() {
                    let deleted: i64 = self.run(redis::cmd("DEL").arg(expired)).await?;
                    purged += deleted.max(0) as u64;
                }
            }
            if next == 0 {
                return Ok(purged);
            }
            cursor = next;
        }
    }
}
