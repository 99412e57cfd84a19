use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(ttl = "1h", renew_within = "1h")]
struct UserSession {
    user_id: String,
}

fn main() {}
