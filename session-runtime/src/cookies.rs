//! Building the session's `Set-Cookie` cookies and finding it in a `Cookie:` header.

use std::borrow::Cow;

use cookie::{Cookie, Expiration};
use time::OffsetDateTime;

use crate::config::{Format, SameSite, SessionConfig};
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
/// The most chunks a chunked session is split into, and read from: iron-session reads at
/// most 4; for the other formats 8 (some 31 KB, already more than many proxies let through
/// in one request's headers).
pub const fn max_chunks(format: Format) -> usize {
    match format {
        Format::Iron => 4,
        _ => 8,
    }
}

/// The longest token a session type reads: one cookie's worth, or all of its chunks' for a
/// chunked type.
pub(crate) fn max_token_len(config: &SessionConfig) -> usize {
    match config.chunked {
        true => max_chunks(config.format) * config.format.chunk_size(),
        false => MAX_COOKIE_SIZE,
    }
}

/// A token's size against its limit, as `Error::TooLarge` reports them: the cookie's name
/// and value against [`MAX_COOKIE_SIZE`], or for a chunked type the token against all of
/// its chunks.
pub(crate) fn token_size(config: &SessionConfig, token: &str) -> (usize, usize) {
    match config.chunked {
        true => (token.len(), max_token_len(config)),
        false => (config.cookie_name.len() + token.len(), MAX_COOKIE_SIZE),
    }
}

/// The session cookies a request carried: the whole cookie, and the indices of chunks.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Carried {
    whole: bool,
    chunks: Vec<usize>,
}

impl Carried {
    /// What a `Cookie:` header carries of a chunked session's cookie and its chunks;
    /// nothing for a type that is not chunked, whose name with a `.0` may be another cookie.
    ///
    /// Each name counts once, and only chunk indices this type could have written (below
    /// [`max_chunks`]): a response removes at most the whole cookie and that many chunks,
    /// however many names the request repeats or invents, so that no client chooses how
    /// many `Set-Cookie` headers it gets back.
    pub(crate) fn of(header: &str, config: &SessionConfig) -> Carried {
        let name = config.cookie_name;
        let mut carried = Carried::default();
        if !config.chunked {
            return carried;
        }
        let limit = max_chunks(config.format);
        let mut seen = [false; 16];
        for (key, _) in pairs(header) {
            if key == name {
                carried.whole = true;
            } else if let Some(index) = chunk_index(key, name).filter(|index| *index < limit) {
                seen[index] = true;
            }
        }
        carried.chunks = (0..limit).filter(|index| seen[*index]).collect();
        carried
    }

    /// Nothing: for a cookie made without a request at hand.
    pub(crate) const fn none() -> Carried {
        Carried {
            whole: false,
            chunks: Vec::new(),
        }
    }

    /// The names of the carried cookies, for a removal of all of them.
    fn names<'a>(&'a self, name: &'a str) -> impl Iterator<Item = Cow<'a, str>> + 'a {
        self.whole.then_some(Cow::Borrowed(name)).into_iter().chain(
            self.chunks
                .iter()
                .map(move |index| Cow::Owned(chunk_name(name, *index))),
        )
    }
}

fn chunk_name(name: &str, index: usize) -> String {
    format!("{name}.{index}")
}

/// The index of a chunk named `<name>.<index>`: decimal digits without a leading zero, as
/// the writers name them.
fn chunk_index(key: &str, name: &str) -> Option<usize> {
    let digits = key.strip_prefix(name)?.strip_prefix('.')?;
    let canonical = !digits.is_empty()
        && digits.len() <= 3
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    canonical.then(|| digits.parse().ok()).flatten()
}

/// Each `name=value` pair of a `Cookie:` header, trimmed of optional whitespace.
fn pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    let is_ows = |ch: char| ch == ' ' || ch == '\t';
    header.split(';').filter_map(move |pair| {
        let (key, value) = pair.split_once('=')?;
        Some((key.trim_matches(is_ows), value.trim_matches(is_ows)))
    })
}

