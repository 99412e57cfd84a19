//! [`SessionGuard`]: the guide's proxy as a tower layer. Optimistic route protection from
//! the cookie alone, and the rolling refresh.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::OriginalUri;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{Extensions, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::Cookie;
use time::OffsetDateTime;
use tower_layer::Layer;
use tower_service::Service;

use super::cookie_header;
use crate::cookies::removal_cookie;
use crate::db::{SessionManager, SessionStore};
use crate::error::Error;
use crate::keys::Keys;
use crate::route::{Access, Rules};
use crate::session::Session;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the guard learned about the request's session.
#[derive(Default)]
struct Checked {
    signed_in: bool,
    /// The re-issued cookie, when the session was inside its renewal window.
    renewed: Option<Cookie<'static>>,
    /// The removal cookie, when the cookie names a session the store no longer has: the
    /// browser must stop presenting it, or the optimistic check keeps believing it.
    clear: Option<Cookie<'static>>,
    /// Puts what was verified into the request, for the extractors and other middleware.
    hand_off: Option<HandOff>,
}

type HandOff = Box<dyn FnOnce(&mut Extensions) + Send>;

/// The check behind the guard, for stateless or database sessions.
trait Checker: Send + Sync {
    /// Checks the `Cookie:` header for a request under `access`.
    fn check<'a>(&'a self, header: &'a str, access: Access) -> BoxFuture<'a, Checked>;
    /// The session cookie's name.
    fn cookie_name(&self) -> &'static str;
}

struct Stateless<T> {
    keys: Keys,
    session_type: std::marker::PhantomData<fn() -> T>,
}

impl<T: Session + Send + Sync + 'static> Checker for Stateless<T> {
    fn cookie_name(&self) -> &'static str {
        T::CONFIG.cookie_name
    }

    fn check<'a>(&'a self, header: &'a str, _: Access) -> BoxFuture<'a, Checked> {
        Box::pin(async move {
            let Ok(session) = T::from_cookie_header(header, &self.keys) else {
                return Checked::default();
            };
            let session = Arc::new(session);
            let now = OffsetDateTime::now_utc();
            // At the lifetime cap a renewal could not move `exp`, so none is sent.
            let at_cap = T::CONFIG
                .max_lifetime()
                .zip(session.authenticated_at())
                .is_some_and(|(max, since)| since + max <= session.expires_at());
            let renewed = if !at_cap && session.expires_at() - now < T::CONFIG.renew_within() {
                T::refresh_at(&session, &self.keys, now).ok()
            } else {
                None
            };
            Checked {
                signed_in: true,
                renewed,
                clear: None,
                hand_off: Some(Box::new(move |extensions| {
                    extensions.insert(session);
                })),
            }
        })
    }
}

struct Database<T, S> {
    manager: Arc<SessionManager<T, S>>,
}

