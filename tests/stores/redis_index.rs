//! The Redis user index under real expiry: it must stay exact however a session is renewed,
//! and it must not grow with sessions that have ended.

use super::*;

/// Four seconds idle, renewed in its last three: short enough to watch Redis expire things.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Session)]
#[session(cookie = "quick", ttl = "4s", renew_within = "3s")]
struct Quick {
    #[session(user_id)]
    user_id: String,
}

/// The repro: a session created near the end of its first ttl and renewed past it used to
/// survive "log out everywhere", because the user's set expired with the first ttl.
pub async fn a_renewed_session_is_still_revoked(store: sessionkit::RedisStore) {
    let manager = SessionManager::<Quick, _>::new(store, keys());
    let owner = user("renewed");
    let now = OffsetDateTime::now_utc();
    let cookie = manager
        .create_at(
            &Quick {
                user_id: owner.clone(),
            },
            now - Duration::seconds(2),
        )
        .await
        .unwrap();
    let session = manager
        .load(&format!("quick={}", cookie.value()))
        .await
        .unwrap();
    let renewed = manager
        .refresh(&session)
        .await
        .unwrap()
        .expect("inside the window");
    // Past the first expiry (2 s from now), before the renewed one (4 s from now).
    tokio::time::sleep(std::time::Duration::from_millis(3000)).await;
    let header = format!("quick={}", renewed.value());
    assert!(manager.load(&header).await.is_ok(), "the renewal holds");
    assert_eq!(manager.revoke_user(&owner).await.unwrap(), 1);
    assert_eq!(
        manager.load(&header).await.unwrap_err(),
        Error::SessionNotFound
    );
}

/// 2,000 log-ins and log-outs used to leave 2,000 members in the user's set.
pub async fn the_index_does_not_grow(store: sessionkit::RedisStore) {
    let manager = SessionManager::<Account, _>::new(store.clone(), keys());
    let owner = user("cycles");
    for _ in 0..2000 {
        let cookie = manager.create(&account(&owner)).await.unwrap();
        let session = manager.load(&header(&cookie)).await.unwrap();
        manager.revoke(&session).await.unwrap();
    }
    let size = store.user_index_len("sid", &owner).await.unwrap();
    eprintln!("the user's index after 2,000 log-in/log-out cycles: {size} members");
    assert_eq!(size, 0);
    // Sessions that expire instead are trimmed by the next write.
    let quick = SessionManager::<Quick, _>::new(store.clone(), keys());
    let past = OffsetDateTime::now_utc() - Duration::seconds(3);
    for _ in 0..50 {
        quick
            .create_at(
                &Quick {
                    user_id: owner.clone(),
                },
                past,
            )
            .await
            .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    quick
        .create(&Quick {
            user_id: owner.clone(),
        })
        .await
        .unwrap();
    assert_eq!(store.user_index_len("quick", &owner).await.unwrap(), 1);
    assert_eq!(quick.revoke_user(&owner).await.unwrap(), 1);
}
