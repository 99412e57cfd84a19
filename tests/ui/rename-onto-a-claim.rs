use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(max_lifetime = "30d")]
struct UserSession {
    user_id: String,
    #[serde(rename = "auth_time")]
    signed_in: u64,
}

fn main() {}
