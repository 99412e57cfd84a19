//! Every refusal is logged at `debug` with its cause and the session type's cookie name,
//! and each store call is a span; no event or span carries a token, a session id, a key or
//! a payload value.

mod common;

use common::{Captured, SECRET, guide, keys, now, tamper};
use serde::{Deserialize, Serialize};
use sessionkit::time::Duration;
use sessionkit::{MemoryStore, Session, SessionManager};
use tracing_subscriber::fmt::format::FmtSpan;

const MARKER: &str = "MARKER-grace@example.com";

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

/// A refused cross-origin request is logged at `warn` with its reason, and never with the
/// request's cookie; report-only mode logs the same and passes the request.
#[cfg(feature = "axum")]
#[test]
fn cross_origin_refusals_are_logged_at_warn_with_their_reason() {
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let token = guide("grace").encrypt(&keys()).unwrap();
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let statuses = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let mut statuses = Vec::new();
            for mode in [
                sessionkit::CrossOrigin::Protect,
                sessionkit::CrossOrigin::ReportOnly,
            ] {
                let app = Router::new().fallback(|| async { "passed" }).layer(
                    sessionkit::SessionGuard::stateless::<common::GuideSession>(keys())
                        .cross_origin(mode),
                );
                let request = Request::post("/transfer")
                    .header("cookie", format!("session={token}; other={MARKER}"))
                    .header("sec-fetch-site", "cross-site")
                    .header("origin", "https://evil.example")
                    .body(Body::empty())
                    .unwrap();
                statuses.push(app.oneshot(request).await.unwrap().status().as_u16());
            }
            statuses
        })
    });
    assert_eq!(statuses, [403, 200]);
    let text = captured.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines.iter().all(|line| line.contains("WARN")), "{text}");
    assert!(lines[0].contains("cross-origin request refused"), "{text}");
    assert!(lines[1].contains("would be refused") && lines[1].contains("report_only=true"));
    assert!(
        lines
            .iter()
            .all(|line| line.contains("Sec-Fetch-Site names another site"))
    );
    assert!(!text.contains(&token) && !text.contains(MARKER), "{text}");
}
