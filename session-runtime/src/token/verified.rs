//! [`Verified`]: a session payload that passed every check.

use std::fmt;
use std::ops::Deref;

use time::OffsetDateTime;

use super::payload::Unread;
use super::times::Lifetime;

/// A session payload whose token was verified: algorithm, key, integrity and expiry.
///
/// It derefs to the payload. The only way to get one is from a token that checked out, so
/// a function that takes `&Verified<UserSession>` cannot be handed an unchecked session.
pub struct Verified<T> {
    value: T,
    lifetime: Lifetime,
    key_index: usize,
    /// The token's members that `T` did not read, written back by a renewal.
    unread: Unread,
}

impl<T> Verified<T> {
    pub(crate) fn new(value: T, lifetime: Lifetime, key_index: usize) -> Self {
        Verified {
            value,
            lifetime,
            key_index,
            unread: Unread::default(),
        }
    }

    pub(crate) fn with_unread(mut self, unread: Unread) -> Self {
        self.unread = unread;
        self
    }

    /// The token's members that `T` did not read.
    pub(crate) fn unread(&self) -> &Unread {
        &self.unread
    }

    /// The token's `iat`, when it has one: sessionkit always writes it, but RFC 7519 and
    /// jose make it optional.
    pub fn issued_at(&self) -> Option<OffsetDateTime> {
        self.lifetime.issued_at
    }

    /// When the user originally signed in, for a session type with a `max_lifetime`: the
    /// token's `auth_time` claim (or its `iat`, for a token made before the cap was set).
    /// `None` without a cap. Renewals never take the session past this plus `max_lifetime`.
    pub fn authenticated_at(&self) -> Option<OffsetDateTime> {
        self.lifetime.authenticated_at
    }

    /// The token's `exp`.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.lifetime.expires_at
    }

    /// True when a fallback key, not the primary, verified the token. Re-issue the session
    /// (see `Session::refresh`) so that the old key can be retired.
    pub fn used_fallback_key(&self) -> bool {
        self.key_index > 0
    }

    /// The payload, no longer marked as verified.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for Verified<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// The payload is personal data and is left out, so that a `{:?}` in a log line cannot
/// leak it; `format!("{:?}", *session)` shows it when that is what you mean.
impl<T> fmt::Debug for Verified<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("value", &format_args!("<redacted>"))
            .field("issued_at", &self.lifetime.issued_at)
            .field("expires_at", &self.lifetime.expires_at)
            .field("authenticated_at", &self.lifetime.authenticated_at)
            .field("used_fallback_key", &self.used_fallback_key())
            .finish()
    }
}

impl<T: Clone> Clone for Verified<T> {
    fn clone(&self) -> Self {
        Verified {
            value: self.value.clone(),
            lifetime: self.lifetime,
            key_index: self.key_index,
            unread: self.unread.clone(),
        }
    }
}
