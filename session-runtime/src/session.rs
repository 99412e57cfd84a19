//! The [`Session`] trait: everything a session type can do, given its [`SessionConfig`].

use cookie::Cookie;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::config::SessionConfig;
use crate::cookies::{Carried, removal_cookie};
use crate::error::Error;
use crate::keys::{Keys, Purpose};
use crate::token::Verified;
use crate::token::{self, Times};

/// A typed session: a serde payload sealed into a cookie.
///
/// Derive it with `#[derive(Session)]` and `#[session(...)]`; the derive supplies only
/// [`Session::CONFIG`], checked at compile time, and every method below is provided. The
/// `_at` variants take the current time, for tests and for callers with their own clock;
/// the others use the system clock.
pub trait Session: Serialize + DeserializeOwned {
    /// The cookie and token policy from `#[session(...)]`.
    const CONFIG: SessionConfig;

    /// The user this session belongs to: the field marked `#[session(user_id)]`, as text.
    /// Database stores index it, so that all of a user's sessions can be revoked at once.
    fn session_user_id(&self) -> Option<String> {
        None
    }

    /// The token for this session, valid for the ttl from now.
    fn encrypt(&self, keys: &Keys) -> Result<String, Error> {
        self.encrypt_at(keys, OffsetDateTime::now_utc())
    }

    /// The token, with `iat = now` and `exp = now + ttl`.
    fn encrypt_at(&self, keys: &Keys, now: OffsetDateTime) -> Result<String, Error> {
        let times = Times::signed_in(&Self::CONFIG, now)?;
        token::seal(&Self::CONFIG, Purpose::Session, keys, self, times)
    }

    /// Verifies a token and returns its payload.
    fn decrypt(token: &str, keys: &Keys) -> Result<Verified<Self>, Error> {
        Self::decrypt_at(token, keys, OffsetDateTime::now_utc())
    }

    /// Verifies a token as of `now`: algorithm, key, integrity, `exp`, `nbf`, `iss` and
    /// `aud`, then deserializes the payload.
    fn decrypt_at(token: &str, keys: &Keys, now: OffsetDateTime) -> Result<Verified<Self>, Error> {
        token::open(&Self::CONFIG, Purpose::Session, keys, token, now)
    }

