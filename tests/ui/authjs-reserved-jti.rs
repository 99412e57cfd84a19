use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(format = "authjs")]
struct UserSession {
    jti: String,
}

fn main() {}
