//! `#[session(...)]` on fields: only `user_id`, on at most one field of a supported type.

use syn::{Data, DeriveInput, Field, Type};

use crate::fallback::Errors;

/// The field types a user id can have: stored as text, so anything with a plain,
/// unambiguous `Display`.
const USER_ID_TYPES: &[&str] = &[
    "String", "u16", "u32", "u64", "u128", "usize", "i16", "i32", "i64", "i128", "isize", "Uuid",
];

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
            } else if !supported(&field.ty) {
                errors.push(syn::Error::new_spanned(
                    &field.ty,
                    format!(
                        "`#[session(user_id)]` needs a field of type {}; it is stored as text in \
                         an indexed column",
                        USER_ID_TYPES
                            .iter()
                            .map(|t| format!("`{t}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            } else {
                found = Some(field);
            }
        }
    }
    found
}

fn supported(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    path.qself.is_none()
        && path.path.segments.last().is_some_and(|segment| {
            segment.arguments.is_empty() && USER_ID_TYPES.iter().any(|name| segment.ident == name)
        })
}
