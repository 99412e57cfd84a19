use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(ttl = "1d", ttl = "2d")]
struct UserSession {
    user_id: String,
}

fn main() {}
