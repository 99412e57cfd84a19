//! A key made ready for one algorithm, on RustCrypto's audited crates: `hmac` over `sha2`
//! for HS256/384/512 and `aes-gcm` for A256GCM. Nothing cryptographic is composed here;
//! this module only chooses which crate's type a key becomes, and keeps the keyed states so
//! that a token operation never re-derives or re-keys.

use aes::Aes256;
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, Tag};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit};
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};

use crate::config::Algorithm;

/// The length of an A256GCM IV: 96 bits, the only length JWE's `A256GCM` uses.
pub(crate) const IV_LEN: usize = 12;
/// The IV of AES-CBC: one block.
pub(crate) const CBC_IV_LEN: usize = 16;
/// A256CBC-HS512's tag: the first half of the HMAC-SHA-512 output (RFC 7518 5.2.5).
pub(crate) const CBC_TAG_LEN: usize = 32;
/// The length of an A256GCM tag: 128 bits.
pub(crate) const TAG_LEN: usize = 16;
/// The longest HMAC output, HS512's.
pub(crate) const MAX_MAC_LEN: usize = 64;

/// The ready key. Every state here is wiped when it is dropped, by the crates themselves
/// (`hmac`'s and `sha2`'s and `aes-gcm`'s `zeroize` features); each operation works on a
/// clone of the keyed HMAC state, which is wiped in turn when the operation ends.
pub(crate) enum Keyed {
    Gcm(Box<Aes256Gcm>),
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
    /// A256CBC-HS512: the second half of the 64-byte key encrypts, the first half MACs.
    CbcHs512 {
        mac: Hmac<Sha512>,
        cipher: Box<Aes256>,
    },
}

/// A MAC tag, as long as its algorithm's output.
pub(crate) struct MacTag {
    bytes: [u8; MAX_MAC_LEN],
    len: usize,
}

impl MacTag {
    /// The tag's bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// HMAC output length in bytes of a signed algorithm (and 0 for A256GCM, which has none).
pub(crate) const fn mac_len(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::Hs256 => 32,
        Algorithm::Hs384 => 48,
        Algorithm::Hs512 => 64,
        Algorithm::A256Gcm | Algorithm::A256CbcHs512 => 0,
    }
}

impl Keyed {
    /// Keys `algorithm` with `key`: 32 bytes for A256GCM (what
    /// [`crate::derive_content_key`] gives), any length for HMAC.
    pub(crate) fn new(algorithm: Algorithm, key: &[u8]) -> Keyed {
        // Both `new_from_slice` calls fail only on a key length the algorithm cannot take:
        // HMAC takes any, and every A256GCM key here is a 32-byte HKDF output.
        const LENGTH: &str = "HMAC takes any key length; A256GCM keys are derived as 32 bytes";
        match algorithm {
            Algorithm::A256Gcm => {
                Keyed::Gcm(Box::new(Aes256Gcm::new_from_slice(key).expect(LENGTH)))
            }
            Algorithm::Hs256 => Keyed::Hs256(Hmac::new_from_slice(key).expect(LENGTH)),
            Algorithm::Hs384 => Keyed::Hs384(Hmac::new_from_slice(key).expect(LENGTH)),
            Algorithm::Hs512 => Keyed::Hs512(Hmac::new_from_slice(key).expect(LENGTH)),
            Algorithm::A256CbcHs512 => {
                // RFC 7518 5.2.2.1: MAC_KEY is the first 32 bytes, ENC_KEY the last 32.
                let (mac, enc) = key.split_at(key.len() / 2);
                Keyed::CbcHs512 {
                    mac: Hmac::new_from_slice(mac).expect(LENGTH),
                    cipher: Box::new(Aes256::new_from_slice(enc).expect(LENGTH)),
                }
            }
        }
    }

    /// The HMAC tag of `message`, or `None` for an AES-GCM key.
    pub(crate) fn sign(&self, message: &[u8]) -> Option<MacTag> {
        fn tag<M: Mac + Clone>(keyed: &M, message: &[u8]) -> MacTag {
            let mut mac = keyed.clone();
            mac.update(message);
            let output = mac.finalize().into_bytes();
            let mut bytes = [0u8; MAX_MAC_LEN];
            bytes[..output.len()].copy_from_slice(&output);
            MacTag {
                bytes,
                len: output.len(),
            }
        }
        match self {
            Keyed::Hs256(mac) => Some(tag(mac, message)),
            Keyed::Hs384(mac) => Some(tag(mac, message)),
            Keyed::Hs512(mac) => Some(tag(mac, message)),
            Keyed::Gcm(_) | Keyed::CbcHs512 { .. } => None,
        }
    }

