use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(format = "iron", algorithm = "A256GCM")]
struct UserSession {
    user_id: String,
}

fn main() {}
