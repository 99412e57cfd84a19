//! iron-session's cookie: an `@hapi/iron` seal (format version `Fe26.2`) with iron-session's
//! `~2` suffix.
//!
//! ```text
//! Fe26.2*<password id>*<encryption salt>*<iv>*<ciphertext>*<expiry, ms>*<MAC salt>*<MAC>~2
//! ```
//!
//! - Each salt is 32 random bytes in lowercase hex; the key for each purpose is
//!   PBKDF2-HMAC-SHA-1 of the password with the salt's hex text, one iteration, 32 bytes.
//! - The JSON of the session is encrypted with AES-256-CBC (PKCS#7 padding) under a random
//!   16-byte IV; the IV, the ciphertext and the MAC are base64url without padding.
//! - The MAC is HMAC-SHA-256 over everything before the MAC salt, joined by `*`.
//! - The seal is expired when `expiry <= now - leeway` (iron's 60 s of skew by default).
//!
//! The password id selects the key: [`Keys::new_with_id`](crate::Keys::new_with_id) and
//! [`with_fallback_id`](crate::Keys::with_fallback_id) give ids, and a key without one has
//! iron-session's id for a lone password, `1`. Every key with the seal's id is tried in
//! order, so `Keys::new(new)?.with_fallback(old)?` reads seals made under either plain
//! password. Sealing uses the primary key.
//!
//! The `~2` suffix is outside the MAC: everything from the first `~` on is ignored, as
//! iron-session 9 ignores it, so both parsers give every seal the same verdict.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::claims::Plaintext;
use crate::error::Error;
use crate::keys::{KeyEntry, Keys};

const PREFIX: &str = "Fe26.2";
/// iron-session's marker of its seal's major version, outside the MAC.
const SUFFIX: &str = "~2";
/// The id iron-session gives a password passed as a plain string.
const DEFAULT_ID: &str = "1";
const SALT_BYTES: usize = 32;
const IV_BYTES: usize = 16;
/// The last millisecond of the year 9999, the latest expiry a seal may carry.
const MAX_EXPIRY_MS: i64 = 253_402_300_799_999;

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// A key derived from the password and one salt: PBKDF2-HMAC-SHA-1, one iteration.
fn stretch(password: &[u8], salt: &str) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt.as_bytes(), 1, key.as_mut());
    key
}

fn random_salt() -> Result<String, Error> {
    let mut bytes = [0u8; SALT_BYTES];
    getrandom::fill(&mut bytes).map_err(|_| Error::Random)?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

fn mac(password: &[u8], salt: &str, message: &str) -> Hmac<Sha256> {
    let key = stretch(password, salt);
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_ref()).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    mac
}

fn password_id(key: &KeyEntry) -> &str {
    key.id.as_deref().unwrap_or(DEFAULT_ID)
}

/// Seals `json` (the session's JSON) to expire at `expires_ms`, under the primary key.
pub(crate) fn seal(keys: &Keys, mut json: Plaintext, expires_ms: i64) -> Result<String, Error> {
    let key = keys.primary();
    let id = password_id(key);
    // iron refuses to seal or read any other id.
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(Error::Serialize(
            "an iron password id must be letters, digits and `_`".into(),
        ));
    }
    let encryption_salt = random_salt()?;
    let mut iv = [0u8; IV_BYTES];
    getrandom::fill(&mut iv).map_err(|_| Error::Random)?;
    let len = json.len();
    json.extend_zeroed(16 - len % 16);
    let encryption_key = stretch(key.secret(), &encryption_salt);
    Aes256CbcEnc::new((&*encryption_key).into(), &iv.into())
        .encrypt_padded::<Pkcs7>(&mut json, len)
        .map_err(|_| Error::Serialize("the session could not be encrypted".into()))?;
    let base = format!(
        "{PREFIX}*{id}*{encryption_salt}*{}*{}*{expires_ms}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&*json)
    );
    let mac_salt = random_salt()?;
    let digest = mac(key.secret(), &mac_salt, &base).finalize().into_bytes();
    Ok(format!(
        "{base}*{mac_salt}*{}{SUFFIX}",
        URL_SAFE_NO_PAD.encode(digest)
    ))
}

/// An opened seal: its JSON, its expiry and the index of the key that opened it.
pub(crate) struct Opened {
    pub json: Plaintext,
    pub expires_ms: i64,
    pub key_index: usize,
}

