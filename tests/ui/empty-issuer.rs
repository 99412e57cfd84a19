use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(issuer = "")]
struct UserSession {
    user_id: String,
}

fn main() {}
