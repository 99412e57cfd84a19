use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(ttl = "7d", max_lifetime = "1d")]
struct UserSession {
    user_id: String,
}

fn main() {}
