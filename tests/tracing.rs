//! Every refusal is logged at `debug` with its cause and the session type's cookie name,
//! and each store call is a span; no event or span carries a token, a session id, a key or
//! a payload value.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{SECRET, guide, keys, now, tamper};
use serde::{Deserialize, Serialize};
use sessionkit::time::Duration;
use sessionkit::{MemoryStore, Session, SessionManager};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

const MARKER: &str = "MARKER-grace@example.com";

/// Everything the subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Account {
    #[session(user_id)]
    user_id: String,
    note: String,
}

#[test]
fn refusals_are_logged_with_their_cause_and_nothing_secret() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::NEW)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let mut secrets = vec![SECRET.to_owned()];
    tracing::subscriber::with_default(subscriber, || {
        // Stateless: expired, tampered, missing, duplicated.
        let token = guide(MARKER).encrypt_at(&keys(), now()).unwrap();
        secrets.push(token.clone());
        let _ = common::GuideSession::decrypt_at(&token, &keys(), now() + Duration::days(8));
        let _ = common::GuideSession::decrypt_at(&tamper(&token), &keys(), now());
        let _ = common::GuideSession::from_cookie_header_at("other=1", &keys(), now());
        let _ = common::GuideSession::from_cookie_header_at(
            &format!("session={token}; session={token}"),
            &keys(),
            now(),
        );
        // Database: a revoked session, with its store calls.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let manager = SessionManager::<Account, _>::new(MemoryStore::new(), keys());
            let cookie = manager
                .create(&Account {
                    user_id: "grace".into(),
                    note: MARKER.into(),
                })
                .await
                .unwrap();
            secrets.push(cookie.value().to_owned());
            let header = format!("sid={}", cookie.value());
            let session = manager.load(&header).await.unwrap();
            manager.revoke(&session).await.unwrap();
            let gone = manager.load(&header).await;
            assert!(gone.is_err(), "revoked");
        });
    });
    let log = captured.text();
    for cause in [
        "cause=\"expired\"",
        "cause=\"signature\"",
        "cause=\"missing\"",
        "cause=\"duplicate-cookie\"",
        "cause=\"session-not-found\"",
    ] {
        assert!(log.contains(cause), "no {cause} in:\n{log}");
    }
    assert!(
        log.contains("cookie=\"session\"") && log.contains("cookie=\"sid\""),
        "{log}"
    );
    for op in ["op=\"create\"", "op=\"load\"", "op=\"delete\""] {
        assert!(log.contains(op), "no store span {op} in:\n{log}");
    }
    assert!(log.contains("DEBUG"), "{log}");
    for secret in secrets.iter().map(String::as_str).chain([MARKER]) {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}
