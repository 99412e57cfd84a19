use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
struct UserSession {
    #[session(ttl = "1h")]
    user_id: String,
}

fn main() {}