/// The session's token in a `Cookie:` header: its cookie, or for a chunked type with no
/// whole cookie, its chunks joined in index order. A gap in the indices, a repeated index or
/// more chunks than the type ever writes is refused: the token would not open anyway, and
/// the refusal says why.
///
/// A whole cookie *beside* chunks is refused as [`Error::DuplicateCookie`], as two whole
/// cookies are: sessionkit and Auth.js never leave both (each write removes the other
/// form), so both at once means that someone tossed one in from a sibling subdomain, and
/// picking either could sign the victim in as the attacker.
pub(crate) fn read_session_value<'h>(
    header: &'h str,
    config: &SessionConfig,
) -> Result<Cow<'h, str>, Error> {
    match find_session_cookie(header, config.cookie_name) {
        Err(Error::Missing) if config.chunked => join_chunks(header, config),
        Ok(value) if config.chunked => {
            let chunks = pairs(header)
                .filter(|(key, _)| chunk_index(key, config.cookie_name).is_some())
                .count();
            match chunks {
                0 => Ok(Cow::Borrowed(value)),
                chunks => Err(Error::DuplicateCookie { count: chunks + 1 }),
            }
        }
        found => found.map(Cow::Borrowed),
    }
}

fn join_chunks<'h>(header: &'h str, config: &SessionConfig) -> Result<Cow<'h, str>, Error> {
    let name = config.cookie_name;
    let mut chunks: Vec<(usize, &str)> = pairs(header)
        .filter_map(|(key, value)| Some((chunk_index(key, name)?, value)))
        .collect();
    if chunks.is_empty() {
        return Err(Error::Missing);
    }
    let limit = max_chunks(config.format);
    if chunks.len() > limit {
        let size = chunks.iter().map(|(_, value)| value.len()).sum();
        return Err(Error::CookieTooLarge {
            size,
            limit: max_token_len(config),
        });
    }
    chunks.sort_by_key(|(index, _)| *index);
    for pair in chunks.windows(2) {
        if pair[0].0 == pair[1].0 {
            let count = chunks
                .iter()
                .filter(|(index, _)| *index == pair[0].0)
                .count();
            return Err(Error::DuplicateCookie { count });
        }
    }
    if chunks
        .iter()
        .enumerate()
        .any(|(at, (index, _))| at != *index)
    {
        return Err(Error::Malformed("the session's cookie chunks have a gap"));
    }
    let mut joined = String::with_capacity(chunks.iter().map(|(_, value)| value.len()).sum());
    for (_, value) in chunks {
        joined.push_str(value);
    }
    Ok(Cow::Owned(joined))
}

/// The `Set-Cookie` cookies for a token: one cookie when it fits (for a chunked type, when it
/// is at most the format's chunk size, as Auth.js decides), else its chunks in order, each
/// with every attribute, and the whole cookie's removal. Cookies `carried` by the request
/// that the new ones do not replace are removed, so that no stale chunk is joined to the
/// new token.
pub(crate) fn session_cookies(
    config: &SessionConfig,
    token: String,
    expires_at: OffsetDateTime,
    max_age: time::Duration,
    carried: &Carried,
) -> Result<Vec<Cookie<'static>>, Error> {
    let chunk = config.format.chunk_size();
    let mut cookies = Vec::new();
    let mut written = Carried::none();
    if !config.chunked || token.len() <= chunk {
        cookies.push(session_cookie(config, token, expires_at, max_age)?);
        written.whole = true;
    } else {
        // The token is ASCII (base64url and the formats' separators), so any byte offset is
        // a character boundary.
        for (index, part) in token.as_bytes().chunks(chunk).enumerate() {
            let value = String::from_utf8_lossy(part).into_owned();
            let mut cookie = base(config, value);
            cookie.set_name(chunk_name(config.cookie_name, index));
            cookie.set_expires(expires_at);
            cookie.set_max_age(max_age);
            cookies.push(cookie);
            written.chunks.push(index);
        }
        // Whoever reads the whole cookie first (this crate, iron-session) would otherwise
        // keep reading an older, smaller session.
        cookies.push(removal_cookie(config));
        written.whole = true;
    }
    cookies.extend(stale(config, carried, |name| {
        written.names(config.cookie_name).any(|set| set == name)
    }));
    Ok(cookies)
}

/// Removals of every session cookie `carried` that `replaced` says no new cookie sets.
pub(crate) fn stale<'a>(
    config: &'a SessionConfig,
    carried: &'a Carried,
    replaced: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = Cookie<'static>> + 'a {
    carried
        .names(config.cookie_name)
        .filter(move |name| !replaced(name))
        .map(move |name| removal_named(config, name.into_owned()))
}

