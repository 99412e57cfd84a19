use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
struct UserSession {
    #[session(user_id)]
    user_id: String,
    #[session(user_id)]
    account_id: u64,
}

fn main() {}
