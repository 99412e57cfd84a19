//! The route guard's decision, for any web framework: which rule a path falls under, what
//! the cookie says (optimistically, or from the store where that matters), whether to
//! refuse, redirect or pass, and what the response then needs (a renewed or removed cookie,
//! `Cache-Control: no-store`). A framework's guard only translates its request into a path
//! and a `Cookie:` header, and the verdict back into its response.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use std::borrow::Cow;

use cookie::Cookie;
use time::OffsetDateTime;

use crate::config::SessionConfig;
use crate::cookies::{self, Carried, removal_cookie};
use crate::db::manager::Copied;
use crate::db::{SessionManager, SessionStore};
use crate::error::Error;
use crate::guard::cross_origin::{self, Facts, Policy};
use crate::guard::route::{Access, Rules};
use crate::keys::Keys;
use crate::session::Session;
use crate::token::Verified;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The cookies for the response: none on most requests (an empty `Vec` does not allocate),
/// one, or a chunked session's chunks and removals.
pub(crate) type SetCookies = Vec<Cookie<'static>>;

/// What the guard learned about the request's session.
#[derive(Default)]
pub(crate) struct Checked {
    signed_in: bool,
    /// The re-issued cookie, when the session was inside its renewal window.
    renewed: SetCookies,
    /// The removal cookie, when the cookie names a session the store no longer has: the
    /// browser must stop presenting it, or the optimistic check keeps believing it.
    clear: SetCookies,
    /// Puts what was verified into the request, for the extractors and other middleware.
    hand_off: Option<HandOff>,
    /// The store needed for the check failed: a protected page answers `503`, never lets
    /// an unchecked session through.
    unavailable: bool,
}

/// A value the guard verified, for the framework's adapter to put into the request's
/// extensions, where the extractors and other middleware find it.
pub(crate) struct HandOff(Box<dyn Handed>);

trait Handed: Send {
    #[cfg(feature = "axum")]
    fn into_http(self: Box<Self>, extensions: &mut http::Extensions);
    #[cfg(feature = "actix")]
    fn into_actix(self: Box<Self>, extensions: &mut actix_web::dev::Extensions);
}

struct Value<V>(V);

impl<V: Clone + Send + Sync + 'static> Handed for Value<V> {
    #[cfg(feature = "axum")]
    fn into_http(self: Box<Self>, extensions: &mut http::Extensions) {
        extensions.insert(self.0);
    }
    #[cfg(feature = "actix")]
    fn into_actix(self: Box<Self>, extensions: &mut actix_web::dev::Extensions) {
        extensions.insert(self.0);
    }
}

impl HandOff {
    fn new<V: Clone + Send + Sync + 'static>(value: V) -> HandOff {
        HandOff(Box::new(Value(value)))
    }

    /// Puts the value into an axum (`http`) request.
    #[cfg(feature = "axum")]
    pub(crate) fn into_http(self, extensions: &mut http::Extensions) {
        self.0.into_http(extensions);
    }

    /// Puts the value into an actix-web request.
    #[cfg(feature = "actix")]
    pub(crate) fn into_actix(self, extensions: &mut actix_web::dev::Extensions) {
        self.0.into_actix(extensions);
    }
}

/// All `Cookie:` header values of a request as one text (HTTP/2 may split them), joined as
/// RFC 6265 section 5.4 joins cookies. The common case, one UTF-8 header, is borrowed.
///
/// The values are taken as bytes, not as visible ASCII: one cookie of another name with a
/// byte of 0x80 or more (`theme=café`, which any same-site script can set) must not hide
/// the session cookie, whose own value is ASCII. Bytes that are not UTF-8 become U+FFFD,
/// which leaves every `;` and `=`, and so every other cookie, where it was.
pub(crate) fn join_cookie_headers<'a>(mut values: impl Iterator<Item = &'a [u8]>) -> Cow<'a, str> {
    let Some(first) = values.next() else {
        return Cow::Borrowed("");
    };
    let Some(second) = values.next() else {
        return String::from_utf8_lossy(first);
    };
    let mut joined = String::from_utf8_lossy(first).into_owned();
    for value in std::iter::once(second).chain(values) {
        joined.push_str("; ");
        joined.push_str(&String::from_utf8_lossy(value));
    }
    Cow::Owned(joined)
}

