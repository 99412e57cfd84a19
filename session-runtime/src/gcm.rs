//! AES-256-GCM for the JWE codec, on one of two backends.
//!
//! By default AES-256-GCM composed here ([`counter_mode`]) from RustCrypto's `aes` block
//! cipher and `ghash`, pure Rust, whose expanded key and GHASH key are wiped on drop. With
//! the `ring` feature, `ring`'s assembly ([`ring_backend`]), which does not wipe its key
//! schedule when a [`Keys`](crate::Keys) is dropped. Both produce the same bytes; the tests
//! hold them to the GCM specification's vector, to one made by Node's OpenSSL and, for the
//! default backend, to the `aes-gcm` crate over every length up to 300 bytes.

#[cfg(not(feature = "ring"))]
mod counter_mode;
#[cfg(feature = "ring")]
mod ring_backend;

#[cfg(not(feature = "ring"))]
pub use counter_mode::Gcm;
#[cfg(feature = "ring")]
pub use ring_backend::Gcm;

/// Bytes of the IV (nonce).
pub const IV_LEN: usize = 12;
/// Bytes of the authentication tag.
pub const TAG_LEN: usize = 16;

/// The only refusal of sealing: more data than one GCM invocation can take (about 64 GiB),
/// far past any cookie.
pub struct TooLong;

#[cfg(test)]
mod tests {
    use super::Gcm;

    const KEY: [u8; 32] = [7; 32];
    const IV: [u8; 12] = [9; 12];
    const AAD: &[u8] = b"eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";
    const PLAINTEXT: &[u8] = br#"{"userId":"user-42","exp":1796319069}"#;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// The ciphertext and tag are Node's (`crypto.createCipheriv('aes-256-gcm', ...)`) for
    /// the same key, IV, AAD and plaintext.
    #[test]
    fn seals_as_openssl_does_and_opens_its_own() {
        let gcm = Gcm::new(&KEY);
        let mut data = PLAINTEXT.to_vec();
        let tag = gcm.seal(IV, AAD, &mut data).ok().unwrap();
        assert_eq!(
            hex(&data),
            "5ca7f1e7db8288058258e94d958fd1f2e08241df168b8fb04d947791ec42324bead5d1fa9f"
        );
        assert_eq!(hex(&tag), "dfbeaa4b49061023a3c30a17c8d25dfa");
        assert!(gcm.open(IV, AAD, &mut data, tag));
        assert_eq!(data, PLAINTEXT);
    }

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap())
            .collect()
    }

    /// Test cases 13, 14 and 16 of McGrew and Viega's GCM specification (the AES-256 ones
    /// with 96-bit IVs): no data, one zero block, and 60 bytes under 20 bytes of AAD.
    #[test]
    fn the_specifications_test_cases() {
        let cases = [
            (
                "00".repeat(32),
                "00".repeat(12),
                "",
                "",
                "",
                "530f8afbc74536b9a963b4f1c4cb738b",
            ),
            (
                "00".repeat(32),
                "00".repeat(12),
                "",
                &"00".repeat(16),
                "cea7403d4d606b6e074ec5d3baf39d18",
                "d0d1c8a799996bf0265b98b5d48ab919",
            ),
            (
                "feffe9928665731c6d6a8f9467308308".repeat(2),
                "cafebabefacedbaddecaf888".to_owned(),
                "feedfacedeadbeeffeedfacedeadbeefabaddad2",
                "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                 1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
                 8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
                "76fc6ece0f4e1768cddf8853bb2d551b",
            ),
        ];
        for (key, iv, aad, plaintext, ciphertext, tag) in cases {
            let gcm = Gcm::new(&unhex(&key).try_into().unwrap());
            let iv: [u8; 12] = unhex(&iv).try_into().unwrap();
            let mut data = unhex(plaintext);
            let sealed_tag = gcm.seal(iv, &unhex(aad), &mut data).ok().unwrap();
            assert_eq!(
                (hex(&data), hex(&sealed_tag)),
                (ciphertext.to_owned(), tag.to_owned())
            );
            assert!(gcm.open(iv, &unhex(aad), &mut data, sealed_tag));
            assert_eq!(hex(&data), plaintext);
        }
    }

    /// Every data length up to 300 bytes (19 blocks: past one batch of AES and of GHASH)
    /// under AAD on both sides of a block and of a batch, against the `aes-gcm` crate.
    #[test]
    fn agrees_with_the_aes_gcm_crate() {
        use aes_gcm::aead::{AeadInOut, KeyInit, Nonce};
        let key: [u8; 32] = std::array::from_fn(|at| at as u8 * 7);
        let ours = Gcm::new(&key);
        let theirs = aes_gcm::Aes256Gcm::new(&key.into());
        for len in 0..=300usize {
            for aad_len in [0usize, 1, 15, 16, 17, 39, 255, 256, 257] {
                let plaintext: Vec<u8> = (0..len).map(|at| (at * 31 + len) as u8).collect();
                let aad: Vec<u8> = (0..aad_len).map(|at| (at * 17) as u8).collect();
                let iv: [u8; 12] = std::array::from_fn(|at| (at + len) as u8);
                let mut mine = plaintext.clone();
                let tag = ours.seal(iv, &aad, &mut mine).ok().unwrap();
                let mut reference = plaintext.clone();
                let reference_tag: [u8; 16] = theirs
                    .encrypt_inout_detached(
                        &Nonce::<aes_gcm::Aes256Gcm>::from(iv),
                        &aad,
                        reference.as_mut_slice().into(),
                    )
                    .unwrap()
                    .into();
                assert_eq!(
                    (&mine, tag),
                    (&reference, reference_tag),
                    "{len} bytes, {aad_len} of AAD"
                );
                assert!(ours.open(iv, &aad, &mut mine, tag));
                assert_eq!(mine, plaintext);
            }
        }
    }

    #[test]
    fn any_change_is_refused() {
        let gcm = Gcm::new(&KEY);
        let mut sealed = PLAINTEXT.to_vec();
        let tag = gcm.seal(IV, AAD, &mut sealed).ok().unwrap();
        let mut flipped_tag = tag;
        flipped_tag[0] ^= 1;
        let mut flipped_data = sealed.clone();
        flipped_data[3] ^= 1;
        let mut other_iv = IV;
        other_iv[11] ^= 1;
        // The key, IV, AAD, sealed data and tag shown to `open`.
        type Case<'a> = (&'a Gcm, [u8; 12], &'a [u8], Vec<u8>, [u8; 16]);
        let cases: [Case; 5] = [
            (&gcm, IV, AAD, sealed.clone(), flipped_tag),
            (&gcm, IV, AAD, flipped_data, tag),
            (&gcm, other_iv, AAD, sealed.clone(), tag),
            (&gcm, IV, b"another header", sealed.clone(), tag),
            (&Gcm::new(&[8; 32]), IV, AAD, sealed.clone(), tag),
        ];
        for (gcm, iv, aad, mut data, tag) in cases {
            assert!(!gcm.open(iv, aad, &mut data, tag));
            #[cfg(not(feature = "ring"))]
            assert!(
                data.iter().all(|&byte| byte == 0),
                "nothing decrypted is left behind"
            );
        }
    }
}
