//! Session ids and the keys stores file them under.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::Error;

/// A fresh session id: 256 bits from the operating system's CSPRNG, in base64url. It only
/// ever travels sealed inside the cookie.
/// A new session id: the slot tag in hex, a dot, and 256 random bits in base64url
/// (`3f9a.<43 characters>`). The tag is not secret (it is also the start of the store key);
/// the random part is the id's whole strength.
pub(crate) fn new_session_id(tag: [u8; 2]) -> Result<Zeroizing<String>, Error> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).map_err(|_| Error::Random)?;
    let mut sid = Zeroizing::new(String::with_capacity(48));
    sid.push_str(&hex(&tag));
    sid.push('.');
    sid.push_str(&Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref())));
    Ok(sid)
}

/// A random slot tag, for a session without a user.
pub(crate) fn random_tag() -> Result<[u8; 2], Error> {
    let mut tag = [0u8; 2];
    getrandom::fill(&mut tag).map_err(|_| Error::Random)?;
    Ok(tag)
}

/// The slot tag of a user's sessions in one namespace: the first two bytes of
/// SHA-1(`<namespace>:<user id>`). A Redis Cluster files a user's sessions and their index
/// under this tag, so that every script about them touches one slot. It is a spreading
/// function, not a secret: 16 bits say next to nothing about the user id, and the store
/// (which holds no keys) must be able to compute it. Redis' Lua computes the same with
/// `redis.sha1hex`.
pub fn user_tag(namespace: &str, user_id: &str) -> [u8; 2] {
    use sha1::Digest as _;
    let digest = sha1::Sha1::new()
        .chain_update(namespace.as_bytes())
        .chain_update(b":")
        .chain_update(user_id.as_bytes())
        .finalize();
    [digest[0], digest[1]]
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(DIGITS[usize::from(byte >> 4)].into());
        hex.push(DIGITS[usize::from(byte & 0x0f)].into());
    }
    hex
}

/// The tag a session id starts with (`<4 lowercase hex digits>.`), if it has one.
fn tag_of(session_id: &str) -> Option<[u8; 2]> {
    let (tag, _) = session_id.split_once('.')?;
    if tag.len() != 4 || !tag.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let value = u16::from_str_radix(tag, 16).ok()?;
    Some(value.to_be_bytes())
}

/// What a store files a session under: `sha256(sid)`. Knowing it does not give the
/// session id, so it cannot be turned back into a cookie.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionKey([u8; 32]);

impl SessionKey {
    /// The key of a session id.
    pub fn of(session_id: &str) -> SessionKey {
        let mut key: [u8; 32] = Sha256::digest(session_id.as_bytes()).into();
        // The tag takes the first two bytes, so that a store can find the slot from the
        // key alone; the other 240 bits are the digest's.
        if let Some(tag) = tag_of(session_id) {
            key[..2].copy_from_slice(&tag);
        }
        SessionKey(key)
    }

    /// The key's slot tag: its first two bytes (see [`user_tag`]).
    pub fn tag(&self) -> [u8; 2] {
        [self.0[0], self.0[1]]
    }

    /// The key from its 32 bytes, as a store reads them back.
    pub fn from_bytes(bytes: [u8; 32]) -> SessionKey {
        SessionKey(bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key from its hex form (as [`SessionKey::to_hex`] writes it, in either case), or
    /// `None` if it is not 64 hex digits: a "sign out this device" form sends it back.
    pub fn from_hex(hex: &str) -> Option<SessionKey> {
        // from_str_radix alone would take a sign ("+1"), so the digits are checked first.
        if hex.len() != 64 || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(SessionKey(bytes))
    }

    /// Lower-case hex, for stores that key by text.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionKey({})", &self.to_hex()[..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_ids_keep_their_tag_in_the_key() {
        let tag = user_tag("session", "ada");
        let sid = new_session_id(tag).unwrap();
        let (shown, random) = sid.split_once('.').unwrap();
        assert_eq!(shown, hex(&tag));
        assert_eq!(URL_SAFE_NO_PAD.decode(random).unwrap().len(), 32);
        let key = SessionKey::of(&sid);
        assert_eq!(key.tag(), tag);
        assert_eq!(key.as_bytes()[2..], Sha256::digest(sid.as_bytes())[2..]);
        // Same tag for the same user and namespace only.
        assert_eq!(user_tag("session", "ada"), tag);
        assert_ne!(
            [user_tag("admin", "ada"), user_tag("session", "bob")],
            [tag, tag]
        );
        // SHA-1("session:ada"), as Redis' `redis.sha1hex` computes it.
        assert_eq!(hex(&tag), "80f4");
        // Not a tag: uppercase, short, or no dot. The key is then the plain SHA-256.
        for sid in ["80F4.x", "80f.x", "80f4x", "80f4"] {
            assert_eq!(
                SessionKey::of(sid).as_bytes()[..],
                Sha256::digest(sid.as_bytes())[..]
            );
        }
    }

    #[test]
    fn ids_are_random_and_keys_are_their_sha256() {
        let first = new_session_id([0, 0]).unwrap();
        let second = new_session_id([0, 0]).unwrap();
        assert_ne!(*first, *second);
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(first.split_once('.').unwrap().1)
                .unwrap()
                .len(),
            32
        );
        // sha256("abc"), from FIPS 180-2's test vectors.
        assert_eq!(
            SessionKey::of("abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let key = SessionKey::of("abc");
        assert_eq!(SessionKey::from_hex(&key.to_hex()), Some(key));
        assert_eq!(
            SessionKey::from_hex(&key.to_hex().to_uppercase()),
            Some(key)
        );
        for bad in [
            "",
            "ab",
            &"g".repeat(64),
            &"é".repeat(32),
            &"0".repeat(66),
            "+1",
        ] {
            assert_eq!(SessionKey::from_hex(bad), None, "{bad}");
        }
    }
}