/// The check behind the guard, for stateless or database sessions.
pub(crate) trait Checker: Send + Sync {
    /// Checks the `Cookie:` header for a request under `access`.
    fn check(&self, header: &str, access: Access) -> Checking;
    /// The session type's policy: its cookie's name, and whether it is chunked.
    fn config(&self) -> &'static SessionConfig;
}

/// A check's outcome: known from the cookie alone (every stateless check, and a database
/// check that trusts the seal), or waiting on the store. Most requests take the first, with
/// no future to allocate or poll.
pub(crate) enum Checking {
    Now(Checked),
    /// Owns what it needs, so that the framework's guard can return it from `call`.
    Later(BoxFuture<'static, Checked>),
}

pub(crate) struct Stateless<T> {
    keys: Keys,
    /// A `revocable` type's watermarks, checked on every request that carries a token.
    revocations: Option<Arc<dyn RevocationCheck<T>>>,
    session_type: std::marker::PhantomData<fn() -> T>,
}

/// [`Revocations::check`](crate::db::Revocations::check) with the store type erased.
pub(crate) trait RevocationCheck<T>: Send + Sync {
    /// The answer without the store, if the feed can give it.
    fn heard(&self, session: &Verified<T>) -> Option<Result<(), Error>>;
    fn check<'a>(&'a self, session: &'a Verified<T>) -> BoxFuture<'a, Result<(), Error>>;
}

impl<T, S> RevocationCheck<T> for crate::db::Revocations<T, S>
where
    T: Session + crate::user_id::HasUserId + Send + Sync,
    S: SessionStore,
{
    fn heard(&self, session: &Verified<T>) -> Option<Result<(), Error>> {
        crate::db::Revocations::heard(self, session)
    }

    fn check<'a>(&'a self, session: &'a Verified<T>) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(crate::db::Revocations::check(self, session))
    }
}

impl<T: Session + Send + Sync + 'static> Checker for Stateless<T> {
    fn config(&self) -> &'static SessionConfig {
        &T::CONFIG
    }

    fn check(&self, header: &str, _: Access) -> Checking {
        let now = OffsetDateTime::now_utc();
        let Ok(session) = T::from_cookie_header_at(header, &self.keys, now) else {
            return Checking::Now(Checked::default());
        };
        let session = Arc::new(session);
        // At the lifetime cap a renewal could not move `exp`, so none is sent.
        let at_cap = T::CONFIG
            .max_lifetime()
            .zip(session.authenticated_at())
            .is_some_and(|(max, since)| since + max <= session.expires_at());
        // Another app's cookie is never rewritten behind its back.
        let renew = !T::CONFIG.is_shared() && !at_cap;
        let renewed = if renew && session.expires_at() - now < T::CONFIG.renew_within() {
            T::refresh_cookies_at(&session, &self.keys, header, now).unwrap_or_default()
        } else {
            Vec::new()
        };
        let passed = move |session| Checked {
            signed_in: true,
            renewed,
            clear: Vec::new(),
            hand_off: Some(HandOff::new(session)),
            unavailable: false,
        };
        let Some(revocations) = &self.revocations else {
            return Checking::Now(passed(session));
        };
        let refused = |err: Error, header: &str| {
            let refusal = Refusal::of::<T>(&err, header);
            Checked {
                clear: refusal.clear,
                unavailable: refusal.store_failed,
                ..Checked::default()
            }
        };
        // Most tokens are answered by the feed: no future, no copy of the header.
        match revocations.heard(&session) {
            Some(Ok(())) => return Checking::Now(passed(session)),
            Some(Err(err)) => return Checking::Now(refused(err, header)),
            None => {}
        }
        let revocations = Arc::clone(revocations);
        let header = header.to_owned();
        Checking::Later(Box::pin(async move {
            match revocations.check(&session).await {
                Ok(()) => passed(session),
                Err(err) => refused(err, &header),
            }
        }))
    }
}

pub(crate) struct Database<T, S> {
    manager: Arc<SessionManager<T, S>>,
}

