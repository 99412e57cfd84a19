//! Compact JWE with `alg: dir` and `enc: A256GCM`, as jose's `EncryptJWT` writes and
//! `jwtDecrypt` reads, with the content key from [`crate::keys::derive_content_key`].

use super::claims::Plaintext;
use super::compact::{Compact, Header, base64_len, decode_array, decode_segment, segments};
use crate::config::Algorithm;
use crate::error::Error;
use crate::keys::{Binding, IV_LEN, KeyEntry, Keys, TAG_LEN};

/// The base64url of `{"alg":"dir","enc":"A256GCM"}`.
pub(crate) const PLAIN_HEADER: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";
const EXPECTED: Error = Error::Algorithm {
    expected: "dir with A256GCM",
};

/// Encrypts the claims in place with a fresh random IV under the key's content key for the
/// cookie.
///
/// The IV comes from the operating system's generator on every call, never from a
/// user-space generator: after a `fork()` or a VM snapshot is resumed twice, a user-space
/// state would hand both copies the same IVs, and two AES-GCM seals under one key and one
/// IV give the GHASH key away. Seals happen at sign-in and renewal, not on every request.
pub(crate) fn seal(
    binding: &Binding,
    key: &KeyEntry,
    mut claims: Plaintext,
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
    getrandom::fill(&mut iv).map_err(|_| Error::Random)?;
    let tag = key
        .with_keyed(binding, |keyed| {
            keyed.seal(iv, header.as_bytes(), &mut claims)
        })
        .ok_or_else(|| Error::Serialize("the claims are too large to encrypt".into()))?;
    // Sized once for the whole token: base64url of the IV, ciphertext and tag, and the dots.
    let mut token =
        Compact::with_capacity(header.len() + (IV_LEN + claims.len() + TAG_LEN) * 4 / 3 + 12);
    token.push_str(&header);
    token.push_dir_jwe_body(&iv, &claims, &tag);
    Ok(token.finish())
}

/// The common token, `<plain header>..<iv>.<ciphertext>.<tag>`, split by its known
/// lengths rather than searched for dots. Anything else, or a dot out of place, is left to
/// the general split, which refuses or reads it the same way.
fn split_plain(token: &str) -> Option<[&str; 5]> {
    const IV_CHARS: usize = base64_len(IV_LEN);
    const TAG_CHARS: usize = base64_len(TAG_LEN);
    let rest = token.strip_prefix(PLAIN_HEADER)?.strip_prefix("..")?;
    let (iv, rest) = rest.split_at_checked(IV_CHARS)?;
    let rest = rest.strip_prefix('.')?;
    let (ciphertext, tag) = rest.split_at_checked(rest.len().checked_sub(TAG_CHARS + 1)?)?;
    let tag = tag.strip_prefix('.')?;
    // A dot inside the short segments means the lengths were not the token's.
    (!iv.contains('.') && !tag.contains('.')).then_some([PLAIN_HEADER, "", iv, ciphertext, tag])
}

/// Decrypts a JWE and returns its claims JSON and the index of the key that opened it.
pub(crate) fn open(
    binding: &Binding,
    keys: &Keys,
    token: &str,
) -> Result<(Plaintext, usize), Error> {
    let parts = match split_plain(token).map_or_else(|| segments::<5>(token), Ok) {
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
    // Wiped when dropped, since it holds the plaintext once a key opens it.
    let mut claims = Plaintext::secret(decode_segment(ciphertext)?);
    // `aes-gcm` checks the tag before it decrypts, so a refused key leaves the ciphertext
    // for the next one.
    for (index, key) in keys.candidates(kid.as_deref())? {
        if key.with_keyed(binding, |keyed| {
            keyed.open(iv, header.as_bytes(), &mut claims, tag)
        }) {
            return Ok((claims, index));
        }
    }
    Err(Error::Decryption)
}

#[cfg(test)]
mod tests {
    use super::{PLAIN_HEADER, split_plain};
    use crate::token::compact::assert_fast_split_agrees;

    /// Wherever the length-based split answers, it answers what the dot search does; where
    /// the dots are not where the lengths put them, it steps aside.
    #[test]
    fn the_fast_split_agrees_with_the_general_one() {
        let iv = "AAAAAAAAAAAAAAAA";
        let tag = "BBBBBBBBBBBBBBBBBBBBBB";
        let cases = [
            (format!("{PLAIN_HEADER}..{iv}.Q0lQSEVSVEVYVA.{tag}"), true),
            (format!("{PLAIN_HEADER}..{iv}..{tag}"), true),
            (format!("{PLAIN_HEADER}..{iv}.a.b.{tag}"), true),
            // Non-ASCII that still fits the lengths: split alike, refused by base64 later.
            (format!("{PLAIN_HEADER}..AAAAAAAAAAAAAAé.x.{tag}"), true),
            (
                format!("{PLAIN_HEADER}..{iv}.x.BBBBBBBBBBBBBBBBBBBBé"),
                true,
            ),
            (format!("{PLAIN_HEADER}..AAAA.AAAAAAAAAAA.x.{tag}"), false),
            (
                format!("{PLAIN_HEADER}..{iv}.x.BBBBBBBBBB.BBBBBBBBBBB"),
                false,
            ),
            (
                format!("{PLAIN_HEADER}..AAAAAAA.AAAAAAAA.x.BBBBBBBBBB.BBBBBBBBBBB"),
                false,
            ),
            (format!("{PLAIN_HEADER}..{iv}.x{tag}"), false),
            (format!("{PLAIN_HEADER}.x.{iv}.x.{tag}"), false),
            (format!("{PLAIN_HEADER}..AAAAAAAAAAAAAé.x.{tag}"), false),
            (format!("{PLAIN_HEADER}..{iv}"), false),
            (format!("{PLAIN_HEADER}.."), false),
            (PLAIN_HEADER.to_owned(), false),
        ];
        assert_fast_split_agrees(&cases, split_plain);
    }
}
