//! `#[session(user_id)]` takes any type that converts to text, and an `Option` of one.
use std::fmt;

use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize)]
struct AccountId(u64);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "acct-{}", self.0)
    }
}

type Email = String;

#[derive(Serialize, Deserialize, Session)]
struct ByNewtype {
    #[session(user_id)]
    id: AccountId,
}

#[derive(Serialize, Deserialize, Session)]
struct ByAlias {
    #[session(user_id)]
    email: Email,
}

#[derive(Serialize, Deserialize, Session)]
struct Maybe {
    #[session(user_id)]
    user: Option<String>,
}

fn main() {
    assert_eq!(ByNewtype { id: AccountId(7) }.session_user_id().as_deref(), Some("acct-7"));
    assert_eq!(ByAlias { email: "a@b".into() }.session_user_id().as_deref(), Some("a@b"));
    assert_eq!(Maybe { user: None }.session_user_id(), None);
    assert_eq!(Maybe { user: Some("u".into()) }.session_user_id().as_deref(), Some("u"));
}