impl<T: Session + Send + Sync + 'static, S: SessionStore + 'static> Checker for Database<T, S> {
    fn config(&self) -> &'static SessionConfig {
        &T::CONFIG
    }

    fn check(&self, header: &str, access: Access) -> Checking {
        // The seal and expiry only: the optimistic check, no database.
        let now = OffsetDateTime::now_utc();
        let Ok(ticket) = self.manager.open_ticket(header, now) else {
            return Checking::Now(Checked::default());
        };
        let renew = !T::CONFIG.is_shared() && ticket.expires_at - now < T::CONFIG.renew_within();
        // A type with a `cache`: a trusted copy is as good as the row, and is handed to
        // the extractor as the session itself.
        let ticket = match renew {
            true => ticket,
            false => match self.manager.load_copy(ticket, now) {
                Copied::Session(session) => {
                    return Checking::Now(Checked {
                        signed_in: true,
                        hand_off: Some(HandOff::new(Arc::new(session))),
                        ..Checked::default()
                    });
                }
                Copied::Miss(ticket) => ticket,
            },
        };
        // The row is read only where the optimistic answer is not enough: to renew (at
        // most once a window), on public-only pages, where believing a revoked session
        // would send the user away from the login page until the cookie expired, and for
        // a type with a `cache` whose copy is not trusted, so that the response carries a
        // fresh one.
        if !renew && access != Access::PublicOnly && T::CONFIG.cache().is_none() {
            return Checking::Now(Checked {
                signed_in: true,
                hand_off: Some(HandOff::new(ticket)),
                ..Checked::default()
            });
        }
        // The store read needs the ticket too: only this path pays for a copy.
        let hand_off = Some(HandOff::new(ticket.clone()));
        let manager = Arc::clone(&self.manager);
        Checking::Later(Box::pin(async move {
            match manager.load_opened(ticket, now).await {
                Ok(session) => Checked {
                    signed_in: true,
                    // A renewal, or a cached type's fresh copy.
                    renewed: match renew || manager.needs_reissue(&session) {
                        true => manager
                            .refresh(&session)
                            .await
                            .ok()
                            .flatten()
                            .into_iter()
                            .collect(),
                        false => Vec::new(),
                    },
                    clear: Vec::new(),
                    // The extractor takes the session read here: one store read a request.
                    hand_off: Some(HandOff::new(Arc::new(session))),
                    unavailable: false,
                },
                Err(Error::SessionNotFound) => Checked {
                    clear: match T::CONFIG.is_shared() {
                        true => Vec::new(),
                        false => vec![removal_cookie(&T::CONFIG.for_tickets())],
                    },
                    ..Checked::default()
                },
                // The store is down: keep the optimistic answer; the handler's extractor
                // reports the outage.
                Err(_) => Checked {
                    signed_in: true,
                    hand_off,
                    ..Checked::default()
                },
            }
        }))
    }
}

impl<T> Stateless<T> {
    pub(crate) fn new(keys: Keys) -> Stateless<T> {
        Stateless {
            keys,
            revocations: None,
            session_type: std::marker::PhantomData,
        }
    }

    pub(crate) fn revocable(keys: Keys, revocations: Arc<dyn RevocationCheck<T>>) -> Stateless<T> {
        Stateless {
            revocations: Some(revocations),
            ..Stateless::new(keys)
        }
    }
}

impl<T, S> Database<T, S> {
    pub(crate) fn new(manager: Arc<SessionManager<T, S>>) -> Database<T, S> {
        Database { manager }
    }
}

/// A framework's `SessionGuard` as it is built up: one definition for every framework, so
/// that their guards are configured alike.
#[derive(Clone)]
pub(crate) struct GuardConfig<R> {
    pub(crate) gate: Gate,
    pub(crate) login_path: String,
    pub(crate) home_path: String,
    pub(crate) rejection: Option<R>,
    /// The keys or manager the guard was built with, for the extractors behind it.
    pub(crate) provides: crate::layer::Table,
}

impl<R> GuardConfig<R> {
    pub(crate) fn new(checker: Arc<dyn Checker>, provides: crate::layer::Table) -> GuardConfig<R> {
        let mut rules = Rules::new();
        rules.login("/login");
        GuardConfig {
            gate: Gate {
                checker,
                rules,
                cross_origin: Policy::default(),
            },
            login_path: "/login".into(),
            home_path: "/".into(),
            rejection: None,
            provides,
        }
    }
}

/// What a request without a valid session gets, from the guard on a protected path and from
/// the extractors behind it; `Resp` is the framework's response type. Applications name it
/// `sessionkit::Rejection` (axum) or `sessionkit::actix::Rejection` (actix-web) and set it
/// with the guard's `on_rejection`; without it, the guard redirects to its login path and
/// the extractors answer `401`.
///
/// A failing store is always `503`, whatever is configured: an outage is not "signed out".
pub enum Rejection<Resp> {
    /// `401 Unauthorized` with a body that says nothing about why (for APIs).
    Unauthorized,
    /// `303 See Other` to the guard's login path (for pages).
    Login,
    /// The application's own response.
    Custom(Arc<dyn Fn() -> Resp + Send + Sync>),
}