    /// Whether `tag` is the HMAC of `message`, compared in constant time by `hmac`; always
    /// false for an AES-GCM key.
    pub(crate) fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        fn check<M: Mac + Clone>(keyed: &M, message: &[u8], tag: &[u8]) -> bool {
            let mut mac = keyed.clone();
            mac.update(message);
            mac.verify_slice(tag).is_ok()
        }
        match self {
            Keyed::Hs256(mac) => check(mac, message, tag),
            Keyed::Hs384(mac) => check(mac, message, tag),
            Keyed::Hs512(mac) => check(mac, message, tag),
            Keyed::Gcm(_) | Keyed::CbcHs512 { .. } => false,
        }
    }

    /// Encrypts `data` in place and returns the tag, or `None` for an HMAC key or data
    /// longer than AES-GCM allows.
    pub(crate) fn seal(
        &self,
        iv: [u8; IV_LEN],
        aad: &[u8],
        data: &mut [u8],
    ) -> Option<[u8; TAG_LEN]> {
        let Keyed::Gcm(cipher) = self else {
            return None;
        };
        cipher
            .encrypt_inout_detached(&Nonce::<Aes256Gcm>::from(iv), aad, data.into())
            .ok()
            .map(Into::into)
    }

    /// Checks the tag and decrypts `data` in place. On `false` the `aes-gcm` crate has
    /// left `data` as it was given (it checks the tag before it decrypts).
    pub(crate) fn open(
        &self,
        iv: [u8; IV_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: [u8; TAG_LEN],
    ) -> bool {
        let Keyed::Gcm(cipher) = self else {
            return false;
        };
        cipher
            .decrypt_inout_detached(
                &Nonce::<Aes256Gcm>::from(iv),
                aad,
                data.into(),
                &Tag::<Aes256Gcm>::from(tag),
            )
            .is_ok()
    }

    /// A256CBC-HS512 encryption (RFC 7518 5.2.2.1): the first `len` bytes of `buffer` are
    /// padded (PKCS#7) and encrypted in place, and the tag covers the AAD, IV, ciphertext
    /// and the AAD's length in bits. `buffer` has room for the padding: `len / 16 * 16 + 16`
    /// bytes.
    pub(crate) fn seal_cbc(
        &self,
        iv: [u8; CBC_IV_LEN],
        aad: &[u8],
        buffer: &mut [u8],
        len: usize,
    ) -> Option<[u8; CBC_TAG_LEN]> {
        let Keyed::CbcHs512 { mac, cipher } = self else {
            return None;
        };
        let encryptor = cbc::Encryptor::<Aes256>::inner_iv_init((**cipher).clone(), &iv.into());
        let ciphertext = encryptor.encrypt_padded::<Pkcs7>(buffer, len).ok()?;
        Some(cbc_tag(mac, aad, &iv, ciphertext))
    }

    /// A256CBC-HS512 decryption: the tag is checked (in constant time, by `hmac`) before
    /// anything is decrypted; then `data` is decrypted in place. Returns the length of the
    /// plaintext at its start, without the padding.
    pub(crate) fn open_cbc(
        &self,
        iv: [u8; CBC_IV_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Option<usize> {
        let Keyed::CbcHs512 { mac, cipher } = self else {
            return None;
        };
        let mut check = mac.clone();
        cbc_mac_input(&mut check, aad, &iv, data);
        if tag.len() != CBC_TAG_LEN || check.verify_truncated_left(tag).is_err() {
            return None;
        }
        let decryptor = cbc::Decryptor::<Aes256>::inner_iv_init((**cipher).clone(), &iv.into());
        decryptor
            .decrypt_padded::<Pkcs7>(data)
            .ok()
            .map(|plain| plain.len())
    }
}

fn cbc_mac_input(mac: &mut Hmac<Sha512>, aad: &[u8], iv: &[u8], ciphertext: &[u8]) {
    mac.update(aad);
    mac.update(iv);
    mac.update(ciphertext);
    // AL: the AAD's length in bits, as a 64-bit big-endian number.
    mac.update(&((aad.len() as u64) * 8).to_be_bytes());
}

fn cbc_tag(mac: &Hmac<Sha512>, aad: &[u8], iv: &[u8], ciphertext: &[u8]) -> [u8; CBC_TAG_LEN] {
    let mut mac = mac.clone();
    cbc_mac_input(&mut mac, aad, iv, ciphertext);
    let full = mac.finalize().into_bytes();
    let mut tag = [0u8; CBC_TAG_LEN];
    tag.copy_from_slice(&full[..CBC_TAG_LEN]);
    tag
}

#[cfg(test)]
mod tests {
    use super::{CBC_IV_LEN, Keyed, mac_len};
    use crate::config::Algorithm;

    /// RFC 4231 test case 2 ("Jefe"): the wiring to `hmac` gives the published tags.
    #[test]
    fn hmac_gives_rfc_4231s_tags() {
        let message = b"what do ya want for nothing?";
        let expected = [
            (
                Algorithm::Hs256,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                Algorithm::Hs384,
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            ),
            (
                Algorithm::Hs512,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
        ];
        for (algorithm, hex) in expected {
            let keyed = Keyed::new(algorithm, b"Jefe");
            let tag = keyed.sign(message).expect("an HMAC key");
            let got: String = tag.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(got, hex, "{algorithm:?}");
            assert_eq!(tag.as_bytes().len(), mac_len(algorithm));
            assert!(keyed.verify(message, tag.as_bytes()));
            let mut wrong = tag.as_bytes().to_vec();
            wrong[0] ^= 1;
            assert!(!keyed.verify(message, &wrong));
            assert!(
                !keyed.verify(message, &tag.as_bytes()[..8]),
                "a truncated tag"
            );
        }
    }

    /// The GCM specification's test case 15 (AES-256, 96-bit IV, no AAD) through the
    /// wiring to `aes-gcm`, and a refused open that leaves the ciphertext untouched.
    #[test]
    fn aes_gcm_gives_the_specifications_test_case() {
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        let iv: [u8; 12] = hex("cafebabefacedbaddecaf888").try_into().unwrap();
        let plain = hex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
        );
        let keyed = Keyed::new(Algorithm::A256Gcm, &key);
        let mut data = plain.clone();
        let tag = keyed.seal(iv, b"", &mut data).expect("an AES-GCM key");
        assert_eq!(
            data,
            hex(
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
            )
        );
        assert_eq!(tag.to_vec(), hex("b094dac5d93471bdec1a502270e3cc6c"));
        let sealed = data.clone();
        let mut bad_tag = tag;
        bad_tag[15] ^= 1;
        assert!(!keyed.open(iv, b"", &mut data, bad_tag));
        assert_eq!(data, sealed, "a refused open decrypts nothing");
        assert!(!keyed.open(iv, b"x", &mut data, tag), "other AAD");
        assert!(keyed.open(iv, b"", &mut data, tag));
        assert_eq!(data, plain);
        assert!(keyed.sign(b"x").is_none() && !keyed.verify(b"x", &[0; 32]));
    }

    #[test]
    fn a256cbc_hs512_gives_rfc_7518s_test_case_and_refuses_what_it_must() {
        // RFC 7518, appendix B.3 (AES_256_CBC_HMAC_SHA_512).
        let hex = |s: &str| -> Vec<u8> {
            let s: String = s.split_whitespace().collect();
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let key = hex(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
             202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
        );
        let plain = hex(
            "41206369706865722073797374656d206d757374206e6f7420626520726571756972656420746f
             206265207365637265742c20616e64206974206d7573742062652061626c6520746f2066616c6c
             20696e746f207468652068616e6473206f662074686520656e656d7920776974686f757420696e
             636f6e76656e69656e6365",
        );
        let iv: [u8; CBC_IV_LEN] = hex("1af38c2dc2b96ffdd86694092341bc04").try_into().unwrap();
        let aad = hex(
            "546865207365636f6e64207072696e6369706c65206f66204175677573746520
             4b6572636b686f666673",
        );
        let keyed = Keyed::new(Algorithm::A256CbcHs512, &key);
        let mut buffer = plain.clone();
        buffer.resize(plain.len() / 16 * 16 + 16, 0);
        let tag = keyed
            .seal_cbc(iv, &aad, &mut buffer, plain.len())
            .expect("a CBC key");
        assert_eq!(
            buffer,
            hex(
                "4affaaadb78c31c5da4b1b590d10ffbd3dd8d5d302423526912da037ecbcc7bd822c301dd67c373bccb584ad3e9279c2
                 e6d12a1374b77f077553df829410446b36ebd97066296ae6427ea75c2e0846a11a09ccf5370dc80bfecbad28c73f09b3
                 a3b75e662a2594410ae496b2e2e6609e31e6e02cc837f053d21f37ff4f51950bbe2638d09dd7a4930930806d0703b1f6"
            )
        );
        assert_eq!(
            tag.to_vec(),
            hex("4dd3b4c088a7f45c216839645b2012bf2e6269a8c56a816dbc1b267761955bc5")
        );
        let sealed = buffer.clone();
        assert_eq!(
            keyed.open_cbc(iv, &aad, &mut buffer, &tag),
            Some(plain.len())
        );
        assert_eq!(&buffer[..plain.len()], &plain[..]);
        // Refused: another tag, a short tag, other AAD; and a ciphertext that is not whole
        // blocks, even under a tag computed over it, is refused without a panic.
        let mut data = sealed.clone();
        let mut wrong = tag;
        wrong[0] ^= 1;
        assert_eq!(keyed.open_cbc(iv, &aad, &mut data, &wrong), None);
        assert_eq!(keyed.open_cbc(iv, &aad, &mut data, &tag[..16]), None);
        assert_eq!(keyed.open_cbc(iv, b"other", &mut data, &tag), None);
        let Keyed::CbcHs512 { mac, .. } = &keyed else {
            unreachable!()
        };
        let mut ragged = sealed[..17].to_vec();
        let ragged_tag = super::cbc_tag(mac, &aad, &iv, &ragged);
        assert_eq!(keyed.open_cbc(iv, &aad, &mut ragged, &ragged_tag), None);
        let mut empty = Vec::new();
        let empty_tag = super::cbc_tag(mac, &aad, &iv, &empty);
        assert_eq!(keyed.open_cbc(iv, &aad, &mut empty, &empty_tag), None);
    }
}
