//! Cross-origin request protection (CSRF), for any web framework: Go 1.25's
//! `CrossOriginProtection` algorithm over the browser's Fetch Metadata, decided here once
//! for every adapter.
//!
//! A request passes when:
//!
//! 1. its method is `GET`, `HEAD` or `OPTIONS` (exactly: methods are case-sensitive, so
//!    `post`, `get` and extension methods such as `PROPFIND` count as unsafe), and it is not
//!    a WebSocket handshake;
//! 2. `Sec-Fetch-Site` is `same-origin` or `none`;
//! 3. neither `Sec-Fetch-Site` nor `Origin` is present (not a browser, or a very old one),
//!    unless [`CrossOrigin::Strict`];
//! 4. `Origin`'s host and port equal the request's host (the absolute-form URI's authority
//!    if there is one, else `Host`), byte for byte;
//! 5. `Origin` is one of the trusted origins, or the path is exactly one of the exempt
//!    paths.
//!
//! Every other request is refused. Where this departs from the reference (Go's
//! `net/http.CrossOriginProtection`, which tower-http's `CsrfLayer` ports), it is stricter:
//!
//! - a WebSocket handshake (`GET` with `Upgrade: websocket`) is checked as an unsafe request,
//!   since browsers send `Origin` on it and the cookies ride along (cross-site WebSocket
//!   hijacking);
//! - an `Origin` with userinfo (`http://evil@victim.com`), which no browser sends, is
//!   refused (golang/go#78563: Go compared only its host);
//! - [`CrossOrigin::Strict`] also refuses an unsafe request with neither header.
//!
//! An exempt path matches only the exact decoded path the request names: not with a
//! trailing slash added or removed, not in another case, not through dot segments (which the
//! guard refuses anyway). A path that reaches the exempt one only through a redirect or a
//! normalisation is checked (CVE-2025-47910).

use std::fmt;

use super::route::segments;

/// How the guard treats cross-origin requests with unsafe methods. Set it with the
/// guard's `cross_origin(...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CrossOrigin {
    /// Refuse cross-origin unsafe requests (Go 1.25's algorithm); the default.
    #[default]
    Protect,
    /// As `Protect`, and also refuse unsafe requests that carry neither `Sec-Fetch-Site` nor
    /// `Origin`: every current browser sends one of them, so this only refuses clients that
    /// are not browsers, or very old ones (Lucia's and Rails' choice). Off by default.
    Strict,
    /// Decide as `Protect`, log what would be refused at `warn`, and refuse nothing: for
    /// rolling the protection out.
    ReportOnly,
    /// No cross-origin checks.
    Off,
}

/// Why a request was refused, for the log line (never a header's value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// `Sec-Fetch-Site` named another site (`same-site`, `cross-site`, or anything unknown).
    FetchSite,
    /// `Origin` is not the request's host (or is `null`, or not an http(s) origin).
    Origin,
    /// `Origin` carries userinfo, which no browser sends.
    Userinfo,
    /// Neither header, in strict mode.
    NoHeaders,
}

impl Refused {
    fn reason(self) -> &'static str {
        match self {
            Refused::FetchSite => "Sec-Fetch-Site names another site",
            Refused::Origin => "Origin is not this host",
            Refused::Userinfo => "Origin carries userinfo",
            Refused::NoHeaders => "neither Sec-Fetch-Site nor Origin (strict mode)",
        }
    }
}

/// What the check reads of a request: borrowed header bytes, in each framework's own way.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Facts<'a> {
    pub(crate) method: &'a str,
    /// The raw request path (still percent-encoded).
    pub(crate) path: &'a str,
    pub(crate) sec_fetch_site: Option<&'a [u8]>,
    pub(crate) origin: Option<&'a [u8]>,
    pub(crate) host: Option<&'a [u8]>,
    /// The authority of an absolute-form request URI (or HTTP/2's `:authority`).
    pub(crate) authority: Option<&'a str>,
    /// Whether `Upgrade` names `websocket`.
    pub(crate) websocket: bool,
}

impl<'a> Facts<'a> {
    /// What the check reads of a request, through a framework's header lookup: `header`
    /// gives a header's (first) value by its lower-case name, and `upgrade` every value of
    /// `Upgrade`. The header names live here, once, for every adapter.
    pub(crate) fn read(
        method: &'a str,
        path: &'a str,
        authority: Option<&'a str>,
        header: impl Fn(&'static str) -> Option<&'a [u8]>,
        upgrade: impl Iterator<Item = &'a [u8]>,
    ) -> Facts<'a> {
        Facts {
            method,
            path,
            sec_fetch_site: header("sec-fetch-site"),
            origin: header("origin"),
            host: header("host"),
            authority,
            websocket: upgrades_to_websocket(upgrade),
        }
    }
}

