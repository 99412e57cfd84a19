//! [`RedisStore`]: database sessions in Redis, for deployments on several servers.
//!
//! Each session is a string key `{prefix}s:{sha256 hex}` holding JSON, which Redis itself
//! expires with the session. Each user of each namespace has a sorted set
//! `{prefix}u:{namespace}:{user id}` of their sessions' keys, scored by expiry: every
//! script that writes a session keeps the set exact (a renewal moves the score, a changed
//! user id moves the member, a delete removes it), trims the members that have expired,
//! and sets the set to expire with its latest member. So "log out everywhere" finds every
//! live session however often it was renewed, and the set never grows past the user's
//! live sessions. (A namespace is a cookie name, which cannot contain `:`.)

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};

use super::{Record, SessionInfo, SessionKey, SessionStore, StoreError, StoreErrorKind, Updated};
use crate::error::Error;

/// Shared by the scripts below: `index(set, member, score, now)` files a member under its
/// score (0 removes it), drops members that expired by `now`, and makes the set expire
/// with its latest member.
const INDEX: &str = r"
local function index(set, member, score, now)
  if set == '' then return end
  if score > 0 then
    redis.call('ZADD', set, score, member)
  else
    redis.call('ZREM', set, member)
  end
  redis.call('ZREMRANGEBYSCORE', set, '-inf', now)
  local top = redis.call('ZRANGE', set, -1, -1, 'WITHSCORES')
  if top[2] then redis.call('EXPIREAT', set, top[2]) end
end
local function user_set(prefix, stored)
  if stored['user_id'] == nil or stored['user_id'] == cjson.null then return '' end
  return prefix .. 'u:' .. stored['namespace'] .. ':' .. stored['user_id']
end
local function live(key, now)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local stored = cjson.decode(raw)
  if stored['expires_at'] <= now then return nil end
  return stored
end
";

/// KEYS: session. ARGV: prefix, JSON, expires_at, member, now.
const CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[3])
index(user_set(ARGV[1], cjson.decode(ARGV[2])), ARGV[4], tonumber(ARGV[3]), tonumber(ARGV[5]))
return 1";

/// KEYS: session. ARGV: prefix, member, now, expected version, user id ('' for none),
/// has user id (1/0), payload. Returns 1 written, 2 changed, 0 gone; then the new version.
const UPDATE: &str = r"
local now = tonumber(ARGV[3])
local stored = live(KEYS[1], now)
if not stored then return {0, 0} end
if stored['version'] ~= tonumber(ARGV[4]) then return {2, 0} end
local before = user_set(ARGV[1], stored)
if ARGV[6] == '1' then stored['user_id'] = ARGV[5] else stored['user_id'] = cjson.null end
stored['payload'] = ARGV[7]
stored['version'] = stored['version'] + 1
local after = user_set(ARGV[1], stored)
redis.call('SET', KEYS[1], cjson.encode(stored), 'EXAT', stored['expires_at'])
if before ~= after then
  index(before, ARGV[2], 0, now)
  index(after, ARGV[2], stored['expires_at'], now)
end
return {1, stored['version']}";

/// KEYS: session. ARGV: prefix, member, expires_at, now. Returns the expiry, or 0.
const EXTEND: &str = r"
local now = tonumber(ARGV[4])
local stored = live(KEYS[1], now)
if not stored then return 0 end
local wanted = tonumber(ARGV[3])
if wanted > stored['expires_at'] then
  stored['expires_at'] = wanted
  redis.call('SET', KEYS[1], cjson.encode(stored), 'EXAT', wanted)
end
index(user_set(ARGV[1], stored), ARGV[2], stored['expires_at'], now)
return stored['expires_at']";

/// KEYS: old session, new session. ARGV: prefix, old member, new member, expires_at, now.
/// Returns 1 moved, 0 gone, -1 new key taken.
const ROTATE: &str = r"
local now = tonumber(ARGV[5])
local stored = live(KEYS[1], now)
if not stored then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
stored['expires_at'] = tonumber(ARGV[4])
redis.call('SET', KEYS[2], cjson.encode(stored), 'EXAT', stored['expires_at'])
redis.call('DEL', KEYS[1])
local set = user_set(ARGV[1], stored)
index(set, ARGV[2], 0, now)
index(set, ARGV[3], stored['expires_at'], now)
return 1";

/// KEYS: session. ARGV: prefix, member, now. Returns 1 deleted, 0 absent.
const DELETE: &str = r"
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
redis.call('DEL', KEYS[1])
index(user_set(ARGV[1], cjson.decode(raw)), ARGV[2], 0, tonumber(ARGV[3]))
return 1";

