use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[serde(transparent)]
struct UserSession {
    user_id: String,
}

fn main() {}