    /// The `Set-Cookie` cookie for this session, valid for the ttl from now.
    fn cookie(&self, keys: &Keys) -> Result<Cookie<'static>, Error> {
        self.cookie_at(keys, OffsetDateTime::now_utc())
    }

    /// The `Set-Cookie` cookie with every configured attribute, `Expires` at the token's
    /// `exp` and `Max-Age` the ttl.
    fn cookie_at(&self, keys: &Keys, now: OffsetDateTime) -> Result<Cookie<'static>, Error> {
        let times = Times::signed_in(&Self::CONFIG, now)?;
        token::seal_cookie(&Self::CONFIG, Purpose::Session, keys, self, times)
    }

    /// Every `Set-Cookie` cookie of this session: one cookie, or for a `chunked` type whose
    /// token passes the format's chunk size (3936 characters; 3933 for NextAuth.js v4),
    /// its chunks `<cookie>.0`, `<cookie>.1`, ... and the removal of the whole cookie. Without
    /// `chunked`, a token too large for one cookie is [`Error::TooLarge`].
    ///
    /// A request may still carry chunks of an older, larger session; use
    /// [`Session::cookies_replacing`] (or the route guard, which does it for any response
    /// that sets the session) to remove them as well.
    fn cookies(&self, keys: &Keys) -> Result<Vec<Cookie<'static>>, Error> {
        self.cookies_at(keys, OffsetDateTime::now_utc())
    }

    /// [`Session::cookies`] as of `now`.
    fn cookies_at(&self, keys: &Keys, now: OffsetDateTime) -> Result<Vec<Cookie<'static>>, Error> {
        let times = Times::signed_in(&Self::CONFIG, now)?;
        token::seal_cookies(
            &Self::CONFIG,
            Purpose::Session,
            keys,
            self,
            times,
            &Carried::none(),
        )
    }

    /// [`Session::cookies`], plus the removal of every session cookie (chunk or whole) that
    /// the request's `Cookie:` header carried and the new cookies do not replace: a session
    /// that shrinks leaves no chunk behind to be joined to it.
    fn cookies_replacing(
        &self,
        keys: &Keys,
        request_cookie_header: &str,
    ) -> Result<Vec<Cookie<'static>>, Error> {
        let times = Times::signed_in(&Self::CONFIG, OffsetDateTime::now_utc())?;
        let carried = Carried::of(request_cookie_header, &Self::CONFIG);
        token::seal_cookies(&Self::CONFIG, Purpose::Session, keys, self, times, &carried)
    }

    /// [`Session::refresh`] as every `Set-Cookie` cookie: chunks for a large token of a
    /// `chunked` type, and the removal of what the request carried and they do not replace.
    fn refresh_cookies_at(
        session: &Verified<Self>,
        keys: &Keys,
        request_cookie_header: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<Cookie<'static>>, Error> {
        let times = Times::renewed(&Self::CONFIG, session.authenticated_at(), now)?;
        let carried = Carried::of(request_cookie_header, &Self::CONFIG);
        token::renew_cookies(&Self::CONFIG, keys, session, times, &carried)
    }

    /// The cookies that log out: the session cookie's removal, and for every chunk the
    /// request's `Cookie:` header carried, that chunk's.
    fn removal_cookies(request_cookie_header: &str) -> Vec<Cookie<'static>> {
        let carried = Carried::of(request_cookie_header, &Self::CONFIG);
        crate::cookies::removal_cookies(&Self::CONFIG, &carried)
    }

    /// Finds the session cookie in a `Cookie:` request header and verifies it. See
    /// [`crate::find_session_cookie`] for how missing, duplicate, quoted and oversized cookies
    /// are treated. For a `chunked` type with no whole cookie, the chunks `<cookie>.0`,
    /// `<cookie>.1`, ... are joined in index order; a gap or a repeated index is refused.
    fn from_cookie_header(header: &str, keys: &Keys) -> Result<Verified<Self>, Error> {
        Self::from_cookie_header_at(header, keys, OffsetDateTime::now_utc())
    }

    /// [`Session::from_cookie_header`] as of `now`.
    fn from_cookie_header_at(
        header: &str,
        keys: &Keys,
        now: OffsetDateTime,
    ) -> Result<Verified<Self>, Error> {
        token::open_cookie(&Self::CONFIG, Purpose::Session, keys, header, now)
    }

    /// Re-issues a verified session with a new `exp`, under the primary key.
    ///
    /// Every claim the token carried that `Self` did not read (what another app's `jwt`
    /// callback added, say) is written back with the same JSON value; only `iat` and `exp`
    /// are new (and `jti`, for the Auth.js formats, as Auth.js's own `encode` does).
    ///
    /// Unlike the Next.js guide's `updateSession`, which only pushes the cookie's expiry
    /// out while the token inside keeps its old `exp`, this seals a new token. With a
    /// `max_lifetime`, the original sign-in time is carried over and the new `exp` never
    /// passes it plus `max_lifetime`; a session already at its cap gets
    /// [`Error::Expired`], so a stolen cookie that keeps being used still ends.
    fn refresh(session: &Verified<Self>, keys: &Keys) -> Result<Cookie<'static>, Error> {
        Self::refresh_at(session, keys, OffsetDateTime::now_utc())
    }

    /// [`Session::refresh`] as of `now`.
    fn refresh_at(
        session: &Verified<Self>,
        keys: &Keys,
        now: OffsetDateTime,
    ) -> Result<Cookie<'static>, Error> {
        let times = Times::renewed(&Self::CONFIG, session.authenticated_at(), now)?;
        token::renew_cookie(&Self::CONFIG, keys, session, times)
    }

    /// The cookie that logs out: same name, path and domain, empty, and expired.
    fn removal_cookie() -> Cookie<'static> {
        removal_cookie(&Self::CONFIG)
    }
}