// By hand: a derive would ask for `Resp: Clone`, which neither framework's response is.
impl<Resp> Clone for Rejection<Resp> {
    fn clone(&self) -> Self {
        match self {
            Rejection::Unauthorized => Rejection::Unauthorized,
            Rejection::Login => Rejection::Login,
            Rejection::Custom(respond) => Rejection::Custom(Arc::clone(respond)),
        }
    }
}

impl<Resp> Rejection<Resp> {
    /// The application's own rejection, made fresh for each request.
    pub fn custom(respond: impl Fn() -> Resp + Send + Sync + 'static) -> Self {
        Rejection::Custom(Arc::new(respond))
    }
}

/// The response `rejection` stands for, with `login_path` as the guard's login page.
fn respond<Resp: FrameworkResponse>(rejection: &Rejection<Resp>, login_path: &str) -> Resp {
    match rejection {
        Rejection::Unauthorized => Resp::unauthorized(),
        Rejection::Login => Resp::see_other(login_path),
        Rejection::Custom(respond) => respond(),
    }
}

/// What a request without a valid session gets: the configured rejection, or by default the
/// login redirect for a browser's navigation to a page and `401` for anything else (an API
/// call, a `fetch`, a form a script posts), so that one page answers one kind of request the
/// same way whatever was wrong with the cookie.
fn refuse<Resp: FrameworkResponse>(
    configured: Option<&Rejection<Resp>>,
    login_path: &str,
    navigation: bool,
) -> Resp {
    match configured {
        Some(rejection) => respond(rejection, login_path),
        None if navigation => Resp::see_other(login_path),
        None => Resp::unauthorized(),
    }
}

/// Whether a request is a browser's navigation to a page, which a redirect to the login
/// page serves: `Sec-Fetch-Mode: navigate` (every current browser sends it), or, from a
/// client that sends no Fetch Metadata, an `Accept` that lists `text/html` with a quality no
/// other type beats. `fetch()`'s default `*/*`, an API client's `application/json` and a
/// missing `Accept` are not navigations.
pub(crate) fn is_navigation<'a>(header: impl Fn(&'static str) -> Option<&'a [u8]>) -> bool {
    navigation(header("sec-fetch-mode"), header("accept"))
}

/// [`is_navigation`] over the two headers.
fn navigation(sec_fetch_mode: Option<&[u8]>, accept: Option<&[u8]>) -> bool {
    if let Some(mode) = sec_fetch_mode {
        return mode.eq_ignore_ascii_case(b"navigate");
    }
    let Some(accept) = accept.and_then(|accept| std::str::from_utf8(accept).ok()) else {
        return false;
    };
    let mut html = None;
    let mut best_other: f32 = 0.0;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let quality = parts
            .filter_map(|param| param.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if media.eq_ignore_ascii_case("text/html") {
            html = Some(html.map_or(quality, |seen: f32| seen.max(quality)));
        } else {
            best_other = best_other.max(quality);
        }
    }
    html.is_some_and(|html| html > 0.0 && html >= best_other)
}

/// The body of every default `401`: it says nothing about why.
pub(crate) const UNAUTHORIZED_BODY: &str = r#"{"error":"unauthorized"}"#;

/// The body of a refused cross-origin request.
pub(crate) const FORBIDDEN_BODY: &str = r#"{"error":"cross-origin request refused"}"#;

/// The responses a refusal is made of, in a framework's own type.
pub(crate) trait FrameworkResponse {
    /// `401` with [`UNAUTHORIZED_BODY`] as `application/json`.
    fn unauthorized() -> Self;
    /// `503`, for a failing store.
    fn unavailable() -> Self;
    /// `400`, for a path the guard cannot decode safely.
    fn bad_request() -> Self;
    /// `403` with [`FORBIDDEN_BODY`] as `application/json` and `Vary: Sec-Fetch-Site`, for a
    /// refused cross-origin request.
    fn forbidden() -> Self;
    /// `303 See Other` to `path`.
    fn see_other(path: &str) -> Self;
}

/// An extractor's answer to a request it refuses, before the cookie and cache headers:
/// `503` when the store failed; behind a guard, what the guard answers the same request
/// (its configured rejection, or the login redirect for a navigation); else `401`.
pub(crate) fn extractor_refusal<Resp: FrameworkResponse>(
    store_failed: bool,
    guard: Option<&RejectWith<Rejection<Resp>>>,
    navigation: bool,
) -> Resp {
    match (store_failed, guard) {
        (true, _) => Resp::unavailable(),
        (false, Some(guard)) => refuse(guard.rejection.as_ref(), &guard.login_path, navigation),
        (false, None) => Resp::unauthorized(),
    }
}

