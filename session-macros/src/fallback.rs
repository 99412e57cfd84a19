//! What is emitted when the attribute has mistakes: the errors, and beside them a stub impl
//! (the trait with the default configuration, which `expand` makes and passes in).
//!
//! Without the stub, every use of `UserSession::encrypt` elsewhere in the crate would add a
//! "no function named `encrypt`" error after the real one; with it the user sees only the
//! mistakes in the attribute.

use proc_macro2::TokenStream;
use quote::quote;

/// The errors plus the stub impl.
pub fn with_stub(err: syn::Error, stub: TokenStream) -> TokenStream {
    let errors = err.to_compile_error();
    quote! {
        #errors
        #stub
    }
}
