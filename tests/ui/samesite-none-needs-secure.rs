use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(same_site = "none", secure = false)]
struct UserSession {
    user_id: String,
}

fn main() {}
