use serde::{Deserialize, Serialize};
use sessionkit::Session;

// The copy must be re-read before the session would be renewed (here, half of 1h).
#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "session", ttl = "1h", cache = "30m")]
struct UserSession {
    user_id: String,
}

fn main() {}