impl<Resp: FrameworkResponse> GuardConfig<Rejection<Resp>> {
    /// What the guard does with `verdict`: on to the handler (`Ok`), or answer the request
    /// itself with a response and a cookie to set on it. An undecodable path is `400`; a
    /// protected path without a session gets the configured rejection, or else the redirect
    /// to the login page for a navigation and `401` for anything else, and the removal of a
    /// dead cookie; a signed-in request on a public-only path is sent home.
    pub(crate) fn answer(&self, verdict: Verdict) -> Result<Pass, (Resp, SetCookies)> {
        match verdict {
            Verdict::Pass(pass) => Ok(pass),
            Verdict::BadPath => Err((Resp::bad_request(), Vec::new())),
            Verdict::CrossOrigin => Err((Resp::forbidden(), Vec::new())),
            Verdict::Reject { clear, navigation } => {
                let response = refuse(self.rejection.as_ref(), &self.login_path, navigation);
                Err((response, clear))
            }
            Verdict::Home => Err((Resp::see_other(&self.home_path), Vec::new())),
            Verdict::Unavailable => Err((Resp::unavailable(), Vec::new())),
        }
    }
}

impl<Resp> GuardConfig<Rejection<Resp>> {
    /// How the guard refuses, as the extractors behind it receive it (built once when the
    /// guard is layered), so that a session the guard let through optimistically and the
    /// extractor then refuses (revoked, say) gets the same answer as one the guard refused.
    pub(crate) fn reject_with(&self) -> Arc<RejectWith<Rejection<Resp>>> {
        Arc::new(RejectWith {
            rejection: self.rejection.clone(),
            login_path: self.login_path.clone(),
        })
    }
}

/// The guard's rejection (`None` for the default) and login path, handed to the
/// extractors behind it.
pub(crate) struct RejectWith<R> {
    pub(crate) rejection: Option<R>,
    pub(crate) login_path: String,
}

/// Why an extractor of session type `T` refused a request, as every framework answers it:
/// `503` when the store failed (an outage is not "signed out"), and the removal of a cookie
/// that will never be accepted (revoked, expired, tampered), so that the browser and the
/// guard's optimistic check stop believing it. A missing cookie, a duplicated one (which of
/// the two to remove is unknown), an outage and a cookie another app owns
/// ([`SessionConfig::is_shared`]: a stale secret here must not sign users out there)
/// remove nothing.
pub(crate) struct Refusal {
    pub(crate) store_failed: bool,
    pub(crate) clear: SetCookies,
}

impl Refusal {
    /// Whether `err` means the store failed, the one refusal that is a `503`.
    pub(crate) fn store_failed(err: &Error) -> bool {
        matches!(err, Error::Store(_))
    }

    /// The refusal of `err` for a request with this `Cookie:` header, whose chunks of a
    /// dead session are removed with it.
    pub(crate) fn of<T: Session>(err: &Error, cookie_header: &str) -> Refusal {
        let store_failed = Refusal::store_failed(err);
        let dead = !store_failed
            && !T::CONFIG.is_shared()
            && !matches!(err, Error::Missing | Error::DuplicateCookie { .. });
        Refusal {
            store_failed,
            clear: match dead {
                true => T::removal_cookies(cookie_header),
                false => Vec::new(),
            },
        }
    }
}

