//! Reads every `#[session(...)]` on the struct into [`Attrs`], keeping the span of each
//! value so that later checks can point at the exact token.

use proc_macro2::{Span, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{Attribute, Lit, LitStr, Path, Token};

use crate::duration;
use crate::errors::Errors;

/// Every key `#[session(...)]` accepts, in the order the docs list them.
const KEYS: &[&str] = &[
    "cookie",
    "ttl",
    "algorithm",
    "same_site",
    "path",
    "domain",
    "secure",
    "http_only",
    "partitioned",
    "leeway",
    "issuer",
    "audience",
    "renew_within",
    "max_lifetime",
    "cache",
    "revocable",
    "jose_compatible",
    "format",
    "chunked",
    "shared",
    "bind",
    "crate",
];

/// A parsed value and the span of the token it came from.
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// The token algorithms the runtime implements.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Hs256,
    Hs384,
    Hs512,
    A256Gcm,
    A256CbcHs512,
}

/// `format = "..."`: whose cookie format the type reads and writes.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Jose,
    AuthJs,
    NextAuthV4,
    Iron,
}

impl Format {
    /// The name users write.
    pub fn name(self) -> &'static str {
        FORMATS
            .iter()
            .find(|(_, format)| *format == self)
            .map_or("jose", |(name, _)| name)
    }

    /// The format's default `ttl`: Auth.js and NextAuth.js keep a session 30 days,
    /// iron-session 14, this crate 7.
    pub fn default_ttl(self) -> u64 {
        match self {
            Format::Jose => 7 * 86_400,
            Format::AuthJs | Format::NextAuthV4 => 30 * 86_400,
            Format::Iron => 14 * 86_400,
        }
    }

    /// The clock skew each library allows by default: jose none, Auth.js and NextAuth.js
    /// 15 seconds, iron 60.
    pub fn default_leeway(self) -> u64 {
        match self {
            Format::Jose => 0,
            Format::AuthJs | Format::NextAuthV4 => 15,
            Format::Iron => 60,
        }
    }
}

/// The cookie `SameSite` policies.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    Strict,
    Lax,
    None,
}

/// What the user wrote; `None` means the runtime default applies.
#[derive(Default)]
pub struct Attrs {
    pub cookie: Option<Spanned<String>>,
    pub ttl: Option<Spanned<u64>>,
    pub algorithm: Option<Spanned<Algorithm>>,
    pub same_site: Option<Spanned<SameSite>>,
    pub path: Option<Spanned<String>>,
    pub domain: Option<Spanned<String>>,
    pub secure: Option<Spanned<bool>>,
    pub http_only: Option<Spanned<bool>>,
    pub partitioned: Option<Spanned<bool>>,
    pub leeway: Option<Spanned<u64>>,
    pub issuer: Option<Spanned<String>>,
    pub audience: Option<Spanned<String>>,
    pub renew_within: Option<Spanned<u64>>,
    pub max_lifetime: Option<Spanned<u64>>,
    pub cache: Option<Spanned<u64>>,
    pub revocable: Option<Spanned<bool>>,
    pub jose_compatible: Option<Spanned<bool>>,
    pub format: Option<Spanned<Format>>,
    pub chunked: Option<Spanned<bool>>,
    pub shared: Option<Spanned<bool>>,
    pub bind: Option<Spanned<String>>,
    pub krate: Option<Spanned<Path>>,
    seen: Vec<String>,
}

impl Attrs {
    /// The declared format, or the default.
    pub fn format(&self) -> Format {
        self.format
            .as_ref()
            .map_or(Format::Jose, |format| format.value)
    }

