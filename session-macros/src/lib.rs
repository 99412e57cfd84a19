//! The `#[derive(Session)]` macro behind [sessionkit](https://docs.rs/sessionkit).
//!
//! Use it through the `sessionkit` crate, which re-exports it beside the `Session` trait.
//! The macro parses `#[session(...)]`, validates every key at compile time and emits a
//! single `const CONFIG`; all behaviour lives in ordinary, tested runtime code.
#![forbid(unsafe_code)]

mod attr;
mod duration;
mod expand;
mod fallback;
mod field;
mod reserved;
mod valid;

use proc_macro::TokenStream;

/// Derives `sessionkit::Session` for a struct with named fields.
///
/// See the `sessionkit` crate documentation for the `#[session(...)]` keys.
#[proc_macro_derive(Session, attributes(session))]
pub fn derive_session(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}
