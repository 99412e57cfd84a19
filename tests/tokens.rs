//! encrypt/decrypt: the token formats and every way a token is refused.

mod common;

use common::*;
use serde::{Deserialize, Serialize};
use sessionkit::{Error, Session};

#[test]
fn every_algorithm_round_trips_with_iat_and_exp() {
    let keys = keys();
    let token = guide("a").encrypt_at(&keys, now()).unwrap();
    let back = GuideSession::decrypt_at(&token, &keys, later(60)).unwrap();
    assert_eq!(*back, guide("a"));
    assert_eq!(back.issued_at(), Some(now()));
    assert_eq!(back.expires_at(), later(7 * 86_400));
    assert!(!back.used_fallback_key());

    let token = sealed("b").encrypt_at(&keys, now()).unwrap();
    let back = SealedSession::decrypt_at(&token, &keys, later(60)).unwrap();
    assert_eq!(back.into_inner(), sealed("b"));

    let token = Hs384Session { user_id: 3 }
        .encrypt_at(&keys, now())
        .unwrap();
    assert_eq!(
        Hs384Session::decrypt_at(&token, &keys, now())
            .unwrap()
            .user_id,
        3
    );
    assert_eq!(
        Hs384Session::decrypt_at(&token, &keys, later(3600)).unwrap_err(),
        Error::Expired {
            expired_at: later(3600)
        }
    );
    let token = Hs512Session { user_id: 4 }
        .encrypt_at(&keys, now())
        .unwrap();
    assert_eq!(
        Hs512Session::decrypt_at(&token, &keys, now())
            .unwrap()
            .user_id,
        4
    );
}

#[test]
fn signed_tokens_have_jose_header_and_readable_claims() {
    let token = guide("a").encrypt_at(&keys(), now()).unwrap();
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3);
    assert_eq!(unb64(segments[0]), br#"{"alg":"HS256"}"#);
    let claims: serde_json::Value = serde_json::from_slice(&unb64(segments[1])).unwrap();
    assert_eq!(
        claims,
        serde_json::json!({
            "userId": "a",
            "expiresAt": "2026-09-28T12:00:00.000Z",
            "iat": now().unix_timestamp(),
            "exp": now().unix_timestamp() + 7 * 86_400,
        })
    );
    // jsonwebtoken, an independent implementation, accepts it.
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_exp = false;
    let key = jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes());
    let decoded = jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).unwrap();
    assert_eq!(decoded.claims, claims);
}

