use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(partitioned, secure = false)]
struct UserSession {
    user_id: String,
}

fn main() {}
