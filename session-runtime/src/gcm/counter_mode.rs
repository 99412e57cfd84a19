//! The default backend: AES-256-GCM as NIST SP 800-38D defines it for 96-bit IVs, composed
//! from RustCrypto's `aes` block cipher and `ghash`.
//!
//! The `aes-gcm` crate composes the same two primitives, but for a session token's ten or
//! so blocks its fixed costs dominate: it hashes the header, the ciphertext and the lengths
//! in three `ghash` calls, so most blocks take GHASH's one-at-a-time path, and it runs the
//! counter in pieces. Here GHASH takes all blocks in one call and AES every counter block,
//! J0 included, in one call (`cargo bench --bench ciphers`).

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use ghash::universal_hash::UniversalHash;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{IV_LEN, TAG_LEN, TooLong};

type Block = aes::Block;
const BLOCK_LEN: usize = 16;
/// Counter blocks per AES call: J0 and 112 bytes of claims in the first.
const KEYSTREAM_BATCH: usize = 8;
/// Blocks hashed in one GHASH call when a token's header, ciphertext and lengths fit.
const GHASH_BATCH: usize = 24;
/// SP 800-38D's limit on the data of one invocation: 2^32 - 2 blocks, so that the 32-bit
/// counter never comes back to J0.
const MAX_DATA_LEN: u64 = ((1 << 32) - 2) * BLOCK_LEN as u64;

/// An AES-256-GCM key made ready: the expanded AES key and the GHASH key `H`, both wiped
/// on drop by their crates' `zeroize` features.
pub struct Gcm {
    // Boxed so that moving a `Keys` moves a pointer, not the key schedule and H's powers.
    keyed: Box<Keyed>,
}

struct Keyed {
    aes: aes::Aes256Enc,
    ghash: ghash::GHash,
}

impl Gcm {
    pub fn new(key: &[u8; 32]) -> Gcm {
        let aes = aes::Aes256Enc::new(key.into());
        let mut h = Block::default();
        aes.encrypt_block(&mut h);
        let ghash = ghash::GHash::new(&h);
        h.as_mut_slice().zeroize();
        Gcm {
            keyed: Box::new(Keyed { aes, ghash }),
        }
    }

    /// Encrypts `data` in place and returns the tag.
    pub fn seal(
        &self,
        iv: [u8; IV_LEN],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<[u8; TAG_LEN], TooLong> {
        if data.len() as u64 > MAX_DATA_LEN {
            return Err(TooLong);
        }
        let mask = self.apply_keystream(&iv, data);
        Ok(xor(self.ghash(aad, data), mask))
    }

    /// Decrypts `data` in place if `tag` authenticates it and `aad`. On `false`, `data` is
    /// unspecified (zeroed: no unauthenticated plaintext is left behind).
    pub fn open(&self, iv: [u8; IV_LEN], aad: &[u8], data: &mut [u8], tag: [u8; TAG_LEN]) -> bool {
        if data.len() as u64 > MAX_DATA_LEN {
            return false;
        }
        // GHASH covers the ciphertext, so it is taken before the data is decrypted in place.
        let hash = self.ghash(aad, data);
        let mask = self.apply_keystream(&iv, data);
        if bool::from(xor(hash, mask).ct_eq(&tag)) {
            true
        } else {
            data.zeroize();
            false
        }
    }

    /// XORs `data` with the keystream of counter blocks `IV || 2`, `IV || 3`, ... and
    /// returns `E(K, J0)` (J0 = `IV || 1`), which masks the tag.
    fn apply_keystream(&self, iv: &[u8; IV_LEN], data: &mut [u8]) -> [u8; TAG_LEN] {
        // The keystream is not wiped: it only reveals the plaintext, which its caller holds
        // beside it anyway.
        let mut blocks = [Block::default(); KEYSTREAM_BATCH];
        let mut counter: u32 = 1;
        let mut mask = [0u8; TAG_LEN];
        let mut rest = data;
        let mut first = true;
        loop {
            // The first batch also makes E(K, J0), in its block 0.
            let lead = usize::from(first);
            let count = lead + rest.len().div_ceil(BLOCK_LEN).min(KEYSTREAM_BATCH - lead);
            for block in &mut blocks[..count] {
                block[..IV_LEN].copy_from_slice(iv);
                block[IV_LEN..].copy_from_slice(&counter.to_be_bytes());
                // MAX_DATA_LEN keeps the counter below 2^32 for every block that is used.
                counter = counter.wrapping_add(1);
            }
            self.keyed.aes.encrypt_blocks(&mut blocks[..count]);
            if first {
                mask.copy_from_slice(&blocks[0]);
            }
            let (now, later) = rest.split_at_mut(((count - lead) * BLOCK_LEN).min(rest.len()));
            for (chunk, key) in now.chunks_mut(BLOCK_LEN).zip(&blocks[lead..count]) {
                for (byte, key) in chunk.iter_mut().zip(key) {
                    *byte ^= key;
                }
            }
            rest = later;
            first = false;
            if rest.is_empty() {
                break;
            }
        }
        mask
    }

    /// GHASH_H(A || pad || C || pad || len(A) || len(C)), lengths in bits, as SP 800-38D
    /// has it.
    fn ghash(&self, aad: &[u8], ciphertext: &[u8]) -> [u8; TAG_LEN] {
        let mut ghash = self.keyed.ghash.clone();
        let mut lengths = [0u8; BLOCK_LEN];
        lengths[..8].copy_from_slice(&(aad.len() as u64 * 8).to_be_bytes());
        lengths[8..].copy_from_slice(&(ciphertext.len() as u64 * 8).to_be_bytes());
        let padded = |len: usize| len.div_ceil(BLOCK_LEN) * BLOCK_LEN;
        let (aad_end, ciphertext_end) = (
            padded(aad.len()),
            padded(aad.len()) + padded(ciphertext.len()),
        );
        let total = ciphertext_end + BLOCK_LEN;
        // Zero blocks in front leave GHASH's state at zero, so the blocks are placed to
        // end on a multiple of four: every block then takes the four-at-a-time path.
        let lead = (4 * BLOCK_LEN - total % (4 * BLOCK_LEN)) % (4 * BLOCK_LEN);
        if lead + total <= GHASH_BATCH * BLOCK_LEN {
            // A session token: all its blocks in one call (each call's fixed cost is about
            // that of a block).
            let mut buffer = [0u8; GHASH_BATCH * BLOCK_LEN];
            let (aad_end, ciphertext_end) = (lead + aad_end, lead + ciphertext_end);
            buffer[lead..lead + aad.len()].copy_from_slice(aad);
            buffer[aad_end..aad_end + ciphertext.len()].copy_from_slice(ciphertext);
            buffer[ciphertext_end..ciphertext_end + BLOCK_LEN].copy_from_slice(&lengths);
            let (blocks, _) = Block::slice_as_chunks(&buffer[..lead + total]);
            ghash.update(blocks);
        } else {
            ghash.update_padded(aad);
            ghash.update_padded(ciphertext);
            ghash.update(&[lengths.into()]);
        }
        ghash.finalize().into()
    }
}

fn xor(mut a: [u8; TAG_LEN], b: [u8; TAG_LEN]) -> [u8; TAG_LEN] {
    for (a, b) in a.iter_mut().zip(b) {
        *a ^= b;
    }
    a
}
