use serde::{Deserialize, Serialize};
use sessionkit::Session;

#[derive(Serialize, Deserialize, Session)]
#[session(algorithm = "A256GCM", jose_compatible)]
struct Sealed {
    user_id: String,
}

fn main() {}
