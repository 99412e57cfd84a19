use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(color = "red")]
struct UserSession {
    user_id: String,
}

fn main() {}
