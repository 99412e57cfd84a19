//! Rules that span more than one key, or that need the parsed value. One function a rule;
//! each explains why the rule exists, because the user will ask.

use proc_macro2::Span;

use crate::attr::{Algorithm, Attrs, Format, SameSite};
use crate::errors::Errors;

/// Runs every rule, recording each violation.
pub fn check(attrs: &Attrs, errors: &mut Errors) {
    cookie_name_is_a_token(attrs, errors);
    ttl_is_positive(attrs, errors);
    path_is_absolute(attrs, errors);
    domain_is_a_host(attrs, errors);
    claims_are_not_empty(attrs, errors);
    same_site_none_needs_secure(attrs, errors);
    partitioned_needs_secure(attrs, errors);
    host_prefix_rules(attrs, errors);
    secure_prefix_needs_secure(attrs, errors);
    lifetimes_nest(attrs, errors);
    cache_is_shorter_than_renewal(attrs, errors);
    jose_compatible_is_signed(attrs, errors);
    jose_compatible_is_jose(attrs, errors);
    algorithm_fits_format(attrs, errors);
    iron_has_no_claims(attrs, errors);
    bind_is_for_unbound_formats(attrs, errors);
}

/// The span of an explicit `secure = false`; `secure` defaults to on.
fn insecure(attrs: &Attrs) -> Option<Span> {
    attrs
        .secure
        .as_ref()
        .filter(|secure| !secure.value)
        .map(|secure| secure.span)
}

fn cookie_prefix(attrs: &Attrs, prefix: &str) -> Option<Span> {
    let cookie = attrs.cookie.as_ref()?;
    let head = cookie.value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(cookie.span)
}

/// RFC 6265 section 4.1.1: a cookie name is a token, so no separators, spaces or controls;
/// anything else is dropped or mangled by some browser.
fn cookie_name_is_a_token(attrs: &Attrs, errors: &mut Errors) {
    let Some(cookie) = &attrs.cookie else { return };
    if cookie.value.is_empty() {
        errors.push(syn::Error::new(cookie.span, "`cookie` must not be empty"));
        return;
    }
    if let Some(bad) = cookie.value.chars().find(|&ch| !is_token_char(ch)) {
        errors.push(syn::Error::new(
            cookie.span,
            format!(
                "invalid cookie name: {bad:?} is not allowed; a cookie name is an RFC 6265 token \
                 (visible ASCII except ( ) < > @ , ; : \\ \" / [ ] ? = {{ }})"
            ),
        ));
    }
}

fn is_token_char(ch: char) -> bool {
    ch.is_ascii_graphic() && !"()<>@,;:\\\"/[]?={}".contains(ch)
}

/// A zero lifetime would issue cookies that are already expired.
fn ttl_is_positive(attrs: &Attrs, errors: &mut Errors) {
    if let Some(ttl) = attrs.ttl.as_ref().filter(|ttl| ttl.value == 0) {
        errors.push(syn::Error::new(
            ttl.span,
            "`ttl` must be longer than zero, as in `ttl = \"7d\"`",
        ));
    }
}

/// Browsers ignore a Path that does not start with `/` and fall back to the request's
/// directory, which silently scopes the session to the wrong routes.
fn path_is_absolute(attrs: &Attrs, errors: &mut Errors) {
    let Some(path) = &attrs.path else { return };
    if !path.value.starts_with('/') {
        errors.push(syn::Error::new(
            path.span,
            "`path` must start with `/`, as in `path = \"/\"`",
        ));
    } else if path.value.chars().any(|ch| ch == ';' || ch.is_control()) {
        errors.push(syn::Error::new(
            path.span,
            "`path` must not contain `;` or control characters",
        ));
    }
}

/// A `;` or space in the Domain would inject further attributes into Set-Cookie.
fn domain_is_a_host(attrs: &Attrs, errors: &mut Errors) {
    let Some(domain) = &attrs.domain else { return };
    let host = domain.value.strip_prefix('.').unwrap_or(&domain.value);
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '.');
    if !valid {
        errors.push(syn::Error::new(
            domain.span,
            "`domain` must be a host name such as \"example.com\" (letters, digits, `-` and `.`)",
        ));
    }
}

