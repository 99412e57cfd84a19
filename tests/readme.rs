//! The README's Rust blocks compile exactly as written, in a crate outside this repository
//! that depends on `sessionkit` by path with the dependencies the install section lists.
//! Each block becomes the body of an `async fn` returning `Result<(), Box<dyn Error>>`, as
//! the README says; a block of server functions (Leptos' `#[server]`, Dioxus' `#[post]`)
//! is a module of its own beside them, with the stateless example's `UserSession`. The
//! crate is type-checked (`cargo check`), not linked or run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The ```rust blocks of a Markdown text, in order.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```rust") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The scratch crate: the install section's dependencies, and every block in a function.
fn write_crate(dir: &Path, repo: &Path, blocks: &[String]) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = format!(
        r#"[package]
name = "readme-check"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
sessionkit = {{ path = {repo:?}, features = ["axum", "actix", "sqlite", "redis", "leptos", "dioxus"] }}
serde = {{ version = "1", features = ["derive"] }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "net"] }}
axum = "0.8"
actix-web = "4"
leptos = {{ version = "0.8", features = ["ssr"] }}
leptos_axum = "0.8"
dioxus = {{ version = "0.7", features = ["fullstack"] }}

[features]
default = ["server"]
server = ["dioxus/server"]
"#,
        repo = repo.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // The same versions as this repository resolved, so the build reuses what it can.
    std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let mut main = String::from("#![allow(unused)]\n\n");
    for (index, block) in blocks.iter().enumerate() {
        let server_functions = block
            .lines()
            .any(|line| line.starts_with("#[server") || line.starts_with("#[post("));
        main.push_str(&match server_functions {
            true => format!("mod block_{index} {{\n{SERVER_PRELUDE}\n{block}\n}}\n\n"),
            false => format!(
                "async fn block_{index}() -> Result<(), Box<dyn std::error::Error>> {{\n{block}\n    Ok(())\n}}\n\n"
            ),
        });
    }
    main.push_str("fn main() {}\n");
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
}

/// What a block of server functions takes from the README's stateless example.
const SERVER_PRELUDE: &str = "
use serde::{Deserialize, Serialize};
use sessionkit::Session;
#[derive(Clone, Serialize, Deserialize, Session)]
#[session(cookie = \"session\", ttl = \"7d\", same_site = \"lax\")]
pub struct UserSession { user_id: String }
";

#[test]
fn the_readme_rust_blocks_compile_as_written() {
    // This package is `tests/`; the README and the facade are one up.
    let repo = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let blocks = rust_blocks(&readme);
    assert!(blocks.len() >= 4, "found only {} Rust blocks", blocks.len());
    // Under cargo's scratch directory for tests, which follows `CARGO_TARGET_DIR`.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-check");
    write_crate(&dir, &repo, &blocks);
    let output = Command::new(env!("CARGO"))
        .arg("check")
        .arg("--quiet")
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "the README's Rust blocks do not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
