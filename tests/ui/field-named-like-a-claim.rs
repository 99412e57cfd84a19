use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
struct UserSession {
    user_id: String,
    exp: u64,
}

fn main() {}
