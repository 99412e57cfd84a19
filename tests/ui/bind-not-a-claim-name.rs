use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(format = "iron", cookie = "magic-link", bind = "the purpose")]
struct MagicLink {
    email: String,
}

fn main() {}
