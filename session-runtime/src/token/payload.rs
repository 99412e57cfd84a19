//! Reading the payload and the registered claims in one pass over the JSON, and keeping the
//! members the payload type did not read, so that a renewal writes them back.
//!
//! The claims object holds both the payload's fields and the registered claims
//! (`iat`/`exp`/`nbf`/`iss`/`aud`, and `auth_time` for a lifetime cap).
//! Parsing it twice (once for each) or buffering it (serde's `flatten`) would cost as much
//! as the signature check, so the payload's deserializer is handed a view of the object
//! that sets the registered claims aside as they stream past.

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;
use serde_json::value::RawValue;

use super::claims::Plaintext;

/// Which members of the JSON object are registered claims, set aside before the payload
/// type sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Names {
    /// `exp`, `iat`, `nbf`, `iss`, `aud`, `auth_time`: a JWT's.
    #[default]
    Jwt,
    /// A JWT's and `jti`, which the Auth.js formats replace on every write (so that a
    /// `#[serde(flatten)]` catch-all never keeps an old one beside the new).
    JwtWithId,
    /// None: an iron seal holds the session alone.
    None,
}

/// The registered claims as found, before any check: `None` is absent, `Some(null)` is
/// present and null, which is malformed rather than absent.
#[derive(Default)]
pub(crate) struct Registered {
    pub exp: Option<Value>,
    pub iat: Option<Value>,
    pub nbf: Option<Value>,
    pub iss: Option<Value>,
    pub aud: Option<Value>,
    pub auth_time: Option<Value>,
    pub jti: Option<Value>,
    names: Names,
}

impl Registered {
    fn of(names: Names) -> Registered {
        Registered {
            names,
            ..Registered::default()
        }
    }

    fn slot(&mut self, name: &str) -> Option<&mut Option<Value>> {
        if self.names == Names::None {
            return None;
        }
        match name {
            "exp" => Some(&mut self.exp),
            "iat" => Some(&mut self.iat),
            "nbf" => Some(&mut self.nbf),
            "iss" => Some(&mut self.iss),
            "aud" => Some(&mut self.aud),
            super::times::AUTH_TIME => Some(&mut self.auth_time),
            "jti" if self.names == Names::JwtWithId => Some(&mut self.jti),
            _ => None,
        }
    }
}

/// Deserializes `T` from a JSON object, returning the registered claims beside it, and the
/// members `T` did not read (see [`Unread`]). Fails on anything but one JSON object, on a
/// repeated registered claim, and wherever `T` fails.
pub(crate) fn payload_and_claims<T: DeserializeOwned>(
    json: &[u8],
    names: Names,
) -> serde_json::Result<(T, Registered, Unread)> {
    let mut registered = Registered::of(names);
    let mut unread = Unread::default();
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let value = T::deserialize(Object {
        inner: &mut deserializer,
        registered: &mut registered,
        unread: Some(&mut unread),
    })?;
    deserializer.end()?;
    Ok((value, registered, unread))
}

/// Only the registered claims, for the path that reports precise errors.
pub(crate) fn claims(json: &[u8], names: Names) -> serde_json::Result<Registered> {
    let mut registered = Registered::of(names);
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    <de::IgnoredAny as de::Deserialize>::deserialize(Object {
        inner: &mut deserializer,
        registered: &mut registered,
        unread: None,
    })?;
    deserializer.end()?;
    Ok(registered)
}

/// Why `T` does not deserialize from the claims: the field path and what was expected,
/// never the value found (see [`crate::redact`]).
pub(crate) fn payload_error<T: DeserializeOwned>(json: &[u8], names: Names) -> String {
    let mut registered = Registered::of(names);
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    crate::redact::describe::<T, _>(Object {
        inner: &mut deserializer,
        registered: &mut registered,
        unread: None,
    })
    .unwrap_or_else(|| "unexpected data after the claims".to_owned())
}

/// The members of a token's JSON object that the payload type did not read (the claims an
/// Auth.js `jwt` callback added, say), each value as the token had it, in a buffer that is
/// wiped when dropped: a renewal writes them back unchanged, so that no claim the other app
/// wrote is lost. Empty (and unallocated) for a token with none.
#[derive(Default)]
pub(crate) struct Unread(Vec<(String, Plaintext)>);

impl Unread {
    fn push(&mut self, name: &str, raw: &RawValue) {
        let mut value = Plaintext::secret_empty();
        value.push(raw.get().as_bytes());
        self.0.push((name.to_owned(), value));
    }

    /// Whether the token had no members the payload type left unread.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The members, values borrowed from the wiped buffers.
    pub(crate) fn members(&self) -> Vec<(&str, &RawValue)> {
        self.0
            .iter()
            .filter_map(|(name, value)| {
                let raw = serde_json::from_slice::<&RawValue>(value).ok()?;
                Some((name.as_str(), raw))
            })
            .collect()
    }
}

