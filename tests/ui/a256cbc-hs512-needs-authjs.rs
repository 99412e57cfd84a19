use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(algorithm = "A256CBC-HS512")]
struct UserSession {
    user_id: String,
}

fn main() {}
