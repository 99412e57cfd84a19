// Every key of #[session(...)] at once, and the values reach CONFIG.
use serde::{Deserialize, Serialize};
use sessionkit::{Algorithm, SameSite, Session};

#[derive(Serialize, Deserialize, Session)]
#[session(
    cookie = "__Secure-app",
    ttl = "1w2d3h4m5s",
    algorithm = "HS384",
    same_site = "none",
    path = "/app",
    domain = "example.com",
    secure = true,
    http_only = false,
    partitioned,
    leeway = "30s",
    issuer = "https://auth.example.com",
    audience = "app",
    renew_within = "1d",
    max_lifetime = "30d",
    crate = "::sessionkit"
)]
struct Everything {
    #[session(user_id)]
    user_id: String,
}

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "plain")]
#[session(secure = false, same_site = "strict", partitioned = false, http_only)]
struct SplitAcrossAttributes {
    user_id: String,
}

#[derive(Serialize, Deserialize, Session)]
struct NumericUser {
    #[session(user_id)]
    id: u64,
}

#[derive(Serialize, Deserialize, Session)]
struct Defaults {
    user_id: String,
}

#[derive(Serialize, Deserialize, Session)]
#[serde(bound = "T: Serialize + serde::de::DeserializeOwned")]
struct Generic<T> {
    value: T,
}

fn main() {
    let config = Everything::CONFIG;
    assert_eq!(config.cookie_name, "__Secure-app");
    assert_eq!(config.ttl_seconds, 604_800 + 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5);
    assert_eq!(config.algorithm, Algorithm::Hs384);
    assert_eq!(config.same_site, SameSite::None);
    assert_eq!(config.path, "/app");
    assert_eq!(config.domain, Some("example.com"));
    assert!(config.secure && !config.http_only && config.partitioned);
    assert_eq!(config.leeway_seconds, 30);
    assert_eq!(config.issuer, Some("https://auth.example.com"));
    assert_eq!(config.audience, Some("app"));
    assert_eq!(config.renew_within_seconds, Some(86_400));
    assert_eq!(config.max_lifetime_seconds, Some(30 * 86_400));
    let everything = Everything { user_id: "u-1".into() };
    assert_eq!(everything.session_user_id().as_deref(), Some("u-1"));
    assert_eq!(Defaults { user_id: "u-1".into() }.session_user_id(), None);

    let split = SplitAcrossAttributes::CONFIG;
    assert_eq!(split.cookie_name, "plain");
    assert!(!split.secure && split.http_only && !split.partitioned);
    assert_eq!(split.same_site, SameSite::Strict);

    let defaults = Defaults::CONFIG;
    assert_eq!(defaults, sessionkit::SessionConfig::DEFAULT);
    assert_eq!(defaults.cookie_name, "session");
    assert_eq!(defaults.ttl_seconds, 7 * 86_400);
    assert_eq!(defaults.algorithm, Algorithm::A256Gcm);

    assert_eq!(<Generic<u32>>::CONFIG.cookie_name, "session");
    assert_eq!(NumericUser { id: 7 }.session_user_id().as_deref(), Some("7"));
}