/// KEYS: user set. ARGV: session key prefix, batch size. Deletes up to one batch of the
/// user's sessions and their members; returns how many sessions it deleted and how many
/// members remain. Small batches keep each call short, so Redis never stalls.
const DELETE_USER_BATCH: &str = r"
local members = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local deleted = 0
for _, member in ipairs(members) do
  deleted = deleted + redis.call('DEL', ARGV[1] .. member)
end
if #members > 0 then redis.call('ZREM', KEYS[1], unpack(members)) end
return {deleted, redis.call('ZCARD', KEYS[1])}";

/// How many sessions one `revoke_user` call deletes at a time.
const REVOKE_BATCH: usize = 500;

/// Sessions in Redis: see the module docs for the layout.
///
/// The connection reconnects by itself after the server restarts; while it is down,
/// operations fail fast with [`StoreErrorKind::Unavailable`]. Needs Redis 7 or later.
///
/// ```no_run
/// # async fn example() -> Result<(), sessionkit_runtime::Error> {
/// use sessionkit_runtime::db::RedisStore;
///
/// let store = RedisStore::connect("redis://127.0.0.1:6379/").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    namespace: String,
    user_id: Option<String>,
    payload: String,
    created_at: i64,
    expires_at: i64,
    version: u64,
    label: Option<String>,
}

fn unavailable(err: redis::RedisError) -> Error {
    StoreError::error(StoreErrorKind::Unavailable, err)
}

fn corrupt(err: serde_json::Error) -> Error {
    StoreError::error(StoreErrorKind::Corrupt, crate::redact::message(&err))
}

/// The scripts, each with the shared functions in front, loaded once per process.
struct Scripts {
    create: redis::Script,
    update: redis::Script,
    extend: redis::Script,
    rotate: redis::Script,
    delete: redis::Script,
    delete_user_batch: redis::Script,
}

fn scripts() -> &'static Scripts {
    static SCRIPTS: std::sync::OnceLock<Scripts> = std::sync::OnceLock::new();
    SCRIPTS.get_or_init(|| {
        let with_index = |body: &str| redis::Script::new(&format!("{INDEX}\n{body}"));
        Scripts {
            create: with_index(CREATE),
            update: with_index(UPDATE),
            extend: with_index(EXTEND),
            rotate: with_index(ROTATE),
            delete: with_index(DELETE),
            delete_user_batch: redis::Script::new(DELETE_USER_BATCH),
        }
    })
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

    /// How many members a user's index holds: their live sessions, plus any that expired
    /// since the set was last written. For monitoring, and for tests of the index.
    pub async fn user_index_len(&self, namespace: &str, user_id: &str) -> Result<u64, Error> {
        self.run(redis::cmd("ZCARD").arg(self.user_key(namespace, user_id)))
            .await
    }

    fn session_key(&self, key: &SessionKey) -> String {
        format!("{}s:{}", self.prefix, key.to_hex())
    }

    fn user_key(&self, namespace: &str, user_id: &str) -> String {
        format!("{}u:{namespace}:{user_id}", self.prefix)
    }

    fn encode(record: &Record) -> Result<String, Error> {
        let stored = Stored {
            namespace: record.namespace.clone(),
            user_id: record.user_id.clone(),
            payload: record.payload.clone(),
            created_at: record.created_at,
            expires_at: record.expires_at,
            version: record.version,
            label: record.label.clone(),
        };
        serde_json::to_string(&stored)
            .map_err(|err| Error::Serialize(crate::redact::serialize_message(&err)))
    }

    async fn run<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, Error> {
        let mut connection = self.connection.clone();
        command
            .query_async(&mut connection)
            .await
            .map_err(unavailable)
    }

    async fn invoke<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        let mut connection = self.connection.clone();
        invocation
            .invoke_async(&mut connection)
            .await
            .map_err(unavailable)
    }
}

