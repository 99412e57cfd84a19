//! Parse, validate, then generate: the impl is one `const CONFIG`, and everything else is
//! provided by the `Session` trait in the runtime.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, Meta};

use crate::attr::{Algorithm, Attrs, Format, SameSite, Spanned};
use crate::errors::Errors;
use crate::fallback;
use crate::field;
use crate::valid;

/// The whole derive: the impl on success, the errors plus a stub impl otherwise.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    check_shape(input, &mut errors);
    let user_id = field::user_id_field(input, &mut errors);
    check_serde_attrs(input, &mut errors);
    check_owned(input, &mut errors);
    let attrs = Attrs::parse(&input.attrs, &mut errors);
    crate::reserved::check(input, attrs.format(), &mut errors);
    valid::check(&attrs, &mut errors);
    valid::revocable_has_a_user(&attrs, user_id.is_some(), &mut errors);
    let krate = match &attrs.krate {
        Some(path) => path.value.to_token_stream(),
        None => quote!(::sessionkit),
    };
    match errors.take() {
        Some(err) => {
            let config = quote!(#krate::__private::SessionConfig::DEFAULT);
            fallback::with_stub(err, impl_session(input, &krate, config, None))
        }
        None => generate(input, &attrs, user_id, &krate),
    }
}

/// Claims are a JSON object, so only a struct with named fields can carry them.
fn check_shape(input: &DeriveInput, errors: &mut Errors) {
    let problem = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(_) => return,
            Fields::Unnamed(fields) => syn::Error::new_spanned(
                fields,
                "`Session` cannot be derived for a tuple struct: the token's claims are a JSON \
                 object, so give the fields names",
            ),
            Fields::Unit => syn::Error::new_spanned(
                &input.ident,
                "`Session` cannot be derived for a unit struct: add the fields the session carries",
            ),
        },
        Data::Enum(data) => syn::Error::new(
            data.enum_token.span,
            "`Session` can only be derived for a struct with named fields, not an enum; \
             put the enum in a field of a struct",
        ),
        Data::Union(data) => syn::Error::new(
            data.union_token.span,
            "`Session` can only be derived for a struct with named fields, not a union",
        ),
    };
    errors.push(problem);
}

/// The payload shares one JSON object with `iat` and `exp`, so a payload that denies
/// unknown fields would reject every token; catch it here rather than at the first request.
fn check_serde_attrs(input: &DeriveInput, errors: &mut Errors) {
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
    {
        let Meta::List(list) = &attr.meta else {
            continue;
        };
        for token in list.tokens.clone() {
            if let TokenTree::Ident(ident) = token {
                if ident == "transparent" {
                    errors.push(syn::Error::new(
                        ident.span(),
                        "`#[serde(transparent)]` cannot be used on a session: the token's claims \
                         are a JSON object that holds `iat` and `exp` beside the fields, so the \
                         payload must serialize as an object of named fields",
                    ));
                }
                if ident == "deny_unknown_fields" {
                    errors.push(syn::Error::new(
                        ident.span(),
                        "`#[serde(deny_unknown_fields)]` cannot be used on a session: the token \
                         stores `iat` and `exp` beside the fields",
                    ));
                }
            }
        }
    }
}

/// A session is deserialized from a token that does not outlive the call, and is kept in
/// `Verified` and `DbSession` after it, so it cannot borrow: a lifetime parameter would only
/// fail later, where the session is used, with "Deserialize is not general enough".
fn check_owned(input: &DeriveInput, errors: &mut Errors) {
    if let Some(lifetime) = input.generics.lifetimes().next() {
        errors.push(syn::Error::new_spanned(
            &lifetime.lifetime,
            "a session owns its data: it outlives the token it was read from, so it cannot \
             borrow; use owned types (`String` for `&str`, `Vec<T>` for `&[T]`) and drop the \
             lifetime parameter",
        ));
    }
}

