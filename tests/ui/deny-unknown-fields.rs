use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[serde(deny_unknown_fields)]
#[session(ttl = "1h")]
struct UserSession {
    user_id: String,
}

fn main() {}