/// Whether the `Upgrade` header values name `websocket` (a handshake, which the check treats
/// as unsafe whatever its method).
pub(crate) fn upgrades_to_websocket<'a>(mut values: impl Iterator<Item = &'a [u8]>) -> bool {
    values.any(|value| {
        value
            .split(|&byte| byte == b',')
            .any(|protocol| protocol.trim_ascii().eq_ignore_ascii_case(b"websocket"))
    })
}

/// A guard's cross-origin policy, built at start-up.
#[derive(Debug, Clone, Default)]
pub(crate) struct Policy {
    mode: CrossOrigin,
    /// Normalised origins: `scheme://host[:port]`, lower case, no default port.
    trusted: Vec<String>,
    /// Exact decoded paths.
    exempt: Vec<String>,
}

/// The outcome of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Pass,
    /// Refused: `403`.
    Refuse,
}

impl Policy {
    pub(crate) fn set_mode(&mut self, mode: CrossOrigin) {
        self.mode = mode;
    }

    /// Adds a trusted origin.
    ///
    /// # Panics
    ///
    /// If `origin` is not `http(s)://host[:port]` (a path, query, fragment or userinfo is a
    /// mistake in the application's code, found the first time it runs).
    pub(crate) fn trust(&mut self, origin: &str) {
        match normalise_origin(origin) {
            Ok(origin) => self.trusted.push(origin),
            Err(why) => panic!(
                "the origin {origin:?} given to trusted_origin() must be \
                 \"https://host\" or \"https://host:port\", and {why}"
            ),
        }
    }

    /// Exempts one exact path (a webhook's).
    ///
    /// # Panics
    ///
    /// If `path` is not an absolute path with plain segments.
    pub(crate) fn exempt(&mut self, path: &str) {
        match decoded_path(path) {
            Some(decoded) => self.exempt.push(decoded),
            None => panic!(
                "the path {path:?} given to allow_cross_origin() must be an absolute path \
                 with plain segments, such as \"/webhooks/stripe\""
            ),
        }
    }

    /// The verdict on a request, logged at `warn` when it is (or in report-only mode would
    /// be) refused.
    pub(crate) fn check(&self, facts: &Facts<'_>) -> Verdict {
        if self.mode == CrossOrigin::Off {
            return Verdict::Pass;
        }
        let Err(refused) = self.decide(facts) else {
            return Verdict::Pass;
        };
        let report_only = self.mode == CrossOrigin::ReportOnly;
        tracing::warn!(
            method = facts.method,
            reason = refused.reason(),
            report_only,
            "cross-origin request {}",
            if report_only {
                "would be refused"
            } else {
                "refused"
            }
        );
        match report_only {
            true => Verdict::Pass,
            false => Verdict::Refuse,
        }
    }

    fn decide(&self, facts: &Facts<'_>) -> Result<(), Refused> {
        let safe = matches!(facts.method, "GET" | "HEAD" | "OPTIONS");
        if safe && !facts.websocket {
            return Ok(());
        }
        let origin = facts.origin.filter(|origin| !origin.is_empty());
        match facts.sec_fetch_site.filter(|site| !site.is_empty()) {
            Some(b"same-origin" | b"none") => return Ok(()),
            Some(_) => return self.exempt_or(facts, Refused::FetchSite),
            None => {}
        }
        let Some(origin) = origin else {
            return match self.mode {
                CrossOrigin::Strict => self.exempt_or(facts, Refused::NoHeaders),
                _ => Ok(()),
            };
        };
        let Some(authority) = origin_authority(origin) else {
            return self.exempt_or(facts, Refused::Origin);
        };
        if authority.contains('@') {
            return self.exempt_or(facts, Refused::Userinfo);
        }
        let host = match facts.authority {
            Some(authority) => Some(authority.as_bytes()),
            None => facts.host,
        };
        if host == Some(authority.as_bytes()) {
            return Ok(());
        }
        self.exempt_or(facts, Refused::Origin)
    }

