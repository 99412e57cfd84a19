use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(ttl = "7 days")]
struct UserSession {
    user_id: String,
}

fn main() {}
