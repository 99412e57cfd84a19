//! axum integration (feature `axum`): extractors, response parts and the route guard.
//!
//! | Next.js guide | here |
//! | --- | --- |
//! | `cookies().get('session')` + `decrypt` | the [`Verified<T>`](crate::Verified) extractor (or `Option<Verified<T>>`) |
//! | `verifySession()` in the data access layer | the [`DbSession<T>`](crate::db::DbSession) extractor, which checks the row |
//! | `createSession` / `updateSession` / `deleteSession` | return a [`SetSession`] from the handler |
//! | `proxy.ts` (middleware) | the [`SessionGuard`] layer |

mod extract;
mod guard;
mod request;
mod response;

pub use self::extract::{HasSessions, Unauthorized};
pub use self::guard::{Rejection, SessionGuard, SessionGuardService};
pub use self::response::{SetSession, SetSessionCookies};
