//! The route guard, for any web framework: the path rules ([`route`]), cross-origin
//! protection (`cross_origin`) and the decision made from them and the cookie (`decide`). The `axum` and `actix` modules translate requests
//! and responses to and from it, and nothing more.

#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) mod cross_origin;
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) mod decide;
pub mod route;
