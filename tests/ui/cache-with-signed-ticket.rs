use serde::{Deserialize, Serialize};
use sessionkit::Session;

// The copy of the stored payload would be readable in a signed cookie.
#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", algorithm = "HS256", cache = "30s")]
struct Account {
    user_id: String,
    notes: String,
}

fn main() {}
