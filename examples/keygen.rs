//! Prints a fresh `SESSION_SECRET=...` line for a `.env` file.
//!
//! ```text
//! cargo run --example keygen >> .env
//! ```
//!
//! The secret is 32 random bytes from the operating system in base64, like
//! `openssl rand -base64 32`. The same line works for a Next.js app using jose, so both can
//! read each other's session cookies.

fn main() {
    let (_keys, secret) = sessionkit::Keys::generate();
    println!("SESSION_SECRET={}", &*secret);
}
