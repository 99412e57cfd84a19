use serde::{Deserialize, Serialize};
use sessionkit::Session;

// An Auth.js cookie is another app's stateless token: there is no store row to copy.
#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "authjs.session-token", format = "authjs", cache = "30s")]
struct AuthJsSession {
    sub: String,
}

fn main() {}
