//! [`UserId`]: what a field marked `#[session(user_id)]` may be. Database stores file
//! sessions under the user id as text, so any type with a `Display` qualifies, and so does
//! an `Option` of one (a session without a user is filed under none).

use std::fmt::Display;

use crate::session::Session;

/// A session type with a user: one field is marked `#[session(user_id)]`, and the derive
/// implements this trait for it. The database methods that find sessions by user
/// (`revoke_user`, `list_sessions`, `revoke_session_of`, `create_labeled`) require it, so a
/// type without a user id cannot call them and silently find nothing.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no user id, so its sessions cannot be found by user",
    label = "this session type has no field marked `#[session(user_id)]`",
    note = "mark the field that names the user, e.g. `#[session(user_id)] user_id: String`; without one, \"log out everywhere\" and the device list would find no session"
)]
pub trait HasUserId: Session {}

/// A type that can name the user a database session belongs to, as text.
///
/// Implemented for every `Display` type (`String`, integers, `Uuid`, your newtype with a
/// `Display` impl) and for `Option` of one. The type parameter only tells the two apart;
/// you never name it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a session's user id",
    label = "`#[session(user_id)]` needs a type that converts to text",
    note = "a user id is stored as text: implement `std::fmt::Display` for `{Self}`, or use a `String`, an integer or an `Option` of one"
)]
pub trait UserId<Kind> {
    /// The user id as text, or `None` for a session without a user.
    fn user_id_text(&self) -> Option<String>;
}

/// The marker of [`UserId`] for `Display` types.
pub enum Shown {}

/// The marker of [`UserId`] for `Option`s of `Display` types.
pub enum Optional {}

impl<T: Display + ?Sized> UserId<Shown> for T {
    fn user_id_text(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl<T: Display> UserId<Optional> for Option<T> {
    fn user_id_text(&self) -> Option<String> {
        self.as_ref().map(ToString::to_string)
    }
}

/// What the derive calls for the marked field; the bound is where a wrong type is reported.
#[doc(hidden)]
pub fn user_id_text<Kind, T: UserId<Kind> + ?Sized>(field: &T) -> Option<String> {
    field.user_id_text()
}

#[cfg(test)]
mod tests {
    use super::user_id_text;

    struct Email(String);

    impl std::fmt::Display for Email {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }

    #[test]
    fn display_types_and_options_of_them() {
        assert_eq!(user_id_text(&42u64), Some("42".into()));
        assert_eq!(user_id_text("ada"), Some("ada".into()));
        assert_eq!(user_id_text(&Email("a@b".into())), Some("a@b".into()));
        assert_eq!(user_id_text(&Some(7i32)), Some("7".into()));
        assert_eq!(user_id_text(&None::<String>), None);
    }
}