fn generate(
    input: &DeriveInput,
    attrs: &Attrs,
    user_id: Option<&syn::Field>,
    krate: &TokenStream,
) -> TokenStream {
    let private = quote!(#krate::__private);
    let algorithm = attrs.algorithm.as_ref().map(|v| {
        let variant = match v.value {
            Algorithm::Hs256 => quote!(Hs256),
            Algorithm::Hs384 => quote!(Hs384),
            Algorithm::Hs512 => quote!(Hs512),
            Algorithm::A256Gcm => quote!(A256Gcm),
            Algorithm::A256CbcHs512 => quote!(A256CbcHs512),
        };
        setter(
            v.span,
            "with_algorithm",
            quote!(#private::Algorithm::#variant),
        )
    });
    let format = attrs.format.as_ref().map(|v| {
        let variant = match v.value {
            Format::Jose => quote!(Jose),
            Format::AuthJs => quote!(AuthJs),
            Format::NextAuthV4 => quote!(NextAuthV4),
            Format::Iron => quote!(Iron),
        };
        setter(v.span, "with_format", quote!(#private::Format::#variant))
    });
    // A format's own defaults, where the type leaves them out: its library's ttl, clock
    // skew and (for Auth.js) content encryption.
    let site = Span::call_site();
    let defaults = match attrs.format() {
        Format::Jose => Vec::new(),
        other => {
            let mut defaults = Vec::new();
            if attrs.ttl.is_none() {
                let ttl = other.default_ttl();
                defaults.push(setter(site, "with_ttl_seconds", quote!(#ttl)));
            }
            if attrs.leeway.is_none() {
                let leeway = other.default_leeway();
                defaults.push(setter(site, "with_leeway_seconds", quote!(#leeway)));
            }
            if attrs.algorithm.is_none() && other == Format::AuthJs {
                defaults.push(setter(
                    site,
                    "with_algorithm",
                    quote!(#private::Algorithm::A256CbcHs512),
                ));
            }
            defaults
        }
    };
    let same_site = attrs.same_site.as_ref().map(|v| {
        let variant = match v.value {
            SameSite::Strict => quote!(Strict),
            SameSite::Lax => quote!(Lax),
            SameSite::None => quote!(None),
        };
        setter(
            v.span,
            "with_same_site",
            quote!(#private::SameSite::#variant),
        )
    });
    let setters = [
        plain(&attrs.cookie, "with_cookie_name"),
        plain(&attrs.ttl, "with_ttl_seconds"),
        algorithm,
        same_site,
        plain(&attrs.path, "with_path"),
        plain(&attrs.domain, "with_domain"),
        plain(&attrs.secure, "with_secure"),
        plain(&attrs.http_only, "with_http_only"),
        plain(&attrs.partitioned, "with_partitioned"),
        plain(&attrs.leeway, "with_leeway_seconds"),
        plain(&attrs.issuer, "with_issuer"),
        plain(&attrs.audience, "with_audience"),
        plain(&attrs.renew_within, "with_renew_within_seconds"),
        plain(&attrs.max_lifetime, "with_max_lifetime_seconds"),
        plain(&attrs.cache, "with_cache_seconds"),
        plain(&attrs.revocable, "with_revocable"),
        plain(&attrs.jose_compatible, "with_jose_compatible"),
        format,
        plain(&attrs.chunked, "with_chunked"),
        plain(&attrs.shared, "with_shared"),
        plain(&attrs.bind, "with_bind"),
    ];
    let setters = setters.into_iter().flatten().chain(defaults);
    let config = quote!(#private::SessionConfig::DEFAULT #(#setters)*);
    let user_id = user_id.and_then(|field| Some((field.ident.as_ref()?, &field.ty))).map(|(name, ty)| {
        // Spanned at the field's type, so that a type that cannot be a user id is reported
        // there, with the `UserId` bound's message.
        let call = quote_spanned!(syn::spanned::Spanned::span(ty)=> #private::user_id_text::<_, #ty>(&self.#name));
        quote! {
            fn session_user_id(&self) -> ::core::option::Option<#private::String> {
                #call
            }
        }
    });
    let has_user_id = user_id.is_some();
    let session = impl_session(input, krate, config, user_id);
    if !has_user_id {
        return session;
    }
    // Marks the type for the methods that find sessions by user.
    let (impl_generics, ty_generics, where_clause) = session_generics(input, krate);
    let ident = &input.ident;
    quote! {
        #session
        #[automatically_derived]
        impl #impl_generics #krate::HasUserId for #ident #ty_generics #where_clause {}
    }
}

/// `.with_x(value)` on `SessionConfig`, spanned at the user's literal so that a type error
/// in the generated code would point there.
fn setter(span: Span, name: &str, value: TokenStream) -> TokenStream {
    let name = syn::Ident::new(name, Span::call_site());
    quote_spanned!(span=> .#name(#value))
}

/// A setter for a value that is its own literal: a string, a number of seconds, a bool.
fn plain<T: ToTokens>(value: &Option<Spanned<T>>, name: &str) -> Option<TokenStream> {
    value
        .as_ref()
        .map(|v| setter(v.span, name, v.value.to_token_stream()))
}

/// The generics of the derived impls. A generic payload is a session only for the
/// parameters that make it serde-able; serde's own derive decides which those are, so ask
/// for the result, not the parts.
fn session_generics(
    input: &DeriveInput,
    krate: &TokenStream,
) -> (TokenStream, TokenStream, Option<syn::WhereClause>) {
    let ident = &input.ident;
    let private = quote!(#krate::__private);
    let mut generics = input.generics.clone();
    if !generics.params.is_empty() {
        let (_, ty_generics, _) = input.generics.split_for_impl();
        generics.make_where_clause().predicates.push(syn::parse_quote!(
            #ident #ty_generics: #private::serde::Serialize + #private::serde::de::DeserializeOwned
        ));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    (
        impl_generics.to_token_stream(),
        ty_generics.to_token_stream(),
        where_clause.cloned(),
    )
}

/// `impl Session for ...` with the given `CONFIG`, shared by the real impl and the stub.
pub fn impl_session(
    input: &DeriveInput,
    krate: &TokenStream,
    config: TokenStream,
    items: Option<TokenStream>,
) -> TokenStream {
    let ident = &input.ident;
    let private = quote!(#krate::__private);
    let (impl_generics, ty_generics, where_clause) = session_generics(input, krate);
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Session for #ident #ty_generics #where_clause {
            const CONFIG: #private::SessionConfig = #config;
            #items
        }
    }
}
