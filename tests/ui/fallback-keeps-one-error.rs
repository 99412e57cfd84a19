use serde::{Deserialize, Serialize};
use sessionkit::{Keys, Session};

// One mistake in the attribute: the uses below must not add errors of their own.
#[derive(Serialize, Deserialize, Session)]
#[session(ttl = "forever")]
struct UserSession {
    user_id: String,
}

fn main() -> Result<(), sessionkit::Error> {
    let keys = Keys::new("0123456789abcdef0123456789abcdef")?;
    let cookie = UserSession { user_id: "42".into() }.cookie(&keys)?;
    let session = UserSession::from_cookie_header(cookie.value(), &keys)?;
    let _renewed = UserSession::refresh(&session, &keys)?;
    let _logout = UserSession::removal_cookie();
    Ok(())
}
