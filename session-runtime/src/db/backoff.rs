//! How `modify` waits between compare-and-swap attempts that another process won: a
//! jittered, doubling pause ("full jitter"), until a deadline. Conflicts inside one process
//! never get here, since `modify` calls on one session take turns ([`super::turns`]).

use std::time::{Duration, Instant};

/// How long `modify` keeps retrying conflicts before it answers `SessionChanged`.
pub(crate) const MODIFY_DEADLINE: Duration = Duration::from_secs(1);
/// Without the `tokio` feature there is no timer to wait on, so conflicts are retried at
/// once, this many attempts in all.
#[cfg(not(feature = "tokio"))]
const ATTEMPTS_WITHOUT_TIMER: u32 = 8;

/// The pauses of one `modify` call.
pub(crate) struct Backoff {
    deadline: Instant,
    attempts: u32,
}

impl Backoff {
    pub(crate) fn new() -> Backoff {
        Backoff {
            deadline: Instant::now() + MODIFY_DEADLINE,
            attempts: 0,
        }
    }

    /// Runs `step` (waiting for the session's turn) within what is left of the deadline:
    /// `None` once it passes, so that a call's deadline counts from the call, its place in
    /// the queue included. Without a timer, `step` runs to its end: every call ahead of it
    /// gives up after a bounded number of attempts.
    pub(crate) async fn within<F: std::future::Future>(&self, step: F) -> Option<F::Output> {
        #[cfg(feature = "tokio")]
        {
            let left = self.deadline.saturating_duration_since(Instant::now());
            tokio::time::timeout(left, step).await.ok()
        }
        #[cfg(not(feature = "tokio"))]
        {
            Some(step.await)
        }
    }

    /// Waits before the next attempt; `false` once the deadline has passed (or, without a
    /// timer, the attempts are spent), when the caller gives up.
    pub(crate) async fn pause(&mut self) -> bool {
        self.attempts += 1;
        #[cfg(feature = "tokio")]
        {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            // 4 ms on the first retry, doubling to at most 64 ms, times a random fraction, so that two
            // processes that collided once do not collide again in step.
            let cap = Duration::from_millis(2 << self.attempts.min(5));
            tokio::time::sleep(jitter(cap).min(left)).await;
            true
        }
        #[cfg(not(feature = "tokio"))]
        {
            self.attempts < ATTEMPTS_WITHOUT_TIMER && Instant::now() < self.deadline
        }
    }
}

/// A random duration in `[0, cap)`. The randomness needs no secrecy, but the operating
/// system's generator is already at hand, and a conflict is rare enough for its cost.
#[cfg(feature = "tokio")]
fn jitter(cap: Duration) -> Duration {
    let mut bytes = [0u8; 4];
    // Without randomness, half the cap still spaces the attempts out.
    let fraction = match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    };
    cap.mul_f64(fraction)
}

#[cfg(all(test, feature = "tokio"))]
mod tests {
    use super::{Duration, jitter};

    #[test]
    fn jitter_stays_below_its_cap_and_varies() {
        let cap = Duration::from_millis(64);
        let pauses: Vec<Duration> = (0..100).map(|_| jitter(cap)).collect();
        assert!(pauses.iter().all(|pause| *pause < cap));
        assert!(pauses.iter().any(|pause| *pause != pauses[0]), "random");
    }
}
