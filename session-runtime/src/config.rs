//! [`SessionConfig`]: the policy that `#[derive(Session)]` fills in at compile time.

/// The token format a session type uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// JWS signed with HMAC-SHA-256. The payload is readable by whoever holds the cookie.
    Hs256,
    /// JWS signed with HMAC-SHA-384.
    Hs384,
    /// JWS signed with HMAC-SHA-512.
    Hs512,
    /// JWE with `alg: dir` and `enc: A256GCM`: encrypted and authenticated.
    A256Gcm,
    /// JWE with `alg: dir` and `enc: A256CBC-HS512` (AES-256-CBC, then HMAC-SHA-512
    /// truncated to 256 bits, RFC 7518 section 5.2.5): what Auth.js writes. Only with
    /// [`Format::AuthJs`].
    A256CbcHs512,
}

impl Algorithm {
    /// The JOSE name (`alg` for JWS, `enc` for JWE).
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::Hs384 => "HS384",
            Algorithm::Hs512 => "HS512",
            Algorithm::A256Gcm => "A256GCM",
            Algorithm::A256CbcHs512 => "A256CBC-HS512",
        }
    }

    /// Whether the token is encrypted (a JWE), so that its claims are secret.
    pub const fn is_encrypted(self) -> bool {
        matches!(self, Algorithm::A256Gcm | Algorithm::A256CbcHs512)
    }
}

/// Whose cookie format a session type reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// sessionkit's own tokens: a JWS or JWE as jose reads and writes them.
    Jose,
    /// Auth.js v5 (`@auth/core`) session tokens: a JWE (`dir`, `A256CBC-HS512`) under a key
    /// derived from `AUTH_SECRET` and the cookie name.
    AuthJs,
    /// NextAuth.js v4 session tokens: a JWE (`dir`, `A256GCM`) under a key derived from
    /// `NEXTAUTH_SECRET`.
    NextAuthV4,
    /// iron-session cookies: an `@hapi/iron` `Fe26.2` seal (AES-256-CBC and HMAC-SHA-256
    /// under PBKDF2 keys of a password).
    Iron,
}

impl Format {
    /// The name `#[session(format = "...")]` takes.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Jose => "jose",
            Format::AuthJs => "authjs",
            Format::NextAuthV4 => "next-auth-v4",
            Format::Iron => "iron",
        }
    }

    /// The most characters of a token one cookie carries before a chunked type splits it:
    /// Auth.js's 4096 bytes less its estimate of an empty cookie's attributes (160 bytes;
    /// NextAuth.js v4 estimates 163). Other formats split as Auth.js does.
    pub const fn chunk_size(self) -> usize {
        match self {
            Format::NextAuthV4 => 4096 - 163,
            _ => 4096 - 160,
        }
    }
}

/// The cookie's `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// Sent only on same-site requests.
    Strict,
    /// Sent on same-site requests and top-level navigations (the browser default).
    Lax,
    /// Sent on every request; requires `Secure`.
    None,
}

