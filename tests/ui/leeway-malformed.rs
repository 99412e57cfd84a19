use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(leeway = "soon")]
struct UserSession {
    user_id: String,
}

fn main() {}
