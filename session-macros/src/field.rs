//! `#[session(...)]` on fields: only `user_id`, on at most one field. Its type is checked by
//! the compiler through the runtime's `UserId` bound, not here by its spelling, so aliases,
//! newtypes and `Option`s work and a wrong type is reported at the field.

use syn::{Data, DeriveInput, Field};

use crate::errors::Errors;

/// Finds the field marked `#[session(user_id)]`, reporting misuse.
pub fn user_id_field<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Option<&'a Field> {
    let Data::Struct(data) = &input.data else {
        return None;
    };
    let mut found: Option<&Field> = None;
    for field in &data.fields {
        for attr in field
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("session"))
        {
            let mut marked = false;
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("user_id") && meta.input.is_empty() {
                    marked = true;
                    Ok(())
                } else {
                    Err(meta.error(
                        "the only field attribute is `#[session(user_id)]`; cookie and token \
                         settings belong in `#[session(...)]` on the struct",
                    ))
                }
            });
            if let Err(err) = parsed {
                errors.push(err);
                continue;
            }
            if !marked {
                continue;
            }
            if found.is_some() {
                errors.push(syn::Error::new_spanned(
                    attr,
                    "only one field can be `#[session(user_id)]`: it names the user whose \
                     sessions \"log out everywhere\" ends",
                ));
            } else {
                found = Some(field);
            }
        }
    }
    found
}
