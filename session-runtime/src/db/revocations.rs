//! [`Revocations`]: "log out everywhere" for stateless sessions, as a per-user watermark
//! (Firebase's `tokensValidAfterTime`, Keycloak's not-before) that the store keeps and its
//! revocation feed pushes to every process, instead of each one polling for it.

use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use time::OffsetDateTime;

use super::feed::{Event, Feed, now_ms};
use super::{SessionStore, validate};
use crate::error::Error;
use crate::session::Session;
use crate::token::Verified;
use crate::user_id::HasUserId;

/// The watermarks of one `revocable` stateless session type `T`, kept in the store `S`.
///
/// [`revoke_user_tokens`](Revocations::revoke_user_tokens) records "this user's tokens
/// issued before now are invalid" and publishes it on the store's revocation feed;
/// [`check`](Revocations::check) refuses such a token. While the feed is live, a token
/// issued since it went live is checked against what the feed has heard, with no store
/// read; otherwise (the feed down, or a token older than its live stretch) the store's
/// watermark is read. Watermarks expire with the type's `ttl`, when every token they could
/// refuse has expired anyway, so the store and the feed's map stay bounded.
///
/// `SessionGuard::revocable` checks every request with it; behind that guard the
/// `Verified<T>` extractor gets the checked session. Without the guard, call `check`.
///
/// A token issued in the same second as the revocation, even just after it, is refused
/// too: a token's `iat` is in whole seconds.
pub struct Revocations<T, S> {
    store: S,
    feed: OnceLock<Arc<Feed>>,
    session_type: PhantomData<fn() -> T>,
}

impl<T: Session + HasUserId + Send + Sync, S: SessionStore> Revocations<T, S> {
    /// Watermarks for `T` in `store`. The feed starts on first use, on the running tokio
    /// runtime.
    pub fn new(store: S) -> Revocations<T, S> {
        Revocations {
            store,
            feed: OnceLock::new(),
            session_type: PhantomData,
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    fn namespace(&self) -> &'static str {
        T::CONFIG.cookie_name
    }

    /// How long a watermark matters: the longest a token issued before it can live.
    fn lifetime(&self) -> time::Duration {
        T::CONFIG.ttl() + T::CONFIG.leeway()
    }

    fn feed(&self) -> &Arc<Feed> {
        self.feed.get_or_init(|| {
            let feed = Arc::new(Feed::for_watermarks(self.lifetime().unsigned_abs()));
            self.store.subscribe(Arc::clone(&feed));
            feed
        })
    }

    /// Whether the feed is live now, so that recent tokens are checked without a store
    /// read.
    pub fn feed_is_live(&self) -> bool {
        self.feed().is_live()
    }

    /// Logs `user_id` out everywhere: every token of `T` issued to them before now is
    /// refused from now on, by every process sharing the store (within the feed's
    /// delivery time; at once in this process's memory and SQLite stores).
    ///
    /// The watermark is written before it is published, so a process that has not heard
    /// it reads it from the store. A failed publication is returned as an error: the
    /// watermark stands, and other processes may accept older tokens until they hear of it
    /// or their feed drops.
    pub async fn revoke_user_tokens(&self, user_id: &str) -> Result<(), Error> {
        validate::user_id(user_id)?;
        let at = now_ms();
        let expires_at =
            OffsetDateTime::now_utc().unix_timestamp() + self.lifetime().whole_seconds() + 1;
        self.store
            .set_watermark(self.namespace(), user_id, at, expires_at)
            .await?;
        let event = Event::Watermark {
            namespace: self.namespace().to_owned(),
            user_id: user_id.to_owned(),
            at,
        };
        // This handle knows at once, whatever the store's delivery time.
        self.feed().heard(&event);
        self.store.publish(&event).await
    }

    /// `Ok` unless `session` was issued before its user's watermark: then
    /// [`Error::Revoked`]. A store outage (when the store must be read) is
    /// [`Error::Store`]: an outage never passes a token it could not check.
    pub async fn check(&self, session: &Verified<T>) -> Result<(), Error> {
        if let Some(verdict) = self.heard(session) {
            return verdict;
        }
        let Some((user_id, issued_ms)) = subject(session) else {
            return Ok(());
        };
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let watermark = self
            .store
            .watermark(self.namespace(), &user_id, now)
            .await?;
        verdict(watermark, issued_ms)
    }

    /// [`check`](Self::check)'s answer from what the feed has heard, when it needs no
    /// store read; `None` when the store must be read. The guard answers most requests
    /// with it, without a future.
    pub(crate) fn heard(&self, session: &Verified<T>) -> Option<Result<(), Error>> {
        let Some((user_id, issued_ms)) = subject(session) else {
            return Some(Ok(()));
        };
        let watermark = self
            .feed()
            .watermark(self.namespace(), &user_id, issued_ms)?;
        Some(verdict(watermark, issued_ms))
    }
}

/// The token's user and issue time in Unix milliseconds; `None` for a token of nobody.
/// A token without `iat` is as old as can be.
fn subject<T: Session>(session: &Verified<T>) -> Option<(String, i64)> {
    let user_id = session.session_user_id()?;
    let issued_ms = session
        .issued_at()
        .map_or(0, |issued| issued.unix_timestamp().saturating_mul(1000));
    Some((user_id, issued_ms))
}

fn verdict(watermark: Option<i64>, issued_ms: i64) -> Result<(), Error> {
    match watermark {
        // `iat` counts whole seconds: a token from the revocation's own second is
        // refused, since it may have come before it.
        Some(at) if issued_ms <= at => Err(Error::Revoked),
        _ => Ok(()),
    }
}
