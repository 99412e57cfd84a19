use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(format = "nextauth")]
struct UserSession {
    user_id: String,
}

fn main() {}