/// A session type's cookie and token policy.
///
/// `#[derive(Session)]` builds this as a `const` from `#[session(...)]`, after checking every
/// value at compile time. Starting from [`SessionConfig::DEFAULT`], each `with_` method
/// replaces one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The cookie name.
    pub cookie_name: &'static str,
    /// Token and cookie lifetime, in seconds.
    pub ttl_seconds: u64,
    /// The token format.
    pub algorithm: Algorithm,
    /// The cookie's SameSite.
    pub same_site: SameSite,
    /// The cookie's Path.
    pub path: &'static str,
    /// The cookie's Domain, if any.
    pub domain: Option<&'static str>,
    /// Whether the cookie is `Secure`.
    pub secure: bool,
    /// Whether the cookie is `HttpOnly`.
    pub http_only: bool,
    /// Whether the cookie is `Partitioned` (CHIPS).
    pub partitioned: bool,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway_seconds: u64,
    /// The `iss` written into and required on tokens.
    pub issuer: Option<&'static str>,
    /// The `aud` written into and required on tokens.
    pub audience: Option<&'static str>,
    /// Database sessions: renew when less than this many seconds remain. `None` means
    /// half the ttl.
    pub renew_within_seconds: Option<u64>,
    /// The absolute cap on a session's life, from the original sign-in, in seconds, for
    /// database and stateless sessions alike. `None` means no cap.
    pub max_lifetime_seconds: Option<u64>,
    /// Database sessions: how long the cookie's sealed copy of the session is served
    /// without a store read, while the store's revocation feed is live and silent about
    /// the session. `None` means no cache: every load reads the store.
    pub cache_seconds: Option<u64>,
    /// Stateless sessions: a user's tokens issued before their watermark
    /// (`Revocations::revoke_user_tokens`) are refused.
    pub revocable: bool,
    /// Signed types only: the HMAC key is the secret's raw bytes, as jose uses it, instead
    /// of a key derived from the secret and the cookie name. Such tokens are exchanged with
    /// a Next.js app byte for byte, but are not bound to this session type.
    pub jose_compatible: bool,
    /// Whose token format the cookie holds.
    pub format: Format,
    /// Whether a token too large for one cookie is split into `<cookie>.0`, `<cookie>.1`, ...
    pub chunked: bool,
    /// Whether another app owns the cookie: `Some` when `#[session(shared)]` or
    /// `shared = false` was given, `None` for the format's default (see
    /// [`SessionConfig::is_shared`]).
    pub shared: Option<bool>,
    /// iron and NextAuth.js v4 types: the claim that carries the cookie name, written into
    /// every token and required on read, so that such a type never opens another's tokens
    /// (their keys do not depend on the cookie name).
    pub bind: Option<&'static str>,
}

impl SessionConfig {
    /// The defaults of the `#[session(...)]` attribute table.
    pub const DEFAULT: SessionConfig = SessionConfig {
        cookie_name: "session",
        ttl_seconds: 7 * 24 * 60 * 60,
        algorithm: Algorithm::A256Gcm,
        same_site: SameSite::Lax,
        path: "/",
        domain: None,
        secure: true,
        http_only: true,
        partitioned: false,
        leeway_seconds: 0,
        issuer: None,
        audience: None,
        renew_within_seconds: None,
        max_lifetime_seconds: None,
        cache_seconds: None,
        revocable: false,
        jose_compatible: false,
        format: Format::Jose,
        chunked: false,
        shared: None,
        bind: None,
    };

