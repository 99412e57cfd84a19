//! `max_lifetime` for stateless sessions: the token carries the original sign-in time
//! (`auth_time`), and no refresh, by hand or by the guard, issues an `exp` past it plus
//! `max_lifetime`. A stolen cookie that keeps being used still ends.

mod common;

use common::{SECRET, craft, guide, keys, now, unb64};
use serde::{Deserialize, Serialize};
use sessionkit::time::{Duration, OffsetDateTime};
use sessionkit::{Error, Session};

/// One hour idle, three hours at most from sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(cookie = "capped", ttl = "1h", max_lifetime = "3h")]
struct Capped {
    user_id: String,
}

/// The same policy, signed with the raw secret, so that tests can craft its tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(
    cookie = "capped",
    ttl = "1h",
    max_lifetime = "3h",
    algorithm = "HS256",
    jose_compatible
)]
struct CappedSigned {
    user_id: String,
}

fn minutes(n: i64) -> OffsetDateTime {
    now() + Duration::minutes(n)
}

fn capped() -> Capped {
    Capped {
        user_id: "ada".into(),
    }
}

/// The claims of a signed token, read without verifying.
fn claims(token: &str) -> serde_json::Value {
    serde_json::from_slice(&unb64(token.split('.').nth(1).unwrap())).unwrap()
}

#[test]
fn refresh_carries_the_sign_in_time_and_stops_at_the_cap() {
    let token = capped().encrypt_at(&keys(), now()).unwrap();
    let session = Capped::decrypt_at(&token, &keys(), minutes(50)).unwrap();
    assert_eq!(session.authenticated_at(), Some(now()));

    // Renewals slide the expiry, keeping the sign-in time.
    let renewed = Capped::refresh_at(&session, &keys(), minutes(50)).unwrap();
    let session = Capped::decrypt_at(renewed.value(), &keys(), minutes(100)).unwrap();
    assert_eq!(session.expires_at(), minutes(110));
    assert_eq!(session.authenticated_at(), Some(now()));
    let renewed = Capped::refresh_at(&session, &keys(), minutes(100)).unwrap();
    let session = Capped::decrypt_at(renewed.value(), &keys(), minutes(150)).unwrap();

    // At 2h30 the ttl would reach 3h30: the cap holds it at 3h, and Max-Age says so.
    let renewed = Capped::refresh_at(&session, &keys(), minutes(150)).unwrap();
    assert_eq!(renewed.expires_datetime(), Some(minutes(180)));
    assert_eq!(renewed.max_age(), Some(Duration::minutes(30)));
    let session = Capped::decrypt_at(renewed.value(), &keys(), minutes(179)).unwrap();
    assert_eq!(session.expires_at(), minutes(180));

    // One second before the cap a refresh cannot extend it; at the cap it is over.
    let last = Capped::refresh_at(&session, &keys(), minutes(180) - Duration::seconds(1)).unwrap();
    assert_eq!(last.expires_datetime(), Some(minutes(180)));
    assert!(matches!(
        Capped::refresh_at(&session, &keys(), minutes(180)).unwrap_err(),
        Error::Expired { expired_at } if expired_at == minutes(180)
    ));
    assert!(matches!(
        Capped::decrypt_at(renewed.value(), &keys(), minutes(180)).unwrap_err(),
        Error::Expired { .. }
    ));
}