impl<T: Session + Send + Sync + 'static, S: SessionStore> Checker for Database<T, S> {
    fn cookie_name(&self) -> &'static str {
        T::CONFIG.cookie_name
    }

    fn check<'a>(&'a self, header: &'a str, access: Access) -> BoxFuture<'a, Checked> {
        Box::pin(async move {
            // The seal and expiry only: the optimistic check, no database.
            let now = OffsetDateTime::now_utc();
            let Ok(ticket) = self.manager.open_ticket(header, now) else {
                return Checked::default();
            };
            let renew = ticket.expires_at - now < T::CONFIG.renew_within();
            let handed = ticket.clone();
            let hand_off: Option<HandOff> = Some(Box::new(move |extensions| {
                extensions.insert(handed);
            }));
            // The row is read only where the optimistic answer is not enough: to renew (at
            // most once a window), and on public-only pages, where believing a revoked
            // session would send the user away from the login page until the cookie
            // expired.
            if !renew && access != Access::PublicOnly {
                return Checked {
                    signed_in: true,
                    hand_off,
                    ..Checked::default()
                };
            }
            match self.manager.load_opened(ticket, now).await {
                Ok(session) => Checked {
                    signed_in: true,
                    renewed: match renew {
                        true => self.manager.refresh(&session).await.ok().flatten(),
                        false => None,
                    },
                    clear: None,
                    hand_off,
                },
                Err(Error::SessionNotFound) => Checked {
                    clear: Some(removal_cookie(&T::CONFIG)),
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
        })
    }
}

/// Route protection in the manner of the guide's proxy: requests to protected paths without
/// a valid session cookie are redirected to the login page; signed-in requests to
/// public-only paths (such as `/login`) are redirected into the app.
///
/// The check is optimistic: it reads the cookie's seal and expiry, never the database, so
/// it is cheap enough for every request; handlers still verify (with the extractors) before
/// showing data. The guard also does the rolling refresh: a session inside its renewal
/// window gets its re-issued cookie on the response. Any response that sets a cookie, and
/// any response under a protected prefix, is marked `Cache-Control: no-store`.
///
/// The runnable example is on `sessionkit::SessionGuard`.
#[derive(Clone)]
pub struct SessionGuard {
    checker: Arc<dyn Checker>,
    rules: Rules,
    login_path: String,
    home_path: String,
    rejection: Option<Rejection>,
    /// The same, as the extractors receive it, built once rather than per request.
    reject_with: Option<Arc<RejectWith>>,
}

/// The guard's configuration, frozen when it is layered: each request shares it through one
/// reference count instead of copying the prefixes and paths.
type Frozen = Arc<SessionGuard>;

/// What a request without a valid session gets, from the guard on a protected path and from
/// the extractors behind it. Set it with [`SessionGuard::on_rejection`]; without it, the
/// guard redirects to its login path and the extractors answer `401`.
///
/// A failing store is always `503`, whatever is configured: an outage is not "signed out".
#[derive(Clone)]
pub enum Rejection {
    /// `401 Unauthorized` with a body that says nothing about why (for APIs).
    Unauthorized,
    /// `303 See Other` to the guard's login path (for pages).
    Login,
    /// The application's own response.
    Custom(Arc<dyn Fn() -> Response + Send + Sync>),
}

impl Rejection {
    /// The application's own rejection, made fresh for each request.
    pub fn custom(respond: impl Fn() -> Response + Send + Sync + 'static) -> Rejection {
        Rejection::Custom(Arc::new(respond))
    }

    pub(crate) fn respond(&self, login_path: &str) -> Response {
        match self {
            Rejection::Unauthorized => super::extract::bare_unauthorized(),
            Rejection::Login => Redirect::to(login_path).into_response(),
            Rejection::Custom(respond) => respond(),
        }
    }
}

/// The guard's rejection and login path, handed to the extractors behind it.
#[derive(Clone)]
pub(crate) struct RejectWith {
    pub(crate) rejection: Rejection,
    pub(crate) login_path: Arc<str>,
}

impl SessionGuard {
    fn with(checker: Arc<dyn Checker>) -> SessionGuard {
        SessionGuard {
            checker,
            rules: Rules::new(),
            login_path: "/login".into(),
            home_path: "/".into(),
            rejection: None,
            reject_with: None,
        }
    }

    /// A guard for stateless sessions of type `T`.
    pub fn stateless<T: Session + Send + Sync + 'static>(keys: Keys) -> SessionGuard {
        SessionGuard::with(Arc::new(Stateless::<T> {
            keys,
            session_type: std::marker::PhantomData,
        }))
    }

    /// A guard for database sessions; it reads the store only to renew.
    pub fn database<T: Session + Send + Sync + 'static, S: SessionStore + 'static>(
        manager: Arc<SessionManager<T, S>>,
    ) -> SessionGuard {
        SessionGuard::with(Arc::new(Database { manager }))
    }

    /// Requires a session under this path prefix. `/dashboard` and `/dashboard/` both
    /// cover `/dashboard`, `/dashboard/` and `/dashboard/x`, never `/dashboards`. Requests
    /// are matched on their percent-decoded path, with ASCII case ignored (see
    /// [`crate::route`]), and a prefix is always a full path from the root of the app,
    /// also when the guard is a layer of a nested router.
    ///
    /// # Panics
    ///
    /// If `prefix` is not an absolute path with plain segments (`"/admin"`, not `"admin"`
    /// or `"/a/../b"`).
    pub fn protect(mut self, prefix: impl AsRef<str>) -> Self {
        self.rules.protect(prefix.as_ref());
        self
    }

    /// Sends signed-in users away from this path prefix (`/login`, `/signup`). Matched as
    /// [`SessionGuard::protect`] matches, which also wins where both apply.
    pub fn public_only(mut self, prefix: impl AsRef<str>) -> Self {
        self.rules.public_only(prefix.as_ref());
        self
    }

    /// What a request without a valid session gets, here and from the `Verified`/`DbSession`
    /// extractors behind this guard: see [`Rejection`].
    pub fn on_rejection(mut self, rejection: Rejection) -> Self {
        self.rejection = Some(rejection);
        self
    }

    /// What the extractors behind this guard are handed: the rejection and the login path,
    /// as they are when the guard is layered.
    fn frozen(mut self) -> SessionGuard {
        self.reject_with = self.rejection.clone().map(|rejection| {
            Arc::new(RejectWith {
                rejection,
                login_path: self.login_path.as_str().into(),
            })
        });
        self
    }

    /// Where requests without a session go. Default `/login`.
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.login_path = path.into();
        self
    }

    /// Where signed-in requests to public-only paths go. Default `/`.
    pub fn home_path(mut self, path: impl Into<String>) -> Self {
        self.home_path = path.into();
        self
    }
}

