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
//!
//! On a Redis Cluster ([`RedisStore::connect_cluster`]) every key also carries a hash tag,
//! `{prefix}{<tag>}s:{sha256 hex}` and `{prefix}{<tag>}u:{namespace}:{user id}`, so that a
//! session and its user's index share a hash slot and every script touches one slot. The
//! tag is four hex digits: for a user's sessions, the first two bytes of
//! SHA-1(`<namespace>:<user id>`), which the session id carries (sealed in the cookie) and
//! its key begins with ([`SessionKey::tag`]); a session without a user has a random tag.
//! A change of user is a move to another slot: `SessionManager::regenerate_with`.

use std::time::Duration;

use std::sync::Arc;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::feed::{Event, Feed};
use super::feed_task::{self, BEAT};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
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
local TAGGED = ARGV[#ARGV] == 'tagged'
local function user_tag(namespace, user_id)
  return string.sub(redis.sha1hex(namespace .. ':' .. user_id), 1, 4)
end
local function user_set(prefix, stored)
  if stored['user_id'] == nil or stored['user_id'] == cjson.null then return '' end
  local tag = ''
  if TAGGED then tag = '{' .. user_tag(stored['namespace'], stored['user_id']) .. '}' end
  return prefix .. tag .. 'u:' .. stored['namespace'] .. ':' .. stored['user_id']
end
local function key_tag(key)
  return string.match(key, '{(%x%x%x%x)}')
end
local function live(key, now)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local stored = cjson.decode(raw)
  if stored['expires_at'] <= now then return nil end
  return stored
end
";

/// Every script with [`INDEX`] takes the key layout as its last argument: `tagged` on a
/// cluster, `plain` on one server.
///
/// KEYS: session. ARGV: prefix, JSON, expires_at, member, now. Returns 1 created, 0 taken,
/// 3 when the key's tag is not its user's (a cluster keeps them in one slot).
const CREATE: &str = r"
local new = cjson.decode(ARGV[2])
if TAGGED and user_set(ARGV[1], new) ~= '' and key_tag(KEYS[1]) ~= user_tag(new['namespace'], new['user_id']) then return 3 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[3])
index(user_set(ARGV[1], new), ARGV[4], tonumber(ARGV[3]), tonumber(ARGV[5]))
return 1";

/// KEYS: session. ARGV: prefix, member, now, expected version, user id ('' for none),
/// has user id (1/0), payload. Returns 1 written, 2 changed, 0 gone, 3 another user's slot;
/// then the new version.
const UPDATE: &str = r"
local now = tonumber(ARGV[3])
local stored = live(KEYS[1], now)
if not stored then return {0, 0} end
if stored['version'] ~= tonumber(ARGV[4]) then return {2, 0} end
if TAGGED and ARGV[6] == '1' and key_tag(KEYS[1]) ~= user_tag(stored['namespace'], ARGV[5]) then return {3, 0} end
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

/// KEYS: old session, new session. ARGV: prefix, old member, new member, now, expected
/// version, user id ('' for none), has user id (1/0), payload, expires_at. Writes the new
/// payload under the new key and deletes the old one, in one step, so the old key never
/// carries the new payload (`regenerate_with`, within one slot). The new key is written
/// before the old one is deleted: a script that fails halfway leaves the old key as it was.
/// Returns 1 written, 2 changed, 0 gone, -1 new key taken, 3 another user's slot; then the
/// new version.
const REPLACE: &str = r"
local now = tonumber(ARGV[4])
local stored = live(KEYS[1], now)
if not stored then return {0, 0} end
if stored['version'] ~= tonumber(ARGV[5]) then return {2, 0} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {-1, 0} end
if TAGGED and ARGV[7] == '1' and key_tag(KEYS[2]) ~= user_tag(stored['namespace'], ARGV[6]) then return {3, 0} end
local before = user_set(ARGV[1], stored)
if ARGV[7] == '1' then stored['user_id'] = ARGV[6] else stored['user_id'] = cjson.null end
stored['payload'] = ARGV[8]
stored['version'] = stored['version'] + 1
stored['expires_at'] = tonumber(ARGV[9])
redis.call('SET', KEYS[2], cjson.encode(stored), 'EXAT', stored['expires_at'])
redis.call('DEL', KEYS[1])
index(before, ARGV[2], 0, now)
index(user_set(ARGV[1], stored), ARGV[3], stored['expires_at'], now)
return {1, stored['version']}";

