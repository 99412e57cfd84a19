//! Error messages about a payload that name where it failed and what was expected, but
//! never the value found there: payloads hold email addresses, names and roles, and error
//! messages end up in logs.

use serde::de::DeserializeOwned;
use serde_json::error::Category;

/// What serde calls the kinds of value it found, in its `invalid type` messages. Only these
/// words are kept; whatever follows them is the value.
const KINDS: &[&str] = &[
    "boolean",
    "integer",
    "floating point",
    "character",
    "string",
    "byte array",
    "unit value",
    "Option value",
    "newtype struct",
    "sequence",
    "map",
    "enum",
    "unit variant",
    "newtype variant",
    "tuple variant",
    "struct variant",
];

/// Deserializes `T` from `deserializer` only to describe why it fails: the field path and
/// a message without values. `None` if it does not fail after all.
pub(crate) fn describe<'de, T, D>(deserializer: D) -> Option<String>
where
    T: DeserializeOwned,
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
    let err = serde_path_to_error::deserialize::<_, T>(deserializer).err()?;
    let path = path_text(err.path());
    let message = message(err.inner());
    Some(match path {
        Some(path) => format!("at `{path}`: {message}"),
        None => message,
    })
}

/// The path to the failing field, with map keys that do not look like field names left out
/// (a map keyed by email address is personal data too).
fn path_text(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut text = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => text.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !text.is_empty() {
                    text.push('.');
                }
                let plain = key.len() <= 64
                    && key
                        .bytes()
                        .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
                text.push_str(if plain { key } else { "<key>" });
            }
            Segment::Enum { variant } => {
                text.push_str(&format!("::{variant}"));
            }
            Segment::Unknown => text.push_str(".?"),
        }
    }
    (!text.is_empty()).then_some(text)
}

/// serde_json's message with every value taken out. Syntax errors carry no values; data
/// errors are rebuilt from serde's fixed phrasing, and anything unrecognised (a custom
/// `Deserialize` may say anything) becomes a generic message.
pub(crate) fn message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    // The location refers to JSON the caller never sees.
    let text = full.split(" at line ").next().unwrap_or_default();
    if err.classify() != Category::Data {
        return text.to_owned();
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let (found, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
            let kind = KINDS
                .iter()
                .find(|kind| found.starts_with(**kind))
                .unwrap_or(&"a value");
            return match expected {
                "" => format!("{prefix}{kind}"),
                expected => format!("{prefix}{kind}, expected {expected}"),
            };
        }
    }
    for prefix in ["unknown variant ", "unknown field "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let expected = rest.split_once(", expected ").map(|(_, expected)| expected);
            let name = prefix.trim_end();
            return match expected {
                Some(expected) => format!("{name}, expected {expected}"),
                None => name.to_owned(),
            };
        }
    }
    // Names from the type's own definition, and lengths: no values.
    let fixed = ["missing field `", "duplicate field `", "invalid length "];
    if fixed.iter().any(|prefix| text.starts_with(prefix)) {
        return text.chars().take(200).collect();
    }
    "the value does not fit the field's type".to_owned()
}

/// Why a payload did not serialize. serde_json's own messages name no values, but a
/// `Serialize` impl may put anything into a custom error, so only the known ones are kept.
pub(crate) fn serialize_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    if text.starts_with("key must be ") {
        return text;
    }
    "a field's `Serialize` implementation failed".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Payload {
        id: u64,
        role: Role,
        tags: Vec<u8>,
    }

    #[derive(serde::Deserialize, Debug)]
    enum Role {
        Admin,
    }

    fn describe_json(json: &str) -> String {
        describe::<Payload, _>(&mut serde_json::Deserializer::from_str(json)).unwrap()
    }

    #[test]
    fn values_never_appear_but_paths_and_types_do() {
        let message = describe_json(r#"{"id":"alice@example.com","role":"Admin","tags":[]}"#);
        assert_eq!(message, "at `id`: invalid type: string, expected u64");
        let message = describe_json(r#"{"id":1,"role":"alice@example.com","tags":[]}"#);
        assert!(
            message.starts_with("at `role`: unknown variant, expected"),
            "{message}"
        );
        assert!(!message.contains("alice"));
        let message = describe_json(r#"{"id":1,"role":"Admin","tags":[1,"alice"]}"#);
        assert_eq!(message, "at `tags[1]`: invalid type: string, expected u8");
        let message = describe_json(r#"{"id":1,"role":"Admin"}"#);
        assert_eq!(message, "missing field `tags`");
        let message = describe_json(r#"{"id":1e400}"#);
        assert!(!message.contains("1e400"), "{message}");
    }

    #[test]
    fn custom_messages_are_replaced() {
        let custom: serde_json::Error = serde::de::Error::custom("alice@example.com is banned");
        assert_eq!(message(&custom), "the value does not fit the field's type");
    }
}
