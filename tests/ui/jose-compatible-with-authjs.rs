use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(format = "authjs", jose_compatible)]
struct UserSession {
    user_id: String,
}

fn main() {}
