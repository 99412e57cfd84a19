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
mod response;

pub use self::extract::{HasSessions, Unauthorized};
pub use self::guard::{Rejection, SessionGuard, SessionGuardService};
pub use self::response::SetSession;

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// All `Cookie:` headers of a request as one (HTTP/2 may split them), joined as RFC 6265
/// section 5.4 joins cookies.
pub(crate) fn cookie_header(headers: &HeaderMap) -> String {
    let mut joined = String::new();
    for value in headers.get_all(COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        if !joined.is_empty() {
            joined.push_str("; ");
        }
        joined.push_str(value);
    }
    joined
}