#[test]
fn jsonwebtoken_made_tokens_verify() {
    let claims = serde_json::json!({
        "userId": "jwt", "expiresAt": "x", "iat": now().unix_timestamp(), "exp": now().unix_timestamp() + 10,
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("JWT".into());
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    assert_eq!(
        GuideSession::decrypt_at(&token, &keys(), now())
            .unwrap()
            .user_id,
        "jwt"
    );
}

#[test]
fn encrypted_tokens_are_dir_a256gcm_jwe_with_fresh_ivs() {
    let first = sealed("a").encrypt_at(&keys(), now()).unwrap();
    let second = sealed("a").encrypt_at(&keys(), now()).unwrap();
    assert_ne!(first, second, "each token has its own IV");
    let segments: Vec<&str> = first.split('.').collect();
    assert_eq!(segments.len(), 5);
    assert_eq!(unb64(segments[0]), br#"{"alg":"dir","enc":"A256GCM"}"#);
    assert_eq!(segments[1], "", "dir carries no encrypted key");
    assert_eq!(unb64(segments[2]).len(), 12);
    assert_eq!(unb64(segments[4]).len(), 16);
    let ciphertext = unb64(segments[3]);
    assert!(
        !ciphertext.windows(6).any(|window| window == b"userId"),
        "the claims are encrypted"
    );
}

#[test]
fn a_bit_flip_in_any_jws_segment_is_refused() {
    let token = guide("a").encrypt_at(&keys(), now()).unwrap();
    for segment in 0..3 {
        let tampered = flip_bit(&token, segment);
        let err = GuideSession::decrypt_at(&tampered, &keys(), now()).unwrap_err();
        match segment {
            0 => assert!(
                matches!(
                    err,
                    Error::Malformed(_) | Error::Algorithm { .. } | Error::Signature
                ),
                "{err:?}"
            ),
            _ => assert_eq!(err, Error::Signature),
        }
    }
}

#[test]
fn a_bit_flip_in_any_jwe_segment_is_refused() {
    let token = sealed("a").encrypt_at(&keys(), now()).unwrap();
    for segment in [0, 2, 3, 4] {
        let tampered = flip_bit(&token, segment);
        let err = SealedSession::decrypt_at(&tampered, &keys(), now()).unwrap_err();
        match segment {
            0 => assert!(
                matches!(
                    err,
                    Error::Malformed(_) | Error::Algorithm { .. } | Error::Decryption
                ),
                "{err:?}"
            ),
            _ => assert_eq!(err, Error::Decryption, "segment {segment}"),
        }
    }
    // Something in the empty encrypted-key segment.
    let mut segments: Vec<&str> = token.split('.').collect();
    segments[1] = "AAAA";
    let err = SealedSession::decrypt_at(&segments.join("."), &keys(), now()).unwrap_err();
    assert!(matches!(err, Error::Malformed(_)));
}

#[test]
fn alg_none_and_every_other_spelling_are_refused() {
    let claims = guide_claims(&format!(
        r#""iat":{},"exp":{}"#,
        now().unix_timestamp(),
        now().unix_timestamp() + 60
    ));
    let input_for = |header: &str| format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    for header in [
        r#"{"alg":"none"}"#,
        r#"{"alg":"None"}"#,
        r#"{"alg":"NONE"}"#,
        r#"{"alg":"nOnE"}"#,
        r#"{"alg":"hs256"}"#,
        r#"{"alg":"HS256 "}"#,
        r#"{"alg":null}"#,
        r#"{}"#,
    ] {
        for signature in ["", "AAAA"] {
            let token = format!("{}.{signature}", input_for(header));
            assert_eq!(
                GuideSession::decrypt_at(&token, &keys(), now()).unwrap_err(),
                Error::Algorithm { expected: "HS256" },
                "{header} with signature {signature:?}"
            );
        }
        // Even with a valid HS256 signature over that header.
        let signed = craft(header, &claims, jsonwebtoken::Algorithm::HS256, SECRET);
        assert_eq!(
            GuideSession::decrypt_at(&signed, &keys(), now()).unwrap_err(),
            Error::Algorithm { expected: "HS256" }
        );
    }
}

#[test]
fn a_swapped_algorithm_is_refused() {
    let claims = guide_claims(&format!(
        r#""iat":{},"exp":{}"#,
        now().unix_timestamp(),
        now().unix_timestamp() + 60
    ));
    let hs384 = craft(
        r#"{"alg":"HS384"}"#,
        &claims,
        jsonwebtoken::Algorithm::HS384,
        SECRET,
    );
    assert_eq!(
        GuideSession::decrypt_at(&hs384, &keys(), now()).unwrap_err(),
        Error::Algorithm { expected: "HS256" }
    );
    let hs256 = guide("a").encrypt_at(&keys(), now()).unwrap();
    assert_eq!(
        Hs384Session::decrypt_at(&hs256, &keys(), now()).unwrap_err(),
        Error::Algorithm { expected: "HS384" }
    );
    // A JWS where a JWE is configured, and the reverse.
    assert!(matches!(
        SealedSession::decrypt_at(&hs256, &keys(), now()).unwrap_err(),
        Error::Algorithm { .. }
    ));
    let jwe = sealed("a").encrypt_at(&keys(), now()).unwrap();
    assert_eq!(
        GuideSession::decrypt_at(&jwe, &keys(), now()).unwrap_err(),
        Error::Algorithm { expected: "HS256" }
    );
    // A JWE header that names another content encryption.
    let mut segments: Vec<String> = jwe.split('.').map(str::to_owned).collect();
    segments[0] = b64(br#"{"alg":"dir","enc":"A128GCM"}"#);
    assert!(matches!(
        SealedSession::decrypt_at(&segments.join("."), &keys(), now()).unwrap_err(),
        Error::Algorithm { .. }
    ));
    segments[0] = b64(br#"{"alg":"A256KW","enc":"A256GCM"}"#);
    assert!(matches!(
        SealedSession::decrypt_at(&segments.join("."), &keys(), now()).unwrap_err(),
        Error::Algorithm { .. }
    ));
}

#[test]
fn a_wrong_key_is_refused() {
    let token = guide("a").encrypt_at(&keys(), now()).unwrap();
    assert_eq!(
        GuideSession::decrypt_at(&token, &other_keys(), now()).unwrap_err(),
        Error::Signature
    );
    let token = sealed("a").encrypt_at(&keys(), now()).unwrap();
    assert_eq!(
        SealedSession::decrypt_at(&token, &other_keys(), now()).unwrap_err(),
        Error::Decryption
    );
}

#[test]
fn expiry_follows_jose_to_the_second() {
    let token = guide("a").encrypt_at(&keys(), now()).unwrap();
    let exp = 7 * 86_400;
    assert!(GuideSession::decrypt_at(&token, &keys(), later(exp - 1)).is_ok());
    assert_eq!(
        GuideSession::decrypt_at(&token, &keys(), later(exp)).unwrap_err(),
        Error::Expired {
            expired_at: later(exp)
        }
    );
    assert_eq!(
        GuideSession::decrypt_at(&token, &keys(), later(exp + 1)).unwrap_err(),
        Error::Expired {
            expired_at: later(exp)
        }
    );
    let token = sealed("a").encrypt_at(&keys(), now()).unwrap();
    assert!(matches!(
        SealedSession::decrypt_at(&token, &keys(), later(exp)).unwrap_err(),
        Error::Expired { .. }
    ));
}

#[derive(Debug, Serialize, Deserialize, Session)]
#[session(algorithm = "HS256", ttl = "60s", leeway = "30s", jose_compatible)]
struct Lenient {
    user_id: String,
}

#[test]
fn leeway_extends_exp_and_nbf_both_ways() {
    let token = Lenient {
        user_id: "a".into(),
    }
    .encrypt_at(&keys(), now())
    .unwrap();
    assert!(Lenient::decrypt_at(&token, &keys(), later(60)).is_ok());
    assert!(Lenient::decrypt_at(&token, &keys(), later(89)).is_ok());
    assert!(matches!(
        Lenient::decrypt_at(&token, &keys(), later(90)).unwrap_err(),
        Error::Expired { .. }
    ));
    let t = now().unix_timestamp();
    let early = craft_hs256(&format!(
        r#"{{"user_id":"a","iat":{t},"nbf":{},"exp":{}}}"#,
        t + 30,
        t + 600
    ));
    assert!(Lenient::decrypt_at(&early, &keys(), now()).is_ok());
    let early = craft_hs256(&format!(
        r#"{{"user_id":"a","iat":{t},"nbf":{},"exp":{}}}"#,
        t + 31,
        t + 600
    ));
    assert_eq!(
        Lenient::decrypt_at(&early, &keys(), now()).unwrap_err(),
        Error::NotYetValid {
            not_before: later(31)
        }
    );
}

#[test]
fn nbf_in_the_future_is_refused() {
    let t = now().unix_timestamp();
    let token = craft_hs256(&guide_claims(&format!(
        r#""iat":{t},"nbf":{},"exp":{}"#,
        t + 1,
        t + 60
    )));
    assert_eq!(
        GuideSession::decrypt_at(&token, &keys(), now()).unwrap_err(),
        Error::NotYetValid {
            not_before: later(1)
        }
    );
    assert!(
        GuideSession::decrypt_at(&token, &keys(), later(1)).is_ok(),
        "nbf == now is valid"
    );
}

#[test]
fn missing_or_malformed_time_claims_are_refused() {
    let t = now().unix_timestamp();
    let refused = |registered: String| {
        GuideSession::decrypt_at(&craft_hs256(&guide_claims(&registered)), &keys(), now())
            .unwrap_err()
    };
    assert_eq!(
        refused(format!(r#""iat":{t}"#)),
        Error::Claims("`exp` is missing")
    );
    // `iat` is optional on read, as in RFC 7519 and jose (RFC 7515's own HS256 example has
    // none); `exp` is not.
    let without_iat = craft_hs256(&guide_claims(&format!(r#""exp":{}"#, t + 60)));
    let session = GuideSession::decrypt_at(&without_iat, &keys(), now()).unwrap();
    assert_eq!(session.issued_at(), None);
    assert_eq!(session.expires_at(), later(60));
    for bad in [
        r#""1790000060""#,
        "null",
        "true",
        "[1790000060]",
        "{}",
        "1e300",
        "-1e300",
        "18446744073709551615",
        "99999999999999",
    ] {
        assert_eq!(
            refused(format!(r#""iat":{t},"exp":{bad}"#)),
            Error::Claims("`exp` is not a valid NumericDate"),
            "exp {bad}"
        );
        assert_eq!(
            refused(format!(r#""iat":{bad},"exp":{}"#, t + 60)),
            Error::Claims("`iat` is not a valid NumericDate"),
            "iat {bad}"
        );
        assert_eq!(
            refused(format!(r#""iat":{t},"nbf":{bad},"exp":{}"#, t + 60)),
            Error::Claims("`nbf` is not a valid NumericDate"),
            "nbf {bad}"
        );
    }
    // Fractional NumericDates are numbers, as RFC 7519 allows.
    assert!(
        GuideSession::decrypt_at(
            &craft_hs256(&guide_claims(&format!(r#""iat":{t}.5,"exp":{}.5"#, t + 60))),
            &keys(),
            now()
        )
        .is_ok()
    );
}

#[test]
fn duplicate_claims_are_refused() {
    let t = now().unix_timestamp();
    let token = craft_hs256(&guide_claims(&format!(
        r#""iat":{t},"exp":{},"exp":{}"#,
        t - 10,
        t + 60
    )));
    assert!(matches!(
        GuideSession::decrypt_at(&token, &keys(), now()).unwrap_err(),
        Error::Malformed(_)
    ));
}

#[test]
fn claims_that_do_not_match_the_type_are_refused() {
    let t = now().unix_timestamp();
    let token = craft_hs256(&format!(
        r#"{{"userId":42,"expiresAt":"x","iat":{t},"exp":{}}}"#,
        t + 60
    ));
    let err = GuideSession::decrypt_at(&token, &keys(), now()).unwrap_err();
    assert!(
        matches!(&err, Error::Payload(message) if message.contains("invalid type")),
        "{err:?}"
    );
    let token = craft_hs256(&format!(
        r#"{{"expiresAt":"x","iat":{t},"exp":{}}}"#,
        t + 60
    ));
    assert!(
        matches!(GuideSession::decrypt_at(&token, &keys(), now()).unwrap_err(), Error::Payload(m) if m.contains("userId"))
    );
    let token = craft_hs256(&format!(r#"[{t}]"#));
    let err = GuideSession::decrypt_at(&token, &keys(), now()).unwrap_err();
    assert!(matches!(err, Error::Malformed(_)), "{err:?}");
}

#[test]
fn oversized_tokens_are_refused_both_ways() {
    let huge = "a".repeat(5000);
    assert_eq!(
        GuideSession::decrypt_at(&huge, &keys(), now()).unwrap_err(),
        Error::CookieTooLarge {
            size: 5000,
            limit: 4096
        }
    );
    let err = guide(&"x".repeat(4000))
        .encrypt_at(&keys(), now())
        .unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { size, limit: 4096 } if size > 4096),
        "{err:?}"
    );
    let err = sealed(&"x".repeat(4000))
        .encrypt_at(&keys(), now())
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }));
}

#[test]
fn critical_and_compressed_headers_are_refused() {
    let claims = guide_claims(&format!(
        r#""iat":{},"exp":{}"#,
        now().unix_timestamp(),
        now().unix_timestamp() + 60
    ));
    for header in [
        r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"HS256","crit":[]}"#,
        r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
    ] {
        let token = craft(header, &claims, jsonwebtoken::Algorithm::HS256, SECRET);
        assert_eq!(
            GuideSession::decrypt_at(&token, &keys(), now()).unwrap_err(),
            Error::CriticalHeader,
            "{header}"
        );
    }
    let jwe = sealed("a").encrypt_at(&keys(), now()).unwrap();
    let mut segments: Vec<String> = jwe.split('.').map(str::to_owned).collect();
    segments[0] = b64(br#"{"alg":"dir","enc":"A256GCM","zip":"DEF"}"#);
    assert!(matches!(
        SealedSession::decrypt_at(&segments.join("."), &keys(), now()).unwrap_err(),
        Error::Malformed(_)
    ));
    segments[0] = b64(br#"{"alg":"dir","enc":"A256GCM","crit":["x"]}"#);
    assert_eq!(
        SealedSession::decrypt_at(&segments.join("."), &keys(), now()).unwrap_err(),
        Error::CriticalHeader
    );
}

#[test]
fn malformed_tokens_are_refused() {
    assert_eq!(
        GuideSession::decrypt_at("", &keys(), now()).unwrap_err(),
        Error::Missing
    );
    for bad in [
        "abc",
        "a.b",
        "a.b.c.d",
        "..",
        "....",
        "a.b.c.d.e.f",
        "eyJhbGciOiJIUzI1NiJ9.!!!.AAAA",
        "eyJhbGciOiJIUzI1NiJ9.e30.***",
        "e30=.e30.e30",
    ] {
        let err = GuideSession::decrypt_at(bad, &keys(), now()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Malformed(_) | Error::Algorithm { .. } | Error::Signature
            ),
            "{bad}: {err:?}"
        );
        let err = SealedSession::decrypt_at(bad, &keys(), now()).unwrap_err();
        assert!(
            matches!(err, Error::Malformed(_) | Error::Algorithm { .. }),
            "{bad}: {err:?}"
        );
    }
    // Valid structure, signature of the wrong length.
    let token = guide("a").encrypt_at(&keys(), now()).unwrap();
    let short = &token[..token.len() - 4];
    assert!(matches!(
        GuideSession::decrypt_at(short, &keys(), now()).unwrap_err(),
        Error::Signature | Error::Malformed(_)
    ));
    // A JWE with a short IV or tag.
    let jwe = sealed("a").encrypt_at(&keys(), now()).unwrap();
    let mut segments: Vec<String> = jwe.split('.').map(str::to_owned).collect();
    segments[2] = b64(&[0; 8]);
    assert_eq!(
        SealedSession::decrypt_at(&segments.join("."), &keys(), now()).unwrap_err(),
        Error::Malformed("the IV is not 96 bits")
    );
    let mut segments: Vec<String> = jwe.split('.').map(str::to_owned).collect();
    segments[4] = b64(&[0; 8]);
    assert_eq!(
        SealedSession::decrypt_at(&segments.join("."), &keys(), now()).unwrap_err(),
        Error::Malformed("the tag is not 128 bits")
    );
}

#[derive(Debug, Serialize, Deserialize, Session)]
#[session(
    algorithm = "HS256",
    issuer = "https://auth.example",
    audience = "app",
    jose_compatible
)]
struct Scoped {
    user_id: String,
}

#[test]
fn issuer_and_audience_are_written_and_required() {
    let token = Scoped {
        user_id: "a".into(),
    }
    .encrypt_at(&keys(), now())
    .unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&unb64(token.split('.').nth(1).unwrap())).unwrap();
    assert_eq!(claims["iss"], "https://auth.example");
    assert_eq!(claims["aud"], "app");
    assert!(Scoped::decrypt_at(&token, &keys(), now()).is_ok());

    let t = now().unix_timestamp();
    let with = |registered: &str| {
        craft_hs256(&format!(
            r#"{{"user_id":"a","iat":{t},"exp":{},{registered}}}"#,
            t + 60
        ))
    };
    assert!(
        Scoped::decrypt_at(
            &with(r#""iss":"https://auth.example","aud":["other","app"]"#),
            &keys(),
            now()
        )
        .is_ok()
    );
    for bad in [
        r#""aud":"app""#,
        r#""iss":"https://evil.example","aud":"app""#,
        r#""iss":"https://auth.example""#,
        r#""iss":"https://auth.example","aud":["other"]"#,
        r#""iss":null,"aud":"app""#,
        r#""iss":"https://auth.example","aud":7"#,
    ] {
        assert!(
            matches!(
                Scoped::decrypt_at(&with(bad), &keys(), now()).unwrap_err(),
                Error::Claims(_)
            ),
            "{bad}"
        );
    }
}

#[test]
fn escaped_member_names_mean_the_same_member() {
    let t = now().unix_timestamp();
    // `\u0065xp` is `exp` and `user\u0049d` is `userId` to every JSON reader.
    let claims = format!(
        r#"{{"user\u0049d":"u","expiresAt":"x","iat":{t},"\u0065xp":{}}}"#,
        t + 60
    );
    let session = GuideSession::decrypt_at(&craft_hs256(&claims), &keys(), now()).unwrap();
    assert_eq!(session.user_id, "u");
    assert_eq!(session.expires_at(), later(60));
    let twice = format!(
        r#"{{"userId":"u","expiresAt":"x","iat":{t},"exp":{},"\u0065xp":{}}}"#,
        t + 60,
        t + 600
    );
    assert!(matches!(
        GuideSession::decrypt_at(&craft_hs256(&twice), &keys(), now()).unwrap_err(),
        Error::Malformed(_)
    ));
}

/// A JWS over raw header and claims bytes, which need not be UTF-8, signed by jsonwebtoken.
fn craft_bytes(header: &[u8], claims: &[u8]) -> String {
    let input = format!("{}.{}", b64(header), b64(claims));
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let signature =
        jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .expect("sign");
    format!("{input}.{signature}")
}

fn live_claims() -> String {
    guide_claims(&format!(
        r#""iat":{},"exp":{}"#,
        now().unix_timestamp(),
        now().unix_timestamp() + 60
    ))
}

#[test]
fn a_kid_or_typ_is_ignored_unless_keys_have_ids() {
    let token = craft(
        r#"{"alg":"HS256","kid":"some-other-app","typ":"JWT","cty":"x"}"#,
        &live_claims(),
        jsonwebtoken::Algorithm::HS256,
        SECRET,
    );
    assert!(GuideSession::decrypt_at(&token, &keys(), now()).is_ok());
    // With ids, the kid must name one of them.
    let with_ids = sessionkit::Keys::new_with_id("primary", OTHER_SECRET)
        .unwrap()
        .with_fallback_id("old", SECRET)
        .unwrap();
    assert_eq!(
        GuideSession::decrypt_at(&token, &with_ids, now()).unwrap_err(),
        Error::UnknownKey
    );
    let named = craft(
        r#"{"alg":"HS256","kid":"old"}"#,
        &live_claims(),
        jsonwebtoken::Algorithm::HS256,
        SECRET,
    );
    let session = GuideSession::decrypt_at(&named, &with_ids, now()).unwrap();
    assert!(session.used_fallback_key());
}

#[test]
fn header_and_claims_must_be_utf8_throughout() {
    let claims = live_claims();
    // Invalid UTF-8 inside a header member nobody reads.
    let mut header = br#"{"alg":"HS256","x":""#.to_vec();
    header.extend_from_slice(&[0xff, 0xfe]);
    header.extend_from_slice(br#""}"#);
    assert_eq!(
        GuideSession::decrypt_at(&craft_bytes(&header, claims.as_bytes()), &keys(), now())
            .unwrap_err(),
        Error::Malformed("the header is not UTF-8")
    );
    // Invalid UTF-8 inside a claim the payload does not have.
    let mut bad_claims = claims.trim_end_matches('}').as_bytes().to_vec();
    bad_claims.extend_from_slice(b",\"note\":\"");
    bad_claims.extend_from_slice(&[0xc3, 0x28]);
    bad_claims.extend_from_slice(b"\"}");
    assert_eq!(
        GuideSession::decrypt_at(
            &craft_bytes(br#"{"alg":"HS256"}"#, &bad_claims),
            &keys(),
            now()
        )
        .unwrap_err(),
        Error::Malformed("the claims are not UTF-8")
    );
    // The same claims with valid UTF-8 there are accepted, so it is the bytes that count.
    let good_claims = format!("{},\"note\":\"é\"}}", claims.trim_end_matches('}'));
    assert!(
        GuideSession::decrypt_at(
            &craft_bytes(br#"{"alg":"HS256"}"#, good_claims.as_bytes()),
            &keys(),
            now()
        )
        .is_ok(),
        "{good_claims}"
    );
}

#[test]
fn crit_of_any_type_and_a_kid_that_is_not_a_string_are_refused() {
    for header in [
        r#"{"alg":"HS256","crit":null}"#,
        r#"{"alg":"HS256","crit":"exp"}"#,
        r#"{"alg":"HS256","crit":{}}"#,
        r#"{"alg":"HS256","crit":0}"#,
    ] {
        let token = craft(
            header,
            &live_claims(),
            jsonwebtoken::Algorithm::HS256,
            SECRET,
        );
        assert_eq!(
            GuideSession::decrypt_at(&token, &keys(), now()).unwrap_err(),
            Error::CriticalHeader,
            "{header}"
        );
    }
    for header in [
        r#"{"alg":"HS256","kid":null}"#,
        r#"{"alg":"HS256","kid":7}"#,
        r#"{"alg":"HS256","kid":["a"]}"#,
    ] {
        let token = craft(
            header,
            &live_claims(),
            jsonwebtoken::Algorithm::HS256,
            SECRET,
        );
        assert_eq!(
            GuideSession::decrypt_at(&token, &keys(), now()).unwrap_err(),
            Error::Malformed("the header's `kid` is not a string"),
            "{header}"
        );
    }
}
