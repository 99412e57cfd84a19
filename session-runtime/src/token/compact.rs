//! The compact serialization that JWS and JWE share: base64url segments joined by dots, and
//! the protected header's few members this library reads.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::Error;

/// The protected header members this library reads.
///
/// Unknown members (`typ`, `cty`, ...) are ignored, as jose ignores them, except `crit`,
/// which RFC 7515 says must be understood (no extension is implemented, so any `crit`, of
/// any JSON type, is refused), and `zip`, which is not supported.
pub(crate) struct Header {
    pub alg: Option<String>,
    pub enc: Option<String>,
    pub kid: Option<String>,
}

impl Header {
    /// Decodes and screens a base64url header segment.
    pub(crate) fn decode(segment: &str) -> Result<Header, Error> {
        let bytes = decode_segment(segment)?;
        // serde_json skips unknown members without checking their strings: the whole
        // header must be UTF-8, as RFC 7515 requires and jose enforces.
        if std::str::from_utf8(&bytes).is_err() {
            return Err(Error::Malformed("the header is not UTF-8"));
        }
        let mut members: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&bytes)
                .map_err(|_| Error::Malformed("the header is not a JSON object"))?;
        if members.contains_key("crit") {
            return Err(Error::CriticalHeader);
        }
        if members.contains_key("zip") {
            return Err(Error::Malformed("compressed tokens are not supported"));
        }
        // An `alg` or `enc` that is not a string names no algorithm: it is kept as an empty
        // name, which never equals the configured one, so it is refused as `Algorithm`.
        let mut algorithm = |name: &str| match members.remove(name) {
            None => None,
            Some(serde_json::Value::String(value)) => Some(value),
            Some(_) => Some(String::new()),
        };
        let alg = algorithm("alg");
        let enc = algorithm("enc");
        let kid = match members.remove("kid") {
            None => None,
            Some(serde_json::Value::String(kid)) => Some(kid),
            Some(_) => return Err(Error::Malformed("the header's `kid` is not a string")),
        };
        Ok(Header { alg, enc, kid })
    }

    /// The header a key writes: exactly jose's `{"alg":...}` unless the key has an id.
    pub(crate) fn encode(fields: &[(&str, &str)], kid: Option<&str>) -> String {
        let mut map = serde_json::Map::new();
        for (name, value) in fields {
            map.insert((*name).to_owned(), (*value).into());
        }
        if let Some(kid) = kid {
            map.insert("kid".to_owned(), kid.into());
        }
        URL_SAFE_NO_PAD.encode(serde_json::Value::Object(map).to_string())
    }
}

/// A compact token being written: base64url segments, dots and encoded headers, appended
/// to one `String`.
///
/// Its segments are encoded by `base64-simd`, which takes a token's claims in about half the
/// time of the `base64` crate (about 14 ns against 30 for the guide's 94 bytes of claims)
/// and appends to a `String` without re-checking that base64 is UTF-8. It only ever reads
/// bytes this crate made; every segment that arrives in a request is decoded by `base64`,
/// the more widely reviewed one.
pub(crate) struct Compact(String);

impl Compact {
    pub(crate) fn with_capacity(capacity: usize) -> Compact {
        Compact(String::with_capacity(capacity))
    }

    pub(crate) fn push_str(&mut self, text: &str) {
        self.0.push_str(text);
    }

    pub(crate) fn push_dot(&mut self) {
        self.0.push('.');
    }

    /// Appends the rest of a `dir` JWE after its header: the empty encrypted-key segment,
    /// then the IV, the ciphertext and the tag, each base64url, dot-separated.
    pub(crate) fn push_dir_jwe_body(&mut self, iv: &[u8], ciphertext: &[u8], tag: &[u8]) {
        self.push_dot();
        self.push_dot();
        self.push_base64(iv);
        self.push_dot();
        self.push_base64(ciphertext);
        self.push_dot();
        self.push_base64(tag);
    }

    /// Appends the base64url (unpadded) of `bytes`.
    pub(crate) fn push_base64(&mut self, bytes: &[u8]) {
        base64_simd::URL_SAFE_NO_PAD.encode_append(bytes, &mut self.0);
    }

