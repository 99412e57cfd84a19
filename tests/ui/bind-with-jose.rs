use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "magic-link", bind = "purpose")]
struct MagicLink {
    email: String,
}

fn main() {}
