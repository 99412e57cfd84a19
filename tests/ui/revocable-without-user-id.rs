use serde::{Deserialize, Serialize};
use sessionkit::Session;

// Revocation goes by user id, and no field holds it.
#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "session", revocable)]
struct UserSession {
    email: String,
}

fn main() {}
