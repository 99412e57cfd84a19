//! Which rule of a route guard a request path falls under, decided on the path the router
//! will see: percent-decoded, segment by segment.
//!
//! Matching the raw path would let `/%61dmin`, `/admin%2fusers` or `/files//private` walk
//! past a guard on `/admin` or `/files/private` while the router, which decodes, still
//! serves the protected handler. So the path is decoded first, and a path that cannot be
//! decoded into one unambiguous list of segments is refused outright: an encoded `/` or
//! `\`, a raw `\`, a `.` or `..` segment (encoded or not), an empty segment (`//`) other
//! than a trailing slash, an invalid percent-encoding, bytes that are not UTF-8 once
//! decoded, and control characters.
//!
//! Prefixes match whole segments (`/api` covers `/api`, `/api/` and `/api/keys`, never
//! `/apix`), and case is ignored as Unicode folds it, so a handler that reads a path
//! parameter case-insensitively cannot be reached as `/ADMIN` either, nor as `/ſecret`
//! (U+017F, which upper-cases to `S`) or `/Keys` (the Kelvin sign, U+212A, which
//! lower-cases to `k`), which `to_uppercase`, `to_lowercase` and actix-web's `(?i)` routes
//! all fold onto ASCII letters. Each character is compared upper-cased, then lower-cased
//! ([`fold`]): that equates every pair that Unicode's simple case folding does, and a few
//! more (`ß` and `ss`, `ı` and `i`), which only ever puts more paths under a prefix.

use std::borrow::Cow;
use std::fmt;

/// A request path that cannot be decoded safely; the guard answers `400 Bad Request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsafePath(&'static str);

impl fmt::Display for UnsafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the request path is refused: {}", self.0)
    }
}

impl std::error::Error for UnsafePath {}

/// What a guard does with a request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Under a protected prefix: a session is required.
    Protected,
    /// Under a public-only prefix (and no protected one): signed-in users are sent away.
    PublicOnly,
    /// Under neither.
    Open,
}

/// The decoded segments of a request path, without the empty one a trailing slash leaves.
///
/// ```
/// use sessionkit_runtime::route::segments;
///
/// assert_eq!(segments("/files/%70rivate/").unwrap(), ["files", "private"]);
/// assert!(segments("/files/private%2freport.pdf").is_err());
/// assert!(segments("/files//private").is_err());
/// assert!(segments("/files/../admin").is_err());
/// ```
pub fn segments(path: &str) -> Result<Vec<String>, UnsafePath> {
    Ok(decoded(path)?.into_iter().map(Cow::into_owned).collect())
}

/// The decoded segments, borrowed from `path` where nothing needed decoding: a request's
/// path is split once, with one allocation in the common case.
fn decoded(path: &str) -> Result<Vec<Cow<'_, str>>, UnsafePath> {
    raw_segments(path)?.map(segment).collect()
}

/// The raw (still encoded) segments of a path: after the leading `/`, split on `/`, without
/// the empty one a trailing slash leaves. `/` alone has none.
fn raw_segments(path: &str) -> Result<impl Iterator<Item = &str>, UnsafePath> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(UnsafePath("it does not start with `/`"));
    };
    // Only `/` itself has no segments: `//` keeps an empty one, which `segment` refuses.
    let root = rest.is_empty();
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    Ok(rest.split('/').filter(move |_| !root))
}

fn segment(raw: &str) -> Result<Cow<'_, str>, UnsafePath> {
    if raw.is_empty() {
        return Err(UnsafePath("it has an empty segment"));
    }
    if raw.contains('\\') {
        return Err(UnsafePath("it contains `\\`"));
    }
    let decoded = match raw.contains('%') {
        false => Cow::Borrowed(raw),
        true => Cow::Owned(
            String::from_utf8(percent_decode(raw)?)
                .map_err(|_| UnsafePath("it decodes to bytes that are not UTF-8"))?,
        ),
    };
    if decoded.contains(['/', '\\']) {
        return Err(UnsafePath("it contains an encoded `/` or `\\`"));
    }
    if decoded.chars().any(char::is_control) {
        return Err(UnsafePath("it contains a control character"));
    }
    if decoded == "." || decoded == ".." {
        return Err(UnsafePath("it has a dot segment"));
    }
    Ok(decoded)
}

fn percent_decode(raw: &str) -> Result<Vec<u8>, UnsafePath> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = |at: usize| bytes.get(at).and_then(|byte| (*byte as char).to_digit(16));
            let (Some(high), Some(low)) = (hex(index + 1), hex(index + 2)) else {
                return Err(UnsafePath("it has an invalid percent-encoding"));
            };
            out.push((high * 16 + low) as u8);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    Ok(out)
}

