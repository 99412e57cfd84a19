use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "__Secure-session", secure = false)]
struct UserSession {
    user_id: String,
}

fn main() {}