/// An empty `iss`/`aud` would make every token's check pass vacuously in some verifiers.
fn claims_are_not_empty(attrs: &Attrs, errors: &mut Errors) {
    for (key, value) in [("issuer", &attrs.issuer), ("audience", &attrs.audience)] {
        if let Some(value) = value.as_ref().filter(|value| value.value.is_empty()) {
            errors.push(syn::Error::new(
                value.span,
                format!("`{key}` must not be empty"),
            ));
        }
    }
}

/// Browsers reject `SameSite=None` without `Secure`, so the cookie would never be stored.
fn same_site_none_needs_secure(attrs: &Attrs, errors: &mut Errors) {
    let Some(same_site) = attrs
        .same_site
        .as_ref()
        .filter(|s| s.value == SameSite::None)
    else {
        return;
    };
    if insecure(attrs).is_some() {
        errors.push(syn::Error::new(
            same_site.span,
            "`same_site = \"none\"` requires `secure`: browsers drop a SameSite=None cookie \
             without Secure; remove `secure = false` or use `same_site = \"lax\"`",
        ));
    }
}

/// CHIPS: browsers accept `Partitioned` only together with `Secure`.
fn partitioned_needs_secure(attrs: &Attrs, errors: &mut Errors) {
    let Some(partitioned) = attrs.partitioned.as_ref().filter(|p| p.value) else {
        return;
    };
    if insecure(attrs).is_some() {
        errors.push(syn::Error::new(
            partitioned.span,
            "`partitioned` requires `secure`: browsers drop a Partitioned cookie without Secure",
        ));
    }
}

/// RFC 6265bis: a `__Host-` cookie is stored only with Secure, Path=/ and no Domain, which
/// is what makes it immune to cookie tossing from sibling subdomains.
fn host_prefix_rules(attrs: &Attrs, errors: &mut Errors) {
    if cookie_prefix(attrs, "__Host-").is_none() {
        return;
    }
    if let Some(span) = insecure(attrs) {
        errors.push(syn::Error::new(
            span,
            "a `__Host-` cookie requires `secure`; remove `secure = false`",
        ));
    }
    if let Some(path) = attrs.path.as_ref().filter(|path| path.value != "/") {
        errors.push(syn::Error::new(
            path.span,
            "a `__Host-` cookie requires `path = \"/\"`",
        ));
    }
    if let Some(domain) = &attrs.domain {
        errors.push(syn::Error::new(
            domain.span,
            "a `__Host-` cookie must not set `domain`",
        ));
    }
}

/// RFC 6265bis: a `__Secure-` cookie is stored only with Secure.
fn secure_prefix_needs_secure(attrs: &Attrs, errors: &mut Errors) {
    if cookie_prefix(attrs, "__Secure-").is_none() {
        return;
    }
    if let Some(span) = insecure(attrs) {
        errors.push(syn::Error::new(
            span,
            "a `__Secure-` cookie requires `secure`; remove `secure = false`",
        ));
    }
}

/// `renew_within < ttl <= max_lifetime`: a renewal window as long as the ttl would renew on
/// every request, and a cap shorter than the ttl would make the ttl a lie.
fn lifetimes_nest(attrs: &Attrs, errors: &mut Errors) {
    let ttl = attrs
        .ttl
        .as_ref()
        .map_or(attrs.format().default_ttl(), |ttl| ttl.value);
    if let Some(renew) = &attrs.renew_within {
        if renew.value == 0 || renew.value >= ttl {
            errors.push(syn::Error::new(
                renew.span,
                format!("`renew_within` must be longer than zero and shorter than `ttl` ({ttl}s)"),
            ));
        }
    }
    if let Some(max) = attrs.max_lifetime.as_ref().filter(|max| max.value < ttl) {
        errors.push(syn::Error::new(
            max.span,
            format!("`max_lifetime` must be at least `ttl` ({ttl}s)"),
        ));
    }
}

