use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(leeway = 30)]
struct UserSession {
    user_id: String,
}

fn main() {}