    /// Sets the cookie name.
    pub const fn with_cookie_name(mut self, name: &'static str) -> Self {
        self.cookie_name = name;
        self
    }
    /// Sets the lifetime in seconds.
    pub const fn with_ttl_seconds(mut self, seconds: u64) -> Self {
        self.ttl_seconds = seconds;
        self
    }
    /// Sets the token format.
    pub const fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }
    /// Sets SameSite.
    pub const fn with_same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }
    /// Sets the Path.
    pub const fn with_path(mut self, path: &'static str) -> Self {
        self.path = path;
        self
    }
    /// Sets the Domain.
    pub const fn with_domain(mut self, domain: &'static str) -> Self {
        self.domain = Some(domain);
        self
    }
    /// Sets Secure.
    pub const fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }
    /// Sets HttpOnly.
    pub const fn with_http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }
    /// Sets Partitioned.
    pub const fn with_partitioned(mut self, partitioned: bool) -> Self {
        self.partitioned = partitioned;
        self
    }
    /// Sets the leeway in seconds.
    pub const fn with_leeway_seconds(mut self, seconds: u64) -> Self {
        self.leeway_seconds = seconds;
        self
    }
    /// Sets the issuer.
    pub const fn with_issuer(mut self, issuer: &'static str) -> Self {
        self.issuer = Some(issuer);
        self
    }
    /// Sets the audience.
    pub const fn with_audience(mut self, audience: &'static str) -> Self {
        self.audience = Some(audience);
        self
    }

    /// Sets the cookie cache's age limit in seconds (database sessions).
    pub const fn with_cache_seconds(mut self, seconds: u64) -> Self {
        self.cache_seconds = Some(seconds);
        self
    }

    /// Makes the type's stateless tokens revocable per user.
    pub const fn with_revocable(mut self, revocable: bool) -> Self {
        self.revocable = revocable;
        self
    }

    /// Sets the renewal window in seconds.
    pub const fn with_renew_within_seconds(mut self, seconds: u64) -> Self {
        self.renew_within_seconds = Some(seconds);
        self
    }
    /// Sets the absolute lifetime cap in seconds.
    pub const fn with_max_lifetime_seconds(mut self, seconds: u64) -> Self {
        self.max_lifetime_seconds = Some(seconds);
        self
    }

    /// Sets the token format.
    pub const fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Sets `chunked`: large tokens are split over several cookies.
    pub const fn with_chunked(mut self, chunked: bool) -> Self {
        self.chunked = chunked;
        self
    }

    /// Sets `shared`: another app owns the cookie (see [`SessionConfig::is_shared`]).
    pub const fn with_shared(mut self, shared: bool) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Whether another app owns this cookie, so that sessionkit only reads it on its own:
    /// the guard never renews it and no refusal (the guard's or an extractor's) removes it
    /// or its chunks. Explicit calls (`cookies()`, `refresh()`, `removal_cookie()`) still
    /// make cookies. On by default for the Auth.js, NextAuth.js v4 and iron-session formats,
    /// whose cookies a Next.js app writes; off for sessionkit's own.
    pub const fn is_shared(&self) -> bool {
        match self.shared {
            Some(shared) => shared,
            None => !matches!(self.format, Format::Jose),
        }
    }

    /// Sets `bind`: the claim that binds a token to this type's cookie name.
    pub const fn with_bind(mut self, claim: &'static str) -> Self {
        self.bind = Some(claim);
        self
    }

    /// Sets `jose_compatible`: raw-secret HMAC keys for signed types.
    pub const fn with_jose_compatible(mut self, jose_compatible: bool) -> Self {
        self.jose_compatible = jose_compatible;
        self
    }

    /// The policy a database ticket is sealed under. Tickets are sessionkit's own JWE
    /// whatever the format (no other stack reads them, and a format's own tokens are
    /// stateless sessions), and they are small enough for one cookie.
    pub(crate) const fn for_tickets(mut self) -> Self {
        if !matches!(self.format, Format::Jose) {
            self.format = Format::Jose;
            self.algorithm = Algorithm::A256Gcm;
        }
        self.chunked = false;
        self
    }

    /// The cookie's `Max-Age` for a token that lives `lifetime` seconds. iron-session sets it
    /// 60 seconds short of the seal's lifetime, so that the browser drops the cookie before
    /// the seal's own expiry (with its 60 s of allowed skew) would refuse it.
    pub(crate) fn cookie_max_age(&self, lifetime: i64) -> time::Duration {
        let lifetime = match self.format {
            Format::Iron if lifetime > 60 => lifetime - 60,
            _ => lifetime,
        };
        time::Duration::seconds(lifetime)
    }

    /// The lifetime as a [`time::Duration`].
    pub const fn ttl(&self) -> time::Duration {
        seconds(self.ttl_seconds)
    }

    /// The leeway as a [`time::Duration`].
    pub const fn leeway(&self) -> time::Duration {
        seconds(self.leeway_seconds)
    }

    /// The renewal window: `renew_within`, or half the ttl when it is not set.
    pub const fn renew_within(&self) -> time::Duration {
        match self.renew_within_seconds {
            Some(renew) => seconds(renew),
            None => seconds(self.ttl_seconds / 2),
        }
    }

    /// The cookie cache's age limit (`cache`), if the type has one.
    pub const fn cache(&self) -> Option<time::Duration> {
        match self.cache_seconds {
            Some(cache) => Some(seconds(cache)),
            None => None,
        }
    }

    /// The absolute cap on a session's life from the original sign-in, if any.
    pub const fn max_lifetime(&self) -> Option<time::Duration> {
        match self.max_lifetime_seconds {
            Some(max) => Some(seconds(max)),
            None => None,
        }
    }
}

/// Seconds as a [`time::Duration`], saturating: a hand-built config with a value past
/// `i64::MAX` means "forever", never a negative duration.
const fn seconds(value: u64) -> time::Duration {
    time::Duration::seconds(if value > i64::MAX as u64 {
        i64::MAX
    } else {
        value as i64
    })
}
