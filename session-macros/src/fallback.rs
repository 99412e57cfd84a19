//! Error collection, and the stub impl emitted beside the errors.
//!
//! Without the stub, every use of `UserSession::encrypt` elsewhere in the crate would add a
//! "no function named `encrypt`" error after the real one; with it the user sees only the
//! mistakes in the attribute.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::expand;

/// Accumulates every error so that one build reports all of them.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, err: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(err),
            None => self.0 = Some(err),
        }
    }

    pub fn take(self) -> Option<syn::Error> {
        self.0
    }
}

/// The errors plus an impl with the default configuration.
pub fn stub(input: &DeriveInput, krate: &TokenStream, err: syn::Error) -> TokenStream {
    let errors = err.to_compile_error();
    let config = quote!(#krate::__private::SessionConfig::DEFAULT);
    let stub = expand::impl_session(input, krate, config, None);
    quote! {
        #errors
        #stub
    }
}