/// The public builder of a framework's `SessionGuard` (a struct whose one field is
/// `config: GuardConfig<$rejection>`), written once for every framework.
macro_rules! guard_builder {
    ($rejection:ty) => {
        impl SessionGuard {
            /// A guard for stateless sessions of type `T`. It also gives the extractors
            /// behind it `T`'s keys, as a [`SessionLayer`](crate::SessionLayer) would.
            pub fn stateless<T: $crate::Session + Send + Sync + 'static>(
                keys: $crate::Keys,
            ) -> SessionGuard {
                let mut provides = $crate::layer::Table::default();
                provides.put($crate::layer::KeysOf::<T>::new(keys.clone()));
                SessionGuard {
                    config: $crate::guard::decide::GuardConfig::new(
                        std::sync::Arc::new($crate::guard::decide::Stateless::<T>::new(keys)),
                        provides,
                    ),
                }
            }

            /// A guard for stateless sessions of a `revocable` type `T`: as
            /// [`stateless`](Self::stateless), and every token is also checked against
            /// its user's watermark ([`Revocations`](crate::db::Revocations)): one issued
            /// before it is refused (with the cookie's removal), and a store outage when the
            /// store must be read is `503` on a protected path, never a pass.
            pub fn revocable<T, S>(
                keys: $crate::Keys,
                revocations: std::sync::Arc<$crate::db::Revocations<T, S>>,
            ) -> SessionGuard
            where
                T: $crate::Session + $crate::HasUserId + Send + Sync + 'static,
                S: $crate::db::SessionStore + 'static,
            {
                let mut provides = $crate::layer::Table::default();
                provides.put($crate::layer::KeysOf::<T>::new(keys.clone()));
                SessionGuard {
                    config: $crate::guard::decide::GuardConfig::new(
                        std::sync::Arc::new($crate::guard::decide::Stateless::<T>::revocable(
                            keys,
                            revocations,
                        )),
                        provides,
                    ),
                }
            }

            /// A guard for database sessions; it reads the store only to renew and on
            /// public-only paths (so that a revoked session reaches the login page at once).
            /// It also gives the `DbSession<T>` extractors behind it the manager, as a
            /// [`SessionLayer`](crate::SessionLayer) would.
            pub fn database<T, S>(
                manager: std::sync::Arc<$crate::db::SessionManager<T, S>>,
            ) -> SessionGuard
            where
                T: $crate::Session + Send + Sync + 'static,
                S: $crate::db::SessionStore + 'static,
            {
                let mut provides = $crate::layer::Table::default();
                provides.put($crate::layer::Sessions::new(std::sync::Arc::clone(
                    &manager,
                )));
                SessionGuard {
                    config: $crate::guard::decide::GuardConfig::new(
                        std::sync::Arc::new($crate::guard::decide::Database::new(manager)),
                        provides,
                    ),
                }
            }

            /// Requires a session under this path prefix. `/dashboard` and `/dashboard/` both
            /// cover `/dashboard`, `/dashboard/` and `/dashboard/x`, never `/dashboards`.
            /// Requests are matched on their percent-decoded path, with case ignored as
            /// Unicode folds it (see [`crate::route`]), and a prefix is always a full path
            /// from the root of the app, also behind a nested router or a scope.
            ///
            /// Like a router, the most specific rule wins: the longest prefix (in segments)
            /// among `protect`, [`public`](Self::public) and
            /// [`public_only`](Self::public_only) that covers the path. The
            /// [`login_path`](Self::login_path) itself is never protected, so it cannot
            /// redirect to itself.
            ///
            /// # Panics
            ///
            /// If `prefix` is not an absolute path with plain segments (`"/admin"`, not
            /// `"admin"` or `"/a/../b"`).
            pub fn protect(mut self, prefix: impl AsRef<str>) -> Self {
                self.config.gate.rules.protect(prefix.as_ref());
                self
            }

            /// Sends signed-in users away from this path prefix (`/login`, `/signup`).
            /// Matched as [`SessionGuard::protect`] matches; the most specific rule wins.
            pub fn public_only(mut self, prefix: impl AsRef<str>) -> Self {
                self.config.gate.rules.public_only(prefix.as_ref());
                self
            }

            /// Lets anyone reach this path prefix, signed in or not: an opening under a
            /// protected prefix (`.protect("/admin").public("/admin/help")`). Matched as
            /// [`SessionGuard::protect`] matches; the most specific rule wins.
            pub fn public(mut self, prefix: impl AsRef<str>) -> Self {
                self.config.gate.rules.public(prefix.as_ref());
                self
            }

            /// What a request without a valid session gets, here and from the
            /// `Verified`/`DbSession` extractors behind this guard. Without it, a browser's
            /// navigation (`Sec-Fetch-Mode: navigate`, or an `Accept` that prefers
            /// `text/html`) gets `303` to the login path, and any other request `401` with
            /// `{"error":"unauthorized"}`; a failing store is `503` either way.
            pub fn on_rejection(mut self, rejection: $rejection) -> Self {
                self.config.rejection = Some(rejection);
                self
            }

            /// Where requests without a session go. Default `/login`. That exact path is
            /// never protected, even under a protected prefix, so it is reachable while
            /// signed out and never redirects to itself (a `public_only` rule still sends
            /// signed-in users away from it).
            pub fn login_path(mut self, path: impl Into<String>) -> Self {
                self.config.login_path = path.into();
                self.config.gate.rules.login(&self.config.login_path);
                self
            }

            /// Trusts cross-origin requests from `origin` (`"https://app.example.com"`), a
            /// site of your own on another origin. Given in any case and with or without the
            /// default port; compared with `Origin` as browsers send it.
            ///
            /// # Panics
            ///
            /// If `origin` is not `http(s)://host[:port]`: a path, query, fragment or userinfo
            /// is a mistake in the application's code, reported when it starts.
            pub fn trusted_origin(mut self, origin: impl AsRef<str>) -> Self {
                self.config.gate.cross_origin.trust(origin.as_ref());
                self
            }

            /// Exempts exactly this decoded path from the cross-origin check, for a webhook
            /// that another site posts to. Only that path: not with a slash added or
            /// removed, not in another case, and not a path that only reaches it through a
            /// redirect or a normalisation.
            ///
            /// # Panics
            ///
            /// If `path` is not an absolute path with plain segments.
            pub fn allow_cross_origin(mut self, path: impl AsRef<str>) -> Self {
                self.config.gate.cross_origin.exempt(path.as_ref());
                self
            }

            /// How cross-origin requests with unsafe methods are treated: refused
            /// ([`CrossOrigin::Protect`](crate::CrossOrigin::Protect),
            /// the default), refused also without Fetch Metadata (`Strict`), logged only
            /// (`ReportOnly`), or not checked (`Off`). A refused request gets `403`.
            pub fn cross_origin(mut self, mode: $crate::CrossOrigin) -> Self {
                self.config.gate.cross_origin.set_mode(mode);
                self
            }

            /// Where signed-in requests to public-only paths go. Default `/`.
            pub fn home_path(mut self, path: impl Into<String>) -> Self {
                self.config.home_path = path.into();
                self
            }
        }
    };
}
pub(crate) use guard_builder;

