//! Client-side authenticated encryption of stored attribute values, with a keyring.
//!
//! Attributes declared with `encrypt = "deterministic"` or `encrypt = "randomized"` are stored
//! as an *envelope*: a short header naming the format version, the mode and the key (name and
//! version), then the AES-SIV ciphertext. The envelope layout is documented byte by byte in
//! `docs/storage-formats.md` and pinned by test vectors.
//!
//! # Modes
//!
//! Both modes are AES-256-SIV ([RFC 5297]), an authenticated cipher: any altered byte, a wrong
//! key, or a value moved to another place makes decryption fail with
//! [`CryptoError::AuthenticationFailed`] instead of returning garbage.
//!
//! - [`EncryptMode::Deterministic`]: no nonce. The same plaintext in the same table and
//!   attribute under the same key version always gives the same bytes, so equality conditions
//!   and key lookups on the encrypted attribute still work. What it reveals: which stored values
//!   are equal.
//! - [`EncryptMode::Randomized`]: a fresh random 16-byte nonce per value (nonce-based AES-SIV,
//!   RFC 5297 section 3), so equal plaintexts give unrelated ciphertexts. The ciphertext is also
//!   bound to the item's primary key ([`Aad::item_key`]), so a value copied to another item does
//!   not decrypt.
//!
//! # Keys
//!
//! A [`Keyring`] holds named keys, each with one or more numbered versions of a 32-byte
//! [`RootKey`]. The *primary* version of a key encrypts; every version decrypts, found through
//! the key version written in the envelope, so a key rotates without rewriting data. For each
//! (key version, table, attribute) a separate AES-256-SIV key is derived from the root key
//! with HKDF-SHA256 and cached, so two attributes never share a cipher key.
//!
//! # Associated data
//!
//! Every ciphertext is authenticated together with, as separate RFC 5297 associated-data
//! components: the envelope header (format version, mode, key name, key version), the table
//! name, the attribute name and, in randomized mode, the item's primary key and the nonce. A
//! value copied to another table or attribute (both modes) or another item (randomized mode)
//! fails to decrypt, and so does an envelope whose header was edited.
//!
//! ```
//! use dynamate::primitives::crypto::{Aad, EncryptMode, Keyring, RootKey};
//!
//! let keyring = Keyring::new().with_key("archive", 1, RootKey::from_bytes(&[7u8; 32])?)?;
//! let aad = Aad::new("archives", "secret_data").with_item_key(b"S\x00id-42");
//!
//! let stored = keyring.encrypt("archive", EncryptMode::Randomized, &aad, b"top secret")?;
//! assert_eq!(keyring.decrypt("archive", &aad, &stored)?, b"top secret");
//!
//! // The same bytes under another item's key do not decrypt.
//! let other = Aad::new("archives", "secret_data").with_item_key(b"S\x00id-43");
//! assert!(keyring.decrypt("archive", &other, &stored).is_err());
//! # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
//! ```
//!
//! [RFC 5297]: https://www.rfc-editor.org/rfc/rfc5297

use std::fmt;

mod envelope;
mod key;
mod keyring;

pub use envelope::envelope_key_id;
pub use key::{
    PASSPHRASE_ITERATIONS, PASSPHRASE_MEMORY_KIB, PASSPHRASE_MIN_SALT_LEN, PASSPHRASE_PARALLELISM,
    ROOT_KEY_LEN, RootKey,
};
pub use keyring::{Keyring, KeyringAccess, MAX_KEY_NAME_LEN};

/// The envelope format version this module writes (the first byte of every envelope).
pub const ENVELOPE_VERSION: u8 = 1;

/// Length of the random nonce carried by randomized envelopes, in bytes.
pub const NONCE_LEN: usize = 16;

/// Length of the AES-SIV synthetic IV (the authentication tag), in bytes.
pub const TAG_LEN: usize = 16;

/// How a value is encrypted; written into the envelope as the mode byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EncryptMode {
    /// AES-SIV without a nonce (mode byte `0x01`): equal plaintexts in the same table and
    /// attribute under the same key version give equal ciphertexts, so equality conditions work.
    /// [`Aad::item_key`] is ignored in this mode (binding it would break equality across items).
    Deterministic,
    /// AES-SIV with a fresh random 16-byte nonce (mode byte `0x02`): equal plaintexts give
    /// unrelated ciphertexts, and the value is bound to the item's primary key.
    Randomized,
}

impl EncryptMode {
    /// The mode byte written into the envelope.
    ///
    /// ```
    /// use dynamate::primitives::crypto::EncryptMode;
    /// assert_eq!(EncryptMode::Deterministic.to_byte(), 0x01);
    /// assert_eq!(EncryptMode::Randomized.to_byte(), 0x02);
    /// ```
    pub const fn to_byte(self) -> u8 {
        match self {
            EncryptMode::Deterministic => 0x01,
            EncryptMode::Randomized => 0x02,
        }
    }

