use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(algorithm = "RS256")]
struct UserSession {
    user_id: String,
}

fn main() {}
