use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(ttl = "30m1h")]
struct UserSession {
    user_id: String,
}

fn main() {}