impl<S> Layer<S> for SessionGuard {
    type Service = SessionGuardService<S>;

    fn layer(&self, inner: S) -> SessionGuardService<S> {
        SessionGuardService {
            guard: Arc::new(self.clone().frozen()),
            inner,
        }
    }
}

/// The service [`SessionGuard`] wraps around the routes.
#[derive(Clone)]
pub struct SessionGuardService<S> {
    guard: Frozen,
    inner: S,
}

impl<S> Service<Request<Body>> for SessionGuardService<S>
where
    S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The clone that was polled ready serves this request; a fresh clone stays behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = Arc::clone(&self.guard);
        Box::pin(async move {
            // A nested router strips its prefix from the URI; the guard decides on the path
            // the client asked for, so its prefixes mean the same wherever it is layered.
            let path = match request.extensions().get::<OriginalUri>() {
                Some(original) => original.path(),
                None => request.uri().path(),
            };
            let access = match guard.rules.classify(path) {
                Ok(access) => access,
                Err(_) => {
                    return Ok(no_store(
                        (StatusCode::BAD_REQUEST, "bad request").into_response(),
                    ));
                }
            };
            let header = cookie_header(request.headers());
            let checked = guard.checker.check(&header, access).await;
            if !checked.signed_in && access == Access::Protected {
                let rejection = guard.rejection.as_ref().unwrap_or(&Rejection::Login);
                let mut response = rejection.respond(&guard.login_path);
                set_cookie(&mut response, checked.clear);
                return Ok(no_store(response));
            }
            if checked.signed_in && access == Access::PublicOnly {
                return Ok(no_store(Redirect::to(&guard.home_path).into_response()));
            }
            let mut request = request;
            if let Some(hand_off) = checked.hand_off {
                hand_off(request.extensions_mut());
            }
            if let Some(reject_with) = &guard.reject_with {
                request.extensions_mut().insert(Arc::clone(reject_with));
            }
            let mut response = inner.call(request).await?;
            // A handler that set the session cookie itself (log in, log out, regenerate)
            // wins over the renewal and the removal. Cookies of other names do not: the
            // renewed row must reach the browser, or it outlives the browser's cookie.
            if !sets_cookie(&response, guard.checker.cookie_name()) {
                set_cookie(&mut response, checked.renewed.or(checked.clear));
            }
            // A response that sets a cookie must never be replayed to someone else from a
            // cache, and neither may a protected page, which shows one user's data.
            if response.headers().contains_key(SET_COOKIE) || access == Access::Protected {
                response = no_store(response);
            }
            Ok(response)
        })
    }
}

fn set_cookie(response: &mut Response, cookie: Option<Cookie<'static>>) {
    if let Some(value) = cookie.and_then(|cookie| HeaderValue::from_str(&cookie.to_string()).ok()) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// Whether the response already sets the cookie `name`.
fn sets_cookie(response: &Response, name: &str) -> bool {
    response.headers().get_all(SET_COOKIE).iter().any(|value| {
        value
            .to_str()
            .ok()
            .and_then(|value| value.split_once('='))
            .is_some_and(|(set, _)| set.trim() == name)
    })
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
