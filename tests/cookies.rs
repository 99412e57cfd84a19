//! Set-Cookie output, finding the cookie in a request, refresh and logout.

mod common;

use common::*;
use serde::{Deserialize, Serialize};
use sessionkit::time::Duration;
use sessionkit::{Error, Session};

#[test]
fn the_session_cookie_carries_every_default_attribute() {
    let cookie = guide("a").cookie_at(&keys(), now()).unwrap();
    assert_eq!(cookie.name(), "session");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(cookie.same_site(), Some(sessionkit::cookie::SameSite::Lax));
    assert_eq!(cookie.path(), Some("/"));
    assert_eq!(cookie.domain(), None);
    assert_eq!(cookie.max_age(), Some(Duration::days(7)));
    assert_eq!(cookie.expires_datetime(), Some(later(7 * 86_400)));
    let verified = GuideSession::decrypt_at(cookie.value(), &keys(), now()).unwrap();
    assert_eq!(
        cookie.expires_datetime(),
        Some(verified.expires_at()),
        "Expires is the token's exp"
    );

    let header = cookie.to_string();
    for part in [
        "session=ey",
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/",
        "Max-Age=604800",
        "Expires=",
    ] {
        assert!(header.contains(part), "{part} missing from {header}");
    }
    assert!(
        !header.contains("Domain") && !header.contains("Partitioned"),
        "{header}"
    );
}

#[derive(Serialize, Deserialize, Session)]
#[session(
    cookie = "app_session",
    ttl = "1h30m",
    algorithm = "HS512",
    same_site = "none",
    path = "/app",
    domain = "example.com",
    secure = true,
    http_only = false,
    partitioned
)]
struct Embedded {
    id: u32,
}

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "dev", same_site = "strict", secure = false)]
struct LocalDev {
    id: u32,
}

#[test]
fn every_declared_attribute_reaches_set_cookie() {
    let cookie = Embedded { id: 1 }.cookie_at(&keys(), now()).unwrap();
    let header = cookie.to_string();
    for part in [
        "app_session=",
        "SameSite=None",
        "Secure",
        "Path=/app",
        "Domain=example.com",
        "Max-Age=5400",
        "Partitioned",
    ] {
        assert!(header.contains(part), "{part} missing from {header}");
    }
    assert!(!header.contains("HttpOnly"), "{header}");
    assert_eq!(cookie.expires_datetime(), Some(later(5400)));

    let header = LocalDev { id: 1 }
        .cookie_at(&keys(), now())
        .unwrap()
        .to_string();
    assert!(
        header.contains("SameSite=Strict") && header.contains("HttpOnly"),
        "{header}"
    );
    assert!(!header.contains("Secure"), "{header}");
}

#[test]
fn the_cookie_header_lookup_finds_and_verifies() {
    let cookie = guide("a").cookie_at(&keys(), now()).unwrap();
    let token = cookie.value();
    for header in [
        format!("session={token}"),
        format!("theme=dark; session={token}; lang=en"),
        format!("theme=dark;session={token}"),
        format!("session=\"{token}\""),
        format!("\tsession = {token} ; x=1"),
    ] {
        let verified = GuideSession::from_cookie_header_at(&header, &keys(), now()).unwrap();
        assert_eq!(verified.user_id, "a", "{header}");
    }
}

