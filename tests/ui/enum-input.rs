use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
enum UserSession {
    Guest,
    Member { user_id: String },
}

fn main() {}
