//! Reading the payload and the registered claims in one pass over the JSON.
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
}

impl Registered {
    fn slot(&mut self, name: &str) -> Option<&mut Option<Value>> {
        match name {
            "exp" => Some(&mut self.exp),
            "iat" => Some(&mut self.iat),
            "nbf" => Some(&mut self.nbf),
            "iss" => Some(&mut self.iss),
            "aud" => Some(&mut self.aud),
            super::times::AUTH_TIME => Some(&mut self.auth_time),
            _ => None,
        }
    }
}

/// Deserializes `T` from a JSON object, returning the registered claims beside it. Fails
/// on anything but one JSON object, on a repeated registered claim, and wherever `T` fails.
pub(crate) fn payload_and_claims<T: DeserializeOwned>(
    json: &[u8],
) -> serde_json::Result<(T, Registered)> {
    let mut registered = Registered::default();
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let value = T::deserialize(Object {
        inner: &mut deserializer,
        registered: &mut registered,
    })?;
    deserializer.end()?;
    Ok((value, registered))
}

/// Only the registered claims, for the path that reports precise errors.
pub(crate) fn claims(json: &[u8]) -> serde_json::Result<Registered> {
    payload_and_claims::<de::IgnoredAny>(json).map(|(_, registered)| registered)
}

/// Why `T` does not deserialize from the claims: the field path and what was expected,
/// never the value found (see [`crate::redact`]).
pub(crate) fn payload_error<T: DeserializeOwned>(json: &[u8]) -> String {
    let mut registered = Registered::default();
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    crate::redact::describe::<T, _>(Object {
        inner: &mut deserializer,
        registered: &mut registered,
    })
    .unwrap_or_else(|| "unexpected data after the claims".to_owned())
}

/// The JSON object, as the payload's `Deserialize` sees it.
struct Object<'a, D> {
    inner: D,
    registered: &'a mut Registered,
}

impl<'de, D: de::Deserializer<'de>> de::Deserializer<'de> for Object<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(Members {
            visitor,
            registered: self.registered,
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
        })
    }
}

/// The members minus the registered claims, which are stored as they pass.
struct Filtered<'a, A> {
    inner: A,
    registered: &'a mut Registered,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Filtered<'_, A> {
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
            return match key {
                Key::Borrowed(name) => seed.deserialize(BorrowedStrDeserializer::new(name)),
                Key::Owned(name) => seed.deserialize(StringDeserializer::new(name)),
            }
            .map(Some);
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.inner.next_value_seed(seed)
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
