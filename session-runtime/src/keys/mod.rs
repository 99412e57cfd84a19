//! [`Keys`]: the secrets that sign or encrypt sessions, with rotation.

use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

mod keyed;

pub(crate) use self::keyed::{CBC_IV_LEN, CBC_TAG_LEN, IV_LEN, MAX_MAC_LEN, TAG_LEN, mac_len};

pub(crate) use self::keyed::Keyed;
use crate::config::{Algorithm, Format, SessionConfig};
use crate::error::{EnvProblem, Error};

/// HKDF salt for the A256GCM content key. Changing it would orphan every issued cookie.
pub const HKDF_SALT: &[u8] = b"sessionkit/jwe/v1";
/// HKDF info prefix for the A256GCM content key; the cookie name follows it.
pub const HKDF_INFO_PREFIX: &[u8] = b"sessionkit A256GCM cookie=";
/// HKDF salt for the HMAC keys of signed session types (those without `jose_compatible`).
pub const HKDF_SALT_SIGNED: &[u8] = b"sessionkit/jws/v1";

/// What a token is for. Each purpose has keys of its own, so a token made for one is never
/// accepted as the other.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Purpose {
    /// A stateless session: the payload is in the token.
    Session,
    /// A database session's ticket: the token carries only the session id.
    Ticket,
}

/// Which key a token is made with: the session type's algorithm, cookie name and purpose,
/// and whether it uses the secret's raw bytes (`jose_compatible`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Binding<'a> {
    pub format: Format,
    pub algorithm: Algorithm,
    pub purpose: Purpose,
    pub cookie_name: &'a str,
    raw: bool,
}

impl<'a> Binding<'a> {
    /// The binding of a session type's tokens for `purpose`. Only a signed type's own
    /// stateless tokens may opt out of derivation: a ticket is always bound.
    pub(crate) fn of(config: &'a SessionConfig, purpose: Purpose) -> Binding<'a> {
        Binding {
            format: config.format,
            algorithm: config.algorithm,
            purpose,
            cookie_name: config.cookie_name,
            raw: config.jose_compatible
                && purpose == Purpose::Session
                && config.algorithm != Algorithm::A256Gcm,
        }
    }

    /// The HKDF info: a fixed prefix naming the algorithm and purpose, then the cookie
    /// name. Cookie names are RFC 6265 tokens (no spaces), so no two bindings share one.
    /// The same binding for a token whose header names another `enc` (Auth.js reads both
    /// of its content encryptions).
    pub(crate) fn with_algorithm(self, algorithm: Algorithm) -> Binding<'a> {
        Binding { algorithm, ..self }
    }

    fn info(&self) -> Vec<u8> {
        let purpose = match self.purpose {
            Purpose::Session => "",
            Purpose::Ticket => "ticket ",
        };
        format!(
            "sessionkit {} {purpose}cookie={}",
            self.algorithm.name(),
            self.cookie_name
        )
        .into_bytes()
    }
}

/// Derives the 32-byte A256GCM content key of a stateless session type.
///
/// `HKDF-SHA256(ikm = secret bytes, salt = "sessionkit/jwe/v1",
/// info = "sessionkit A256GCM cookie=" || cookie name, L = 32)`, all strings as their
/// UTF-8 bytes. Binding the name means a token sealed for one cookie never opens as another
/// session type's token, even under the same secret. In Node:
/// `crypto.hkdfSync('sha256', secret, 'sessionkit/jwe/v1', 'sessionkit A256GCM cookie=' + name, 32)`.
pub fn derive_content_key(secret: &[u8], cookie_name: &str) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&derive_for(
        secret,
        Algorithm::A256Gcm,
        Purpose::Session,
        cookie_name,
    ));
    key
}

/// Derives the HMAC key of a signed stateless session type without `jose_compatible`.
///
/// `HKDF-SHA256(ikm = secret bytes, salt = "sessionkit/jws/v1",
/// info = "sessionkit " || alg || " cookie=" || cookie name, L)`, where `alg` is `HS256`,
/// `HS384` or `HS512` and `L` is the hash's output size (32, 48 or 64 bytes). Passing
/// [`Algorithm::A256Gcm`] gives [`derive_content_key`]'s key.
pub fn derive_signing_key(
    secret: &[u8],
    algorithm: Algorithm,
    cookie_name: &str,
) -> Zeroizing<Vec<u8>> {
    derive_for(secret, algorithm, Purpose::Session, cookie_name)
}

