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
use tower_layer::Layer;
use tower_service::Service;

use super::cookie_header;
use crate::db::{SessionManager, SessionStore};
use crate::gate::{self, Checker, Database, Gate, Stateless, Verdict, set_cookie_name};
use crate::keys::Keys;
use crate::route::Rules;
use crate::session::Session;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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
    gate: Gate,
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
            gate: Gate {
                checker,
                rules: Rules::new(),
            },
            login_path: "/login".into(),
            home_path: "/".into(),
            rejection: None,
            reject_with: None,
        }
    }

    /// A guard for stateless sessions of type `T`.
    pub fn stateless<T: Session + Send + Sync + 'static>(keys: Keys) -> SessionGuard {
        SessionGuard::with(Arc::new(Stateless::<T>::new(keys)))
    }

    /// A guard for database sessions; it reads the store only to renew.
    pub fn database<T: Session + Send + Sync + 'static, S: SessionStore + 'static>(
        manager: Arc<SessionManager<T, S>>,
    ) -> SessionGuard {
        SessionGuard::with(Arc::new(Database::new(manager)))
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
        self.gate.rules.protect(prefix.as_ref());
        self
    }

    /// Sends signed-in users away from this path prefix (`/login`, `/signup`). Matched as
    /// [`SessionGuard::protect`] matches, which also wins where both apply.
    pub fn public_only(mut self, prefix: impl AsRef<str>) -> Self {
        self.gate.rules.public_only(prefix.as_ref());
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
            let header = cookie_header(request.headers());
            let mut pass = match guard.gate.decide(path, &header).await {
                Verdict::Pass(pass) => pass,
                Verdict::BadPath => {
                    let response = (StatusCode::BAD_REQUEST, "bad request").into_response();
                    return Ok(no_store(response));
                }
                Verdict::Reject { clear } => {
                    let rejection = guard.rejection.as_ref().unwrap_or(&Rejection::Login);
                    let mut response = rejection.respond(&guard.login_path);
                    set_cookie(&mut response, clear);
                    return Ok(no_store(response));
                }
                Verdict::Home => {
                    return Ok(no_store(Redirect::to(&guard.home_path).into_response()));
                }
            };
            drop(header);
            let mut request = request;
            let access = pass.access();
            if let Some(hand_off) = pass.hand_off.take() {
                hand_off.into_http(request.extensions_mut());
            }
            if let Some(reject_with) = &guard.reject_with {
                request.extensions_mut().insert(Arc::clone(reject_with));
            }
            let mut response = inner.call(request).await?;
            let handler_cookies = response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .filter_map(set_cookie_name);
            let cookie = guard.gate.cookie_for(pass, handler_cookies);
            set_cookie(&mut response, cookie);
            if gate::no_store(Some(access), response.headers().contains_key(SET_COOKIE)) {
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

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
