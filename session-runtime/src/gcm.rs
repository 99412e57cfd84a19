//! AES-256-GCM for the JWE codec, as NIST SP 800-38D defines it for 96-bit IVs, composed
//! from RustCrypto's `aes` block cipher and `ghash` (pure Rust; both wipe their key state on
//! drop).
//!
//! The `aes-gcm` crate composes the same two primitives, but for a session token's ten or
//! so blocks its fixed costs dominate: it hashes the header, the ciphertext and the lengths
//! in three `ghash` calls, so most blocks take GHASH's one-at-a-time path, and it runs the
//! counter in pieces. Here AES makes every counter block, J0 included, in one call, and
//! GHASH takes all the blocks in one call, aligned to its four-at-a-time path: seal and
//! open take about 0.7 of `aes-gcm`'s time, about as long as `ring`'s assembly
//! (`cargo bench --bench ciphers`). The tests hold it to the GCM specification's vectors,
//! to Node's OpenSSL, and to the `aes-gcm` crate over every length up to 300 bytes.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use ghash::universal_hash::UniversalHash;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// Bytes of the IV (nonce).
pub const IV_LEN: usize = 12;
/// Bytes of the authentication tag.
pub const TAG_LEN: usize = 16;

/// The only refusal of sealing: more data than one GCM invocation can take (about 64 GiB),
/// far past any cookie.
pub struct TooLong;

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
    /// Expands `key` and derives the GHASH key H = E(K, 0^128).
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

#[cfg(test)]
mod tests {
    use super::Gcm;

    const KEY: [u8; 32] = [7; 32];
    const IV: [u8; 12] = [9; 12];
    const AAD: &[u8] = b"eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";
    const PLAINTEXT: &[u8] = br#"{"userId":"user-42","exp":1796319069}"#;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// The ciphertext and tag are Node's (`crypto.createCipheriv('aes-256-gcm', ...)`) for
    /// the same key, IV, AAD and plaintext.
    #[test]
    fn seals_as_openssl_does_and_opens_its_own() {
        let gcm = Gcm::new(&KEY);
        let mut data = PLAINTEXT.to_vec();
        let tag = gcm.seal(IV, AAD, &mut data).ok().unwrap();
        assert_eq!(
            hex(&data),
            "5ca7f1e7db8288058258e94d958fd1f2e08241df168b8fb04d947791ec42324bead5d1fa9f"
        );
        assert_eq!(hex(&tag), "dfbeaa4b49061023a3c30a17c8d25dfa");
        assert!(gcm.open(IV, AAD, &mut data, tag));
        assert_eq!(data, PLAINTEXT);
    }

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap())
            .collect()
    }

    /// Test cases 13, 14 and 16 of McGrew and Viega's GCM specification (the AES-256 ones
    /// with 96-bit IVs): no data, one zero block, and 60 bytes under 20 bytes of AAD.
    #[test]
    fn the_specifications_test_cases() {
        let cases = [
            (
                "00".repeat(32),
                "00".repeat(12),
                "",
                "",
                "",
                "530f8afbc74536b9a963b4f1c4cb738b",
            ),
            (
                "00".repeat(32),
                "00".repeat(12),
                "",
                &"00".repeat(16),
                "cea7403d4d606b6e074ec5d3baf39d18",
                "d0d1c8a799996bf0265b98b5d48ab919",
            ),
            (
                "feffe9928665731c6d6a8f9467308308".repeat(2),
                "cafebabefacedbaddecaf888".to_owned(),
                "feedfacedeadbeeffeedfacedeadbeefabaddad2",
                "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                 1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
                 8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
                "76fc6ece0f4e1768cddf8853bb2d551b",
            ),
        ];
        for (key, iv, aad, plaintext, ciphertext, tag) in cases {
            let gcm = Gcm::new(&unhex(&key).try_into().unwrap());
            let iv: [u8; 12] = unhex(&iv).try_into().unwrap();
            let mut data = unhex(plaintext);
            let sealed_tag = gcm.seal(iv, &unhex(aad), &mut data).ok().unwrap();
            assert_eq!(
                (hex(&data), hex(&sealed_tag)),
                (ciphertext.to_owned(), tag.to_owned())
            );
            assert!(gcm.open(iv, &unhex(aad), &mut data, sealed_tag));
            assert_eq!(hex(&data), plaintext);
        }
    }

    /// Every data length up to 300 bytes (19 blocks: past one batch of AES and of GHASH)
    /// under AAD on both sides of a block and of a batch, against the `aes-gcm` crate.
    #[test]
    fn agrees_with_the_aes_gcm_crate() {
        use aes_gcm::aead::{AeadInOut, KeyInit, Nonce};
        let key: [u8; 32] = std::array::from_fn(|at| at as u8 * 7);
        let ours = Gcm::new(&key);
        let theirs = aes_gcm::Aes256Gcm::new(&key.into());
        for len in 0..=300usize {
            for aad_len in [0usize, 1, 15, 16, 17, 39, 255, 256, 257] {
                let plaintext: Vec<u8> = (0..len).map(|at| (at * 31 + len) as u8).collect();
                let aad: Vec<u8> = (0..aad_len).map(|at| (at * 17) as u8).collect();
                let iv: [u8; 12] = std::array::from_fn(|at| (at + len) as u8);
                let mut mine = plaintext.clone();
                let tag = ours.seal(iv, &aad, &mut mine).ok().unwrap();
                let mut reference = plaintext.clone();
                let reference_tag: [u8; 16] = theirs
                    .encrypt_inout_detached(
                        &Nonce::<aes_gcm::Aes256Gcm>::from(iv),
                        &aad,
                        reference.as_mut_slice().into(),
                    )
                    .unwrap()
                    .into();
                assert_eq!(
                    (&mine, tag),
                    (&reference, reference_tag),
                    "{len} bytes, {aad_len} of AAD"
                );
                assert!(ours.open(iv, &aad, &mut mine, tag));
                assert_eq!(mine, plaintext);
            }
        }
    }

    #[test]
    fn any_change_is_refused() {
        let gcm = Gcm::new(&KEY);
        let mut sealed = PLAINTEXT.to_vec();
        let tag = gcm.seal(IV, AAD, &mut sealed).ok().unwrap();
        let mut flipped_tag = tag;
        flipped_tag[0] ^= 1;
        let mut flipped_data = sealed.clone();
        flipped_data[3] ^= 1;
        let mut other_iv = IV;
        other_iv[11] ^= 1;
        // The key, IV, AAD, sealed data and tag shown to `open`.
        type Case<'a> = (&'a Gcm, [u8; 12], &'a [u8], Vec<u8>, [u8; 16]);
        let cases: [Case; 5] = [
            (&gcm, IV, AAD, sealed.clone(), flipped_tag),
            (&gcm, IV, AAD, flipped_data, tag),
            (&gcm, other_iv, AAD, sealed.clone(), tag),
            (&gcm, IV, b"another header", sealed.clone(), tag),
            (&Gcm::new(&[8; 32]), IV, AAD, sealed.clone(), tag),
        ];
        for (gcm, iv, aad, mut data, tag) in cases {
            assert!(!gcm.open(iv, aad, &mut data, tag));
            assert!(
                data.iter().all(|&byte| byte == 0),
                "nothing decrypted is left behind"
            );
        }
    }
}
