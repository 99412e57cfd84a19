use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(renew_within = "0s")]
struct UserSession {
    user_id: String,
}

fn main() {}
