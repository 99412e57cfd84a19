use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(domain = "example.com; Secure")]
struct UserSession {
    user_id: String,
}

fn main() {}
