//! Payload fields may not land on a claim name the token itself uses. The payload and the
//! registered claims share one JSON object, so a field serialized as `exp` would write a
//! second `exp` and fail every read; this finds the clash at compile time instead, after
//! applying the field's `#[serde(rename)]` and the struct's `#[serde(rename_all)]`.

use syn::{DeriveInput, Field, LitStr, Meta};

use crate::attr::Format;
use crate::errors::Errors;

/// The claims the runtime writes or reads beside the payload's fields.
const RESERVED: &[&str] = &["iat", "exp", "nbf", "iss", "aud", "auth_time"];

/// Records an error for every field whose serialized or deserialized name is reserved.
/// The claim names a format's token holds beside the payload: the Auth.js formats add a
/// token id, `jti`; an iron seal holds the payload alone.
fn reserved(format: Format) -> &'static [&'static str] {
    match format {
        Format::Jose => RESERVED,
        Format::AuthJs | Format::NextAuthV4 => {
            &["iat", "exp", "nbf", "iss", "aud", "auth_time", "jti"]
        }
        Format::Iron => &[],
    }
}

pub fn check(input: &DeriveInput, format: Format, errors: &mut Errors) {
    let reserved = reserved(format);
    let syn::Data::Struct(data) = &input.data else {
        return;
    };
    let rename_all = rename_all(input);
    for field in &data.fields {
        let Some(ident) = &field.ident else { continue };
        let plain = ident.to_string();
        let plain = plain.strip_prefix("r#").unwrap_or(&plain);
        let names = match field_renames(field) {
            Some(names) => names,
            None => vec![
                rename_all
                    .as_deref()
                    .map_or_else(|| plain.to_owned(), |rule| apply(rule, plain)),
            ],
        };
        if let Some(name) = names.iter().find(|name| reserved.contains(&name.as_str())) {
            errors.push(syn::Error::new_spanned(
                ident,
                format!(
                    "this field is serialized as `{name}`, which the token itself uses; \
                     the reserved claim names are {}. Rename the field or give it \
                     `#[serde(rename = \"...\")]`",
                    reserved
                        .iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
}

/// The names in `#[serde(rename = "x")]` or `#[serde(rename(serialize = "x", deserialize =
/// "y"))]` on a field, if it has one.
fn field_renames(field: &Field) -> Option<Vec<String>> {
    let names = serde_key(&field.attrs, "rename");
    (!names.is_empty()).then_some(names)
}

/// The struct's `rename_all` rule for serialization (the one that writes the token).
fn rename_all(input: &DeriveInput) -> Option<String> {
    serde_key(&input.attrs, "rename_all").into_iter().next()
}

/// The string values of `key` in the `#[serde(...)]` attributes, passing over every other
/// key (whatever its form) so that serde's own syntax never trips this check.
fn serde_key(attrs: &[syn::Attribute], key: &str) -> Vec<String> {
    let mut values = Vec::new();
    let serde = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde") && matches!(attr.meta, Meta::List(_)));
    for attr in serde {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(key) {
                values.extend(string_or_pair(&meta)?);
            } else {
                skip(&meta)?;
            }
            Ok(())
        });
    }
    values
}

/// Consumes a key's value, `= ...` or `(...)`, without reading it.
fn skip(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<proc_macro2::TokenStream>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip(&inner))?;
    }
    Ok(())
}

/// `key = "x"` gives `["x"]`; `key(serialize = "x", deserialize = "y")` gives both.
fn string_or_pair(meta: &syn::meta::ParseNestedMeta) -> syn::Result<Vec<String>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(vec![meta.value()?.parse::<LitStr>()?.value()]);
    }
    let mut names = Vec::new();
    meta.parse_nested_meta(|inner| {
        names.push(inner.value()?.parse::<LitStr>()?.value());
        Ok(())
    })?;
    Ok(names)
}

/// serde's `rename_all` rules, applied to a snake_case field name as serde applies them.
fn apply(rule: &str, field: &str) -> String {
    let words = || field.split('_').filter(|word| !word.is_empty());
    let capitalized = |word: &str| {
        let mut chars = word.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect::<String>())
            .unwrap_or_default()
    };
    match rule {
        "lowercase" | "snake_case" => field.to_owned(),
        "UPPERCASE" | "SCREAMING_SNAKE_CASE" => field.to_ascii_uppercase(),
        "PascalCase" => words().map(capitalized).collect(),
        "camelCase" => {
            let pascal: String = words().map(capitalized).collect();
            let mut chars = pascal.chars();
            chars
                .next()
                .map(|first| first.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        }
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.replace('_', "-").to_ascii_uppercase(),
        _ => field.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::apply;

    #[test]
    fn rename_all_rules_match_serde() {
        assert_eq!(apply("camelCase", "auth_time"), "authTime");
        assert_eq!(apply("PascalCase", "auth_time"), "AuthTime");
        assert_eq!(apply("camelCase", "exp"), "exp");
        assert_eq!(apply("snake_case", "exp"), "exp");
        assert_eq!(apply("SCREAMING_SNAKE_CASE", "exp"), "EXP");
        assert_eq!(apply("kebab-case", "auth_time"), "auth-time");
    }
}
