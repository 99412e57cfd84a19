use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(crate = "not a path")]
struct UserSession {
    user_id: String,
}

fn main() {}
