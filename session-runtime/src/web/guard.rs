//! [`SessionGuard`]: the guide's proxy as a tower layer. Optimistic route protection from
//! the cookie alone, and the rolling refresh.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::OriginalUri;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::Cookie;
use time::OffsetDateTime;
use tower_layer::Layer;
use tower_service::Service;

use super::cookie_header;
use crate::db::{SessionManager, SessionStore};
use crate::keys::Keys;
use crate::route::{Access, Rules};
use crate::session::Session;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the cookie says, without the database.
#[derive(Default)]
struct Checked {
    signed_in: bool,
    /// The re-issued cookie, when the session was inside its renewal window.
    renewed: Option<Cookie<'static>>,
}

/// The check behind the guard, for stateless or database sessions.
trait Checker: Send + Sync {
    fn check<'a>(&'a self, header: &'a str) -> BoxFuture<'a, Checked>;
}

struct Stateless<T> {
    keys: Keys,
    session_type: std::marker::PhantomData<fn() -> T>,
}

impl<T: Session + Send + Sync> Checker for Stateless<T> {
    fn check<'a>(&'a self, header: &'a str) -> BoxFuture<'a, Checked> {
        Box::pin(async move {
            let Ok(session) = T::from_cookie_header(header, &self.keys) else {
                return Checked::default();
            };
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
            }
        })
    }
}

struct Database<T, S> {
    manager: Arc<SessionManager<T, S>>,
}

impl<T: Session + Send + Sync, S: SessionStore> Checker for Database<T, S> {
    fn check<'a>(&'a self, header: &'a str) -> BoxFuture<'a, Checked> {
        Box::pin(async move {
            // The seal and expiry only: the optimistic check, no database.
            let Ok(expires_at) = self.manager.check_cookie(header) else {
                return Checked::default();
            };
            let mut renewed = None;
            // Renewal writes, so it needs the row; it happens at most once a window.
            if expires_at - OffsetDateTime::now_utc() < T::CONFIG.renew_within() {
                if let Ok(session) = self.manager.load(header).await {
                    renewed = self.manager.refresh(&session).await.ok().flatten();
                }
            }
            Checked {
                signed_in: true,
                renewed,
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
/// ```ignore
/// let guard = SessionGuard::database(manager.clone())
///     .protect("/dashboard")
///     .public_only("/login")
///     .login_path("/login")
///     .home_path("/dashboard");
/// let app = Router::new()./* routes */.layer(guard);
/// ```
#[derive(Clone)]
pub struct SessionGuard {
    checker: Arc<dyn Checker>,
    rules: Rules,
    login_path: String,
    home_path: String,
}

impl SessionGuard {
    fn with(checker: Arc<dyn Checker>) -> SessionGuard {
        SessionGuard {
            checker,
            rules: Rules::new(),
            login_path: "/login".into(),
            home_path: "/".into(),
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
            guard: self.clone(),
            inner,
        }
    }
}

/// The service [`SessionGuard`] wraps around the routes.
#[derive(Clone)]
pub struct SessionGuardService<S> {
    guard: SessionGuard,
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
        let guard = self.guard.clone();
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
            let checked = guard.checker.check(&header).await;
            if !checked.signed_in && access == Access::Protected {
                return Ok(no_store(Redirect::to(&guard.login_path).into_response()));
            }
            if checked.signed_in && access == Access::PublicOnly {
                return Ok(no_store(Redirect::to(&guard.home_path).into_response()));
            }
            let mut response = inner.call(request).await?;
            // A handler that set the cookie itself (log in, log out) wins over the renewal.
            let handler_set_cookie = response.headers().contains_key(SET_COOKIE);
            if let (Some(renewed), false) = (checked.renewed, handler_set_cookie) {
                if let Ok(value) = HeaderValue::from_str(&renewed.to_string()) {
                    response.headers_mut().append(SET_COOKIE, value);
                }
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

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
