use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "__Host-session", domain = "example.com")]
struct UserSession {
    user_id: String,
}

fn main() {}