    /// The mode for an envelope mode byte, or `None` for an unknown byte.
    ///
    /// ```
    /// use dynamate::primitives::crypto::EncryptMode;
    /// assert_eq!(EncryptMode::from_byte(0x02), Some(EncryptMode::Randomized));
    /// assert_eq!(EncryptMode::from_byte(0x00), None);
    /// ```
    pub const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x01 => Some(EncryptMode::Deterministic),
            0x02 => Some(EncryptMode::Randomized),
            _ => None,
        }
    }

    /// Length of the nonce this mode writes into the envelope (0 or [`NONCE_LEN`]).
    ///
    /// ```
    /// use dynamate::primitives::crypto::EncryptMode;
    /// assert_eq!(EncryptMode::Deterministic.nonce_len(), 0);
    /// assert_eq!(EncryptMode::Randomized.nonce_len(), 16);
    /// ```
    pub const fn nonce_len(self) -> usize {
        match self {
            EncryptMode::Deterministic => 0,
            EncryptMode::Randomized => NONCE_LEN,
        }
    }
}

/// Where a value is stored: the associated data its ciphertext is bound to.
///
/// Pass the same `Aad` to [`Keyring::decrypt`] as to [`Keyring::encrypt`].
///
/// - `table` should be the table's stable *logical* name (the schema's name, without a
///   per-environment prefix or suffix added at run time), or data copied between environments
///   will not decrypt.
/// - `item_key` is a canonical byte encoding of the item's primary key. It is authenticated in
///   randomized mode only; `None` and `Some(b"")` are different bindings. Generated code always
///   passes the item's key.
///
/// ```
/// use dynamate::primitives::crypto::Aad;
///
/// let aad = Aad::new("orders", "card").with_item_key(b"order#42");
/// assert_eq!(aad.table, "orders");
/// assert_eq!(aad.item_key, Some(&b"order#42"[..]));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Aad<'a> {
    /// The table's logical name.
    pub table: &'a str,
    /// The attribute's name.
    pub attribute: &'a str,
    /// A canonical encoding of the item's primary key (authenticated in randomized mode).
    pub item_key: Option<&'a [u8]>,
}

impl<'a> Aad<'a> {
    /// Associated data for `attribute` of `table`, without an item key.
    pub const fn new(table: &'a str, attribute: &'a str) -> Self {
        Aad {
            table,
            attribute,
            item_key: None,
        }
    }

    /// The same associated data, bound to the item whose primary key encodes to `item_key`.
    pub const fn with_item_key(self, item_key: &'a [u8]) -> Self {
        Aad {
            item_key: Some(item_key),
            ..self
        }
    }
}

/// A key's name and version, as written in an envelope.
///
/// ```
/// use dynamate::primitives::crypto::KeyId;
///
/// let id = KeyId { name: "archive".into(), version: 2 };
/// assert_eq!(id.to_string(), "`archive` version 2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId {
    /// The key's name in the keyring.
    pub name: String,
    /// The key version.
    pub version: u32,
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` version {}", self.name, self.version)
    }
}

/// What an encryption error is about: the table, attribute and key of the value.
///
/// Displays as ``table `t`, attribute `a`, key `k` version 2``, leaving out what is not known.
///
/// ```
/// use dynamate::primitives::crypto::ValueContext;
///
/// let ctx = ValueContext {
///     table: "t".into(),
///     attribute: "a".into(),
///     key: "k".into(),
///     version: Some(2),
/// };
/// assert_eq!(ctx.to_string(), "table `t`, attribute `a`, key `k` version 2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValueContext {
    /// The table the value belongs to.
    pub table: String,
    /// The attribute the value belongs to.
    pub attribute: String,
    /// The key name expected for (or found in) the value; empty if not known.
    pub key: String,
    /// The key version, if known.
    pub version: Option<u32>,
}

impl ValueContext {
    /// Boxed, so that `CryptoError` (and every `Result` carrying it) stays small.
    pub(crate) fn new(aad: &Aad<'_>, key: &str, version: Option<u32>) -> Box<Self> {
        Box::new(ValueContext {
            table: aad.table.to_owned(),
            attribute: aad.attribute.to_owned(),
            key: key.to_owned(),
            version,
        })
    }
}

impl fmt::Display for ValueContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "table `{}`, attribute `{}`", self.table, self.attribute)?;
        if !self.key.is_empty() {
            write!(f, ", key `{}`", self.key)?;
        }
        if let Some(version) = self.version {
            write!(f, " version {version}")?;
        }
        Ok(())
    }
}

