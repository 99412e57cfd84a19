//! encrypt and decrypt of the guide's payload (`userId` and an ISO `expiresAt`), side by
//! side with jsonwebtoken's `encode`/`decode` of the same claims, in one run.
//!
//! `cargo bench -p sessionkit-tests --features bench --bench tokens`; medians are in `target/criterion/*/*/new/estimates.json`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sessionkit::time::OffsetDateTime;
use sessionkit::{Keys, Session};

const SECRET: &str = "benchmark-secret-0123456789-abcdefghijkl";
const EXPIRES_AT: &str = "2026-12-03T17:30:46.319Z";

#[derive(Clone, Serialize, Deserialize, Session)]
#[serde(rename_all = "camelCase")]
#[session(algorithm = "HS256", ttl = "7d", jose_compatible)]
struct SignedSession {
    user_id: String,
    expires_at: String,
}

#[derive(Clone, Serialize, Deserialize, Session)]
#[serde(rename_all = "camelCase")]
#[session(algorithm = "A256GCM", ttl = "7d")]
struct SealedSession {
    user_id: String,
    expires_at: String,
}

/// The same claims as jsonwebtoken users write them.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JwtClaims {
    user_id: String,
    expires_at: String,
    iat: i64,
    exp: i64,
}

fn tokens(c: &mut Criterion) {
    let keys = Keys::new(SECRET).unwrap();
    let now = OffsetDateTime::now_utc();
    let signed = SignedSession {
        user_id: "user-42".into(),
        expires_at: EXPIRES_AT.into(),
    };
    let sealed = SealedSession {
        user_id: "user-42".into(),
        expires_at: EXPIRES_AT.into(),
    };
    let claims = JwtClaims {
        user_id: "user-42".into(),
        expires_at: EXPIRES_AT.into(),
        iat: now.unix_timestamp(),
        exp: now.unix_timestamp() + 7 * 86_400,
    };
    // jose's header, so both sides sign the same bytes.
    let mut header = Header::new(Algorithm::HS256);
    header.typ = None;
    let encoding_key = EncodingKey::from_secret(SECRET.as_bytes());
    let decoding_key = DecodingKey::from_secret(SECRET.as_bytes());
    let validation = Validation::new(Algorithm::HS256);

    let jwt = jsonwebtoken::encode(&header, &claims, &encoding_key).unwrap();
    let hs256 = signed.encrypt_at(&keys, now).unwrap();
    assert_eq!(jwt, hs256, "both sides encode the same token");
    let a256gcm = sealed.encrypt_at(&keys, now).unwrap();

    let mut group = c.benchmark_group("encrypt");
    group.bench_function("jsonwebtoken_encode", |b| {
        b.iter(|| {
            jsonwebtoken::encode(black_box(&header), black_box(&claims), &encoding_key).unwrap()
        })
    });
    group.bench_function("sessionkit_hs256", |b| {
        b.iter(|| black_box(&signed).encrypt_at(&keys, now).unwrap())
    });
    group.bench_function("sessionkit_a256gcm", |b| {
        b.iter(|| black_box(&sealed).encrypt_at(&keys, now).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("decrypt");
    group.bench_function("jsonwebtoken_decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<JwtClaims>(black_box(&jwt), &decoding_key, &validation).unwrap()
        })
    });
    group.bench_function("sessionkit_hs256", |b| {
        b.iter(|| SignedSession::decrypt_at(black_box(&hs256), &keys, now).unwrap())
    });
    group.bench_function("sessionkit_a256gcm", |b| {
        b.iter(|| SealedSession::decrypt_at(black_box(&a256gcm), &keys, now).unwrap())
    });
    group.finish();
}

criterion_group!(benches, tokens);
criterion_main!(benches);
