//! The session tokens of Auth.js v5 (`@auth/core`) and NextAuth.js v4: compact JWEs with
//! `alg: dir`, under a key each library derives from its secret with HKDF-SHA-256.
//!
//! | | Auth.js v5 | NextAuth.js v4 |
//! | --- | --- | --- |
//! | `enc` written | `A256CBC-HS512` (or `A256GCM`, if the type says so) | `A256GCM` |
//! | `enc` read | `A256CBC-HS512` and `A256GCM` | `A256GCM` |
//! | HKDF salt | the cookie name | empty |
//! | HKDF info | `Auth.js Generated Encryption Key (<cookie name>)` | `NextAuth.js Generated Encryption Key` |
//! | key length | 64 bytes (`A256CBC-HS512`), 32 (`A256GCM`) | 32 bytes |
//! | `kid` | the key's JWK thumbprint | none |
//! | claims added | `iat`, `exp`, `jti` (a random UUID) | `iat`, `exp`, `jti` |
//!
//! Auth.js picks the key for a token by its `kid` among all its secrets, and with no `kid`
//! takes its first secret; this reads the same way. NextAuth.js v4 has one secret; this
//! tries each of the [`Keys`] in turn, so that a secret can be rotated on the Rust side.

use super::claims::Plaintext;
use super::compact::{Compact, Header, decode_array, decode_segment, segments};
use crate::config::{Algorithm, Format};
use crate::error::Error;
use crate::keys::{Binding, CBC_IV_LEN, CBC_TAG_LEN, IV_LEN, KeyEntry, Keyed, Keys, TAG_LEN};

fn expected(format: Format) -> Error {
    Error::Algorithm {
        expected: match format {
            Format::NextAuthV4 => "dir with A256GCM",
            _ => "dir with A256CBC-HS512 or A256GCM",
        },
    }
}

/// A random version 4 UUID, as `crypto.randomUUID()` gives Auth.js its `jti`.
pub(crate) fn random_uuid() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| Error::Random)?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// Encrypts `claims` (already holding `iat`, `exp` and `jti`) under the primary key.
pub(crate) fn seal(
    binding: &Binding,
    key: &KeyEntry,
    mut claims: Plaintext,
) -> Result<String, Error> {
    key.with_derived(binding, |keyed, kid| {
        let kid = kid.filter(|_| binding.format == Format::AuthJs);
        let header = Header::encode(&[("alg", "dir"), ("enc", binding.algorithm.name())], kid);
        let mut token = Compact::with_capacity(header.len() + claims.len() * 4 / 3 + 120);
        token.push_str(&header);
        match binding.algorithm {
            Algorithm::A256CbcHs512 => {
                let mut iv = [0u8; CBC_IV_LEN];
                getrandom::fill(&mut iv).map_err(|_| Error::Random)?;
                let len = claims.len();
                claims.extend_zeroed(16 - len % 16);
                let tag = keyed
                    .seal_cbc(iv, header.as_bytes(), &mut claims, len)
                    .ok_or(Error::Serialize("the claims could not be encrypted".into()))?;
                token.push_dir_jwe_body(&iv, &claims, &tag);
            }
            _ => {
                let mut iv = [0u8; IV_LEN];
                getrandom::fill(&mut iv).map_err(|_| Error::Random)?;
                let tag =
                    keyed
                        .seal(iv, header.as_bytes(), &mut claims)
                        .ok_or(Error::Serialize(
                            "the claims are too large to encrypt".into(),
                        ))?;
                token.push_dir_jwe_body(&iv, &claims, &tag);
            }
        }
        Ok(token.finish())
    })
}

/// Decrypts a token, returning its claims and the index of the key that opened it.
pub(crate) fn open(
    binding: &Binding,
    keys: &Keys,
    token: &str,
) -> Result<(Plaintext, usize), Error> {
    let parts = match segments::<5>(token) {
        Ok(parts) => parts,
        Err(3) => return Err(expected(binding.format)),
        Err(_) => return Err(Error::Malformed("not a compact JWE")),
    };
    let [header_segment, encrypted_key, iv, ciphertext, tag] = parts;
    let header = Header::decode(header_segment)?;
    let algorithm = match (binding.format, header.alg.as_deref(), header.enc.as_deref()) {
        (Format::AuthJs, Some("dir"), Some("A256CBC-HS512")) => Algorithm::A256CbcHs512,
        (_, Some("dir"), Some("A256GCM")) => Algorithm::A256Gcm,
        _ => return Err(expected(binding.format)),
    };
    if !encrypted_key.is_empty() {
        return Err(Error::Malformed("a `dir` token has no encrypted key"));
    }
    let binding = binding.with_algorithm(algorithm);
    let tag = decode_segment(tag)?;
    // Wiped when dropped, since it holds the plaintext once a key opens it.
    let mut claims = Plaintext::secret(decode_segment(ciphertext)?);
    let aad = header_segment.as_bytes();
    let try_key = |keyed: &Keyed, claims: &mut Plaintext| -> Result<bool, Error> {
        match algorithm {
            Algorithm::A256CbcHs512 => {
                let iv: [u8; CBC_IV_LEN] =
                    decode_array(iv).ok_or(Error::Malformed("the IV is not 128 bits"))?;
                match keyed.open_cbc(iv, aad, claims, &tag) {
                    Some(len) => {
                        claims.truncate(len);
                        Ok(true)
                    }
                    None => Ok(false),
                }
            }
            _ => {
                let iv: [u8; IV_LEN] =
                    decode_array(iv).ok_or(Error::Malformed("the IV is not 96 bits"))?;
                let tag: [u8; TAG_LEN] = tag
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::Malformed("the tag is not 128 bits"))?;
                Ok(keyed.open(iv, aad, claims, tag))
            }
        }
    };
    if algorithm == Algorithm::A256CbcHs512 && tag.len() != CBC_TAG_LEN {
        return Err(Error::Malformed("the tag is not 256 bits"));
    }
    match (binding.format, header.kid.as_deref()) {
        // Auth.js: the key whose thumbprint the `kid` names, or with no `kid` the first.
        (Format::AuthJs, Some(kid)) => {
            for (index, key) in keys.all() {
                let outcome = key.with_derived(&binding, |keyed, thumbprint| {
                    (thumbprint == Some(kid)).then(|| try_key(keyed, &mut claims))
                });
                if let Some(opened) = outcome {
                    return match opened? {
                        true => Ok((claims, index)),
                        false => Err(Error::Decryption),
                    };
                }
            }
            Err(Error::UnknownKey)
        }
        (Format::AuthJs, None) => {
            match keys
                .primary()
                .with_keyed(&binding, |keyed| try_key(keyed, &mut claims))?
            {
                true => Ok((claims, 0)),
                false => Err(Error::Decryption),
            }
        }
        _ => {
            // Both ciphers check the tag before they decrypt, so a refused key leaves the
            // ciphertext for the next one.
            for (index, key) in keys.all() {
                if key.with_keyed(&binding, |keyed| try_key(keyed, &mut claims))? {
                    return Ok((claims, index));
                }
            }
            Err(Error::Decryption)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::random_uuid;

    #[test]
    fn uuids_are_version_4_and_differ() {
        let a = random_uuid().unwrap();
        let b = random_uuid().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
        assert_eq!(a.matches('-').count(), 4);
    }
}