    /// Parses all `#[session(...)]` attributes, recording every mistake in `errors`.
    pub fn parse(attrs: &[Attribute], errors: &mut Errors) -> Attrs {
        let mut out = Attrs::default();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident("session")) {
            let parsed = attr.parse_nested_meta(|meta| {
                out.parse_key(&meta, errors);
                Ok(())
            });
            if let Err(err) = parsed {
                errors.push(err);
            }
        }
        out
    }

    fn parse_key(&mut self, meta: &ParseNestedMeta, errors: &mut Errors) {
        let Some(ident) = meta.path.get_ident() else {
            errors.push(syn::Error::new_spanned(
                &meta.path,
                unknown_key_message("this path"),
            ));
            skip_value(meta.input);
            return;
        };
        let key = ident.to_string();
        if !KEYS.contains(&key.as_str()) {
            errors.push(syn::Error::new(ident.span(), unknown_key_message(&key)));
            skip_value(meta.input);
            return;
        }
        if self.seen.contains(&key) {
            errors.push(syn::Error::new(
                ident.span(),
                format!("duplicate session attribute `{key}`; each key may be given once"),
            ));
            skip_value(meta.input);
            return;
        }
        self.seen.push(key.clone());
        let result = match key.as_str() {
            "cookie" => string(meta, &key).map(|v| self.cookie = Some(v)),
            "ttl" => duration(meta, &key).map(|v| self.ttl = Some(v)),
            "leeway" => duration(meta, &key).map(|v| self.leeway = Some(v)),
            "renew_within" => duration(meta, &key).map(|v| self.renew_within = Some(v)),
            "max_lifetime" => duration(meta, &key).map(|v| self.max_lifetime = Some(v)),
            "cache" => duration(meta, &key).map(|v| self.cache = Some(v)),
            "algorithm" => choice(meta, &key, ALGORITHMS).map(|v| self.algorithm = Some(v)),
            "same_site" => choice(meta, &key, SAME_SITES).map(|v| self.same_site = Some(v)),
            "path" => string(meta, &key).map(|v| self.path = Some(v)),
            "domain" => string(meta, &key).map(|v| self.domain = Some(v)),
            "issuer" => string(meta, &key).map(|v| self.issuer = Some(v)),
            "audience" => string(meta, &key).map(|v| self.audience = Some(v)),
            "secure" => boolean(meta, &key).map(|v| self.secure = Some(v)),
            "http_only" => boolean(meta, &key).map(|v| self.http_only = Some(v)),
            "partitioned" => boolean(meta, &key).map(|v| self.partitioned = Some(v)),
            "jose_compatible" => boolean(meta, &key).map(|v| self.jose_compatible = Some(v)),
            "format" => choice(meta, &key, FORMATS).map(|v| self.format = Some(v)),
            "chunked" => boolean(meta, &key).map(|v| self.chunked = Some(v)),
            "shared" => boolean(meta, &key).map(|v| self.shared = Some(v)),
            "revocable" => boolean(meta, &key).map(|v| self.revocable = Some(v)),
            "bind" => string(meta, &key).map(|v| self.bind = Some(v)),
            _ => crate_path(meta).map(|v| self.krate = Some(v)),
        };
        if let Err(err) = result {
            errors.push(err);
            skip_value(meta.input);
        }
    }
}

const ALGORITHMS: &[(&str, Algorithm)] = &[
    ("HS256", Algorithm::Hs256),
    ("HS384", Algorithm::Hs384),
    ("HS512", Algorithm::Hs512),
    ("A256GCM", Algorithm::A256Gcm),
    ("A256CBC-HS512", Algorithm::A256CbcHs512),
];

const FORMATS: &[(&str, Format)] = &[
    ("jose", Format::Jose),
    ("authjs", Format::AuthJs),
    ("next-auth-v4", Format::NextAuthV4),
    ("iron", Format::Iron),
];

const SAME_SITES: &[(&str, SameSite)] = &[
    ("strict", SameSite::Strict),
    ("lax", SameSite::Lax),
    ("none", SameSite::None),
];