/// A guard's rules and check, shared by every framework's guard.
#[derive(Clone)]
pub(crate) struct Gate {
    pub(crate) checker: Arc<dyn Checker>,
    pub(crate) rules: Rules,
    pub(crate) cross_origin: Policy,
}

/// What the guard does with a request.
pub(crate) enum Verdict {
    /// The path cannot be decoded safely: `400`.
    BadPath,
    /// A cross-origin request with an unsafe method: `403`.
    CrossOrigin,
    /// No valid session on a protected path: the configured rejection (by default, the login
    /// redirect for a navigation and `401` otherwise), with the removal of a dead cookie if
    /// there is one.
    Reject { clear: SetCookies, navigation: bool },
    /// A signed-in request on a public-only path: to the home path.
    Home,
    /// The store the session's check needs failed, on a protected path: `503`.
    Unavailable,
    /// On to the handler.
    Pass(Pass),
}

impl Verdict {
    fn of(checked: Checked, access: Access, navigation: bool) -> Verdict {
        match (checked.signed_in, access) {
            (false, Access::Protected) if checked.unavailable => Verdict::Unavailable,
            (false, Access::Protected) => Verdict::Reject {
                clear: checked.clear,
                navigation,
            },
            (true, Access::PublicOnly) => Verdict::Home,
            _ => Verdict::Pass(Pass {
                access,
                renewed: checked.renewed,
                clear: checked.clear,
                carried: Carried::none(),
                hand_off: checked.hand_off,
            }),
        }
    }
}

/// What a passed request carries to the response.
pub(crate) struct Pass {
    access: Access,
    renewed: SetCookies,
    clear: SetCookies,
    /// The chunks of a chunked session the request carried, which a response that sets the
    /// session must not leave behind.
    carried: Carried,
    /// Puts what was verified into the request, for the extractors and other middleware.
    pub(crate) hand_off: Option<HandOff>,
}