/// KEYS: session. ARGV: prefix, member, now. Returns 1 deleted, 0 absent.
const DELETE: &str = r"
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
redis.call('DEL', KEYS[1])
index(user_set(ARGV[1], cjson.decode(raw)), ARGV[2], 0, tonumber(ARGV[3]))
return 1";

/// KEYS: session. ARGV: prefix, member, now, expected version, layout. Takes a live session
/// out (deleted, and out of its user's index) if its version is still the expected one:
/// the first half of a move to another slot. Returns {1, its JSON}, {2} changed, {0} gone.
const TAKE_OUT: &str = r"
local now = tonumber(ARGV[3])
local stored = live(KEYS[1], now)
if not stored then return {0, false} end
if stored['version'] ~= tonumber(ARGV[4]) then return {2, false} end
redis.call('DEL', KEYS[1])
index(user_set(ARGV[1], stored), ARGV[2], 0, now)
return {1, cjson.encode(stored)}";

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

/// Sessions in Redis, on one server or a Redis Cluster: see the module docs for the layout.
///
/// The connection reconnects by itself after the server restarts (or, on a cluster, follows
/// `MOVED`/`ASK` and refreshes its slot map after a failover); while it is down, operations
/// fail fast with [`StoreErrorKind::Unavailable`]. Needs Redis 7 or later (or Valkey).
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
    connection: Connection,
    prefix: String,
    feed: FeedTarget,
}

/// Where the revocation feed subscribes: one channel per key prefix, through any node.
#[derive(Clone)]
struct FeedTarget {
    /// The nodes to subscribe through, tried in turn (never empty).
    clients: Vec<redis::Client>,
    channel: String,
}

/// How often a subscription sends its heartbeat through the server. The feed is believed
/// for three intervals after the last one arrived: the bound on a stalled subscriber.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_millis(250);

/// One server, or a cluster: the same scripts and commands go to either, and only the key
/// layout differs (hash-tagged on a cluster).
#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
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