/// Why a value could not be encrypted or decrypted, or a key or keyring not built.
///
/// Errors never contain key material. Errors about a value carry a (boxed, to keep the error
/// small) [`ValueContext`] naming its table, attribute and key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The keyring has no key with this name.
    #[error(
        "no key named `{}` in the keyring ({context}): add it to the Keyring \
         (Keyring::with_key) before encrypting or decrypting this attribute",
        context.key
    )]
    UnknownKey {
        /// The value concerned.
        context: Box<ValueContext>,
    },
    /// The envelope names a key version the keyring does not hold.
    #[error(
        "the keyring has no version {version} of key `{}` ({context}): the value was encrypted \
         under a key version that is not loaded; load that version too (old versions must stay \
         in the keyring until every value under them is re-encrypted)",
        context.key
    )]
    UnknownKeyVersion {
        /// The value concerned.
        context: Box<ValueContext>,
        /// The key version the envelope names.
        version: u32,
    },
    /// The ciphertext did not authenticate.
    #[error(
        "authentication failed ({context}): wrong key material for this key version, bytes \
         altered in storage, or a value copied from another item, attribute or table; \
         the value was not decrypted"
    )]
    AuthenticationFailed {
        /// The value concerned.
        context: Box<ValueContext>,
    },
    /// The envelope's format version is not one this version of dynamate reads.
    #[error(
        "unsupported encryption envelope version {version} ({context}): this dynamate reads \
         version 1; the value was written by a newer dynamate (upgrade) or is not encrypted data"
    )]
    UnsupportedVersion {
        /// The value concerned.
        context: Box<ValueContext>,
        /// The version byte found.
        version: u8,
    },
    /// The envelope's mode byte is unknown.
    #[error(
        "unknown encryption mode byte 0x{mode:02x} ({context}): expected 0x01 (deterministic) or \
         0x02 (randomized); the envelope is corrupt or was written by a newer dynamate"
    )]
    UnknownMode {
        /// The value concerned.
        context: Box<ValueContext>,
        /// The mode byte found.
        mode: u8,
    },
    /// The envelope is shorter than its header says it must be.
    #[error(
        "encrypted value is truncated ({context}): {len} bytes, at least {needed} expected; \
         the stored bytes were cut short or are not a dynamate envelope"
    )]
    Truncated {
        /// The value concerned.
        context: Box<ValueContext>,
        /// The envelope's length.
        len: usize,
        /// The minimum length its header requires.
        needed: usize,
    },
    /// The envelope's header is structurally invalid (for example an empty key name).
    #[error("malformed encryption envelope ({context}): {reason}")]
    Malformed {
        /// The value concerned.
        context: Box<ValueContext>,
        /// What is wrong.
        reason: &'static str,
    },
    /// The envelope was written under a different key name than the one expected.
    #[error(
        "the value was encrypted under key `{found}` but key `{}` is expected ({context}): the \
         attribute's key changed in the schema or the value was copied from another attribute; \
         decrypt it with key `{found}` and re-encrypt it under the expected key",
        context.key
    )]
    KeyNameMismatch {
        /// The value concerned (its `key` is the expected key name).
        context: Box<ValueContext>,
        /// The key name found in the envelope.
        found: String,
    },
    /// Key material could not be read or has the wrong shape. The key itself is never echoed.
    #[error("invalid root key: {reason}")]
    InvalidKey {
        /// What is wrong with it.
        reason: String,
    },
    /// A decrypt-only keyring ([`Keyring::read_only`]) was asked to encrypt.
    #[error(
        "cannot encrypt ({context}): the keyring is read-only (decrypt only), so this service \
         may read encrypted attributes but not write them (nor compare a deterministically \
         encrypted attribute in a condition or filter); write through a service whose keyring \
         may encrypt, or build this keyring without `read_only`"
    )]
    EncryptNotAllowed {
        /// The value concerned (its version is the primary version, if the key is present).
        context: Box<ValueContext>,
    },
    /// An encrypt-only keyring ([`Keyring::write_only`]) was asked to decrypt.
    #[error(
        "cannot decrypt ({context}): the keyring is write-only (encrypt only), so this service \
         may write encrypted attributes but not read them; read through a service whose keyring \
         may decrypt, or build this keyring without `write_only`"
    )]
    DecryptNotAllowed {
        /// The value concerned.
        context: Box<ValueContext>,
    },
    /// A keyring was configured inconsistently (bad key name, duplicate version, missing primary).
    #[error("invalid keyring configuration: {reason}")]
    InvalidKeyring {
        /// What is wrong.
        reason: String,
    },
    /// The cipher refused its input. dynamate's inputs never cause this; it exists so that
    /// encryption reports instead of panicking. Please report it as a bug.
    #[error("internal encryption error ({context}): {reason}; this is a bug in dynamate")]
    Internal {
        /// The value concerned.
        context: Box<ValueContext>,
        /// What failed.
        reason: &'static str,
    },
}