/// A verdict: reached from the request alone (every stateless request, and a database one
/// whose seal suffices), or waiting on the store. A framework's guard reaches the first in
/// its `call`, before any future exists, and boxes only what follows the handler.
pub(crate) enum Deciding {
    Now(Verdict),
    Later(BoxFuture<'static, Verdict>),
}

impl Gate {
    /// The verdict on a request (its method, its path as the client sent it, still
    /// percent-encoded, and the headers the cross-origin check reads) with this `Cookie:`
    /// header.
    ///
    /// `OPTIONS` is never refused or redirected for want of a session: a CORS preflight
    /// carries no cookies, and a redirect or a `401` fails it, so it goes on to the
    /// handler (or a CORS layer) on any path the guard can decode.
    pub(crate) fn decide(
        &self,
        facts: &Facts<'_>,
        cookie_header: &str,
        navigation: bool,
    ) -> Deciding {
        let access = match (self.rules.classify(facts.path), facts.method) {
            (Err(_), _) => return Deciding::Now(Verdict::BadPath),
            (Ok(_), "OPTIONS") => Access::Open,
            (Ok(access), _) => access,
        };
        // Every route behind the guard, protected or not: a login form is a target too.
        if self.cross_origin.check(facts) == cross_origin::Verdict::Refuse {
            return Deciding::Now(Verdict::CrossOrigin);
        }
        let carried = Carried::of(cookie_header, self.checker.config());
        let verdict = move |checked, access| match Verdict::of(checked, access, navigation) {
            Verdict::Pass(pass) => Verdict::Pass(Pass { carried, ..pass }),
            other => other,
        };
        match self.checker.check(cookie_header, access) {
            Checking::Now(checked) => Deciding::Now(verdict(checked, access)),
            Checking::Later(checking) => {
                Deciding::Later(Box::pin(async move { verdict(checking.await, access) }))
            }
        }
    }

    /// The cookies to add to a passed request's response, given the `Set-Cookie` names the
    /// handler's response already carries. A handler that set the session cookie itself (log
    /// in, log out, regenerate) wins over the renewal and the removal; cookies of other
    /// names do not, or a renewed row would outlive the browser's cookie. Whenever the
    /// response sets the session, every chunk the request carried and nothing replaces is
    /// removed, so that no stale chunk is joined to the new token.
    pub(crate) fn cookies_for<'a>(
        &self,
        pass: Pass,
        handler_cookies: impl Iterator<Item = &'a str>,
    ) -> SetCookies {
        let config = self.checker.config();
        let handler_sets: Vec<&str> = handler_cookies
            .filter(|set| cookies::is_session_name(set, config.cookie_name))
            .collect();
        let mut out = match handler_sets.is_empty() {
            true if pass.renewed.is_empty() => pass.clear,
            true => pass.renewed,
            false => Vec::new(),
        };
        if !handler_sets.is_empty() || !out.is_empty() {
            let set: Vec<String> = out.iter().map(|cookie| cookie.name().to_owned()).collect();
            let stale = cookies::stale(config, &pass.carried, |name| {
                handler_sets.contains(&name) || set.iter().any(|set| set == name)
            });
            out.extend(stale);
        }
        out
    }
}

/// Whether a response must be marked `Cache-Control: no-store`: one that sets a cookie must
/// never be replayed to someone else from a cache, and neither may a protected page, which
/// shows one user's data.
pub(crate) fn no_store(access: Option<Access>, sets_cookie: bool) -> bool {
    sets_cookie || access == Some(Access::Protected)
}

impl Pass {
    /// The rule the request fell under.
    pub(crate) fn access(&self) -> Access {
        self.access
    }
}

/// The name of the cookie a `Set-Cookie` value sets.
pub(crate) fn set_cookie_name(value: &[u8]) -> Option<&str> {
    // Taken from the bytes, so that a non-ASCII attribute or value elsewhere in the header
    // does not hide whose cookie it is.
    let end = value.iter().position(|&byte| byte == b'=')?;
    std::str::from_utf8(&value[..end]).ok().map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::navigation as is_navigation;

    #[test]
    fn navigations_are_told_from_other_requests() {
        let chrome = b"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";
        assert!(is_navigation(Some(b"navigate"), None));
        assert!(is_navigation(Some(b"Navigate"), Some(b"*/*")));
        // Fetch Metadata decides when present, whatever `Accept` says.
        assert!(!is_navigation(Some(b"cors"), Some(chrome)));
        assert!(!is_navigation(Some(b"no-cors"), Some(chrome)));
        // Without it, `Accept`.
        assert!(is_navigation(None, Some(chrome)));
        assert!(is_navigation(None, Some(b"text/html")));
        for other in [
            &b"*/*"[..],
            b"application/json",
            b"application/json, text/html;q=0.5",
            b"text/html;q=0",
            b"text/plain",
            b"",
        ] {
            assert!(!is_navigation(None, Some(other)), "{other:?}");
        }
        assert!(!is_navigation(None, None));
        assert!(!is_navigation(None, Some(b"\xff")));
    }
}
