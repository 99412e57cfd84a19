//! axum integration (feature `axum`): extractors, response parts and the route guard.
//!
//! | Next.js guide | here |
//! | --- | --- |
//! | `cookies().get('session')` + `decrypt` | the [`Verified<T>`](crate::Verified) extractor (or `Option<Verified<T>>`) |
//! | `verifySession()` in the data access layer | the [`DbSession<T>`](crate::db::DbSession) extractor, which checks the row |
//! | (configuration) | [`SessionLayer`] gives each session type its keys or manager, in any router state |
//! | `createSession` / `updateSession` / `deleteSession` | return a [`SetSession`] from the handler |
//! | `proxy.ts` (middleware) | the [`SessionGuard`] layer |

mod extract;
mod guard;
mod layer;
mod request;
mod response;

pub use self::extract::Unauthorized;
pub use self::guard::{Rejection, SessionGuard, SessionGuardService};
pub use self::layer::SessionLayerService;
#[cfg(feature = "leptos")]
pub(crate) use self::request::cookie_header;
#[cfg(feature = "leptos")]
pub(crate) use self::response::append_cookies;
pub use self::response::{SetSession, SetSessionCookies};
pub use crate::layer::SessionLayer;
