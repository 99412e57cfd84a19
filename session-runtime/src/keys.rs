//! [`Keys`]: the secrets that sign or encrypt sessions, with rotation.

use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use aes_gcm::{Aes256Gcm, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hkdf::Hkdf;
use hmac::Hmac;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::error::{EnvProblem, Error};

/// HKDF salt for the A256GCM content key. Changing it would orphan every issued cookie.
pub const HKDF_SALT: &[u8] = b"sessionkit/jwe/v1";
/// HKDF info prefix for the A256GCM content key; the cookie name follows it.
pub const HKDF_INFO_PREFIX: &[u8] = b"sessionkit A256GCM cookie=";

/// Derives the 32-byte A256GCM content key for one cookie name.
///
/// `HKDF-SHA256(ikm = secret bytes, salt = "sessionkit/jwe/v1",
/// info = "sessionkit A256GCM cookie=" || cookie name, L = 32)`, all strings as their
/// UTF-8 bytes. Binding the name means a token sealed for one cookie never opens as another
/// session type's token, even under the same secret. In Node:
/// `crypto.hkdfSync('sha256', secret, 'sessionkit/jwe/v1', 'sessionkit A256GCM cookie=' + name, 32)`.
pub fn derive_content_key(secret: &[u8], cookie_name: &str) -> Zeroizing<[u8; 32]> {
    let mut info = Vec::with_capacity(HKDF_INFO_PREFIX.len() + cookie_name.len());
    info.extend_from_slice(HKDF_INFO_PREFIX);
    info.extend_from_slice(cookie_name.as_bytes());
    let mut okm = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(HKDF_SALT), secret)
        .expand(&info, okm.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    okm
}

/// One secret and the keyed state derived from it, computed once so that each token
/// operation starts from a ready HMAC or cipher rather than re-deriving it.
pub(crate) struct KeyEntry {
    pub(crate) id: Option<Box<str>>,
    secret: Zeroizing<Vec<u8>>,
    pub(crate) hs256: Hmac<Sha256>,
    pub(crate) hs384: Hmac<Sha384>,
    pub(crate) hs512: Hmac<Sha512>,
    /// The content key of the first cookie name used: nearly every application has one
    /// session type per key, and this path costs a single atomic load.
    first_cipher: OnceLock<(Box<str>, Aes256Gcm)>,
    /// Content keys of further cookie names; they are few, so a short list beats a map.
    other_ciphers: RwLock<Vec<(Box<str>, Arc<Aes256Gcm>)>>,
}

impl KeyEntry {
    fn new(id: Option<String>, secret: &[u8]) -> Result<KeyEntry, Error> {
        if secret.len() < Keys::MIN_SECRET_LEN {
            return Err(Error::KeyTooShort {
                len: secret.len(),
                min: Keys::MIN_SECRET_LEN,
            });
        }
        Ok(KeyEntry {
            id: id.map(String::into_boxed_str),
            secret: Zeroizing::new(secret.to_vec()),
            hs256: KeyInit::new_from_slice(secret).expect("HMAC takes keys of any length"),
            hs384: KeyInit::new_from_slice(secret).expect("HMAC takes keys of any length"),
            hs512: KeyInit::new_from_slice(secret).expect("HMAC takes keys of any length"),
            first_cipher: OnceLock::new(),
            other_ciphers: RwLock::new(Vec::new()),
        })
    }

    /// Runs `operate` with the A256GCM cipher for `cookie_name`, derived on first use.
    pub(crate) fn with_cipher<R>(
        &self,
        cookie_name: &str,
        operate: impl FnOnce(&Aes256Gcm) -> R,
    ) -> R {
        let (first_name, first) = self
            .first_cipher
            .get_or_init(|| (cookie_name.into(), self.derive_cipher(cookie_name)));
        if &**first_name == cookie_name {
            return operate(first);
        }
        let cached = self
            .other_ciphers
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        let found = cached
            .iter()
            .find(|(name, _)| &**name == cookie_name)
            .map(|(_, cipher)| Arc::clone(cipher));
        drop(cached);
        let cipher = found.unwrap_or_else(|| {
            let cipher = Arc::new(self.derive_cipher(cookie_name));
            let mut cache = self
                .other_ciphers
                .write()
                .unwrap_or_else(|poison| poison.into_inner());
            cache.push((cookie_name.into(), Arc::clone(&cipher)));
            cipher
        });
        operate(&cipher)
    }

    fn derive_cipher(&self, cookie_name: &str) -> Aes256Gcm {
        let key = derive_content_key(&self.secret, cookie_name);
        Aes256Gcm::new_from_slice(key.as_ref()).expect("32-byte key")
    }
}

/// The secrets sessions are sealed with: one primary key, and fallbacks for rotation.
///
/// A key is the secret's bytes exactly as given, which is what `jose` does with
/// `new TextEncoder().encode(secret)`, so a `SESSION_SECRET` shared with a Next.js app
/// verifies on both sides. New tokens are always made with the primary key; tokens made
/// with a fallback still verify, and [`crate::Verified::used_fallback_key`] says so, so
/// the caller can re-issue them under the primary.
///
/// `Keys` is cheap to clone and never prints its secrets.
#[derive(Clone)]
pub struct Keys {
    entries: Vec<Arc<KeyEntry>>,
}

impl Keys {
    /// The shortest secret accepted, in bytes (256 bits, as HS256 and A256GCM want).
    pub const MIN_SECRET_LEN: usize = 32;

    /// One key from a secret of at least 32 bytes.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Keys, Error> {
        Ok(Keys {
            entries: vec![Arc::new(KeyEntry::new(None, secret.as_ref())?)],
        })
    }

    /// One key with a key id, written as `kid` into every token it makes. A token with a
    /// `kid` is checked only against the key with that id.
    pub fn new_with_id(id: impl Into<String>, secret: impl AsRef<[u8]>) -> Result<Keys, Error> {
        Ok(Keys {
            entries: vec![Arc::new(KeyEntry::new(Some(id.into()), secret.as_ref())?)],
        })
    }

    /// Reads the secret from the environment variable `var`. The error names the variable
    /// and says whether it is missing, empty or too short, but never shows its value.
    pub fn from_env(var: &str) -> Result<Keys, Error> {
        let env_error = |problem| Error::Env {
            var: var.to_owned(),
            problem,
        };
        let value = std::env::var(var).map_err(|err| {
            env_error(match err {
                std::env::VarError::NotPresent => EnvProblem::Missing,
                std::env::VarError::NotUnicode(_) => EnvProblem::NotUnicode,
            })
        })?;
        let value = Zeroizing::new(value);
        if value.is_empty() {
            return Err(env_error(EnvProblem::Empty));
        }
        Keys::new(value.as_bytes()).map_err(|err| match err {
            Error::KeyTooShort { len, min } => env_error(EnvProblem::TooShort { len, min }),
            other => other,
        })
    }

    /// A fresh random key and its secret: 32 bytes from the operating system, in standard
    /// base64 (as `openssl rand -base64 32` prints), ready for a `.env` file. The key is the
    /// secret string's bytes, so the same line works for `jose` too.
    ///
    /// # Panics
    ///
    /// If the operating system's random number generator fails, which leaves no safe way
    /// to make a key.
    pub fn generate() -> (Keys, String) {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut())
            .expect("the operating system's random number generator failed");
        let secret = STANDARD.encode(bytes.as_ref());
        let keys =
            Keys::new(secret.as_bytes()).expect("44 base64 characters pass the length check");
        (keys, secret)
    }

    /// Adds a fallback key that still verifies tokens but never makes new ones.
    pub fn with_fallback(self, secret: impl AsRef<[u8]>) -> Result<Keys, Error> {
        self.push(KeyEntry::new(None, secret.as_ref())?)
    }

    /// Adds a fallback key with a key id.
    pub fn with_fallback_id(
        self,
        id: impl Into<String>,
        secret: impl AsRef<[u8]>,
    ) -> Result<Keys, Error> {
        self.push(KeyEntry::new(Some(id.into()), secret.as_ref())?)
    }

    fn push(mut self, entry: KeyEntry) -> Result<Keys, Error> {
        self.entries.push(Arc::new(entry));
        Ok(self)
    }

    /// How many keys there are, the primary included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Always false: there is at least the primary key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The key new tokens are made with.
    pub(crate) fn primary(&self) -> &KeyEntry {
        &self.entries[0]
    }

    /// The keys that may have made a token, with their positions (0 is the primary).
    ///
    /// A `kid` selects exactly the key with that id. Without one, as jose writes tokens,
    /// every key is a candidate, primary first.
    pub(crate) fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
    ) -> Result<impl Iterator<Item = (usize, &'a KeyEntry)> + 'a, Error> {
        if let Some(kid) = kid {
            if !self
                .entries
                .iter()
                .any(|entry| entry.id.as_deref() == Some(kid))
            {
                return Err(Error::UnknownKey);
            }
        }
        Ok(self
            .entries
            .iter()
            .enumerate()
            .filter(move |(_, entry)| kid.is_none() || entry.id.as_deref() == kid)
            .map(|(index, entry)| (index, &**entry)))
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<Option<&str>> = self
            .entries
            .iter()
            .map(|entry| entry.id.as_deref())
            .collect();
        f.debug_struct("Keys")
            .field("count", &self.entries.len())
            .field("ids", &ids)
            .finish_non_exhaustive()
    }
}
