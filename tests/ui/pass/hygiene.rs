// The generated code must not depend on what the user's crate names Result, Option, Ok,
// Some or the facade itself.
#![deny(warnings)]
#![no_implicit_prelude]

extern crate serde;
extern crate sessionkit as renamed_sessionkit;
extern crate std;

#[allow(dead_code)]
type Result = ();
#[allow(dead_code)]
struct Option;
#[allow(dead_code)]
struct Ok;
#[allow(dead_code)]
struct Some;
#[allow(dead_code)]
struct SessionConfig;
#[allow(dead_code)]
mod sessionkit {}
#[allow(dead_code)]
struct String;
#[allow(dead_code)]
trait ToString {}

#[derive(serde::Serialize, serde::Deserialize, renamed_sessionkit::Session)]
#[session(crate = "renamed_sessionkit", ttl = "1h", algorithm = "HS256", domain = "example.com", issuer = "me")]
struct UserSession {
    #[session(user_id)]
    user_id: std::string::String,
}

fn main() {
    let _config = <UserSession as renamed_sessionkit::Session>::CONFIG;
}
