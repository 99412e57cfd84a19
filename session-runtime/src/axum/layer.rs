//! [`SessionLayer`](crate::SessionLayer) as a tower layer.

use std::task::{Context, Poll};

use axum::http::Request;
use tower_layer::Layer;
use tower_service::Service;

use crate::layer::{SessionLayer, Table};

impl<S> Layer<S> for SessionLayer {
    type Service = SessionLayerService<S>;

    fn layer(&self, inner: S) -> SessionLayerService<S> {
        SessionLayerService {
            table: self.table().clone(),
            inner,
        }
    }
}

/// The service [`SessionLayer`](crate::SessionLayer) wraps around the routes.
#[derive(Clone)]
pub struct SessionLayerService<S> {
    table: Table,
    inner: S,
}

impl<S, B> Service<Request<B>> for SessionLayerService<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> S::Future {
        super::request::provide(request.extensions_mut(), &self.table);
        self.inner.call(request)
    }
}