impl SessionStore for RedisStore {
    async fn create(&self, record: &Record) -> Result<(), Error> {
        let created: i64 = self
            .invoke(
                scripts()
                    .create
                    .key(self.session_key(&record.key))
                    .arg(&self.prefix)
                    .arg(RedisStore::encode(record)?)
                    .arg(record.expires_at)
                    .arg(record.key.to_hex())
                    .arg(time::OffsetDateTime::now_utc().unix_timestamp()),
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
        let stored: Stored = serde_json::from_str(&stored).map_err(corrupt)?;
        Ok((stored.expires_at > now).then_some(Record {
            key: *key,
            namespace: stored.namespace,
            user_id: stored.user_id,
            payload: stored.payload,
            created_at: stored.created_at,
            expires_at: stored.expires_at,
            version: stored.version,
            label: stored.label,
        }))
    }

    async fn update(
        &self,
        key: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        now: i64,
    ) -> Result<Updated, Error> {
        let (outcome, version): (i64, u64) = self
            .invoke(
                scripts()
                    .update
                    .key(self.session_key(key))
                    .arg(&self.prefix)
                    .arg(key.to_hex())
                    .arg(now)
                    .arg(expected_version)
                    .arg(user_id.unwrap_or_default())
                    .arg(u8::from(user_id.is_some()))
                    .arg(payload),
            )
            .await?;
        Ok(match outcome {
            1 => Updated::Done(version),
            2 => Updated::Changed,
            _ => Updated::Gone,
        })
    }

    async fn extend(
        &self,
        key: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> Result<Option<i64>, Error> {
        let extended: i64 = self
            .invoke(
                scripts()
                    .extend
                    .key(self.session_key(key))
                    .arg(&self.prefix)
                    .arg(key.to_hex())
                    .arg(expires_at)
                    .arg(now),
            )
            .await?;
        Ok((extended > 0).then_some(extended))
    }

    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, Error> {
        let moved: i64 = self
            .invoke(
                scripts()
                    .rotate
                    .key(self.session_key(old))
                    .key(self.session_key(new))
                    .arg(&self.prefix)
                    .arg(old.to_hex())
                    .arg(new.to_hex())
                    .arg(expires_at)
                    .arg(now),
            )
            .await?;
        match moved {
            -1 => Err(StoreError::error(
                StoreErrorKind::Conflict,
                "duplicate session key",
            )),
            moved => Ok(moved == 1),
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        let deleted: i64 = self
            .invoke(
                scripts()
                    .delete
                    .key(self.session_key(key))
                    .arg(&self.prefix)
                    .arg(key.to_hex())
                    .arg(time::OffsetDateTime::now_utc().unix_timestamp()),
            )
            .await?;
        Ok(deleted == 1)
    }

    /// Deletes in batches of 500 sessions, one short script each, until the user's set is
    /// empty, so that a user with 100,000 sessions does not stall Redis. A session created
    /// during the run is filed in the set and deleted by a later batch.
    async fn delete_user(&self, namespace: &str, user_id: &str) -> Result<u64, Error> {
        let set = self.user_key(namespace, user_id);
        let sessions = format!("{}s:", self.prefix);
        let mut total = 0;
        loop {
            let (deleted, remaining): (u64, u64) = self
                .invoke(
                    scripts()
                        .delete_user_batch
                        .key(&set)
                        .arg(&sessions)
                        .arg(REVOKE_BATCH),
                )
                .await?;
            total += deleted;
            if remaining == 0 {
                return Ok(total);
            }
        }
    }

    async fn list_user(
        &self,
        namespace: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Vec<SessionInfo>, Error> {
        let members: Vec<String> = self
            .run(
                redis::cmd("ZRANGE")
                    .arg(self.user_key(namespace, user_id))
                    .arg(format!("({now}"))
                    .arg("+inf")
                    .arg("BYSCORE"),
            )
            .await?;
        let mut found = Vec::with_capacity(members.len());
        for chunk in members.chunks(REVOKE_BATCH) {
            let keys: Vec<String> = chunk
                .iter()
                .map(|member| format!("{}s:{member}", self.prefix))
                .collect();
            let values: Vec<Option<String>> = self.run(redis::cmd("MGET").arg(&keys)).await?;
            for (member, value) in chunk.iter().zip(values) {
                let Some(value) = value else { continue };
                let stored: Stored = serde_json::from_str(&value).map_err(corrupt)?;
                let Some(key) = SessionKey::from_hex(member) else {
                    continue;
                };
                let mine = stored.namespace == namespace
                    && stored.user_id.as_deref() == Some(user_id)
                    && stored.expires_at > now;
                if mine {
                    found.push(SessionInfo::from_unix(
                        key,
                        stored.created_at,
                        stored.expires_at,
                        stored.label,
                    ));
                }
            }
        }
        found.sort_by_key(|info| (info.created_at, *info.key.as_bytes()));
        Ok(found)
    }

    /// Redis deletes sessions at their expiry by itself; this removes the ones of
    /// `namespace` that are expired as of `now` but not yet by Redis' clock (a skewed
    /// clock, or a `now` in the future), scanning the session keys. It is safe to run on
    /// an interval, as with every store.
    async fn purge_expired(&self, namespace: &str, now: i64) -> Result<u64, Error> {
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
                for (key, value) in keys.iter().zip(values) {
                    let expired = value
                        .as_deref()
                        .and_then(|value| serde_json::from_str::<Stored>(value).ok())
                        .is_some_and(|stored| {
                            stored.namespace == namespace && stored.expires_at <= now
                        });
                    let member = key.rsplit(':').next().and_then(SessionKey::from_hex);
                    if let (true, Some(member)) = (expired, member) {
                        purged += u64::from(self.delete(&member).await?);
                    }
                }
            }
            if next == 0 {
                return Ok(purged);
            }
            cursor = next;
        }
    }
}