fn unknown_key_message(key: &str) -> String {
    let listed = KEYS
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = KEYS
        .iter()
        .filter(|candidate| edit_distance(key, candidate) <= 2)
        .min_by_key(|candidate| edit_distance(key, candidate))
        .map(|candidate| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default();
    format!("unknown session attribute `{key}`; expected one of {listed}{hint}")
}

/// Levenshtein distance, for "did you mean" hints on misspelled keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// Consumes the rest of a malformed `key = value` so that the keys after it still get
/// checked in the same build.
fn skip_value(input: ParseStream) {
    while !input.is_empty() && !input.peek(Token![,]) {
        if input.parse::<TokenTree>().is_err() {
            break;
        }
    }
}

/// Reads the literal after `key =`.
fn literal(meta: &ParseNestedMeta, key: &str, example: &str) -> syn::Result<Lit> {
    if !meta.input.peek(Token![=]) {
        return Err(meta.error(format!("expected a value: `{key} = {example}`")));
    }
    let input = meta.value()?;
    input.parse::<Lit>().map_err(|err| {
        syn::Error::new(
            err.span(),
            format!("expected a literal value: `{key} = {example}`"),
        )
    })
}

fn lit_str(meta: &ParseNestedMeta, key: &str) -> syn::Result<LitStr> {
    match literal(meta, key, "\"...\"")? {
        Lit::Str(lit) => Ok(lit),
        other => Err(syn::Error::new(
            other.span(),
            format!("expected `{key}` to be a string literal, as in `{key} = \"...\"`"),
        )),
    }
}

fn string(meta: &ParseNestedMeta, key: &str) -> syn::Result<Spanned<String>> {
    let lit = lit_str(meta, key)?;
    Ok(Spanned {
        value: lit.value(),
        span: lit.span(),
    })
}

fn duration(meta: &ParseNestedMeta, key: &str) -> syn::Result<Spanned<u64>> {
    // A bare number has no unit; say which string would be meant.
    let fork = meta.input.fork();
    if fork.parse::<Token![=]>().is_ok() {
        if let Ok(Lit::Int(number)) = fork.parse::<Lit>() {
            let _ = meta.value()?.parse::<Lit>()?;
            return Err(syn::Error::new(
                number.span(),
                format!(
                    "expected `{key}` to be a string with a unit; did you mean \
                     `{key} = \"{digits}s\"`? (units s m h d w, as in \"1h30m\")",
                    digits = number.base10_digits()
                ),
            ));
        }
    }
    let lit = lit_str(meta, key)?;
    let seconds = duration::parse_seconds(&lit.value())
        .map_err(|message| syn::Error::new(lit.span(), format!("invalid `{key}`: {message}")))?;
    Ok(Spanned {
        value: seconds,
        span: lit.span(),
    })
}

fn choice<T: Copy>(
    meta: &ParseNestedMeta,
    key: &str,
    options: &[(&str, T)],
) -> syn::Result<Spanned<T>> {
    let lit = lit_str(meta, key)?;
    let text = lit.value();
    match options.iter().find(|(name, _)| *name == text) {
        Some(&(_, value)) => Ok(Spanned {
            value,
            span: lit.span(),
        }),
        None => {
            let listed = options
                .iter()
                .map(|(name, _)| format!("\"{name}\""))
                .collect::<Vec<_>>();
            let hint = options
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&text))
                .map(|(name, _)| format!("; did you mean \"{name}\"?"))
                .unwrap_or_default();
            Err(syn::Error::new(
                lit.span(),
                format!(
                    "expected `{key}` to be one of {}, found \"{text}\"{hint}",
                    listed.join(", ")
                ),
            ))
        }
    }
}

/// A bare key (`secure`) means `true`; `secure = false` turns it off.
fn boolean(meta: &ParseNestedMeta, key: &str) -> syn::Result<Spanned<bool>> {
    if !meta.input.peek(Token![=]) {
        return Ok(Spanned {
            value: true,
            span: meta
                .path
                .get_ident()
                .map_or_else(Span::call_site, |i| i.span()),
        });
    }
    match literal(meta, key, "true")? {
        Lit::Bool(lit) => Ok(Spanned {
            value: lit.value,
            span: lit.span(),
        }),
        other => Err(syn::Error::new(
            other.span(),
            format!("expected `{key}` to be a boolean: `{key} = true` or `{key} = false`"),
        )),
    }
}

fn crate_path(meta: &ParseNestedMeta) -> syn::Result<Spanned<Path>> {
    let lit = lit_str(meta, "crate")?;
    let path = lit.parse::<Path>().map_err(|_| {
        syn::Error::new(
            lit.span(),
            "expected `crate` to be a path, as in `crate = \"::sessionkit\"`",
        )
    })?;
    Ok(Spanned {
        value: path,
        span: lit.span(),
    })
}

#[cfg(test)]
mod tests {
    use super::{edit_distance, unknown_key_message};

    #[test]
    fn distance() {
        assert_eq!(edit_distance("same_sit", "same_site"), 1);
        assert_eq!(edit_distance("ttl", "ttl"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("cokie", "cookie"), 1);
    }

    #[test]
    fn suggests_the_closest_key() {
        assert!(unknown_key_message("same_sit").ends_with("did you mean `same_site`?"));
        assert!(!unknown_key_message("color").contains("did you mean"));
    }
}
