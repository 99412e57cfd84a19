use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(format = "iron", issuer = "https://example.com")]
struct UserSession {
    user_id: String,
}

fn main() {}