/// A segment with case folded away: each character upper-cased, then lower-cased, so that
/// every character a case-insensitive comparison could take for another folds to the same
/// text.
///
/// ```
/// use sessionkit_runtime::route::fold;
///
/// assert_eq!(fold("Admin"), "admin");
/// assert_eq!(fold("\u{17F}ecret"), "secret"); // ſecret
/// assert_eq!(fold("\u{212A}eys"), "keys"); // the Kelvin sign
/// ```
pub fn fold(segment: &str) -> String {
    segment
        .chars()
        .flat_map(char::to_uppercase)
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a request's decoded segment is a prefix's folded segment, without folding (or
/// allocating for) the common ASCII segment.
fn same_folded(folded_prefix: &str, segment: &str) -> bool {
    if segment.is_ascii() {
        // An ASCII segment folds to its ASCII lower case, which only an ASCII prefix matches.
        folded_prefix.eq_ignore_ascii_case(segment)
    } else {
        fold(segment) == folded_prefix
    }
}

/// A guard's prefixes, decoded and case-folded once when the guard is built, each with the
/// access it gives. Like a router, the most specific rule wins: the prefix with the most
/// segments that the path falls under. Two rules on the same prefix resolve to the stricter
/// (protected, then public-only, then public).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    rules: Vec<(Vec<String>, Access)>,
    /// The login page, which a signed-out request can always reach (see [`Rules::login`]).
    login: Option<Vec<String>>,
}

impl Rules {
    /// No prefixes: every path is [`Access::Open`].
    pub fn new() -> Rules {
        Rules::default()
    }

    /// Adds a protected prefix.
    ///
    /// # Panics
    ///
    /// If the prefix itself is not a safe path (see [`segments`]): that is a mistake in the
    /// application's code, found the first time it runs.
    pub fn protect(&mut self, prefix: &str) {
        self.rules
            .push((prefix_segments(prefix), Access::Protected));
    }

    /// Adds a public-only prefix. Panics as [`Rules::protect`] does.
    pub fn public_only(&mut self, prefix: &str) {
        self.rules
            .push((prefix_segments(prefix), Access::PublicOnly));
    }

    /// Adds a public prefix, reachable by anyone: an opening under a protected prefix
    /// (`/admin/help` under `/admin`). Panics as [`Rules::protect`] does.
    pub fn public(&mut self, prefix: &str) {
        self.rules.push((prefix_segments(prefix), Access::Open));
    }

    /// Sets the login page. That exact path is never [`Access::Protected`], whatever prefix
    /// covers it, so that a guard never redirects its login page to itself; a public-only
    /// rule still applies there. A path that is not a plain absolute path (a URL on
    /// another host) names no page of this app and is ignored.
    pub fn login(&mut self, path: &str) {
        self.login = segments(path)
            .ok()
            .map(|segments| segments.iter().map(|segment| fold(segment)).collect());
    }

    /// Classifies a raw request path (as it arrives, still percent-encoded).
    ///
    /// ```
    /// use sessionkit_runtime::route::{Access, Rules};
    ///
    /// let mut rules = Rules::new();
    /// rules.protect("/admin/");
    /// rules.public("/admin/help");
    /// rules.public_only("/login");
    /// assert_eq!(rules.classify("/%61dmin/users"), Ok(Access::Protected));
    /// assert_eq!(rules.classify("/admin"), Ok(Access::Protected));
    /// assert_eq!(rules.classify("/Admin/Help/faq"), Ok(Access::Open));
    /// assert_eq!(rules.classify("/adminx"), Ok(Access::Open));
    /// assert_eq!(rules.classify("/login"), Ok(Access::PublicOnly));
    /// assert!(rules.classify("/admin%2Fusers").is_err());
    /// ```
    pub fn classify(&self, path: &str) -> Result<Access, UnsafePath> {
        // Every segment is checked first, so that an unsafe one anywhere refuses the path;
        // then each prefix is compared against the segments again, decoded on the fly,
        // rather than collecting them: no allocation for a path without `%`.
        let mut count = 0;
        for raw in raw_segments(path)? {
            segment(raw)?;
            count += 1;
        }
        let starts_with = |prefix: &[String]| {
            prefix.len() <= count
                && raw_segments(path).is_ok_and(|mut raws| {
                    prefix.iter().all(|want| {
                        raws.next()
                            .map(segment)
                            .is_some_and(|have| have.is_ok_and(|have| same_folded(want, &have)))
                    })
                })
        };
        let strictness = |access: Access| match access {
            Access::Protected => 2,
            Access::PublicOnly => 1,
            Access::Open => 0,
        };
        let access = self
            .rules
            .iter()
            .filter(|(prefix, _)| starts_with(prefix))
            .max_by_key(|(prefix, access)| (prefix.len(), strictness(*access)))
            .map_or(Access::Open, |(_, access)| *access);
        let is_login = || {
            self.login
                .as_deref()
                .is_some_and(|login| login.len() == count && starts_with(login))
        };
        Ok(match access {
            Access::Protected if is_login() => Access::Open,
            access => access,
        })
    }
}

fn prefix_segments(prefix: &str) -> Vec<String> {
    match segments(prefix) {
        Ok(segments) => segments.iter().map(|segment| fold(segment)).collect(),
        // A prefix is the application's own text, fixed at start-up: say so, rather than
        // calling it a refused request path.
        Err(UnsafePath(reason)) => panic!(
            "the route prefix {prefix:?} given to protect(), public() or public_only() must be \
             an absolute path such as \"/admin\", and {reason}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_segment_by_segment() {
        assert_eq!(segments("/").unwrap(), Vec::<String>::new());
        assert_eq!(segments("/a%20b/c").unwrap(), ["a b", "c"]);
        assert_eq!(segments("/caf%C3%A9").unwrap(), ["café"]);
        for bad in [
            "",
            "a",
            "//",
            "/a//b",
            "/a/./b",
            "/a/../b",
            "/a/%2e%2e/b",
            "/a/%2E/b",
            "/a%2fb",
            "/a%2Fb",
            "/a%5cb",
            "/a\\b",
            "/a%",
            "/a%2",
            "/a%zz",
            "/%ff",
            "/a%00b",
            "/a%0d%0ab",
        ] {
            assert!(segments(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn prefixes_match_whole_segments_in_any_case() {
        let mut rules = Rules::new();
        rules.protect("/dashboard");
        assert_eq!(rules.classify("/dashboard"), Ok(Access::Protected));
        assert_eq!(rules.classify("/dashboard/"), Ok(Access::Protected));
        assert_eq!(rules.classify("/Dashboard/x"), Ok(Access::Protected));
        assert_eq!(rules.classify("/dashboards"), Ok(Access::Open));
        assert_eq!(rules.classify("/"), Ok(Access::Open));
        // Characters that fold onto ASCII letters, both ways round.
        assert_eq!(rules.classify("/%C5%BFashboard"), Ok(Access::Open));
        let mut folded = Rules::new();
        folded.protect("/secret");
        folded.protect("/\u{17F}tra\u{DF}e");
        assert_eq!(folded.classify("/%C5%BFecret"), Ok(Access::Protected));
        assert_eq!(folded.classify("/SECRET"), Ok(Access::Protected));
        assert_eq!(folded.classify("/STRASSE"), Ok(Access::Protected));
        assert_eq!(folded.classify("/stra%C3%9Fe"), Ok(Access::Protected));
        assert_eq!(folded.classify("/secrets"), Ok(Access::Open));
        let mut everything = Rules::new();
        everything.protect("/");
        assert_eq!(everything.classify("/anything"), Ok(Access::Protected));
    }

    #[test]
    fn the_most_specific_rule_wins_and_the_login_page_is_reachable() {
        let mut rules = Rules::new();
        rules.protect("/admin");
        rules.public("/admin/help");
        rules.protect("/admin/help/secret");
        rules.public_only("/admin/login");
        rules.login("/admin/login");
        let table = [
            ("/admin", Access::Protected),
            ("/admin/users", Access::Protected),
            ("/admin/help", Access::Open),
            ("/ADMIN/%68elp/x", Access::Open),
            ("/admin/help/secret", Access::Protected),
            ("/admin/help/Secret/more", Access::Protected),
            ("/admin/login", Access::PublicOnly),
            ("/admin/login/extra", Access::PublicOnly),
        ];
        for (path, access) in table {
            assert_eq!(rules.classify(path), Ok(access), "{path}");
        }
        // A login page under a protected prefix and no rule of its own: reachable, exactly.
        let mut rules = Rules::new();
        rules.protect("/admin");
        rules.login("/admin/signin");
        assert_eq!(rules.classify("/admin/signin"), Ok(Access::Open));
        assert_eq!(rules.classify("/Admin/SignIn/"), Ok(Access::Open));
        assert_eq!(rules.classify("/admin/signin/x"), Ok(Access::Protected));
        assert_eq!(rules.classify("/admin/signinx"), Ok(Access::Protected));
        // Same prefix twice: the stricter rule.
        let mut rules = Rules::new();
        rules.public("/a");
        rules.protect("/a");
        assert_eq!(rules.classify("/a/b"), Ok(Access::Protected));
    }

    #[test]
    #[should_panic(expected = "route prefix")]
    fn an_unsafe_prefix_is_a_programming_error() {
        Rules::new().protect("admin");
    }
}