/// Opens a seal: its expiry is checked against `now_ms` with `leeway_ms` of skew, its MAC
/// under the password its id names, and then it is decrypted.
pub(crate) fn open(
    keys: &Keys,
    sealed: &str,
    now_ms: i64,
    leeway_ms: i64,
) -> Result<Opened, Error> {
    // The version marker is outside the MAC, so nothing is decided by it (as iron-session
    // does since v9).
    let sealed = sealed.split_once('~').map_or(sealed, |(seal, _)| seal);
    let mut parts = sealed.split('*');
    let mut next = || parts.next();
    let (
        Some(prefix),
        Some(id),
        Some(encryption_salt),
        Some(iv),
        Some(ciphertext),
        Some(expiry),
        Some(mac_salt),
        Some(digest),
        None,
    ) = (
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
    )
    else {
        return Err(Error::Malformed(
            "an iron seal has eight `*`-separated parts",
        ));
    };
    if prefix != PREFIX {
        return Err(Error::Algorithm {
            expected: "an iron Fe26.2 seal",
        });
    }
    // iron-session accepts a seal without an expiry (its `ttl: 0`); a session here always
    // expires, as for every other format.
    if expiry.is_empty() {
        return Err(Error::Claims("the seal has no expiry"));
    }
    let expires_ms: i64 = match expiry.as_bytes() {
        [b'1'..=b'9', rest @ ..] if rest.iter().all(u8::is_ascii_digit) && expiry.len() <= 16 => {
            expiry
                .parse()
                .map_err(|_| Error::Claims("the seal's expiry is not a time"))?
        }
        _ => return Err(Error::Claims("the seal's expiry is not a time")),
    };
    // A time past the end of year 9999 cannot be shown as a date (it used to be reported as
    // 1970): no writer makes one, so it is refused.
    if expires_ms > MAX_EXPIRY_MS {
        return Err(Error::Malformed("the seal's expiry is past the year 9999"));
    }
    if expires_ms <= now_ms.saturating_sub(leeway_ms) {
        return Err(Error::Expired {
            expired_at: super::timestamp(expires_ms.div_euclid(1000)),
        });
    }
    // iron-session looks an empty id up as `default`.
    let wanted = if id.is_empty() { "default" } else { id };
    let digest = URL_SAFE_NO_PAD
        .decode(digest)
        .map_err(|_| Error::Malformed("the seal's MAC is not base64url"))?;
    // Everything before the MAC salt, as it was signed.
    let base = sealed.rsplitn(3, '*').nth(2).unwrap_or_default();
    // Several keys may have the seal's id (a rotation from one plain password to another
    // gives both iron's id 1): each is tried, in order, and the first whose MAC matches
    // opens it.
    let mut candidates = keys
        .all()
        .filter(|(_, key)| password_id(key) == wanted)
        .peekable();
    if candidates.peek().is_none() {
        return Err(Error::UnknownKey);
    }
    let (key_index, key) = candidates
        .find(|(_, key)| {
            mac(key.secret(), mac_salt, base)
                .verify_slice(&digest)
                .is_ok()
        })
        .ok_or(Error::Signature)?;
    let iv: [u8; IV_BYTES] = URL_SAFE_NO_PAD
        .decode(iv)
        .ok()
        .and_then(|iv| iv.try_into().ok())
        .ok_or(Error::Malformed("the seal's IV is not 128 bits"))?;
    let mut json = Plaintext::secret(
        URL_SAFE_NO_PAD
            .decode(ciphertext)
            .map_err(|_| Error::Malformed("the seal's ciphertext is not base64url"))?,
    );
    let encryption_key = stretch(key.secret(), encryption_salt);
    let len = Aes256CbcDec::new((&*encryption_key).into(), &iv.into())
        .decrypt_padded::<Pkcs7>(&mut json)
        .map(|plain| plain.len())
        .map_err(|_| Error::Decryption)?;
    json.truncate(len);
    Ok(Opened {
        json,
        expires_ms,
        key_index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Plaintext {
        Plaintext::secret(text.as_bytes().to_vec())
    }

    #[test]
    fn a_seal_opens_and_every_part_is_checked() {
        let keys = Keys::new("a password of at least thirty-two characters").unwrap();
        let sealed = seal(&keys, json(r#"{"user":"ada"}"#), 2_000_000_000_000).unwrap();
        assert!(
            sealed.starts_with("Fe26.2*1*") && sealed.ends_with("~2"),
            "{sealed}"
        );
        let opened = open(&keys, &sealed, 1_000_000_000_000, 60_000).unwrap();
        assert_eq!(&*opened.json, br#"{"user":"ada"}"#);
        assert_eq!(opened.expires_ms, 2_000_000_000_000);
        assert!(matches!(
            open(&keys, &sealed, 2_000_000_060_000, 60_000),
            Err(Error::Expired { .. })
        ));
        assert!(open(&keys, &sealed, 2_000_000_059_999, 60_000).is_ok());
        // Each of the eight parts, changed, is refused.
        let body = sealed.strip_suffix("~2").unwrap();
        let parts: Vec<&str> = body.split('*').collect();
        for index in 0..8 {
            let mut changed = parts.clone();
            let replaced = match index {
                5 => "2000000000001".to_owned(),
                _ => {
                    let part = changed[index];
                    let flipped = if part.ends_with('A') { 'B' } else { 'A' };
                    format!("{}{flipped}", &part[..part.len() - 1])
                }
            };
            changed[index] = &replaced;
            let tampered = changed.join("*");
            assert!(
                open(&keys, &tampered, 1_000_000_000_000, 60_000).is_err(),
                "part {index} changed"
            );
        }
        let other = Keys::new("another password of at least thirty-two chars").unwrap();
        assert_eq!(
            open(&other, &sealed, 1_000_000_000_000, 60_000).err(),
            Some(Error::Signature)
        );
        // Past the year 9999: refused, never shown as 1970.
        let far = sealed.replace("*2000000000000*", "*253402300800000*");
        assert_eq!(
            open(&keys, &far, 1_000_000_000_000, 60_000).err(),
            Some(Error::Malformed("the seal's expiry is past the year 9999"))
        );
        let other_id =
            Keys::new_with_id("2", "a password of at least thirty-two characters").unwrap();
        assert_eq!(
            open(&other_id, &sealed, 1_000_000_000_000, 60_000).err(),
            Some(Error::UnknownKey)
        );
    }
}