#[test]
fn the_cap_is_enforced_on_read_too() {
    let t = now().unix_timestamp();
    // A token whose exp lies past auth_time + max_lifetime (it could only come from a
    // holder of the key, but the rule does not depend on who made it).
    let token = craft(
        r#"{"alg":"HS256"}"#,
        &format!(
            r#"{{"user_id":"ada","auth_time":{t},"iat":{t},"exp":{}}}"#,
            t + 36_000
        ),
        jsonwebtoken::Algorithm::HS256,
        SECRET,
    );
    assert!(CappedSigned::decrypt_at(&token, &keys(), minutes(179)).is_ok());
    assert!(matches!(
        CappedSigned::decrypt_at(&token, &keys(), minutes(180)).unwrap_err(),
        Error::Expired { expired_at } if expired_at == minutes(180)
    ));
    // Without auth_time, iat stands in (a token made before the cap was configured)...
    let token = craft(
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"user_id":"ada","iat":{t},"exp":{}}}"#, t + 36_000),
        jsonwebtoken::Algorithm::HS256,
        SECRET,
    );
    let session = CappedSigned::decrypt_at(&token, &keys(), minutes(10)).unwrap();
    assert_eq!(session.authenticated_at(), Some(now()));
    assert!(CappedSigned::decrypt_at(&token, &keys(), minutes(180)).is_err());
    // ...and with neither, the cap cannot be kept, so the token is refused.
    let token = craft(
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"user_id":"ada","exp":{}}}"#, t + 60),
        jsonwebtoken::Algorithm::HS256,
        SECRET,
    );
    assert!(matches!(
        CappedSigned::decrypt_at(&token, &keys(), now()).unwrap_err(),
        Error::Claims(_)
    ));
    // A malformed auth_time is refused, never ignored.
    let token = craft(
        r#"{"alg":"HS256"}"#,
        &format!(
            r#"{{"user_id":"ada","auth_time":"{t}","iat":{t},"exp":{}}}"#,
            t + 60
        ),
        jsonwebtoken::Algorithm::HS256,
        SECRET,
    );
    assert_eq!(
        CappedSigned::decrypt_at(&token, &keys(), now()).unwrap_err(),
        Error::Claims("`auth_time` is not a valid NumericDate")
    );
}

#[test]
fn without_a_cap_nothing_changes() {
    let token = guide("ada").encrypt_at(&keys(), now()).unwrap();
    assert!(claims(&token).get("auth_time").is_none());
    let session = common::GuideSession::decrypt_at(&token, &keys(), now()).unwrap();
    assert_eq!(session.authenticated_at(), None);
    let renewed = common::GuideSession::refresh_at(&session, &keys(), minutes(600)).unwrap();
    assert!(claims(renewed.value()).get("auth_time").is_none());
}

#[cfg(feature = "axum")]
mod guard {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use axum::routing::get;
    use sessionkit::SessionGuard;
    use tower::ServiceExt;

    /// A session signed in `signed_in_ago` minutes before now and renewed, as an active user's
    /// would be, at each of `renewed_ago` (minutes before now, oldest first).
    fn cookie(signed_in_ago: i64, renewed_ago: &[i64]) -> String {
        let real_now = OffsetDateTime::now_utc();
        let mut token = capped()
            .encrypt_at(&keys(), real_now - Duration::minutes(signed_in_ago))
            .unwrap();
        for &ago in renewed_ago {
            let at = real_now - Duration::minutes(ago);
            let session = Capped::decrypt_at(&token, &keys(), at).expect("still live");
            token = Capped::refresh_at(&session, &keys(), at)
                .unwrap()
                .value()
                .to_owned();
        }
        format!("capped={token}")
    }

    async fn through_guard(cookie: &str) -> axum::response::Response {
        let app = Router::new()
            .route("/app", get(|| async { "inside" }))
            .layer(SessionGuard::stateless::<Capped>(keys()).protect("/app"));
        app.oneshot(
            Request::get("/app")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn the_guards_rolling_refresh_keeps_the_sign_in_time() {
        let signed_in_ago = Duration::minutes(90);
        let response = through_guard(&cookie(90, &[40])).await;
        assert_eq!(response.status(), StatusCode::OK);
        let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        let value = common::set_cookie_value(set_cookie, "capped");
        let renewed = Capped::decrypt(&value, &keys()).unwrap();
        let signed_in = renewed.authenticated_at().unwrap();
        let expected = OffsetDateTime::now_utc() - signed_in_ago;
        assert!(
            (signed_in - expected).abs() <= Duration::seconds(2),
            "{signed_in}"
        );
    }

    #[tokio::test]
    async fn at_the_cap_the_guard_renews_nothing() {
        // Signed in 2h50 ago, renewed 10 minutes ago up to the cap (10 minutes from now).
        let response = through_guard(&cookie(170, &[130, 80, 30, 10])).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get(header::SET_COOKIE).is_none());
    }
}
