//! [`SessionGuard`]: the guide's proxy as actix-web middleware, with the same builder and the
//! same decision (the crate's framework-neutral guard core) as the axum layer.

use std::future::{Ready, ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, SET_COOKIE};
use actix_web::{Error as ActixError, HttpMessage, HttpResponse};
use futures_util::future::LocalBoxFuture;

use super::request::cookie_header;
use super::response::add_cookie;
use crate::guard::decide::{self, Deciding, GuardConfig, RejectWith, Verdict, set_cookie_name};

/// What a request without a valid session gets, from the guard on a protected path and from
/// the extractors behind it: as the axum `Rejection`, with actix-web's response type.
pub type Rejection = decide::Rejection<HttpResponse>;

/// Route protection in the manner of the guide's proxy, as actix-web middleware:
/// `App::new().wrap(SessionGuard::stateless::<T>(keys).protect("/dashboard"))`. The same
/// builder, the same decisions and the same hand-off to the extractors as the axum
/// `SessionGuard`; see there.
#[derive(Clone)]
pub struct SessionGuard {
    config: GuardConfig<Rejection>,
}

decide::guard_builder!(Rejection);

/// The guard's configuration, shared by every request.
struct Frozen {
    config: GuardConfig<Rejection>,
    reject_with: Arc<RejectWith<Rejection>>,
}

impl<S, B> Transform<S, ServiceRequest> for SessionGuard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = ActixError> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = ActixError;
    type Transform = SessionGuardMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let config = self.config.clone();
        let reject_with = config.reject_with();
        ready(Ok(SessionGuardMiddleware {
            service: Rc::new(service),
            frozen: Arc::new(Frozen {
                config,
                reject_with,
            }),
        }))
    }
}

/// The service [`SessionGuard`] wraps around the routes.
pub struct SessionGuardMiddleware<S> {
    service: Rc<S>,
    frozen: Arc<Frozen>,
}

impl<S, B> Service<ServiceRequest> for SessionGuardMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = ActixError> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = ActixError;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let frozen = Arc::clone(&self.frozen);
        // actix-web's scopes do not rewrite the URI: this is the path the client sent.
        let header = cookie_header(request.headers());
        let navigation = super::request::is_navigation(request.headers());
        let facts = super::request::facts(
            request.method(),
            request.uri(),
            request.headers(),
            request.path(),
        );
        let deciding = frozen.config.gate.decide(&facts, &header, navigation);
        drop(header);
        match deciding {
            Deciding::Now(verdict) => pass_on(frozen, service, request, verdict),
            Deciding::Later(verdict) => {
                Box::pin(async move { pass_on(frozen, service, request, verdict.await).await })
            }
        }
    }
}

/// Answers a refused request, or hands a passed one to the handler and finishes its
/// response: the renewed or removed cookie, and `no-store`.
fn pass_on<S, B>(
    frozen: Arc<Frozen>,
    service: Rc<S>,
    request: ServiceRequest,
    verdict: Verdict,
) -> LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B, BoxBody>>, ActixError>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = ActixError> + 'static,
    B: 'static,
{
    let mut pass = match frozen.config.answer(verdict) {
        Ok(pass) => pass,
        Err((mut response, cookies)) => {
            for cookie in &cookies {
                add_cookie(&mut response, cookie);
            }
            let response = request
                .into_response(no_store(response))
                .map_into_right_body();
            return Box::pin(async move { Ok(response) });
        }
    };
    let access = pass.access();
    if let Some(hand_off) = pass.hand_off.take() {
        hand_off.into_actix(&mut request.extensions_mut());
    }
    request
        .extensions_mut()
        .insert(Arc::clone(&frozen.reject_with));
    super::request::provide(&mut request.extensions_mut(), &frozen.config.provides);
    let handled = service.call(request);
    Box::pin(async move {
        let mut response = handled.await?;
        let handler_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .filter_map(|value| set_cookie_name(value.as_bytes()))
            .map(str::to_owned)
            .collect();
        let cookies = frozen
            .config
            .gate
            .cookies_for(pass, handler_cookies.iter().map(String::as_str));
        for cookie in &cookies {
            add_cookie(response.response_mut(), cookie);
        }
        let headers = response.headers_mut();
        if decide::no_store(Some(access), headers.contains_key(SET_COOKIE)) {
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        Ok(response.map_into_left_body())
    })
}

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
