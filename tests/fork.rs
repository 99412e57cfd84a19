//! No IV and no session id repeats across `fork()`: a process that issued tokens and then
//! forks must not hand parent and child the same random stream, since two AES-GCM seals
//! under one key and one IV give the GHASH key away (and with it, forged sessions).
//!
//! The test forks itself, which needs `unsafe` (`fork` in a threaded process is only sound
//! when the child restricts itself, as here, to what it needs before exiting). That is the
//! only `unsafe` in the project, and it is in this test, not in the library.
#![cfg(unix)]

mod common;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

use common::{SealedSession, keys};
use sessionkit::{Keys, MemoryStore, Session, SessionManager};

const TOKENS: usize = 1_000;
const SESSIONS: usize = 1_000;

/// What one side of the fork issued: the IVs of its stateless tokens and of its database
/// tickets, and the keys (`sha256(sid)`) of its database sessions.
fn issue(keys: &Keys) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let manager = SessionManager::<SealedSession, _>::new(MemoryStore::new(), keys.clone());
    let mut issued = Vec::with_capacity(TOKENS + 2 * SESSIONS);
    for _ in 0..TOKENS {
        let token = common::sealed("7").encrypt(keys).expect("seals");
        issued.push(format!("iv {}", iv_of(&token)));
    }
    runtime.block_on(async {
        for _ in 0..SESSIONS {
            let cookie = manager.create(&common::sealed("7")).await.expect("creates");
            issued.push(format!("iv {}", iv_of(cookie.value())));
            let header = format!("{}={}", SealedSession::CONFIG.cookie_name, cookie.value());
            let session = manager.load(&header).await.expect("loads");
            issued.push(format!("sid {}", session.key().to_hex()));
        }
    });
    issued
}

fn iv_of(token: &str) -> &str {
    token.split('.').nth(2).expect("a compact JWE")
}

#[test]
fn parent_and_child_never_share_an_iv_or_a_session_id() {
    let keys = keys();
    // Use every generator once before the fork, as a server does before it forks workers.
    let before = issue(&keys);
    assert_eq!(before.len(), TOKENS + 2 * SESSIONS);

    let (mut parent_end, mut child_end) = UnixStream::pair().expect("a socket pair");
    // SAFETY: the child only computes, writes to its socket and exits without returning
    // into the test harness; it takes no lock another thread could have held at the fork
    // except the allocator's, which glibc resets in the child.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        drop(parent_end);
        let issued = issue(&keys).join("\n");
        let code = match child_end.write_all(issued.as_bytes()) {
            Ok(()) => 0,
            Err(_) => 1,
        };
        drop(child_end);
        std::process::exit(code);
    }
    drop(child_end);
    let parent = issue(&keys);
    let mut child = String::new();
    parent_end
        .read_to_string(&mut child)
        .expect("the child's output");
    let mut status = 0;
    // SAFETY: waits for the child this test forked.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(waited, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child failed: {status}"
    );
    let child: Vec<&str> = child.lines().collect();
    assert_eq!(
        child.len(),
        TOKENS + 2 * SESSIONS,
        "the child's whole output"
    );

    let parent: HashSet<&str> = parent.iter().map(String::as_str).collect();
    assert_eq!(
        parent.len(),
        TOKENS + 2 * SESSIONS,
        "no repeat within the parent"
    );
    let shared: Vec<&&str> = child
        .iter()
        .filter(|item| parent.contains(**item))
        .collect();
    assert!(
        shared.is_empty(),
        "{} of {} IVs and session ids repeat between parent and child, e.g. {:?}",
        shared.len(),
        child.len(),
        shared.first()
    );
}
