use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "a")]
#[session(cookie = "b")]
struct UserSession {
    user_id: String,
}

fn main() {}