/// `0 < cache < renew_within`: a cached copy must be re-read from the store before the
/// session would be renewed, or a renewal would carry a copy older than the write it
/// follows; and a cache is a copy of a database session, which only the sessionkit format
/// seals (the shared formats are other apps' stateless tokens).
fn cache_is_shorter_than_renewal(attrs: &Attrs, errors: &mut Errors) {
    let Some(cache) = &attrs.cache else { return };
    let ttl = attrs
        .ttl
        .as_ref()
        .map_or(attrs.format().default_ttl(), |ttl| ttl.value);
    let renew = attrs
        .renew_within
        .as_ref()
        .map_or(ttl / 2, |renew| renew.value);
    if cache.value == 0 || cache.value >= renew {
        errors.push(syn::Error::new(
            cache.span,
            format!(
                "`cache` must be longer than zero and shorter than `renew_within` ({renew}s; \
                 half the ttl unless set): the cached copy is re-read before a renewal"
            ),
        ));
    }
    if attrs.format() != Format::Jose {
        errors.push(syn::Error::new(
            cache.span,
            "`cache` is for database sessions, whose cookie is sessionkit's own sealed ticket; \
             remove `format` or `cache`",
        ));
    }
    // A copy of the stored payload rides in the cookie: a signed ticket would show it to
    // the browser, which a database session's payload was never meant to reach.
    let signed = attrs.algorithm.as_ref().filter(|algorithm| {
        matches!(
            algorithm.value,
            Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512
        )
    });
    if let Some(algorithm) = signed {
        errors.push(syn::Error::new(
            algorithm.span,
            "`cache` puts a copy of the stored session in the cookie, and a signed algorithm \
             would let the browser read it; remove `algorithm` (the default, A256GCM, \
             encrypts)",
        ));
    }
}

/// `revocable` ends a user's stateless tokens by their user id, so the type needs a
/// `#[session(user_id)]` field; and a `cache` is a database session's, which is revoked in
/// the store instead.
pub fn revocable_has_a_user(attrs: &Attrs, has_user_id: bool, errors: &mut Errors) {
    let Some(revocable) = attrs.revocable.as_ref().filter(|revocable| revocable.value) else {
        return;
    };
    if !has_user_id {
        errors.push(syn::Error::new(
            revocable.span,
            "`revocable` ends a user's tokens by user id: mark the field that holds it \
             `#[session(user_id)]`",
        ));
    }
    if attrs.cache.is_some() {
        errors.push(syn::Error::new(
            revocable.span,
            "`revocable` is for stateless sessions, `cache` for database sessions (revoked \
             in the store); remove one",
        ));
    }
}

/// The runtime's default `ttl` ("7d"), needed to check the keys that must nest inside it.
/// `jose_compatible` turns off the per-type key derivation so that a Next.js app's jose
/// `SignJWT` tokens verify byte for byte. jose reads encrypted tokens through the documented
/// HKDF derivation anyway, so on `A256GCM` the flag would only give up the binding.
fn jose_compatible_is_signed(attrs: &Attrs, errors: &mut Errors) {
    let Some(flag) = attrs.jose_compatible.as_ref().filter(|flag| flag.value) else {
        return;
    };
    let signed = attrs.algorithm.as_ref().is_some_and(|alg| {
        matches!(
            alg.value,
            Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512
        )
    });
    // Another format's key derivation is reported by `jose_compatible_is_jose`.
    if attrs.format() != Format::Jose {
        return;
    }
    if !signed {
        errors.push(syn::Error::new(
            flag.span,
            "`jose_compatible` applies to signed sessions only (`algorithm = \"HS256\"`, \
             \"HS384\" or \"HS512\"); jose reads `A256GCM` tokens through the documented key \
             derivation, so encrypted types need no flag",
        ));
    }
}

/// `jose_compatible` chooses how jose's HMAC key is made; the other formats have their own
/// key derivations, which the flag would contradict.
fn jose_compatible_is_jose(attrs: &Attrs, errors: &mut Errors) {
    let Some(flag) = attrs.jose_compatible.as_ref().filter(|flag| flag.value) else {
        return;
    };
    if attrs.format() == Format::Jose {
        return;
    }
    errors.push(syn::Error::new(
        flag.span,
        format!(
            "`jose_compatible` belongs to `format = \"jose\"`; `format = \"{}\"` derives its \
             keys as its library does",
            attrs.format().name()
        ),
    ));
}

