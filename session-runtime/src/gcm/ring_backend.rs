//! The `ring` backend: BoringSSL's AES-GCM assembly.

use super::{IV_LEN, TAG_LEN, TooLong};

/// An AES-256-GCM key made ready by `ring`.
pub struct Gcm {
    // Boxed so that moving a `Keys` moves a pointer, not ring's key schedule.
    cipher: Box<ring::aead::LessSafeKey>,
}

impl Gcm {
    pub fn new(key: &[u8; 32]) -> Gcm {
        use ring::aead::{AES_256_GCM, LessSafeKey, UnboundKey};
        let key = UnboundKey::new(&AES_256_GCM, key).expect("AES-256 takes a 32-byte key");
        Gcm {
            cipher: Box::new(LessSafeKey::new(key)),
        }
    }

    /// Encrypts `data` in place and returns the tag.
    pub fn seal(
        &self,
        iv: [u8; IV_LEN],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<[u8; TAG_LEN], TooLong> {
        use ring::aead::{Aad, Nonce};
        let tag = self
            .cipher
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(iv), Aad::from(aad), data)
            .map_err(|_| TooLong)?;
        let mut bytes = [0u8; TAG_LEN];
        bytes.copy_from_slice(tag.as_ref());
        Ok(bytes)
    }

    /// Decrypts `data` in place if `tag` authenticates it and `aad`. On `false`, `data` is
    /// unspecified.
    pub fn open(&self, iv: [u8; IV_LEN], aad: &[u8], data: &mut [u8], tag: [u8; TAG_LEN]) -> bool {
        use ring::aead::{Aad, Nonce, Tag};
        self.cipher
            .open_in_place_separate_tag(
                Nonce::assume_unique_for_key(iv),
                Aad::from(aad),
                Tag::from(tag),
                data,
                0..,
            )
            .is_ok()
    }
}