/// Derives the key of a database session type's tickets (the `{sid, iat, exp}` token its
/// cookie carries): `HKDF-SHA256(ikm = secret bytes, salt, info = "sessionkit " || alg ||
/// " ticket cookie=" || cookie name, L)`, with the salt and length of
/// [`derive_content_key`] for `A256GCM` and of [`derive_signing_key`] for the signed
/// algorithms. The `ticket` in the info is what keeps a ticket from ever opening as a
/// stateless session, and the reverse.
pub fn derive_ticket_key(
    secret: &[u8],
    algorithm: Algorithm,
    cookie_name: &str,
) -> Zeroizing<Vec<u8>> {
    derive_for(secret, algorithm, Purpose::Ticket, cookie_name)
}

fn derive_for(
    secret: &[u8],
    algorithm: Algorithm,
    purpose: Purpose,
    cookie_name: &str,
) -> Zeroizing<Vec<u8>> {
    let binding = Binding {
        format: Format::Jose,
        algorithm,
        purpose,
        cookie_name,
        raw: false,
    };
    derive(secret, &binding)
}

/// The key bytes of a derived binding: its algorithm's key length, from HKDF-SHA256.
fn derive(secret: &[u8], binding: &Binding) -> Zeroizing<Vec<u8>> {
    let length = match binding.algorithm {
        Algorithm::Hs256 | Algorithm::A256Gcm => 32,
        Algorithm::Hs384 => 48,
        Algorithm::Hs512 | Algorithm::A256CbcHs512 => 64,
    };
    // Auth.js and NextAuth.js v4 derive their keys as documented in their `jwt` modules:
    // the salt is the cookie name (v5) or empty (v4), and the info names the library.
    let (salt, info): (&[u8], Vec<u8>) = match binding.format {
        Format::AuthJs => (
            binding.cookie_name.as_bytes(),
            format!("Auth.js Generated Encryption Key ({})", binding.cookie_name).into_bytes(),
        ),
        Format::NextAuthV4 => (b"", b"NextAuth.js Generated Encryption Key".to_vec()),
        _ if binding.algorithm == Algorithm::A256Gcm => (HKDF_SALT, binding.info()),
        _ => (HKDF_SALT_SIGNED, binding.info()),
    };
    let mut okm = Zeroizing::new(vec![0u8; length]);
    Hkdf::<Sha256>::new(Some(salt), secret)
        .expand(&info, okm.as_mut())
        .expect("at most 64 bytes is a valid HKDF-SHA256 output length");
    okm
}

/// The JWK thumbprint (RFC 7638) of a symmetric key, as Auth.js puts it in the `kid`
/// header: SHA-256 for a 32-byte key, SHA-512 for a 64-byte one, of
/// `{"k":"<key, base64url>","kty":"oct"}`.
fn thumbprint(key: &[u8]) -> Box<str> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::{Digest, Sha512};
    let jwk = Zeroizing::new(format!(
        "{{\"k\":\"{}\",\"kty\":\"oct\"}}",
        Zeroizing::new(URL_SAFE_NO_PAD.encode(key)).as_str()
    ));
    let digest = match key.len() {
        64 => URL_SAFE_NO_PAD.encode(Sha512::digest(jwk.as_bytes())),
        _ => URL_SAFE_NO_PAD.encode(Sha256::digest(jwk.as_bytes())),
    };
    digest.into_boxed_str()
}

/// A cached binding: what it is for, and the ready key.
struct Derived {
    format: Format,
    algorithm: Algorithm,
    purpose: Purpose,
    cookie_name: Box<str>,
    keyed: Keyed,
    /// The `kid` Auth.js gives tokens under this key.
    thumbprint: Option<Box<str>>,
}

impl Derived {
    fn serves(&self, binding: &Binding) -> bool {
        self.format == binding.format
            && self.algorithm == binding.algorithm
            && self.purpose == binding.purpose
            && &*self.cookie_name == binding.cookie_name
    }
}

