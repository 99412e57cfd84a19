use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
struct UserSession {
    #[session(user_id)]
    user_id: Vec<u8>,
}

fn main() {}
