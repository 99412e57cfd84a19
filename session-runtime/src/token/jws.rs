//! Compact JWS with HMAC (HS256/384/512), as jose's `SignJWT` writes and `jwtVerify` reads.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use super::{Header, decode_segment, segments};
use crate::config::Algorithm;
use crate::error::Error;
use crate::keys::{KeyEntry, Keys};

/// The base64url of `{"alg":"HS256"}` and its siblings, so that the common header is
/// written and recognised without JSON work.
pub(crate) fn plain_header(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::Hs384 => "eyJhbGciOiJIUzM4NCJ9",
        Algorithm::Hs512 => "eyJhbGciOiJIUzUxMiJ9",
        _ => "eyJhbGciOiJIUzI1NiJ9",
    }
}

/// Signs the claims with the key.
pub(crate) fn seal(alg: Algorithm, key: &KeyEntry, claims: &[u8]) -> String {
    let mut token = String::with_capacity(claims.len() * 4 / 3 + 128);
    match &key.id {
        None => token.push_str(plain_header(alg)),
        Some(kid) => token.push_str(&Header::encode(&[("alg", alg.name())], Some(kid))),
    }
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(claims, &mut token);
    match alg {
        Algorithm::Hs384 => append_signature(&key.hs384, &mut token),
        Algorithm::Hs512 => append_signature(&key.hs512, &mut token),
        _ => append_signature(&key.hs256, &mut token),
    }
    token
}

/// Signs everything in `token` so far and appends `.` and the signature, without an
/// intermediate buffer.
fn append_signature<M: Mac + Clone>(keyed: &M, token: &mut String) {
    let mut mac = keyed.clone();
    mac.update(token.as_bytes());
    let signature = mac.finalize().into_bytes();
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, token);
}

fn verifies<M: Mac + Clone>(keyed: &M, message: &[u8], signature: &[u8]) -> bool {
    let mut mac = keyed.clone();
    mac.update(message);
    // verify_slice compares in constant time.
    mac.verify_slice(signature).is_ok()
}

/// Verifies a JWS and returns its claims JSON and the index of the key that signed it.
pub(crate) fn open(alg: Algorithm, keys: &Keys, token: &str) -> Result<(Vec<u8>, usize), Error> {
    let [header, claims, signature] = match segments::<3>(token) {
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
    // The longest HMAC (SHA-512) is 64 bytes; anything that does not fit cannot match.
    let mut buffer = [0u8; 64];
    let length = URL_SAFE_NO_PAD
        .decode_slice(signature, &mut buffer)
        .map_err(|_| Error::Signature)?;
    let signature = &buffer[..length];
    let message = signing_input.as_bytes();
    let signer = keys
        .candidates(kid.as_deref())?
        .find(|(_, key)| match alg {
            Algorithm::Hs384 => verifies(&key.hs384, message, signature),
            Algorithm::Hs512 => verifies(&key.hs512, message, signature),
            _ => verifies(&key.hs256, message, signature),
        })
        .map(|(index, _)| index)
        .ok_or(Error::Signature)?;
    Ok((decode_segment(claims)?, signer))
}
