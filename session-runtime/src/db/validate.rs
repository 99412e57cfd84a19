//! What a store may be handed. Checked once here, before any store sees the value, so that
//! every backend refuses the same input with the same typed error (PostgreSQL, for one,
//! fails on a NUL byte in a way that looks like an outage).

use crate::error::Error;

/// The longest user id accepted, in bytes.
pub const MAX_USER_ID_LEN: usize = 256;
/// The longest device label accepted, in characters.
pub const MAX_LABEL_CHARS: usize = 100;

/// A user id: 1 to 256 bytes, no control characters (NUL included).
pub(crate) fn user_id(user_id: &str) -> Result<(), Error> {
    if user_id.is_empty() {
        return Err(Error::InvalidInput("the user id is empty"));
    }
    if user_id.len() > MAX_USER_ID_LEN {
        return Err(Error::InvalidInput("the user id is longer than 256 bytes"));
    }
    if user_id.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "the user id contains a control character",
        ));
    }
    Ok(())
}

/// A device label: at most 100 characters, no control characters.
pub(crate) fn label(label: &str) -> Result<(), Error> {
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(Error::InvalidInput(
            "the label is longer than 100 characters",
        ));
    }
    if label.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "the label contains a control character",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids() {
        assert!(user_id("alice@example.com").is_ok());
        assert!(user_id(&"x".repeat(256)).is_ok());
        for bad in ["", "a\0b", "a\nb", "\u{7f}"] {
            assert!(
                matches!(user_id(bad), Err(Error::InvalidInput(_))),
                "{bad:?}"
            );
        }
        assert!(user_id(&"x".repeat(257)).is_err());
    }

    #[test]
    fn labels() {
        assert!(label("Firefox on Linux").is_ok());
        assert!(label("").is_ok());
        assert!(label(&"é".repeat(100)).is_ok());
        assert!(label(&"é".repeat(101)).is_err());
        assert!(label("a\tb").is_err());
    }
}
