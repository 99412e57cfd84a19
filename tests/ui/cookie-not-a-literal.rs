use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = session)]
struct UserSession {
    user_id: String,
}

fn main() {}
