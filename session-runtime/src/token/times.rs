//! The times a token carries: those written into a new one ([`Times`]) and those read from
//! a verified one ([`Lifetime`]), with the lifetime cap's rule for renewals.

use time::OffsetDateTime;

use crate::config::SessionConfig;
use crate::error::Error;

/// The claim that carries the original sign-in time of a session type with a
/// `max_lifetime`, as OpenID Connect names it. It is reserved: no payload field may use it.
pub const AUTH_TIME: &str = "auth_time";

/// The times a verified token carries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetime {
    pub issued_at: Option<OffsetDateTime>,
    pub expires_at: OffsetDateTime,
    /// The original sign-in, when the type has a lifetime cap: `auth_time`, or `iat` for a
    /// token made before the cap was configured.
    pub authenticated_at: Option<OffsetDateTime>,
}

/// The times written into a new token, in Unix seconds.
#[derive(Clone, Copy)]
pub(crate) struct Times {
    pub iat: i64,
    pub exp: i64,
    /// The original sign-in, written as `auth_time` when the type has a `max_lifetime`.
    pub auth_time: Option<i64>,
}

impl Times {
    /// A fresh sign-in at `now`: valid for the ttl, and the start of the lifetime cap.
    pub(crate) fn signed_in(config: &SessionConfig, now: OffsetDateTime) -> Result<Times, Error> {
        let iat = now.unix_timestamp();
        let exp = iat
            .checked_add(config.ttl().whole_seconds())
            .ok_or(Error::Serialize("the expiry time is out of range".into()))?;
        Ok(Times {
            iat,
            exp,
            auth_time: config.max_lifetime().map(|_| iat),
        })
    }

    /// A renewal at `now` of a session first signed in at `auth_time`: the ttl from now,
    /// but never past `auth_time + max_lifetime`. A session already at its cap is
    /// [`Error::Expired`]: no renewal brings it back.
    pub(crate) fn renewed(
        config: &SessionConfig,
        auth_time: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<Times, Error> {
        let mut times = Times::signed_in(config, now)?;
        let (Some(max), Some(auth_time)) = (config.max_lifetime(), auth_time) else {
            return Ok(times);
        };
        let auth_time = auth_time.unix_timestamp();
        let cap = auth_time.saturating_add(max.whole_seconds());
        if cap <= times.iat {
            return Err(Error::Expired {
                expired_at: timestamp(cap),
            });
        }
        times.exp = times.exp.min(cap);
        times.auth_time = Some(auth_time);
        Ok(times)
    }
}

pub(crate) fn timestamp(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
