//! Building the session's `Set-Cookie` cookies and finding it in a `Cookie:` header.

use cookie::{Cookie, Expiration};
use time::OffsetDateTime;

use crate::config::{SameSite, SessionConfig};
use crate::error::Error;

/// Browsers store at most 4096 bytes of name plus value per cookie and silently drop a
/// larger one, so sessionkit refuses to make or read one.
pub const MAX_COOKIE_SIZE: usize = 4096;

/// The session cookie carrying `token`, with every configured attribute, `Expires` at the
/// token's expiry and `Max-Age` the time left until then.
pub(crate) fn session_cookie(
    config: &SessionConfig,
    token: String,
    expires_at: OffsetDateTime,
    max_age: time::Duration,
) -> Result<Cookie<'static>, Error> {
    let size = config.cookie_name.len() + token.len();
    if size > MAX_COOKIE_SIZE {
        return Err(Error::TooLarge {
            size,
            limit: MAX_COOKIE_SIZE,
        });
    }
    let mut cookie = base(config, token);
    cookie.set_expires(expires_at);
    cookie.set_max_age(max_age);
    Ok(cookie)
}

/// The cookie that deletes the session: same name, path and domain, an empty value, and
/// expired both ways (`Max-Age=0` and an `Expires` in the past).
pub fn removal_cookie(config: &SessionConfig) -> Cookie<'static> {
    let mut cookie = base(config, String::new());
    cookie.set_expires(Expiration::DateTime(OffsetDateTime::UNIX_EPOCH));
    cookie.set_max_age(time::Duration::ZERO);
    cookie
}

/// The attributes every session cookie shares. A removal cookie keeps them too, because a
/// browser only replaces a `__Host-`/`__Secure-` cookie with one that is also Secure.
fn base(config: &SessionConfig, value: String) -> Cookie<'static> {
    let mut builder = Cookie::build((config.cookie_name, value))
        .path(config.path)
        .secure(config.secure)
        .http_only(config.http_only)
        .same_site(match config.same_site {
            SameSite::Strict => cookie::SameSite::Strict,
            SameSite::Lax => cookie::SameSite::Lax,
            SameSite::None => cookie::SameSite::None,
        });
    if let Some(domain) = config.domain {
        builder = builder.domain(domain);
    }
    if config.partitioned {
        builder = builder.partitioned(true);
    }
    builder.build()
}

/// The cookie's `Set-Cookie` text with its value (a bearer token) left out, for `Debug`.
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) fn redacted(cookie: &Cookie<'_>) -> String {
    let mut shown = cookie.clone().into_owned();
    if !shown.value().is_empty() {
        shown.set_value("<redacted>");
    }
    shown.to_string()
}

/// Finds the value of the cookie `name` in a `Cookie:` request header.
///
/// - Pairs are split on `;`; spaces and tabs around names and values are trimmed (RFC 6265
///   section 5.4 lets browsers send `; ` or `;`). Names match exactly, case-sensitively.
/// - A value in double quotes, which RFC 6265 allows, is read without them.
/// - No such cookie, or an empty value (what a browser sends after a logout on some
///   paths), is [`Error::Missing`].
/// - A cookie over [`MAX_COOKIE_SIZE`] is [`Error::TooLarge`], before any decoding.
/// - **The name more than once is [`Error::DuplicateCookie`].** Two cookies of one name
///   arrive when another subdomain or path sets its own ("cookie tossing"). The header does
///   not say which is which, and trying each would let an attacker's valid session win, so
///   none is used. A `__Host-` name rules tossing out altogether.
pub fn find_session_cookie<'h>(header: &'h str, name: &str) -> Result<&'h str, Error> {
    let is_ows = |ch: char| ch == ' ' || ch == '\t';
    let mut found = None;
    let mut count = 0;
    for pair in header.split(';') {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        if key.trim_matches(is_ows) == name {
            count += 1;
            found = Some(value.trim_matches(is_ows));
        }
    }
    let Some(value) = found else {
        return Err(Error::Missing);
    };
    if count > 1 {
        return Err(Error::DuplicateCookie { count });
    }
    let size = name.len() + value.len();
    if size > MAX_COOKIE_SIZE {
        return Err(Error::TooLarge {
            size,
            limit: MAX_COOKIE_SIZE,
        });
    }
    let value = match value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(unquoted) => unquoted,
        None => value,
    };
    if value.is_empty() {
        return Err(Error::Missing);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_among_others_with_any_spacing() {
        assert_eq!(
            find_session_cookie("a=1; session=tok; b=2", "session"),
            Ok("tok")
        );
        assert_eq!(find_session_cookie("a=1;session=tok", "session"), Ok("tok"));
        assert_eq!(
            find_session_cookie(" \tsession = tok \t", "session"),
            Ok("tok")
        );
    }

    #[test]
    fn names_match_exactly() {
        assert_eq!(
            find_session_cookie("Session=tok", "session"),
            Err(Error::Missing)
        );
        assert_eq!(
            find_session_cookie("my_session=tok", "session"),
            Err(Error::Missing)
        );
        assert_eq!(
            find_session_cookie("sessionx=tok", "session"),
            Err(Error::Missing)
        );
    }

    #[test]
    fn documented_edge_cases() {
        assert_eq!(find_session_cookie("session=\"tok\"", "session"), Ok("tok"));
        assert_eq!(
            find_session_cookie("session=", "session"),
            Err(Error::Missing)
        );
        assert_eq!(
            find_session_cookie("session=\"\"", "session"),
            Err(Error::Missing)
        );
        assert_eq!(find_session_cookie("", "session"), Err(Error::Missing));
        assert_eq!(
            find_session_cookie("session", "session"),
            Err(Error::Missing)
        );
        assert_eq!(
            find_session_cookie("session=a; session=b", "session"),
            Err(Error::DuplicateCookie { count: 2 })
        );
        let big = format!("session={}", "x".repeat(MAX_COOKIE_SIZE));
        assert!(matches!(
            find_session_cookie(&big, "session"),
            Err(Error::TooLarge { .. })
        ));
    }
}
