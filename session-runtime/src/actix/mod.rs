//! actix-web integration (feature `actix`): the same sessions, extractors and route
//! protection as the axum integration, on the same framework-neutral guard decision
//! (the crate's framework-neutral guard core); only the translation to actix-web's requests and responses is here.
//!
//! | axum (`axum`) | actix-web (`actix`) |
//! | --- | --- |
//! | `Verified<T>` extractor, `Keys` from the state (`FromRef`) | `Verified<T>` extractor, `Keys` from `web::Data<Keys>` |
//! | `DbSession<T>` extractor, the state implements `HasSessions<T>` | `DbSession<T>` extractor, [`Sessions<T>`] in `web::Data` |
//! | `SetSession(cookie)` in a response tuple | [`SetSession`]`(cookie).with(responder)` |
//! | `SessionGuard` layer | [`SessionGuard`] middleware (`.wrap(...)`), same builder |
//! | `Rejection`, `Unauthorized` | [`Rejection`], [`Unauthorized`] |
//!
//! actix-web uses an older `cookie` crate; sessionkit never converts its cookies to that
//! type, but writes the `Set-Cookie` header text itself, so every attribute (`Partitioned`
//! included) survives.

mod extract;
mod guard;
mod request;
mod response;

pub use self::extract::{Sessions, Unauthorized};
pub use self::guard::{Rejection, SessionGuard, SessionGuardMiddleware};
pub use self::response::{SetSession, SetSessionCookies, WithSession};