/// One secret and the keyed state derived from it, computed once so that each token
/// operation starts from a ready HMAC or cipher rather than re-deriving it.
pub(crate) struct KeyEntry {
    pub(crate) id: Option<Box<str>>,
    secret: Zeroizing<Vec<u8>>,
    /// HMAC states over the raw secret, for `jose_compatible` types.
    raw: [Keyed; 3],
    /// The key of the first binding used: nearly every application has one session type
    /// per key, and this path costs a single atomic load.
    first: OnceLock<Derived>,
    /// Keys of further bindings; they are few, so a short list beats a map.
    others: RwLock<Vec<Arc<Derived>>>,
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
            raw: [
                Keyed::new(Algorithm::Hs256, secret),
                Keyed::new(Algorithm::Hs384, secret),
                Keyed::new(Algorithm::Hs512, secret),
            ],
            first: OnceLock::new(),
            others: RwLock::new(Vec::new()),
        })
    }

    /// Runs `operate` with the ready key of `binding`, derived on first use.
    /// The secret as given: iron-session's password, which each seal stretches with its own
    /// salts.
    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    pub(crate) fn with_keyed<R>(&self, binding: &Binding, operate: impl FnOnce(&Keyed) -> R) -> R {
        self.with_derived(binding, |keyed, _| operate(keyed))
    }

    /// [`KeyEntry::with_keyed`], also given the key's Auth.js `kid` (its thumbprint) where
    /// the binding is Auth.js's.
    pub(crate) fn with_derived<R>(
        &self,
        binding: &Binding,
        operate: impl FnOnce(&Keyed, Option<&str>) -> R,
    ) -> R {
        if binding.raw {
            let index = match binding.algorithm {
                Algorithm::Hs384 => 1,
                Algorithm::Hs512 => 2,
                _ => 0,
            };
            return operate(&self.raw[index], None);
        }
        let first = self.first.get_or_init(|| self.derived(binding));
        if first.serves(binding) {
            return operate(&first.keyed, first.thumbprint.as_deref());
        }
        let cached = self
            .others
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        let found = cached
            .iter()
            .find(|derived| derived.serves(binding))
            .cloned();
        drop(cached);
        let derived = found.unwrap_or_else(|| {
            let derived = Arc::new(self.derived(binding));
            let mut cache = self
                .others
                .write()
                .unwrap_or_else(|poison| poison.into_inner());
            cache.push(Arc::clone(&derived));
            derived
        });
        operate(&derived.keyed, derived.thumbprint.as_deref())
    }

    fn derived(&self, binding: &Binding) -> Derived {
        let key = derive(&self.secret, binding);
        Derived {
            format: binding.format,
            algorithm: binding.algorithm,
            purpose: binding.purpose,
            cookie_name: binding.cookie_name.into(),
            keyed: Keyed::new(binding.algorithm, &key),
            thumbprint: (binding.format == Format::AuthJs).then(|| thumbprint(&key)),
        }
    }
}

/// The secrets sessions are sealed with: one primary key, and fallbacks for rotation.
///
/// Each session type uses a key derived from the secret and its cookie name (HKDF-SHA256,
/// see [`derive_content_key`] and [`derive_signing_key`]), so one type never accepts
/// another's tokens, and database tickets have keys of their own. A signed type declared
/// `#[session(jose_compatible)]` uses the secret's bytes exactly as given instead, which is
/// what `jose` does with `new TextEncoder().encode(secret)`, so a `SESSION_SECRET` shared
/// with a Next.js app verifies on both sides. New tokens are always made with the primary
/// key; tokens made with a fallback still verify, and
/// [`crate::Verified::used_fallback_key`] says so, so the caller can re-issue them under the
/// primary.
///
/// `Keys` is cheap to clone and never prints its secrets; every copy of a secret and every
/// keyed state made from it is wiped from memory when the last clone is dropped.
///
/// ```
/// # use sessionkit_runtime as sessionkit;
/// use sessionkit::Keys;
///
/// let keys = Keys::new("a secret of at least thirty-two bytes!!")?
///     .with_fallback("the previous secret, still accepted for now")?;
/// assert_eq!(keys.len(), 2);
/// assert!(!format!("{keys:?}").contains("thirty-two"));
/// assert!(Keys::new("too short").is_err());
/// # Ok::<(), sessionkit_runtime::Error>(())
/// ```
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
    /// secret string's bytes, so the same line works for `jose` too. The secret comes back
    /// in a [`Secret`], which derefs to `str`, never prints itself and is wiped on drop.
    ///
    /// # Panics
    ///
    /// If the operating system's random number generator fails, which leaves no safe way
    /// to make a key.
    pub fn generate() -> (Keys, Secret) {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut())
            .expect("the operating system's random number generator failed");
        let secret = Secret(Zeroizing::new(STANDARD.encode(bytes.as_ref())));
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
    /// As jose does when it is handed a key, a `kid` is ignored unless keys have ids. When
    /// some do, a `kid` selects exactly the key with that id, and one that no key has is
    /// [`Error::UnknownKey`]. Without a `kid`, every key is a candidate, primary first.
    /// Every key, the primary first, with its index.
    pub(crate) fn all(&self) -> impl Iterator<Item = (usize, &KeyEntry)> {
        self.entries
            .iter()
            .enumerate()
            .map(|(index, entry)| (index, &**entry))
    }

    pub(crate) fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
    ) -> Result<impl Iterator<Item = (usize, &'a KeyEntry)> + 'a, Error> {
        let any_ids = self.entries.iter().any(|entry| entry.id.is_some());
        let kid = kid.filter(|_| any_ids);
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

/// A generated secret: it derefs to `str` for writing into a `.env` file, its `Debug` is
/// redacted, and its memory is wiped on drop.
pub struct Secret(Zeroizing<String>);

impl std::ops::Deref for Secret {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<[u8]> for Secret {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl AsRef<str> for Secret {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
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
