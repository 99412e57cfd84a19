//! [`SessionLayer`](crate::SessionLayer) as actix-web middleware.

use std::future::{Ready, ready};

use actix_web::HttpMessage;
use actix_web::dev::{Service, ServiceRequest, Transform, forward_ready};

use crate::layer::{SessionLayer, Table};

impl<S, B> Transform<S, ServiceRequest> for SessionLayer
where
    S: Service<ServiceRequest, Response = actix_web::dev::ServiceResponse<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Transform = SessionLayerMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionLayerMiddleware {
            table: self.table().clone(),
            service,
        }))
    }
}

/// The service [`SessionLayer`](crate::SessionLayer) wraps around the routes.
pub struct SessionLayerMiddleware<S> {
    table: Table,
    service: S,
}

impl<S, B> Service<ServiceRequest> for SessionLayerMiddleware<S>
where
    S: Service<ServiceRequest, Response = actix_web::dev::ServiceResponse<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> S::Future {
        super::request::provide(&mut request.extensions_mut(), &self.table);
        self.service.call(request)
    }
}
