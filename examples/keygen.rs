//! Prints a fresh `SESSION_SECRET=...` line for a `.env` file.
//!
//! ```text
//! cargo run --example keygen >> .env
//! set -a; . ./.env; set +a
//! ```
//!
//! The second line exports what `.env` holds into your shell, where the examples (and your
//! app) read `SESSION_SECRET`; sessionkit itself reads no files. `.env` is in `.gitignore`:
//! a secret does not belong in the repository.
//!
//! The secret is 32 random bytes from the operating system in base64, like
//! `openssl rand -base64 32`. The same line works for a Next.js app using jose, so both can
//! read each other's session cookies.

fn main() {
    let (_keys, secret) = sessionkit::Keys::generate();
    println!("SESSION_SECRET={}", &*secret);
}
