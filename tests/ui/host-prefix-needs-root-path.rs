use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "__Host-session", path = "/app")]
struct UserSession {
    user_id: String,
}

fn main() {}
