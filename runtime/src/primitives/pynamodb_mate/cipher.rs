//! pynamodb_mate's encryption: AES-256 with `key = SHA-256(password)`, ECB with PKCS#7 for
//! deterministic attributes, CTR stored as JSON text for random ones.

use std::fmt;

use aes::Aes256;
use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit, StreamCipher};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::PynamodbMateError;
use super::b85::{b85_decode, b85_encode};

/// Length of the nonce pynamodb_mate writes in CTR mode (pycryptodome's default for AES,
/// half a block); the other 8 bytes of each counter block count blocks from 0.
pub const CTR_NONCE_LEN: usize = 8;

const BLOCK: usize = 16;

/// A pynamodb_mate key: the SHA-256 of its password, used as an AES-256 key for every attribute
/// and both modes. Wiped on drop; `Debug` never shows it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PynamodbMateKey([u8; 32]);

impl fmt::Debug for PynamodbMateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PynamodbMateKey(<redacted>)")
    }
}

/// The stored form of a CTR value, as pynamodb_mate reads it with `json.loads`: any JSON object
/// with these two strings, in any order and layout (other members are ignored, as Python does).
#[derive(serde::Deserialize)]
struct CtrValue {
    nonce: String,
    token: String,
}

impl PynamodbMateKey {
    /// The key pynamodb_mate derives from `password`: `SHA-256(password as UTF-8)`, no salt, no
    /// KDF (so a weak password is easy to guess from any stored value).
    pub fn from_password(password: &str) -> Self {
        PynamodbMateKey(Sha256::digest(password.as_bytes()).into())
    }

    /// Deterministic mode: `AES-256-ECB(key, plaintext || PKCS#7 padding)`; 1 to 16 bytes of
    /// padding are always added.
    pub fn encrypt_ecb(&self, plaintext: &[u8]) -> Vec<u8> {
        ecb::Encryptor::<Aes256>::new(&self.0.into()).encrypt_padded_vec::<Pkcs7>(plaintext)
    }

    /// Reverses [`PynamodbMateKey::encrypt_ecb`].
    ///
    /// # Errors
    ///
    /// [`PynamodbMateError::EcbLength`] unless the length is a positive multiple of 16,
    /// [`PynamodbMateError::EcbPadding`] for invalid padding (a wrong password, mostly).
    pub fn decrypt_ecb(&self, stored: &[u8]) -> Result<Vec<u8>, PynamodbMateError> {
        if stored.is_empty() || !stored.len().is_multiple_of(BLOCK) {
            return Err(PynamodbMateError::EcbLength { len: stored.len() });
        }
        ecb::Decryptor::<Aes256>::new(&self.0.into())
            .decrypt_padded_vec::<Pkcs7>(stored)
            .map_err(|_| PynamodbMateError::EcbPadding)
    }

    /// Random mode with a fresh random 8-byte nonce: the stored text
    /// `{"nonce": "<b85>", "token": "<b85>"}` as bytes.
    pub fn encrypt_ctr(&self, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; CTR_NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        self.encrypt_ctr_with_nonce(plaintext, &nonce)
            .expect("an 8-byte nonce leaves a 64-bit counter")
    }

    /// Random mode with a given nonce (for known-answer tests): block `i` of the keystream is
    /// `AES(key, nonce || i)`, `i` big-endian in the `16 - nonce.len()` bytes after the nonce.
    ///
    /// # Errors
    ///
    /// [`PynamodbMateError::NonceTooLong`] for a nonce of 16 bytes or more,
    /// [`PynamodbMateError::CounterOverflow`] if the counter would wrap.
    pub fn encrypt_ctr_with_nonce(
        &self,
        plaintext: &[u8],
        nonce: &[u8],
    ) -> Result<Vec<u8>, PynamodbMateError> {
        let mut token = plaintext.to_vec();
        self.apply_ctr(nonce, &mut token)?;
        let text = format!(
            r#"{{"nonce": "{}", "token": "{}"}}"#,
            b85_encode(nonce),
            b85_encode(&token)
        );
        Ok(text.into_bytes())
    }

