use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(algorithm = "none")]
struct UserSession {
    user_id: String,
}

fn main() {}