impl Stored {
    /// The record this JSON holds, filed under `key`.
    fn into_record(self, key: SessionKey) -> Record {
        Record {
            key,
            namespace: self.namespace,
            user_id: self.user_id,
            payload: self.payload,
            created_at: self.created_at,
            expires_at: self.expires_at,
            version: self.version,
            label: self.label,
        }
    }
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
    replace: redis::Script,
    delete: redis::Script,
    take_out: redis::Script,
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
            replace: with_index(REPLACE),
            delete: with_index(DELETE),
            take_out: with_index(TAKE_OUT),
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
            connection: Connection::Single(connection),
            feed: FeedTarget {
                clients: vec![client],
                channel: format!("{prefix}feed"),
            },
            prefix: prefix.to_owned(),
        })
    }

    /// Connects to a Redis Cluster (or a Valkey cluster) through any of its nodes
    /// (`redis://host:port/`), with keys under `sessionkit:`. The client learns the slot
    /// map from them, follows `MOVED` and `ASK`, and refreshes the map when a node fails
    /// over.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), sessionkit_runtime::Error> {
    /// use sessionkit_runtime::db::RedisStore;
    ///
    /// let store = RedisStore::connect_cluster([
    ///     "redis://10.0.0.1:6379/",
    ///     "redis://10.0.0.2:6379/",
    ///     "redis://10.0.0.3:6379/",
    /// ])
    /// .await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect_cluster<N: AsRef<str>>(
        nodes: impl IntoIterator<Item = N>,
    ) -> Result<RedisStore, Error> {
        RedisStore::connect_cluster_with_prefix(nodes, "sessionkit:").await
    }

    /// [`RedisStore::connect_cluster`] with another key prefix. The prefix may not hold
    /// `{` or `}`, which would change the hash tag.
    pub async fn connect_cluster_with_prefix<N: AsRef<str>>(
        nodes: impl IntoIterator<Item = N>,
        prefix: &str,
    ) -> Result<RedisStore, Error> {
        if prefix.contains(['{', '}']) {
            return Err(Error::InvalidInput(
                "a cluster key prefix may not contain `{` or `}`",
            ));
        }
        let nodes: Vec<String> = nodes
            .into_iter()
            .map(|node| node.as_ref().to_owned())
            .collect();
        let client = ClusterClientBuilder::new(nodes.clone())
            .connection_timeout(Duration::from_secs(2))
            .response_timeout(Duration::from_secs(2))
            .retries(3)
            .min_retry_wait(50)
            .max_retry_wait(500)
            .build()
            .map_err(unavailable)?;
        let connection = client.get_async_connection().await.map_err(unavailable)?;
        let clients = nodes
            .iter()
            .map(|node| redis::Client::open(node.as_str()))
            .collect::<Result<_, _>>()
            .map_err(unavailable)?;
        Ok(RedisStore {
            connection: Connection::Cluster(connection),
            feed: FeedTarget {
                clients,
                channel: format!("{prefix}feed"),
            },
            prefix: prefix.to_owned(),
        })
    }

    /// Whether keys carry hash tags (on a cluster).
    fn tagged(&self) -> bool {
        matches!(self.connection, Connection::Cluster(_))
    }

    /// The last argument of every script with the shared functions: the key layout.
    fn layout(&self) -> &'static str {
        match self.tagged() {
            true => "tagged",
            false => "plain",
        }
    }

    /// How many members a user's index holds: their live sessions, plus any that expired
    /// since the set was last written. For monitoring, and for tests of the index.
    pub async fn user_index_len(&self, namespace: &str, user_id: &str) -> Result<u64, Error> {
        self.run(redis::cmd("ZCARD").arg(self.user_key(namespace, user_id)))
            .await
    }

    /// `{prefix}{<tag>}` on a cluster, else the prefix: what every key of this tag starts
    /// with.
    fn slot_prefix(&self, tag: [u8; 2]) -> String {
        match self.tagged() {
            true => format!("{}{{{:04x}}}", self.prefix, u16::from_be_bytes(tag)),
            false => self.prefix.clone(),
        }
    }

    /// A user's stateless-token watermark: `{prefix}wm:{namespace}:{user id}`. Cookie names
    /// hold no `:`, so the namespace ends where the user id begins.
    fn watermark_key(&self, namespace: &str, user_id: &str) -> String {
        format!("{}wm:{namespace}:{user_id}", self.prefix)
    }

    fn session_key(&self, key: &SessionKey) -> String {
        format!("{}s:{}", self.slot_prefix(key.tag()), key.to_hex())
    }

    fn user_key(&self, namespace: &str, user_id: &str) -> String {
        format!(
            "{}u:{namespace}:{user_id}",
            self.slot_prefix(super::id::user_tag(namespace, user_id))
        )
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
        match &self.connection {
            Connection::Single(connection) => command.query_async(&mut connection.clone()).await,
            Connection::Cluster(connection) => command.query_async(&mut connection.clone()).await,
        }
        .map_err(unavailable)
    }

    async fn invoke<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        match &self.connection {
            Connection::Single(connection) => {
                invocation.invoke_async(&mut connection.clone()).await
            }
            Connection::Cluster(connection) => {
                invocation.invoke_async(&mut connection.clone()).await
            }
        }
        .map_err(unavailable)
    }

    /// Moves a session to another slot (a new user's): taken out of the old one if its
    /// version is as expected, then written into the new one, each by one atomic script.
    #[allow(clippy::too_many_arguments)]
    async fn move_to_slot(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<Updated, Error> {
        let taken: (i64, Option<String>) = self
            .invoke(
                scripts()
                    .take_out
                    .key(self.session_key(old))
                    .arg(&self.prefix)
                    .arg(old.to_hex())
                    .arg(now)
                    .arg(expected_version)
                    .arg(self.layout()),
            )
            .await?;
        let stored = match taken {
            (1, Some(stored)) => stored,
            (2, _) => return Ok(Updated::Changed),
            _ => return Ok(Updated::Gone),
        };
        let stored: Stored = serde_json::from_str(&stored).map_err(corrupt)?;
        let version = stored.version + 1;
        let record = Record {
            user_id: user_id.map(str::to_owned),
            payload: payload.to_owned(),
            expires_at,
            version,
            ..stored.into_record(*new)
        };
        // Out of the old slot and not yet in the new one: a failure here leaves the user
        // signed out, never signed in twice.
        self.create(&record).await?;
        Ok(Updated::Done(record.version))
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
                    .arg(time::OffsetDateTime::now_utc().unix_timestamp())
                    .arg(self.layout()),
            )
            .await?;
        match created {
            1 => Ok(()),
            3 => Err(StoreError::error(
                StoreErrorKind::Rejected,
                "the session key's tag is not its user's: a cluster keeps them in one slot",
            )),
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
        Ok((stored.expires_at > now).then(|| stored.into_record(*key)))
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
                    .arg(payload)
                    .arg(self.layout()),
            )
            .await?;
        Ok(match outcome {
            1 => Updated::Done(version),
            2 => Updated::Changed,
            3 => return Err(Error::UserChanged),
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
                    .arg(now)
                    .arg(self.layout()),
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
        if self.tagged() && old.tag() != new.tag() {
            return Err(StoreError::error(
                StoreErrorKind::Rejected,
                "a session moves within its slot: the new key needs the old key's tag",
            ));
        }
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
                    .arg(now)
                    .arg(self.layout()),
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
                    .arg(time::OffsetDateTime::now_utc().unix_timestamp())
                    .arg(self.layout()),
            )
            .await?;
        Ok(deleted == 1)
    }

    /// On one server, or within one slot: one script (`REPLACE`). Across slots on a
    /// cluster (another user's): taken out of the old slot, then written into the new one,
    /// so that here too the old key never carries the new payload.
    async fn replace(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        expected_version: u64,
        user_id: Option<&str>,
        payload: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<Updated, Error> {
        if self.tagged() && old.tag() != new.tag() {
            return self
                .move_to_slot(
                    old,
                    new,
                    expected_version,
                    user_id,
                    payload,
                    expires_at,
                    now,
                )
                .await;
        }
        let (outcome, version): (i64, u64) = self
            .invoke(
                scripts()
                    .replace
                    .key(self.session_key(old))
                    .key(self.session_key(new))
                    .arg(&self.prefix)
                    .arg(old.to_hex())
                    .arg(new.to_hex())
                    .arg(now)
                    .arg(expected_version)
                    .arg(user_id.unwrap_or_default())
                    .arg(u8::from(user_id.is_some()))
                    .arg(payload)
                    .arg(expires_at)
                    .arg(self.layout()),
            )
            .await?;
        match outcome {
            1 => Ok(Updated::Done(version)),
            2 => Ok(Updated::Changed),
            -1 => Err(StoreError::error(
                StoreErrorKind::Conflict,
                "duplicate session key",
            )),
            3 => Err(StoreError::error(
                StoreErrorKind::Rejected,
                "the new session key's tag is not its user's: a cluster keeps them in one slot",
            )),
            _ => Ok(Updated::Gone),
        }
    }

    /// Deletes in batches of 500 sessions, one short script each, until the user's set is
    /// empty, so that a user with 100,000 sessions does not stall Redis. A session created
    /// during the run is filed in the set and deleted by a later batch.
    async fn delete_user(&self, namespace: &str, user_id: &str) -> Result<u64, Error> {
        let set = self.user_key(namespace, user_id);
        let sessions = format!(
            "{}s:",
            self.slot_prefix(super::id::user_tag(namespace, user_id))
        );
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
        // Every member is in the user's slot: one slot for every MGET.
        let sessions = self.slot_prefix(super::id::user_tag(namespace, user_id));
        for chunk in members.chunks(REVOKE_BATCH) {
            let keys: Vec<String> = chunk
                .iter()
                .map(|member| format!("{sessions}s:{member}"))
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
    ///
    /// On a cluster this does nothing and returns 0: scanning every node's keyspace is what
    /// a cluster deployment must not do, and there is nothing to reclaim, since Redis
    /// deletes each session key at its expiry (`SET ... EXAT`) and each user's index
    /// trims itself on every write and expires with its last member.
    async fn purge_expired(&self, namespace: &str, now: i64) -> Result<u64, Error> {
        if self.tagged() {
            return Ok(0);
        }
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

    async fn publish(&self, event: &Event) -> Result<(), Error> {
        self.run::<i64>(
            redis::cmd("PUBLISH")
                .arg(&self.feed.channel)
                .arg(event.encode()),
        )
        .await
        .map(drop)
    }

    async fn set_watermark(
        &self,
        namespace: &str,
        user_id: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        static SCRIPT: std::sync::OnceLock<redis::Script> = std::sync::OnceLock::new();
        // The later watermark wins, and the key lives as long as the later expiry.
        let script = SCRIPT.get_or_init(|| {
            redis::Script::new(
                "local current = tonumber(redis.call('GET', KEYS[1]) or '0') \
                 if tonumber(ARGV[1]) > current then \
                   redis.call('SET', KEYS[1], ARGV[1], 'EXAT', ARGV[2]) \
                 else redis.call('EXPIREAT', KEYS[1], ARGV[2], 'GT') end \
                 return 1",
            )
        });
        let _: i64 = self
            .invoke(
                script
                    .key(self.watermark_key(namespace, user_id))
                    .arg(at)
                    .arg(expires_at),
            )
            .await?;
        Ok(())
    }

    async fn watermark(
        &self,
        namespace: &str,
        user_id: &str,
        _now: i64,
    ) -> Result<Option<i64>, Error> {
        // The key expires with the watermark: Redis does the `now` comparison.
        self.run(redis::cmd("GET").arg(self.watermark_key(namespace, user_id)))
            .await
    }

    fn subscribe(&self, feed: Arc<Feed>) {
        let publisher = self.clone();
        let beat = move || -> BoxFuture<'static, ()> {
            let store = publisher.clone();
            Box::pin(async move {
                // A lost heartbeat is what the feed's liveness is for: nothing to report.
                let command = redis::cmd("PUBLISH")
                    .arg(&store.feed.channel)
                    .arg(BEAT)
                    .to_owned();
                let _ = store.run::<i64>(&command).await;
            })
        };
        let target = self.feed.clone();
        let mut attempt = 0usize;
        let connect = move || {
            // Through each node in turn: on a cluster, any node hears every `PUBLISH`.
            let client = target.clients[attempt % target.clients.len()].clone();
            attempt += 1;
            let channel = target.channel.clone();
            async move {
                let mut pubsub = client.get_async_pubsub().await.ok()?;
                pubsub.subscribe(&channel).await.ok()?;
                let messages = pubsub
                    .into_on_message()
                    .filter_map(|message| std::future::ready(message.get_payload::<String>().ok()));
                Some(messages.boxed())
            }
        };
        feed_task::spawn(&feed, HEARTBEAT, connect, beat);
    }
}
