use serde::Deserialize;
use sessionkit::Session;

#[derive(Deserialize, Session)]
struct UserSession {
    user_id: String,
}

fn main() {}
