//! Compact JWS with HMAC (HS256/384/512), as jose's `SignJWT` writes and `jwtVerify` reads.

use super::claims::Plaintext;
use super::compact::{Compact, Header, base64_len, decode_segment, segments};
use crate::config::Algorithm;
use crate::error::Error;
use crate::keys::{Binding, KeyEntry, Keys, MAX_MAC_LEN, mac_len};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The base64url of `{"alg":"HS256"}` and its siblings, so that the common header is
/// written and recognised without JSON work.
pub(crate) fn plain_header(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::Hs384 => "eyJhbGciOiJIUzM4NCJ9",
        Algorithm::Hs512 => "eyJhbGciOiJIUzUxMiJ9",
        _ => "eyJhbGciOiJIUzI1NiJ9",
    }
}

/// Signs the claims with the key of `binding`.
pub(crate) fn seal(binding: &Binding, key: &KeyEntry, claims: &[u8]) -> Result<String, Error> {
    let alg = binding.algorithm;
    let mut token = Compact::with_capacity(claims.len() * 4 / 3 + 128);
    match &key.id {
        None => token.push_str(plain_header(alg)),
        Some(kid) => token.push_str(&Header::encode(&[("alg", alg.name())], Some(kid))),
    }
    token.push_dot();
    token.push_base64(claims);
    // Everything in `token` so far is the signing input, so it is signed where it stands.
    let signature = key
        .with_keyed(binding, |keyed| keyed.sign(token.as_bytes()))
        .ok_or(Error::Algorithm {
            expected: "an HMAC key for a signed session type",
        })?;
    token.push_dot();
    token.push_base64(signature.as_bytes());
    Ok(token.finish())
}

/// The common token, `<plain header>.<claims>.<signature>`, split by its known lengths
/// rather than searched for dots. Anything else, or a dot out of place, is left to the
/// general split, which refuses or reads it the same way.
fn split_plain(alg: Algorithm, token: &str) -> Option<[&str; 3]> {
    let header = plain_header(alg);
    let rest = token.strip_prefix(header)?.strip_prefix('.')?;
    let signature_len = base64_len(mac_len(alg));
    let (claims, signature) = rest.split_at_checked(rest.len().checked_sub(signature_len + 1)?)?;
    let signature = signature.strip_prefix('.')?;
    // A dot inside the signature means the length was not the token's.
    (!signature.contains('.')).then_some([header, claims, signature])
}

/// Verifies a JWS and returns its claims JSON and the index of the key that signed it.
pub(crate) fn open(
    binding: &Binding,
    keys: &Keys,
    token: &str,
) -> Result<(Plaintext, usize), Error> {
    let alg = binding.algorithm;
    let [header, claims, signature] =
        match split_plain(alg, token).map_or_else(|| segments::<3>(token), Ok) {
            Ok(parts) => parts,
            // A JWE: a token of an encrypted session type, never to be read as ours.
            Err(5) => {
                return Err(Error::Algorithm {
                    expected: alg.name(),
                });
            }
            Err(_) => return Err(Error::Malformed("not a compact JWS")),
        };
    let signing_input = &token[..header.len() + 1 + claims.len()];
    let kid = if header == plain_header(alg) {
        None
    } else {
        let parsed = Header::decode(header)?;
        if parsed.alg.as_deref() != Some(alg.name()) {
            return Err(Error::Algorithm {
                expected: alg.name(),
            });
        }
        parsed.kid
    };
    // Anything longer than the longest HMAC (SHA-512's) cannot match.
    let mut buffer = [0u8; MAX_MAC_LEN];
    let length = URL_SAFE_NO_PAD
        .decode_slice(signature, &mut buffer)
        .map_err(|_| Error::Signature)?;
    let signature = &buffer[..length];
    let message = signing_input.as_bytes();
    let signer = keys
        .candidates(kid.as_deref())?
        .find(|(_, key)| key.with_keyed(binding, |keyed| keyed.verify(message, signature)))
        .map(|(index, _)| index)
        .ok_or(Error::Signature)?;
    Ok((Plaintext::public(decode_segment(claims)?), signer))
}

#[cfg(test)]
mod tests {
    use super::{plain_header, split_plain};
    use crate::config::Algorithm;
    use crate::token::compact::assert_fast_split_agrees;

    /// Wherever the length-based split answers, it answers what the dot search does.
    #[test]
    fn the_fast_split_agrees_with_the_general_one() {
        for (alg, signature_len) in [
            (Algorithm::Hs256, 43),
            (Algorithm::Hs384, 64),
            (Algorithm::Hs512, 86),
        ] {
            let header = plain_header(alg);
            let signature = "S".repeat(signature_len);
            let short = "S".repeat(signature_len - 1);
            let cases = [
                (format!("{header}.eyJ4IjoxfQ.{signature}"), true),
                (format!("{header}..{signature}"), true),
                (format!("{header}.a.b.{signature}"), true),
                (format!("{header}.eyJ4IjoxfQ.{short}"), false),
                (format!("{header}.eyJ4IjoxfQ{signature}"), false),
                (format!("{header}.eyJ4IjoxfQ.é{short}"), false),
                (format!("{header}.eyJ4IjoxfQ.S.{short}"), false),
                (format!("{header}x.eyJ4IjoxfQ.{signature}"), false),
                (header.to_owned(), false),
            ];
            assert_fast_split_agrees(&cases, |token| split_plain(alg, token));
        }
    }
}
