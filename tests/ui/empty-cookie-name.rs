use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "")]
struct UserSession {
    user_id: String,
}

fn main() {}