#[test]
fn the_cookie_header_lookup_refusals() {
    let token = guide("a").encrypt_at(&keys(), now()).unwrap();
    let refused =
        |header: &str| GuideSession::from_cookie_header_at(header, &keys(), now()).unwrap_err();
    assert_eq!(refused(""), Error::Missing);
    assert_eq!(refused("theme=dark"), Error::Missing);
    assert_eq!(refused("session="), Error::Missing);
    assert_eq!(
        refused(&format!("Session={token}")),
        Error::Missing,
        "names are case-sensitive"
    );
    assert_eq!(refused(&format!("xsession={token}")), Error::Missing);
    // Cookie tossing: a second cookie of the same name, even a valid one, refuses both.
    let attacker = guide("attacker").encrypt_at(&keys(), now()).unwrap();
    assert_eq!(
        refused(&format!("session={attacker}; session={token}")),
        Error::DuplicateCookie { count: 2 }
    );
    assert_eq!(
        refused(&format!("session={token}; session=")),
        Error::DuplicateCookie { count: 2 }
    );
    let big = format!("session={}", "A".repeat(5000));
    assert_eq!(
        refused(&big),
        Error::CookieTooLarge {
            size: 5007,
            limit: 4096
        }
    );
    assert_eq!(
        refused(&format!("session={}", flip_bit(&token, 1))),
        Error::Signature
    );
    assert!(matches!(
        refused(&format!("session={token}")[..40]),
        Error::Malformed(_) | Error::Signature
    ));
}

#[test]
fn refresh_reissues_the_token_with_a_new_exp() {
    let first = guide("a").cookie_at(&keys(), now()).unwrap();
    let session = GuideSession::decrypt_at(first.value(), &keys(), later(3600)).unwrap();
    let renewed = GuideSession::refresh_at(&session, &keys(), later(3600)).unwrap();
    assert_ne!(renewed.value(), first.value());
    let again = GuideSession::decrypt_at(renewed.value(), &keys(), later(3600)).unwrap();
    assert_eq!(again.issued_at(), Some(later(3600)));
    assert_eq!(
        again.expires_at(),
        later(3600 + 7 * 86_400),
        "the token's exp moved, not only the cookie's"
    );
    assert_eq!(renewed.expires_datetime(), Some(again.expires_at()));
    assert_eq!(*again, *session);
    // The old token still dies at its own exp; the new one lives on.
    assert!(GuideSession::decrypt_at(first.value(), &keys(), later(7 * 86_400)).is_err());
    assert!(GuideSession::decrypt_at(renewed.value(), &keys(), later(7 * 86_400)).is_ok());
}

#[test]
fn the_removal_cookie_deletes_the_same_cookie() {
    let removal = GuideSession::removal_cookie();
    assert_eq!(removal.name(), "session");
    assert_eq!(removal.value(), "");
    assert_eq!(removal.path(), Some("/"));
    assert_eq!(removal.max_age(), Some(Duration::ZERO));
    assert!(removal.expires_datetime().unwrap() < now());
    assert_eq!(removal.secure(), Some(true));
    let header = removal.to_string();
    assert!(
        header.contains("Max-Age=0") && header.contains("Expires=Thu, 01 Jan 1970"),
        "{header}"
    );

    let removal = Embedded::removal_cookie();
    assert_eq!(removal.name(), "app_session");
    assert_eq!(removal.path(), Some("/app"));
    assert_eq!(removal.domain(), Some("example.com"));
    assert_eq!(removal.partitioned(), Some(true));
    // What a browser sends back after it is applied is no session.
    assert_eq!(
        GuideSession::from_cookie_header_at("session=", &keys(), now()).unwrap_err(),
        Error::Missing
    );
}

#[test]
fn an_oversized_cookie_is_refused_when_built() {
    let err = guide(&"x".repeat(3500))
        .cookie_at(&keys(), now())
        .unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { limit: 4096, .. }),
        "{err:?}"
    );
    // Just under the limit is fine: name + value <= 4096.
    let largest = (2000..4096)
        .take_while(|&size| guide(&"x".repeat(size)).cookie_at(&keys(), now()).is_ok())
        .last()
        .unwrap();
    let cookie = guide(&"x".repeat(largest))
        .cookie_at(&keys(), now())
        .unwrap();
    assert!(cookie.name().len() + cookie.value().len() <= 4096);
    assert!(
        GuideSession::from_cookie_header_at(&format!("session={}", cookie.value()), &keys(), now())
            .is_ok()
    );
}
