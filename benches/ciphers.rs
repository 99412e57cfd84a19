//! The primitives under the two token formats, per crate, side by side in one run: AES-256-GCM
//! sealing and opening 88 bytes of claims with jose's JWE header as AAD, and HMAC-SHA256 over
//! a 149-byte JWS signing input. sessionkit uses `aes-gcm` 0.11 and `hmac` 0.13 (audited
//! RustCrypto crates); `aes-gcm` 0.10, `hmac` 0.12 and `ring` 0.17 stand beside them to show
//! what the choice costs. Every candidate's output is checked against the others' before
//! timing.
//!
//! `cargo bench -p sessionkit-tests --features bench --bench ciphers`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

const KEY: [u8; 32] = [7; 32];
const IV: [u8; 12] = [9; 12];
const AAD: &[u8] = b"eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";

fn claims() -> Vec<u8> {
    br#"{"userId":"user-42","expiresAt":"2026-12-03T17:30:46.319Z","iat":1795714269,"exp":1796319069}"#[..88].to_vec()
}

fn signing_input() -> Vec<u8> {
    vec![b'a'; 149]
}

mod aes_010 {
    use aes_gcm_010::aead::{AeadInPlace, KeyInit};
    use aes_gcm_010::{Aes256Gcm, Nonce, Tag};

    pub fn cipher() -> Aes256Gcm {
        Aes256Gcm::new_from_slice(&super::KEY).unwrap()
    }
    pub fn seal(cipher: &Aes256Gcm, data: &mut [u8]) -> [u8; 16] {
        cipher
            .encrypt_in_place_detached(&Nonce::from(super::IV), super::AAD, data)
            .unwrap()
            .into()
    }
    pub fn open(cipher: &Aes256Gcm, data: &mut [u8], tag: &[u8; 16]) -> bool {
        cipher
            .decrypt_in_place_detached(&Nonce::from(super::IV), super::AAD, data, &Tag::from(*tag))
            .is_ok()
    }
}

mod aes_011 {
    use aes_gcm::Aes256Gcm;
    use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, Tag};

    pub fn cipher() -> Aes256Gcm {
        Aes256Gcm::new_from_slice(&super::KEY).unwrap()
    }
    pub fn seal(cipher: &Aes256Gcm, data: &mut [u8]) -> [u8; 16] {
        let nonce = Nonce::<Aes256Gcm>::from(super::IV);
        cipher
            .encrypt_inout_detached(&nonce, super::AAD, data.into())
            .unwrap()
            .into()
    }
    pub fn open(cipher: &Aes256Gcm, data: &mut [u8], tag: &[u8; 16]) -> bool {
        let nonce = Nonce::<Aes256Gcm>::from(super::IV);
        let tag = Tag::<Aes256Gcm>::from(*tag);
        cipher
            .decrypt_inout_detached(&nonce, super::AAD, data.into(), &tag)
            .is_ok()
    }
}

mod ring_gcm {
    use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, Tag, UnboundKey};

    pub fn cipher() -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &super::KEY).unwrap())
    }
    pub fn seal(cipher: &LessSafeKey, data: &mut [u8]) -> [u8; 16] {
        let tag = cipher
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(super::IV),
                Aad::from(super::AAD),
                data,
            )
            .unwrap();
        tag.as_ref().try_into().unwrap()
    }
    pub fn open(cipher: &LessSafeKey, data: &mut [u8], tag: &[u8; 16]) -> bool {
        let tag = Tag::from(*tag);
        cipher
            .open_in_place_separate_tag(
                Nonce::assume_unique_for_key(super::IV),
                Aad::from(super::AAD),
                tag,
                data,
                0..,
            )
            .is_ok()
    }
}

fn aes_gcm(c: &mut Criterion) {
    let (c010, c011, cring) = (aes_010::cipher(), aes_011::cipher(), ring_gcm::cipher());
    // The three agree, byte for byte, before anything is timed.
    let mut a = claims();
    let mut b = claims();
    let mut r = claims();
    let tags = (
        aes_010::seal(&c010, &mut a),
        aes_011::seal(&c011, &mut b),
        ring_gcm::seal(&cring, &mut r),
    );
    assert!(a == b && b == r);
    assert!(tags.0 == tags.1 && tags.1 == tags.2);
    assert!(aes_010::open(&c010, &mut a.clone(), &tags.0));
    assert!(aes_011::open(&c011, &mut b.clone(), &tags.1));
    assert!(ring_gcm::open(&cring, &mut r.clone(), &tags.2));

    let mut group = c.benchmark_group("aes-256-gcm seal");
    group.bench_function("aes-gcm 0.10", |bench| {
        bench.iter(|| aes_010::seal(&c010, black_box(&mut claims())))
    });
    group.bench_function("aes-gcm 0.11", |bench| {
        bench.iter(|| aes_011::seal(&c011, black_box(&mut claims())))
    });
    group.bench_function("ring 0.17", |bench| {
        bench.iter(|| ring_gcm::seal(&cring, black_box(&mut claims())))
    });
    group.finish();

    let mut group = c.benchmark_group("aes-256-gcm open");
    group.bench_function("aes-gcm 0.10", |bench| {
        bench.iter(|| aes_010::open(&c010, black_box(&mut a.clone()), &tags.0))
    });
    group.bench_function("aes-gcm 0.11", |bench| {
        bench.iter(|| aes_011::open(&c011, black_box(&mut b.clone()), &tags.1))
    });
    group.bench_function("ring 0.17", |bench| {
        bench.iter(|| ring_gcm::open(&cring, black_box(&mut r.clone()), &tags.2))
    });
    group.finish();
}

fn hmac_sha256(c: &mut Criterion) {
    let input = signing_input();
    let h012: hmac_012::Hmac<sha2_010::Sha256> = hmac_012::Mac::new_from_slice(&KEY).unwrap();
    let h013: hmac::Hmac<sha2::Sha256> = hmac::KeyInit::new_from_slice(&KEY).unwrap();
    let hring = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &KEY);
    let sign012 = |input: &[u8]| -> [u8; 32] {
        let mut mac = h012.clone();
        hmac_012::Mac::update(&mut mac, input);
        hmac_012::Mac::finalize(mac).into_bytes().into()
    };
    let sign013 = |input: &[u8]| -> [u8; 32] {
        let mut mac = h013.clone();
        hmac::Mac::update(&mut mac, input);
        hmac::Mac::finalize(mac).into_bytes().into()
    };
    let sign_ring =
        |input: &[u8]| -> [u8; 32] { ring::hmac::sign(&hring, input).as_ref().try_into().unwrap() };
    assert!(sign012(&input) == sign013(&input) && sign013(&input) == sign_ring(&input));

    let mut group = c.benchmark_group("hmac-sha256 149 bytes");
    group.bench_function("hmac 0.12", |bench| {
        bench.iter(|| sign012(black_box(&input)))
    });
    group.bench_function("hmac 0.13", |bench| {
        bench.iter(|| sign013(black_box(&input)))
    });
    group.bench_function("ring 0.17", |bench| {
        bench.iter(|| sign_ring(black_box(&input)))
    });
    group.finish();
}

criterion_group!(benches, aes_gcm, hmac_sha256);
criterion_main!(benches);