/// Each format writes only what its library reads: Auth.js `A256CBC-HS512` or `A256GCM`,
/// NextAuth.js v4 `A256GCM`, iron its own cipher; `A256CBC-HS512` is Auth.js's alone.
fn algorithm_fits_format(attrs: &Attrs, errors: &mut Errors) {
    let Some(algorithm) = &attrs.algorithm else {
        return;
    };
    let format = attrs.format();
    let allowed: &[Algorithm] = match format {
        Format::Jose => &[
            Algorithm::Hs256,
            Algorithm::Hs384,
            Algorithm::Hs512,
            Algorithm::A256Gcm,
        ],
        Format::AuthJs => &[Algorithm::A256CbcHs512, Algorithm::A256Gcm],
        Format::NextAuthV4 => &[Algorithm::A256Gcm],
        Format::Iron => &[],
    };
    if allowed.contains(&algorithm.value) {
        return;
    }
    let message = match format {
        Format::Jose => "`algorithm = \"A256CBC-HS512\"` is Auth.js's content encryption: \
                         use it with `format = \"authjs\"`; `format = \"jose\"` takes \
                         \"HS256\", \"HS384\", \"HS512\" or \"A256GCM\""
            .to_owned(),
        Format::AuthJs => "`format = \"authjs\"` takes `algorithm = \"A256CBC-HS512\"` \
                           (its default, what Auth.js writes) or \"A256GCM\""
            .to_owned(),
        Format::NextAuthV4 => "`format = \"next-auth-v4\"` takes only `algorithm = \"A256GCM\"`, \
                               what NextAuth.js v4 writes and reads; leave `algorithm` out"
            .to_owned(),
        Format::Iron => "`format = \"iron\"` has no `algorithm`: an iron seal is always \
                         AES-256-CBC with HMAC-SHA-256; leave `algorithm` out"
            .to_owned(),
    };
    errors.push(syn::Error::new(algorithm.span, message));
}

/// An iron seal carries the session and its expiry, nothing else: there is nowhere to put
/// an issuer, an audience or the sign-in time a lifetime cap needs, and iron-session would
/// hand such claims to the app as session data.
fn iron_has_no_claims(attrs: &Attrs, errors: &mut Errors) {
    if attrs.format() != Format::Iron {
        return;
    }
    let spans = [
        ("issuer", attrs.issuer.as_ref().map(|v| v.span)),
        ("audience", attrs.audience.as_ref().map(|v| v.span)),
        ("max_lifetime", attrs.max_lifetime.as_ref().map(|v| v.span)),
    ];
    for (key, span) in spans {
        if let Some(span) = span {
            errors.push(syn::Error::new(
                span,
                format!(
                    "`{key}` cannot be used with `format = \"iron\"`: an iron seal carries the \
                     session and its expiry only"
                ),
            ));
        }
    }
}

/// `bind` names a claim that carries the cookie name, for the two formats whose key does not
/// depend on the cookie name (iron-session's seals and NextAuth.js v4's tokens), so that one
/// such type never opens another's tokens. sessionkit's own tokens and Auth.js's are bound
/// by their key derivation already, and a claim would only add bytes.
fn bind_is_for_unbound_formats(attrs: &Attrs, errors: &mut Errors) {
    let Some(bind) = &attrs.bind else { return };
    if !matches!(attrs.format(), Format::Iron | Format::NextAuthV4) {
        errors.push(syn::Error::new(
            bind.span,
            "`bind` is for `format = \"iron\"` and `format = \"next-auth-v4\"`, whose keys do not \
             depend on the cookie name; this format's tokens are bound to the session type by \
             their key already",
        ));
        return;
    }
    let valid = !bind.value.is_empty()
        && bind
            .value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        errors.push(syn::Error::new(
            bind.span,
            "expected `bind` to name a claim: letters, digits, `_` and `-`, such as \"purpose\"",
        ));
    }
}
