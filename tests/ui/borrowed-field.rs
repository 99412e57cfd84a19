use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
struct UserSession<'a> {
    name: &'a str,
}

fn main() {}