    /// Everything written so far.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    pub(crate) fn finish(self) -> String {
        self.0
    }
}

/// The length of the unpadded base64url of `bytes` bytes.
pub(crate) const fn base64_len(bytes: usize) -> usize {
    match base64::encoded_len(bytes, false) {
        Some(len) => len,
        None => panic!("a token's parts are far below usize::MAX"),
    }
}

/// The `N` dot-separated segments of a compact token, or `Err` with how many there are.
///
/// Only the short segments at the two ends are searched for dots: the long one before the
/// last (the claims or the ciphertext) is left to the base64url decoder, which refuses a
/// `.` in it anyway, so a token's bulk is scanned once, not twice.
pub(crate) fn segments<const N: usize>(token: &str) -> Result<[&str; N], usize> {
    let too_few = || Err(token.bytes().filter(|&byte| byte == b'.').count() + 1);
    let mut found = [""; N];
    let mut rest = token;
    for slot in found.iter_mut().take(N - 2) {
        let Some((head, tail)) = rest.split_once('.') else {
            return too_few();
        };
        *slot = head;
        rest = tail;
    }
    let Some((middle, last)) = rest.rsplit_once('.') else {
        return too_few();
    };
    found[N - 2] = middle;
    found[N - 1] = last;
    Ok(found)
}

/// Decodes a short base64url segment of exactly `N` (at most 48) bytes without allocating.
pub(crate) fn decode_array<const N: usize>(segment: &str) -> Option<[u8; N]> {
    let mut buffer = [0u8; 64];
    let length = URL_SAFE_NO_PAD.decode_slice(segment, &mut buffer).ok()?;
    buffer[..length].try_into().ok()
}

/// Decodes one base64url segment, refusing padding and non-canonical encodings.
pub(crate) fn decode_segment(segment: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| Error::Malformed("a segment is not valid base64url"))
}

/// Asserts that a length-based split (`fast`) takes exactly the cases marked for it, and
/// splits each as the dot search does.
#[cfg(test)]
pub(crate) fn assert_fast_split_agrees<const N: usize>(
    cases: &[(String, bool)],
    fast: impl for<'a> Fn(&'a str) -> Option<[&'a str; N]>,
) {
    for (token, takes_fast_path) in cases {
        let parts = fast(token);
        assert_eq!(parts.is_some(), *takes_fast_path, "{token}");
        if let Some(parts) = parts {
            assert_eq!(Ok(parts), segments::<N>(token), "{token}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Compact, decode_array, segments};
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// The encoder that writes tokens agrees with the decoder that reads them: unpadded
    /// base64url, every length, every byte value, after whatever the buffer held.
    #[test]
    fn segments_are_written_as_the_reader_decodes_them() {
        let bytes: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for len in 0..bytes.len() {
            let input = &bytes[bytes.len() - len..];
            let mut token = Compact::with_capacity(0);
            token.push_str("h");
            token.push_dot();
            token.push_base64(input);
            let written = token.finish();
            let segment = written.strip_prefix("h.").unwrap();
            assert_eq!(segment, URL_SAFE_NO_PAD.encode(input), "{len} bytes");
            assert_eq!(URL_SAFE_NO_PAD.decode(segment).unwrap(), input);
        }
    }

    #[test]
    fn segments_are_split_in_one_pass() {
        assert_eq!(segments::<3>("a.b.c"), Ok(["a", "b", "c"]));
        assert_eq!(segments::<5>("a..c.d."), Ok(["a", "", "c", "d", ""]));
        assert_eq!(segments::<5>("a.b.c"), Err(3));
        assert_eq!(segments::<3>(""), Err(1));
        assert_eq!(segments::<3>("a.b"), Err(2));
        // Extra dots land in the long segment, whose base64url decoding refuses them.
        assert_eq!(segments::<3>("a.b.c.d.e"), Ok(["a", "b.c.d", "e"]));
    }

    #[test]
    fn short_segments_decode_to_exact_lengths() {
        assert_eq!(decode_array::<3>("AQID"), Some([1, 2, 3]));
        assert_eq!(decode_array::<2>("AQID"), None);
        assert_eq!(decode_array::<3>("AQI="), None);
        assert_eq!(decode_array::<12>(&"A".repeat(200)), None);
    }
}
