//! [`SessionGuard`]: the guide's proxy as a tower layer. Optimistic route protection from
//! the cookie alone, and the rolling refresh.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::OriginalUri;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderValue, Request};
use axum::response::Response;
use cookie::Cookie;
use tower_layer::Layer;
use tower_service::Service;

use super::request::cookie_header;
use crate::guard::decide::{self, Deciding, GuardConfig, RejectWith, Verdict, set_cookie_name};

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
#[derive(Clone)]
pub struct SessionGuard {
    config: GuardConfig<Rejection>,
}

decide::guard_builder!(Rejection);

/// The guard's configuration, frozen when it is layered: each request shares it through one
/// reference count instead of copying the prefixes and paths.
struct Frozen {
    config: GuardConfig<Rejection>,
    /// The rejection as the extractors receive it, built once rather than per request.
    reject_with: Arc<RejectWith<Rejection>>,
}

/// What a request without a valid session gets, from the guard on a protected path and from
/// the extractors behind it: `Unauthorized` (a bare `401`), `Login` (a redirect to the
/// guard's login path) or `Rejection::custom(|| ...)`. Set it with
/// [`SessionGuard::on_rejection`]; without it, the guard redirects to its login path and the
/// extractors answer `401`. A failing store is always `503`: an outage is not "signed out".
pub type Rejection = decide::Rejection<Response>;

impl<S> Layer<S> for SessionGuard {
    type Service = SessionGuardService<S>;

    fn layer(&self, inner: S) -> SessionGuardService<S> {
        let config = self.config.clone();
        let reject_with = config.reject_with();
        SessionGuardService {
            guard: Arc::new(Frozen {
                config,
                reject_with,
            }),
            inner,
        }
    }
}

/// The service [`SessionGuard`] wraps around the routes.
#[derive(Clone)]
pub struct SessionGuardService<S> {
    guard: Arc<Frozen>,
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
        let inner = std::mem::replace(&mut self.inner, clone);
        let guard = Arc::clone(&self.guard);
        // A nested router strips its prefix from the URI; the guard decides on the path
        // the client asked for, so its prefixes mean the same wherever it is layered.
        let path = match request.extensions().get::<OriginalUri>() {
            Some(original) => original.path(),
            None => request.uri().path(),
        };
        let header = cookie_header(request.headers());
        let navigation = super::request::is_navigation(request.headers());
        let facts = super::request::facts(request.method(), request.uri(), request.headers(), path);
        let deciding = guard.config.gate.decide(&facts, &header, navigation);
        drop(header);
        match deciding {
            Deciding::Now(verdict) => pass_on(guard, inner, request, verdict),
            Deciding::Later(verdict) => {
                Box::pin(async move { pass_on(guard, inner, request, verdict.await).await })
            }
        }
    }
}

/// Answers a refused request, or hands a passed one to the handler and finishes its
/// response: the renewed or removed cookie, and `no-store`.
fn pass_on<S>(
    guard: Arc<Frozen>,
    mut inner: S,
    mut request: Request<Body>,
    verdict: Verdict,
) -> BoxFuture<'static, Result<Response, S::Error>>
where
    S: Service<Request<Body>, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    let mut pass = match guard.config.answer(verdict) {
        Ok(pass) => pass,
        Err((mut response, cookies)) => {
            set_cookies(&mut response, cookies);
            return Box::pin(async move { Ok(no_store(response)) });
        }
    };
    let access = pass.access();
    if let Some(hand_off) = pass.hand_off.take() {
        hand_off.into_http(request.extensions_mut());
    }
    request
        .extensions_mut()
        .insert(Arc::clone(&guard.reject_with));
    super::request::provide(request.extensions_mut(), &guard.config.provides);
    let handled = inner.call(request);
    Box::pin(async move {
        let mut response = handled.await?;
        let handler_cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| set_cookie_name(value.as_bytes()));
        let cookies = guard.config.gate.cookies_for(pass, handler_cookies);
        set_cookies(&mut response, cookies);
        if decide::no_store(Some(access), response.headers().contains_key(SET_COOKIE)) {
            response = no_store(response);
        }
        Ok(response)
    })
}

fn set_cookies(response: &mut Response, cookies: Vec<Cookie<'static>>) {
    super::response::append_cookies(response.headers_mut(), &cookies);
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
