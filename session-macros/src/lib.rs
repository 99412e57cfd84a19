//! The `#[derive(Session)]` macro behind [sessionkit](https://docs.rs/sessionkit).
//!
//! Use it through the `sessionkit` crate, which re-exports it beside the `Session` trait.
//! The macro parses `#[session(...)]`, validates every key at compile time and emits a
//! single `const CONFIG`; all behaviour lives in ordinary, tested runtime code.
#![forbid(unsafe_code)]

mod attr;
mod duration;
mod errors;
mod expand;
mod fallback;
mod field;
mod reserved;
mod valid;

use proc_macro::TokenStream;

/// Derives `sessionkit::Session` for a struct with named fields.
///
/// Every key of `#[session(...)]` (`cookie`, `ttl`, `algorithm`, `same_site`, `path`,
/// `domain`, `secure`, `http_only`, `partitioned`, `leeway`, `issuer`, `audience`,
/// `renew_within`, `max_lifetime`, `jose_compatible`, `crate`) and the field attribute
/// `#[session(user_id)]` are listed with their values and defaults in the table "The
/// `#[session(...)]` attributes" of the `sessionkit` crate documentation. A mistake is a
/// compile error at the offending token.
#[proc_macro_derive(Session, attributes(session))]
pub fn derive_session(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}
