//! The task that keeps a server store's revocation feed going: subscribe, hear events and
//! heartbeats, send a heartbeat every interval, and start over when the subscription
//! breaks. One loop for Redis, PostgreSQL and SQLite; each brings only how to subscribe
//! and how to send.

use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use tokio::time::Instant;

use super::feed::{Event, Feed, Liveness};

/// What a heartbeat carries: not an [`Event`]'s wire form.
pub(crate) const BEAT: &str = "b";

/// Starts `drive` on the current tokio runtime. Without one the feed stays not live, and
/// nothing is served from a cache.
pub(crate) fn spawn<C, F>(
    feed: &Arc<Feed>,
    interval: Duration,
    connect: C,
    beat: impl Fn() -> BoxFuture<'static, ()> + Send + 'static,
) where
    C: FnMut() -> F + Send + 'static,
    F: Future<Output = Option<BoxStream<'static, String>>> + Send + 'static,
{
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!(
            "no tokio runtime: the revocation feed did not start, so cached copies are \
             never served"
        );
        return;
    };
    runtime.spawn(drive(Arc::downgrade(feed), interval, connect, beat));
}

/// Runs until the feed is dropped (its manager is gone). `connect` yields the
/// subscription's messages, and ends the stream when the subscription breaks.
async fn drive<C, F>(
    feed: Weak<Feed>,
    interval: Duration,
    mut connect: C,
    beat: impl Fn() -> BoxFuture<'static, ()>,
) where
    C: FnMut() -> F,
    F: Future<Output = Option<BoxStream<'static, String>>>,
{
    loop {
        if let Some(mut messages) = connect().await {
            match feed.upgrade() {
                Some(feed) => feed.connected(Liveness::Heartbeat { interval }),
                None => return,
            }
            let mut next_beat = Instant::now();
            loop {
                match tokio::time::timeout_at(next_beat, messages.next()).await {
                    Ok(Some(text)) => {
                        let Some(feed) = feed.upgrade() else { return };
                        match text.as_str() {
                            BEAT => feed.beat(),
                            text => {
                                if let Some(event) = Event::decode(text) {
                                    feed.heard(&event);
                                }
                            }
                        }
                    }
                    // The subscription broke (killed, or the server went away).
                    Ok(None) => break,
                    Err(_) => {
                        if feed.strong_count() == 0 {
                            return;
                        }
                        beat().await;
                        next_beat = Instant::now() + interval;
                    }
                }
            }
        }
        match feed.upgrade() {
            Some(feed) => feed.lost(),
            None => return,
        }
        tokio::time::sleep(interval).await;
    }
}