/// Removals of the session cookie and of every chunk the request carried.
pub fn removal_cookies(config: &SessionConfig, carried: &Carried) -> Vec<Cookie<'static>> {
    let mut cookies = vec![removal_cookie(config)];
    cookies.extend(
        carried
            .chunks
            .iter()
            .map(|index| removal_named(config, chunk_name(config.cookie_name, *index))),
    );
    cookies
}

fn removal_named(config: &SessionConfig, name: String) -> Cookie<'static> {
    let mut cookie = removal_cookie(config);
    cookie.set_name(name);
    cookie
}

/// Whether a `Set-Cookie` of this name sets the session of `name`: its cookie or a chunk.
pub(crate) fn is_session_name(set: &str, name: &str) -> bool {
    set == name || chunk_index(set, name).is_some()
}

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
/// - A cookie over [`MAX_COOKIE_SIZE`] is [`Error::CookieTooLarge`], before any decoding.
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
        return Err(Error::CookieTooLarge {
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
    fn carried_names_count_once_and_only_below_the_chunk_limit() {
        let config = SessionConfig::DEFAULT
            .with_cookie_name("s")
            .with_chunked(true);
        let junk: String = std::iter::repeat_n("s.1=; s.7=; s.8=; s.999=; s=", 500)
            .collect::<Vec<_>>()
            .join("; ");
        let carried = Carried::of(&junk, &config);
        assert_eq!(
            carried,
            Carried {
                whole: true,
                chunks: vec![1, 7]
            }
        );
        let removals = removal_cookies(&config, &carried);
        let names: Vec<&str> = removals.iter().map(|cookie| cookie.name()).collect();
        assert_eq!(names, ["s", "s.1", "s.7"]);
        // The most a request can make a response remove: the whole cookie and every chunk.
        let every: Vec<String> = (0..1000).map(|index| format!("s.{index}=x")).collect();
        let carried = Carried::of(&format!("s=x; {}", every.join("; ")), &config);
        assert_eq!(
            removal_cookies(&config, &carried).len(),
            max_chunks(Format::Jose) + 1
        );
    }

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
            Err(Error::CookieTooLarge { .. })
        ));
    }

    fn chunked() -> SessionConfig {
        SessionConfig::DEFAULT
            .with_cookie_name("s")
            .with_chunked(true)
    }

    #[test]
    fn chunks_join_in_index_order_and_refuse_gaps_repeats_and_excess() {
        let config = chunked();
        assert_eq!(
            read_session_value("s.1=b; x=1; s.0=a; s.2=c", &config).unwrap(),
            "abc"
        );
        // A whole cookie beside chunks is ambiguous (one was tossed in): neither is used. A
        // type without `chunked` ignores chunks.
        assert_eq!(
            read_session_value("s.0=a; s=w", &config),
            Err(Error::DuplicateCookie { count: 2 })
        );
        assert_eq!(
            read_session_value("s=w; s.0=a; s.1=b", &config),
            Err(Error::DuplicateCookie { count: 3 })
        );
        assert_eq!(read_session_value("s=w; s.x=a", &config).unwrap(), "w");
        assert_eq!(
            read_session_value("s.0=a", &SessionConfig::DEFAULT.with_cookie_name("s")),
            Err(Error::Missing)
        );
        assert_eq!(read_session_value("", &config), Err(Error::Missing));
        for gap in ["s.1=b", "s.0=a; s.2=c", "s.999=z"] {
            assert!(
                matches!(read_session_value(gap, &config), Err(Error::Malformed(_))),
                "{gap}"
            );
        }
        assert_eq!(
            read_session_value("s.0=a; s.0=b", &config),
            Err(Error::DuplicateCookie { count: 2 })
        );
        let many: Vec<String> = (0..9).map(|i| format!("s.{i}=x")).collect();
        assert!(matches!(
            read_session_value(&many.join("; "), &config),
            Err(Error::CookieTooLarge { .. })
        ));
        // Not chunk names: a leading zero, a sign, other text.
        for other in ["s.00=a", "s.+1=a", "s.1a=a", "s.=a", "sx.0=a"] {
            assert_eq!(
                read_session_value(other, &config),
                Err(Error::Missing),
                "{other}"
            );
        }
    }
}
