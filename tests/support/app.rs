//! Runs `examples/app.rs` (axum), `examples/app_actix.rs` (actix-web) or
//! `examples/app_leptos.rs` (Leptos) as a real server on a random loopback port, for the HTTP
//! and browser tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The secret the test server is started with, so that tests can mint cookies.
pub const APP_SECRET: &str = "app-test-secret-0123456789-abcdefghijklm";

/// Which example app: the same app on axum (`app`) or actix-web (`app_actix`), or its
/// Leptos version (`app_leptos`, whose forms post to server functions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Axum,
    Actix,
    Leptos,
}

impl Framework {
    fn binary(self) -> &'static str {
        match self {
            Framework::Axum => "app",
            Framework::Actix => "app_actix",
            Framework::Leptos => "app_leptos",
        }
    }
}

/// The running example app; killed when dropped.
pub struct RunningApp {
    child: Child,
    pub url: String,
    db_dir: PathBuf,
}

impl RunningApp {
    pub fn start(framework: Framework) -> RunningApp {
        // Test binaries live in target/<profile>/deps; examples in target/<profile>/examples.
        let exe = std::env::current_exe().unwrap();
        let binary = exe
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("examples")
            .join(framework.binary());
        assert!(
            binary.exists(),
            "{} is missing: run the tests with `--all-features` so that cargo builds the example",
            binary.display()
        );
        let db_dir = std::env::temp_dir().join(format!(
            "sessionkit-app-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&db_dir).unwrap();
        let mut child = Command::new(binary)
            .env("SESSIONKIT_APP_ADDR", "127.0.0.1:0")
            .env("SESSIONKIT_APP_DB", db_dir.join("app.db"))
            .env("SESSION_SECRET", APP_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("the app prints its URL")
            .to_owned();
        RunningApp { child, url, db_dir }
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.db_dir);
    }
}
