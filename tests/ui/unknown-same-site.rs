use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(same_site = "Lax")]
struct UserSession {
    user_id: String,
}

fn main() {}