    /// Passes a request from a trusted origin or to an exempt path; else `refused`.
    fn exempt_or(&self, facts: &Facts<'_>, refused: Refused) -> Result<(), Refused> {
        let trusted = facts.origin.is_some_and(|origin| {
            self.trusted
                .iter()
                .any(|trusted| trusted.as_bytes() == origin)
        });
        let exempt = !self.exempt.is_empty()
            && decoded_path(facts.path).is_some_and(|path| self.exempt.contains(&path));
        match trusted || exempt {
            true => Ok(()),
            false => Err(refused),
        }
    }
}

/// The authority (`host[:port]`, with any userinfo) of an `http` or `https` origin, or
/// `None` for anything else (`null`, another scheme, a path, bytes that are not text).
fn origin_authority(origin: &[u8]) -> Option<&str> {
    let origin = std::str::from_utf8(origin).ok()?;
    // The scheme in any case, as URL parsers (Go's, the `http` crate's) read it.
    let (scheme, rest) = origin.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    let plain = !rest.is_empty()
        && !rest.contains(['/', '?', '#'])
        && rest.bytes().all(|b| b.is_ascii_graphic());
    plain.then_some(rest)
}

/// `scheme://host[:port]` in the form a browser sends in `Origin`: scheme and host lower
/// case, the scheme's default port dropped.
fn normalise_origin(origin: &str) -> Result<String, &'static str> {
    let (scheme, rest) = origin
        .split_once("://")
        .ok_or("it has no scheme (such as \"https://\")")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return Err("its scheme is not http or https"),
    };
    if rest.contains(['/', '?', '#']) {
        return Err("it has a path, query or fragment");
    }
    if rest.contains('@') {
        return Err("it has userinfo");
    }
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("its host is empty or not ASCII (give an IDN host in punycode)");
    }
    let rest = rest.to_ascii_lowercase();
    // A port follows the last `:` outside an IPv6 literal's brackets.
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (rest.as_str(), None),
    };
    if host.is_empty() {
        return Err("its host is empty");
    }
    match port {
        Some(port) if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) => {
            Err("its port is not a number")
        }
        Some(port) if port == default_port => Ok(format!("{scheme}://{host}")),
        Some(port) => Ok(format!("{scheme}://{host}:{port}")),
        None => Ok(format!("{scheme}://{host}")),
    }
}

/// A request path decoded segment by segment (see [`segments`]), with its trailing slash
/// kept, so that `/hook` and `/hook/` stay two paths; `None` when it cannot be decoded
/// safely.
fn decoded_path(path: &str) -> Option<String> {
    let segments = segments(path).ok()?;
    let trailing = path.len() > 1 && path.ends_with('/');
    let mut decoded = String::with_capacity(path.len());
    for segment in &segments {
        decoded.push('/');
        decoded.push_str(segment);
    }
    if decoded.is_empty() || trailing {
        decoded.push('/');
    }
    Some(decoded)
}

impl fmt::Display for CrossOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CrossOrigin::Protect => "protect",
            CrossOrigin::Strict => "strict",
            CrossOrigin::ReportOnly => "report-only",
            CrossOrigin::Off => "off",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_origins_are_normalised_and_checked() {
        for (given, normalised) in [
            ("https://app.example.com", "https://app.example.com"),
            ("HTTPS://App.Example.COM:443", "https://app.example.com"),
            ("http://example.com:80", "http://example.com"),
            ("http://example.com:8080", "http://example.com:8080"),
            ("https://[::1]:8443", "https://[::1]:8443"),
            ("https://[::1]", "https://[::1]"),
        ] {
            assert_eq!(
                normalise_origin(given).as_deref(),
                Ok(normalised),
                "{given}"
            );
        }
        for bad in [
            "app.example.com",
            "ftp://example.com",
            "https://example.com/",
            "https://example.com/path",
            "https://example.com?q",
            "https://example.com#f",
            "https://user@example.com",
            "https://",
            "https://example.com:",
            "https://example.com:x",
            "https://exämple.com",
        ] {
            assert!(normalise_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    #[should_panic(expected = "trusted_origin()")]
    fn a_malformed_trusted_origin_is_a_start_up_error() {
        Policy::default().trust("https://example.com/app");
    }

    #[test]
    fn exempt_paths_are_exact() {
        assert_eq!(decoded_path("/hook").as_deref(), Some("/hook"));
        assert_eq!(decoded_path("/hook/").as_deref(), Some("/hook/"));
        assert_eq!(decoded_path("/%68ook").as_deref(), Some("/hook"));
        assert_eq!(decoded_path("/").as_deref(), Some("/"));
        assert_eq!(decoded_path("/a/../hook"), None);
    }
}