    /// Reverses the random mode. Accepts what pynamodb_mate accepts: any JSON object with string
    /// members `nonce` (0 to 15 bytes once decoded) and `token`.
    ///
    /// # Errors
    ///
    /// [`PynamodbMateError::CtrFormat`] if `stored` is not such a JSON object, and the errors of
    /// [`b85_decode`] and [`PynamodbMateKey::encrypt_ctr_with_nonce`]. A wrong password is not
    /// detected here: the format has no MAC, so it decrypts to garbage.
    pub fn decrypt_ctr(&self, stored: &[u8]) -> Result<Vec<u8>, PynamodbMateError> {
        if !stored.is_ascii() {
            return Err(PynamodbMateError::CtrFormat {
                reason: "the stored text is not ASCII".into(),
            });
        }
        let value: CtrValue =
            serde_json::from_slice(stored).map_err(|e| PynamodbMateError::CtrFormat {
                reason: format!(
                    "not a JSON object with string members `nonce` and `token` (at line {} \
                     column {})",
                    e.line(),
                    e.column()
                ),
            })?;
        let nonce = b85_decode(&value.nonce)?;
        let mut plaintext = b85_decode(&value.token)?;
        self.apply_ctr(&nonce, &mut plaintext)?;
        Ok(plaintext)
    }

    fn apply_ctr(&self, nonce: &[u8], data: &mut [u8]) -> Result<(), PynamodbMateError> {
        if nonce.len() >= BLOCK {
            return Err(PynamodbMateError::NonceTooLong { len: nonce.len() });
        }
        let counter_bytes = BLOCK - nonce.len();
        // pycryptodome refuses a message whose counter would wrap within its own bytes; a
        // 128-bit counter would instead carry into the nonce.
        let blocks = data.len().div_ceil(BLOCK) as u128;
        if counter_bytes < 16 && blocks > 1u128 << (8 * counter_bytes) {
            return Err(PynamodbMateError::CounterOverflow {
                len: data.len(),
                counter_bytes,
            });
        }
        let mut iv = [0u8; BLOCK];
        iv[..nonce.len()].copy_from_slice(nonce);
        ctr::Ctr128BE::<Aes256>::new(&self.0.into(), &iv.into()).apply_keystream(data);
        iv.zeroize();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecb_rejects_lengths_and_wrong_keys() {
        let key = PynamodbMateKey::from_password("my-password");
        let other = PynamodbMateKey::from_password("other");
        assert_eq!(
            key.decrypt_ecb(&[0; 15]),
            Err(PynamodbMateError::EcbLength { len: 15 })
        );
        assert_eq!(
            key.decrypt_ecb(&[]),
            Err(PynamodbMateError::EcbLength { len: 0 })
        );
        // A wrong key fails the padding check almost always (about 1 in 256 passes it).
        let stored = key.encrypt_ecb(b"attack at 2PM tomorrow!");
        assert_eq!(
            other.decrypt_ecb(&stored),
            Err(PynamodbMateError::EcbPadding)
        );
    }

    #[test]
    fn ctr_counters_end_where_pycryptodome_ends_them() {
        let key = PynamodbMateKey::from_password("k");
        let nonce = [1u8; 15];
        assert!(key.encrypt_ctr_with_nonce(&[0; 256 * 16], &nonce).is_ok());
        assert_eq!(
            key.encrypt_ctr_with_nonce(&[0; 256 * 16 + 1], &nonce),
            Err(PynamodbMateError::CounterOverflow {
                len: 4097,
                counter_bytes: 1
            })
        );
        assert_eq!(
            key.encrypt_ctr_with_nonce(b"x", &[0; 16]),
            Err(PynamodbMateError::NonceTooLong { len: 16 })
        );
        let stored = key.encrypt_ctr(b"hello");
        assert_eq!(key.decrypt_ctr(&stored).unwrap(), b"hello");
        assert_ne!(stored, key.encrypt_ctr(b"hello"));
        assert!(format!("{key:?}").contains("redacted"));
    }
}
