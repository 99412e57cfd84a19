//! actix-web integration (feature `actix`): the same sessions, extractors and route
//! protection as the axum integration, on the same framework-neutral guard decision
//! (the crate's framework-neutral guard core); only the translation to actix-web's requests and responses is here.
//!
//! | axum (`axum`) | actix-web (`actix`) |
//! | --- | --- |
//! | `.layer(SessionLayer::new().keys::<T>(keys).manager(manager))` | `.wrap(SessionLayer::new().keys::<T>(keys).manager(manager))`, the same [`SessionLayer`] |
//! | `Verified<T>` extractor: keys from the layer, the guard, or a state that is `Keys` | `Verified<T>` extractor: keys from the layer, the guard, or `web::Data<Keys>` |
//! | `DbSession<T>` extractor: manager from the layer or the guard | `DbSession<T>` extractor: manager from the layer, the guard, or [`Sessions<T>`] in `web::Data` |
//! | `SetSession(cookie)` in a response tuple | [`SetSession`]`(cookie).with(responder)` |
//! | `SessionGuard` layer | [`SessionGuard`] middleware (`.wrap(...)`), same builder |
//! | `Rejection`, `Unauthorized` | [`Rejection`], [`Unauthorized`] |
//!
//! actix-web uses an older `cookie` crate; sessionkit never converts its cookies to that
//! type, but writes the `Set-Cookie` header text itself, so every attribute (`Partitioned`
//! included) survives.

mod extract;
mod guard;
mod layer;
mod request;
mod response;

pub use self::extract::Unauthorized;
pub use self::guard::{Rejection, SessionGuard, SessionGuardMiddleware};
pub use self::layer::SessionLayerMiddleware;
pub use self::response::{SetSession, SetSessionCookies, WithSession};
pub use crate::layer::{SessionLayer, Sessions};
