//! Session ids and the keys stores file them under.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::Error;

/// A fresh session id: 256 bits from the operating system's CSPRNG, in base64url. It only
/// ever travels sealed inside the cookie.
pub(crate) fn new_session_id() -> Result<Zeroizing<String>, Error> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).map_err(|_| Error::Random)?;
    Ok(Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref())))
}

/// What a store files a session under: `sha256(sid)`. Knowing it does not give the
/// session id, so it cannot be turned back into a cookie.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionKey([u8; 32]);

impl SessionKey {
    /// The key of a session id.
    pub fn of(session_id: &str) -> SessionKey {
        SessionKey(Sha256::digest(session_id.as_bytes()).into())
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
        // Every store call names its row by this, so it is written directly rather than
        // formatted byte by byte.
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            hex.push(DIGITS[usize::from(byte >> 4)].into());
            hex.push(DIGITS[usize::from(byte & 0x0f)].into());
        }
        hex
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
    fn ids_are_random_and_keys_are_their_sha256() {
        let first = new_session_id().unwrap();
        let second = new_session_id().unwrap();
        assert_ne!(*first, *second);
        assert_eq!(URL_SAFE_NO_PAD.decode(first.as_bytes()).unwrap().len(), 32);
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
