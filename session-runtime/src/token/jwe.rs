//! Compact JWE with `alg: dir` and `enc: A256GCM`, as jose's `EncryptJWT` writes and
//! `jwtDecrypt` reads, with the content key from [`crate::keys::derive_content_key`].

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, Nonce, Tag};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;

use super::{Header, decode_array, decode_segment, segments};
use crate::config::Algorithm;
use crate::error::Error;
use crate::keys::{Binding, KeyEntry, Keyed, Keys};

/// The base64url of `{"alg":"dir","enc":"A256GCM"}`.
pub(crate) const PLAIN_HEADER: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
const EXPECTED: Error = Error::Algorithm {
    expected: "dir with A256GCM",
};

/// Encrypts the claims in place with a fresh random IV under the key's content key for the
/// cookie.
///
/// The IV comes from the thread-local CSPRNG (ChaCha seeded and periodically reseeded from
/// the operating system): a system call per token would cost more than the encryption.
pub(crate) fn seal(
    binding: &Binding,
    key: &KeyEntry,
    mut claims: Vec<u8>,
) -> Result<String, Error> {
    let header: std::borrow::Cow<'static, str> = match &key.id {
        None => PLAIN_HEADER.into(),
        Some(kid) => Header::encode(
            &[("alg", "dir"), ("enc", Algorithm::A256Gcm.name())],
            Some(kid),
        )
        .into(),
    };
    let mut iv = [0u8; IV_LEN];
    rand::rng().fill_bytes(&mut iv);
    let nonce = Nonce::<Aes256Gcm>::from(iv);
    let tag = key
        .with_keyed(binding, |keyed| match keyed {
            Keyed::Gcm(cipher) => cipher.encrypt_inout_detached(
                &nonce,
                header.as_bytes(),
                claims.as_mut_slice().into(),
            ),
            _ => unreachable!("an encrypted binding has an AES-GCM key"),
        })
        .map_err(|_| Error::Serialize("the claims are too large to encrypt".into()))?;
    // Sized once for the whole token: base64url of the IV, ciphertext and tag, and the dots.
    let mut token =
        String::with_capacity(header.len() + (IV_LEN + claims.len() + TAG_LEN) * 4 / 3 + 12);
    token.push_str(&header);
    // The empty segment is the encrypted key, which `dir` leaves out.
    token.push_str("..");
    URL_SAFE_NO_PAD.encode_string(iv, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&claims, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(tag, &mut token);
    Ok(token)
}

/// Decrypts a JWE and returns its claims JSON and the index of the key that opened it.
pub(crate) fn open(binding: &Binding, keys: &Keys, token: &str) -> Result<(Vec<u8>, usize), Error> {
    let parts = match segments::<5>(token) {
        Ok(parts) => parts,
        // A JWS: a token of a signed session type, never to be read as ours.
        Err(3) => return Err(EXPECTED),
        Err(_) => return Err(Error::Malformed("not a compact JWE")),
    };
    let [header, encrypted_key, iv, ciphertext, tag] = parts;
    let kid = if header == PLAIN_HEADER {
        None
    } else {
        let parsed = Header::decode(header)?;
        if parsed.alg.as_deref() != Some("dir")
            || parsed.enc.as_deref() != Some(Algorithm::A256Gcm.name())
        {
            return Err(EXPECTED);
        }
        parsed.kid
    };
    if !encrypted_key.is_empty() {
        return Err(Error::Malformed("a `dir` token has no encrypted key"));
    }
    let iv: [u8; IV_LEN] = decode_array(iv).ok_or(Error::Malformed("the IV is not 96 bits"))?;
    let tag: [u8; TAG_LEN] =
        decode_array(tag).ok_or(Error::Malformed("the tag is not 128 bits"))?;
    let tag = Tag::<Aes256Gcm>::from(tag);
    let mut claims = decode_segment(ciphertext)?;
    let nonce = Nonce::<Aes256Gcm>::from(iv);
    for (index, key) in keys.candidates(kid.as_deref())? {
        // The tag is checked before anything is decrypted, so a failed key leaves
        // `claims` as it was for the next one.
        let opened = key.with_keyed(binding, |keyed| match keyed {
            Keyed::Gcm(cipher) => cipher
                .decrypt_inout_detached(
                    &nonce,
                    header.as_bytes(),
                    claims.as_mut_slice().into(),
                    &tag,
                )
                .is_ok(),
            _ => false,
        });
        if opened {
            return Ok((claims, index));
        }
    }
    Err(Error::Decryption)
}