/// A payload with the members its token carried and it did not read, serialized as one
/// object: what a renewal writes, so that the claims another app added survive it.
#[derive(serde::Serialize)]
pub(crate) struct Preserving<'a, T> {
    #[serde(flatten)]
    payload: &'a T,
    #[serde(flatten)]
    unread: UnreadMembers<'a>,
}

impl<'a, T> Preserving<'a, T> {
    pub(crate) fn new(payload: &'a T, unread: &'a Unread) -> Self {
        Preserving {
            payload,
            unread: UnreadMembers(unread.members()),
        }
    }
}

struct UnreadMembers<'a>(Vec<(&'a str, &'a RawValue)>);

impl serde::Serialize for UnreadMembers<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl Clone for Unread {
    fn clone(&self) -> Unread {
        Unread(
            self.0
                .iter()
                .map(|(name, value)| {
                    let mut copy = Plaintext::secret_empty();
                    copy.push(value);
                    (name.clone(), copy)
                })
                .collect(),
        )
    }
}

/// The JSON object, as the payload's `Deserialize` sees it.
struct Object<'a, D> {
    inner: D,
    registered: &'a mut Registered,
    /// Where members the payload ignores are kept; `None` on the error paths.
    unread: Option<&'a mut Unread>,
}

impl<'de, D: de::Deserializer<'de>> de::Deserializer<'de> for Object<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(Members {
            visitor,
            registered: self.registered,
            unread: self.unread,
        })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// Receives the object's members from serde_json and passes on a filtered view.
struct Members<'a, V> {
    visitor: V,
    registered: &'a mut Registered,
    unread: Option<&'a mut Unread>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Members<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Filtered {
            inner: map,
            registered: self.registered,
            unread: self.unread,
            name: None,
        })
    }
}

/// The members minus the registered claims, which are stored as they pass.
struct Filtered<'a, 'de, A> {
    inner: A,
    registered: &'a mut Registered,
    unread: Option<&'a mut Unread>,
    /// The name of the member whose value comes next.
    name: Option<Key<'de>>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Filtered<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.inner.next_key_seed(KeySeed)? else {
                return Ok(None);
            };
            let name = match &key {
                Key::Borrowed(name) => *name,
                Key::Owned(name) => name.as_str(),
            };
            if let Some(slot) = self.registered.slot(name) {
                if slot.is_some() {
                    return Err(de::Error::custom(format_args!("duplicate claim `{name}`")));
                }
                *slot = Some(self.inner.next_value()?);
                continue;
            }
            let given = match &key {
                Key::Borrowed(name) => seed.deserialize(BorrowedStrDeserializer::new(name)),
                Key::Owned(name) => seed.deserialize(StringDeserializer::new(name.clone())),
            };
            self.name = Some(key);
            return given.map(Some);
        }
    }

    #[inline]
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        match (self.unread.as_deref_mut(), self.name.take()) {
            (Some(unread), Some(name)) => self.inner.next_value_seed(Keep { seed, name, unread }),
            _ => self.inner.next_value_seed(seed),
        }
    }
}

/// A member's value as the payload asks for it: passed through, unless the payload ignores
/// it (serde's derive asks for `IgnoredAny`), when it is kept in [`Unread`] as it was.
struct Keep<'a, 'de, S> {
    seed: S,
    name: Key<'de>,
    unread: &'a mut Unread,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Keep<'_, 'de, S> {
    type Value = S::Value;

    #[inline]
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Kept {
            inner: deserializer,
            name: self.name,
            unread: self.unread,
        })
    }
}

/// The value's deserializer, passed through but for `deserialize_ignored_any`.
struct Kept<'a, 'de, D> {
    inner: D,
    name: Key<'de>,
    unread: &'a mut Unread,
}

macro_rules! pass_through {
    ($($method:ident)*) => {
        $(
            #[inline]
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.inner.$method(visitor)
            }
        )*
    };
}

impl<'de, D: de::Deserializer<'de>> de::Deserializer<'de> for Kept<'_, 'de, D> {
    type Error = D::Error;

    pass_through! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        // Borrowed from the token's JSON, and copied once into the wiped buffer.
        let raw = <&RawValue as de::Deserialize>::deserialize(self.inner)?;
        let name = match &self.name {
            Key::Borrowed(name) => name,
            Key::Owned(name) => name.as_str(),
        };
        self.unread.push(name, raw);
        visitor.visit_unit()
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// A member name, borrowed from the JSON unless it had escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(name))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(name.to_owned()))
    }
}
