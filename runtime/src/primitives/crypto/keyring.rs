//! The keyring: named, versioned root keys, per-attribute subkey derivation and its cache,
//! and the encrypt/decrypt entry points.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{PoisonError, RwLock};

use aes_siv::KeyInit;
use aes_siv::siv::Aes256Siv;
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroize;

use super::envelope::{header_len, parse, write_header};
use super::{Aad, CryptoError, EncryptMode, NONCE_LEN, RootKey, TAG_LEN, ValueContext};
use crate::primitives::pynamodb_mate::PynamodbMateKey;

/// The longest key name an envelope can carry, in bytes.
pub const MAX_KEY_NAME_LEN: usize = 255;

/// HKDF-SHA256 salt for subkey derivation (a fixed domain-separation string).
const HKDF_SALT: &[u8] = b"dynamate/v1";

/// First length-prefixed component of the HKDF info: what the derived key is for.
const HKDF_PURPOSE: &[u8] = b"aes-256-siv attribute key";

/// AES-256-SIV key length: a 32-byte CMAC key followed by a 32-byte CTR key.
const SIV_KEY_LEN: usize = 64;

/// Derived subkeys cached per key version; past this, subkeys are derived on every use (still
/// correct, only slower). Generated code uses a fixed set of tables and attributes, far fewer.
const MAX_CACHED_SUBKEYS: usize = 4096;

/// A derived AES-256-SIV key, on the heap so cache rehashing never copies it, wiped on drop.
struct SubKey(Box<[u8; SIV_KEY_LEN]>);

impl SubKey {
    fn cipher(&self) -> Aes256Siv {
        Aes256Siv::new((&*self.0).into())
    }
}

impl Drop for SubKey {
    fn drop(&mut self) {
        self.0.as_mut_slice().zeroize();
    }
}

/// Derives the AES-256-SIV key for `table` and `attribute` from `root`:
/// `HKDF-SHA256(salt = "dynamate/v1", ikm = root,
///   info = lp("aes-256-siv attribute key") || lp(table) || lp(attribute), L = 64)`
/// where `lp(x)` is the length of `x` as a u64 big-endian followed by `x`.
fn derive_subkey(root: &RootKey, table: &str, attribute: &str) -> Option<SubKey> {
    let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), root.expose());
    let purpose_len = (HKDF_PURPOSE.len() as u64).to_be_bytes();
    let table_len = (table.len() as u64).to_be_bytes();
    let attribute_len = (attribute.len() as u64).to_be_bytes();
    let info: [&[u8]; 6] = [
        &purpose_len,
        HKDF_PURPOSE,
        &table_len,
        table.as_bytes(),
        &attribute_len,
        attribute.as_bytes(),
    ];
    let mut key = SubKey(Box::new([0u8; SIV_KEY_LEN]));
    hkdf.expand_multi_info(&info, &mut key.0[..]).ok()?;
    Some(key)
}

/// Derived subkeys of one key version: table -> attribute -> subkey.
#[derive(Default)]
struct SubkeyCache {
    by_table: HashMap<String, HashMap<String, SubKey>>,
    len: usize,
}

/// One version of a named key, with its cache of derived subkeys.
struct KeyVersion {
    root: RootKey,
    subkeys: RwLock<SubkeyCache>,
}

impl KeyVersion {
    fn new(root: RootKey) -> Self {
        KeyVersion {
            root,
            subkeys: RwLock::default(),
        }
    }

    /// A fresh AES-256-SIV instance for `table`/`attribute`, deriving and caching its subkey
    /// on first use. (The cipher needs `&mut self`, so each call gets its own instance; building
    /// one from a cached key is a few AES key schedules, far cheaper than HKDF.) A poisoned lock
    /// is recovered: the cache holds no invariant a panic could break.
    fn cipher(&self, table: &str, attribute: &str) -> Option<Aes256Siv> {
        {
            let cache = self.subkeys.read().unwrap_or_else(PoisonError::into_inner);
            let cached = cache
                .by_table
                .get(table)
                .and_then(|by_attr| by_attr.get(attribute));
            if let Some(key) = cached {
                return Some(key.cipher());
            }
        }
        let key = derive_subkey(&self.root, table, attribute)?;
        let cipher = key.cipher();
        let mut cache = self.subkeys.write().unwrap_or_else(PoisonError::into_inner);
        if cache.len < MAX_CACHED_SUBKEYS {
            let by_attr = cache.by_table.entry(table.to_owned()).or_default();
            if !by_attr.contains_key(attribute) {
                by_attr.insert(attribute.to_owned(), key);
                cache.len += 1;
            }
        }
        Some(cipher)
    }
}

/// What a [`Keyring`] may be used for: both directions (the default), or only one.
///
/// A service that only reads encrypted attributes (a report job, an analytics replica) takes a
/// [`KeyringAccess::DecryptOnly`] keyring, so a programming mistake can never make it write
/// values; a service that only ingests takes [`KeyringAccess::EncryptOnly`], so it never
/// decrypts what is stored. Using a keyring the other way fails with
/// [`CryptoError::EncryptNotAllowed`] or [`CryptoError::DecryptNotAllowed`].
///
/// The keys are symmetric, so this is a guard in the service's own code, not a cryptographic
/// boundary: whoever holds the key material could do both. Where the two must be separated by
/// permissions, keep the key material in a key service (see `dynamate::io::kms`) and grant
/// each service only what it needs there.
///
/// A decrypt-only keyring cannot encode the operand of a condition or filter on a
/// *deterministically* encrypted attribute either: that encrypts the compared value.
///
/// ```
/// use dynamate::primitives::crypto::{KeyringAccess, Keyring};
///
/// assert_eq!(Keyring::new().access(), KeyringAccess::EncryptAndDecrypt);
/// assert_eq!(Keyring::new().read_only().access(), KeyringAccess::DecryptOnly);
/// assert_eq!(Keyring::new().write_only().access(), KeyringAccess::EncryptOnly);
/// assert_eq!(KeyringAccess::DecryptOnly.to_string(), "read-only (decrypt only)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeyringAccess {
    /// Encrypts and decrypts.
    #[default]
    EncryptAndDecrypt,
    /// Decrypts only: [`Keyring::encrypt`] fails with [`CryptoError::EncryptNotAllowed`].
    DecryptOnly,
    /// Encrypts only: [`Keyring::decrypt`] fails with [`CryptoError::DecryptNotAllowed`].
    EncryptOnly,
}

impl KeyringAccess {
    /// Whether a keyring with this access may encrypt.
    ///
    /// ```
    /// use dynamate::primitives::crypto::KeyringAccess;
    /// assert!(KeyringAccess::EncryptOnly.may_encrypt());
    /// assert!(!KeyringAccess::DecryptOnly.may_encrypt());
    /// ```
    pub const fn may_encrypt(self) -> bool {
        !matches!(self, KeyringAccess::DecryptOnly)
    }

    /// Whether a keyring with this access may decrypt.
    ///
    /// ```
    /// use dynamate::primitives::crypto::KeyringAccess;
    /// assert!(KeyringAccess::DecryptOnly.may_decrypt());
    /// assert!(!KeyringAccess::EncryptOnly.may_decrypt());
    /// ```
    pub const fn may_decrypt(self) -> bool {
        !matches!(self, KeyringAccess::EncryptOnly)
    }
}

impl fmt::Display for KeyringAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyringAccess::EncryptAndDecrypt => "read-write (encrypt and decrypt)",
            KeyringAccess::DecryptOnly => "read-only (decrypt only)",
            KeyringAccess::EncryptOnly => "write-only (encrypt only)",
        })
    }
}

/// All versions of one named key.
struct NamedKey {
    versions: BTreeMap<u32, KeyVersion>,
    /// Set by [`Keyring::with_primary`]; otherwise the highest version is primary.
    pinned_primary: Option<u32>,
}

impl NamedKey {
    fn primary(&self) -> Option<u32> {
        self.pinned_primary
            .or_else(|| self.versions.last_key_value().map(|(v, _)| *v))
    }
}

/// Named, versioned root keys: the primary version of a key encrypts, every version decrypts.
///
/// Build it once at startup and share it (it is `Send + Sync`; wrap it in an `Arc` to share
/// between owners). Derived per-attribute subkeys are cached inside, so encrypting does not
/// run HKDF per value. A keyring can be restricted to decrypting ([`Keyring::read_only`]) or to
/// encrypting ([`Keyring::write_only`]); see [`KeyringAccess`].
///
/// # Primary version
///
/// Unless set with [`Keyring::with_primary`], the primary version of a key is its **highest
/// version number**, whatever the order in which versions were added. To rotate across a fleet
/// without a window where some readers lack the new key:
///
/// 1. deploy the new version everywhere while pinning the old one as primary
///    (`.with_key("k", 2, new)?.with_primary("k", 1)?`);
/// 2. once every reader has version 2, drop the pin (or pin 2): new values use version 2 and
///    old values still decrypt under version 1;
/// 3. optionally re-encrypt old values (see [`Keyring::uses_primary_version`]) and then remove
///    version 1.
///
/// ```
/// use dynamate::primitives::crypto::{Aad, EncryptMode, Keyring, RootKey};
///
/// let v1 = RootKey::from_bytes(&[1u8; 32])?;
/// let v2 = RootKey::from_bytes(&[2u8; 32])?;
/// let aad = Aad::new("archives", "secret_message");
///
/// let old = Keyring::new().with_key("archive", 1, v1)?;
/// let stored_v1 = old.encrypt("archive", EncryptMode::Deterministic, &aad, b"hello")?;
///
/// // Rotate: add version 2 (highest, so primary); version 1 data still decrypts.
/// let v1_again = RootKey::from_bytes(&[1u8; 32])?;
/// let rotated = Keyring::new().with_key("archive", 1, v1_again)?.with_key("archive", 2, v2)?;
/// assert_eq!(rotated.primary_version("archive"), Some(2));
/// assert_eq!(rotated.decrypt("archive", &aad, &stored_v1)?, b"hello");
/// assert!(!rotated.uses_primary_version("archive", &aad, &stored_v1)?);
///
/// let stored_v2 = rotated.encrypt("archive", EncryptMode::Deterministic, &aad, b"hello")?;
/// assert!(rotated.uses_primary_version("archive", &aad, &stored_v2)?);
///
/// // Debug shows names and versions, never key material.
/// assert_eq!(
///     format!("{rotated:?}"),
///     r#"Keyring {"archive": { versions: [1, 2], primary: 2 }}"#
/// );
/// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
/// ```
#[derive(Default)]
pub struct Keyring {
    keys: BTreeMap<String, NamedKey>,
    access: KeyringAccess,
    /// pynamodb_mate passwords (as their SHA-256 keys) by the key name the schema gives.
    pynamodb_mate: BTreeMap<String, PynamodbMateKey>,
}

impl Keyring {
    /// An empty keyring.
    pub fn new() -> Self {
        Keyring::default()
    }

    /// Adds version `version` of key `name` and returns the keyring (builder style).
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKeyring`] if the name is empty or longer than
    /// [`MAX_KEY_NAME_LEN`] bytes, or this version of the key is already present (a version
    /// number always stands for one key, or stored data would stop decrypting).
    pub fn with_key(mut self, name: &str, version: u32, key: RootKey) -> Result<Self, CryptoError> {
        self.add_key(name, version, key)?;
        Ok(self)
    }

    /// Adds version `version` of key `name` in place. See [`Keyring::with_key`].
    ///
    /// ```
    /// use dynamate::primitives::crypto::{Keyring, RootKey};
    ///
    /// let mut keyring = Keyring::new();
    /// keyring.add_key("archive", 1, RootKey::from_bytes(&[1u8; 32])?)?;
    /// assert!(keyring.add_key("archive", 1, RootKey::from_bytes(&[2u8; 32])?).is_err());
    /// assert!(keyring.add_key("", 1, RootKey::from_bytes(&[2u8; 32])?).is_err());
    /// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Keyring::with_key`].
    pub fn add_key(&mut self, name: &str, version: u32, key: RootKey) -> Result<(), CryptoError> {
        if name.is_empty() || name.len() > MAX_KEY_NAME_LEN {
            return Err(CryptoError::InvalidKeyring {
                reason: format!(
                    "key name `{name}` is {} bytes; a key name must be 1 to {MAX_KEY_NAME_LEN} \
                     bytes of UTF-8",
                    name.len()
                ),
            });
        }
        let named = self
            .keys
            .entry(name.to_owned())
            .or_insert_with(|| NamedKey {
                versions: BTreeMap::new(),
                pinned_primary: None,
            });
        if named.versions.contains_key(&version) {
            return Err(CryptoError::InvalidKeyring {
                reason: format!(
                    "key `{name}` version {version} was added twice; give new key material a \
                     new version number"
                ),
            });
        }
        named.versions.insert(version, KeyVersion::new(key));
        Ok(())
    }

    /// Adds the pynamodb_mate password of the attributes whose schema names key `name` and
    /// declares `pynamodb_mate = "shared"` or `"migrate"`, and returns the keyring. It sits beside
    /// the dynamate root keys of that name: a `migrate` attribute reads with the password and
    /// writes with the root key. pynamodb_mate's format is unauthenticated AES-ECB/CTR under
    /// `SHA-256(password)` (see `docs/storage-formats.md`); use it only for a table shared with a
    /// Python service.
    ///
    /// ```
    /// use dynamate::primitives::crypto::Keyring;
    ///
    /// let keyring = Keyring::new().with_pynamodb_mate_password("archive", "my-password")?;
    /// assert!(keyring.pynamodb_mate_key("archive").is_some());
    /// assert!(keyring.pynamodb_mate_key("other").is_none());
    /// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKeyring`] for an empty name or one already holding a password.
    pub fn with_pynamodb_mate_password(
        mut self,
        name: &str,
        password: &str,
    ) -> Result<Self, CryptoError> {
        if name.is_empty() || self.pynamodb_mate.contains_key(name) {
            return Err(CryptoError::InvalidKeyring {
                reason: format!(
                    "pynamodb_mate password for key `{name}`: the name is empty or already has \
                     a password"
                ),
            });
        }
        let key = PynamodbMateKey::from_password(password);
        self.pynamodb_mate.insert(name.to_owned(), key);
        Ok(self)
    }

    /// The pynamodb_mate key added for key name `name`, if any.
    pub fn pynamodb_mate_key(&self, name: &str) -> Option<&PynamodbMateKey> {
        self.pynamodb_mate.get(name)
    }

    /// Makes `version` the primary (encrypting) version of key `name`, and returns the keyring.
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKeyring`] if the keyring has no such key version.
    pub fn with_primary(mut self, name: &str, version: u32) -> Result<Self, CryptoError> {
        self.set_primary(name, version)?;
        Ok(self)
    }

    /// Makes `version` the primary version of key `name` in place. See
    /// [`Keyring::with_primary`].
    ///
    /// ```
    /// use dynamate::primitives::crypto::{Keyring, RootKey};
    ///
    /// let mut keyring = Keyring::new()
    ///     .with_key("archive", 1, RootKey::from_bytes(&[1u8; 32])?)?
    ///     .with_key("archive", 2, RootKey::from_bytes(&[2u8; 32])?)?;
    /// keyring.set_primary("archive", 1)?;
    /// assert_eq!(keyring.primary_version("archive"), Some(1));
    /// assert!(keyring.set_primary("archive", 3).is_err());
    /// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Keyring::with_primary`].
    pub fn set_primary(&mut self, name: &str, version: u32) -> Result<(), CryptoError> {
        match self.keys.get_mut(name) {
            Some(named) if named.versions.contains_key(&version) => {
                named.pinned_primary = Some(version);
                Ok(())
            }
            Some(named) => Err(CryptoError::InvalidKeyring {
                reason: format!(
                    "cannot make version {version} of key `{name}` primary: the keyring holds \
                     versions {:?} of it; add the version first",
                    named.versions.keys().collect::<Vec<_>>()
                ),
            }),
            None => Err(CryptoError::InvalidKeyring {
                reason: format!(
                    "cannot set a primary version for key `{name}`: the keyring has no key of \
                     that name; add it first"
                ),
            }),
        }
    }

    /// The same keyring, restricted to `access` (replacing any earlier restriction).
    /// See [`KeyringAccess`].
    ///
    /// ```
    /// use dynamate::primitives::crypto::{Aad, CryptoError, EncryptMode, Keyring, KeyringAccess, RootKey};
    ///
    /// let aad = Aad::new("archives", "secret_message");
    /// let writer = Keyring::new()
    ///     .with_key("archive", 1, RootKey::from_bytes(&[9u8; 32])?)?
    ///     .with_access(KeyringAccess::EncryptOnly);
    /// let stored = writer.encrypt("archive", EncryptMode::Deterministic, &aad, b"hi")?;
    /// assert!(matches!(
    ///     writer.decrypt("archive", &aad, &stored),
    ///     Err(CryptoError::DecryptNotAllowed { .. })
    /// ));
    /// # Ok::<(), CryptoError>(())
    /// ```
    pub fn with_access(mut self, access: KeyringAccess) -> Self {
        self.access = access;
        self
    }

    /// The same keyring, decrypt-only: [`Keyring::encrypt`] fails with
    /// [`CryptoError::EncryptNotAllowed`]. Shorthand for
    /// `with_access(KeyringAccess::DecryptOnly)`.
    ///
    /// ```
    /// use dynamate::primitives::crypto::{Aad, CryptoError, EncryptMode, Keyring, RootKey};
    ///
    /// let reader = Keyring::new()
    ///     .with_key("archive", 1, RootKey::from_bytes(&[9u8; 32])?)?
    ///     .read_only();
    /// let aad = Aad::new("archives", "secret_message");
    /// let err = reader.encrypt("archive", EncryptMode::Deterministic, &aad, b"hi").unwrap_err();
    /// assert!(matches!(err, CryptoError::EncryptNotAllowed { .. }));
    /// assert!(err.to_string().contains("read-only"));
    /// # Ok::<(), CryptoError>(())
    /// ```
    pub fn read_only(self) -> Self {
        self.with_access(KeyringAccess::DecryptOnly)
    }

    /// The same keyring, encrypt-only: [`Keyring::decrypt`] fails with
    /// [`CryptoError::DecryptNotAllowed`]. Shorthand for
    /// `with_access(KeyringAccess::EncryptOnly)`.
    ///
    /// ```
    /// use dynamate::primitives::crypto::{Aad, CryptoError, EncryptMode, Keyring, RootKey};
    ///
    /// let key = || RootKey::from_bytes(&[9u8; 32]);
    /// let aad = Aad::new("archives", "secret_message");
    /// let stored = Keyring::new()
    ///     .with_key("archive", 1, key()?)?
    ///     .encrypt("archive", EncryptMode::Deterministic, &aad, b"hi")?;
    /// let ingest = Keyring::new().with_key("archive", 1, key()?)?.write_only();
    /// assert!(matches!(
    ///     ingest.decrypt("archive", &aad, &stored),
    ///     Err(CryptoError::DecryptNotAllowed { .. })
    /// ));
    /// # Ok::<(), CryptoError>(())
    /// ```
    pub fn write_only(self) -> Self {
        self.with_access(KeyringAccess::EncryptOnly)
    }

    /// What this keyring may be used for.
    pub fn access(&self) -> KeyringAccess {
        self.access
    }

    /// The primary version of key `name`, or `None` if the keyring has no such key.
    pub fn primary_version(&self, name: &str) -> Option<u32> {
        self.keys.get(name).and_then(NamedKey::primary)
    }

    /// The versions of key `name` in the keyring, in increasing order (empty if none).
    ///
    /// ```
    /// use dynamate::primitives::crypto::{Keyring, RootKey};
    ///
    /// let keyring = Keyring::new()
    ///     .with_key("a", 3, RootKey::from_bytes(&[3u8; 32])?)?
    ///     .with_key("a", 1, RootKey::from_bytes(&[1u8; 32])?)?;
    /// assert_eq!(keyring.versions("a"), [1, 3]);
    /// assert_eq!(keyring.primary_version("a"), Some(3));
    /// assert!(keyring.versions("b").is_empty());
    /// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
    /// ```
    pub fn versions(&self, name: &str) -> Vec<u32> {
        self.keys
            .get(name)
            .map(|named| named.versions.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Encrypts `plaintext` for the place described by `aad`, under the primary version of key
    /// `key_name`, and returns the envelope to store.
    ///
    /// ```
    /// use dynamate::primitives::crypto::{Aad, EncryptMode, Keyring, RootKey};
    ///
    /// let keyring = Keyring::new().with_key("archive", 1, RootKey::from_bytes(&[9u8; 32])?)?;
    /// let aad = Aad::new("archives", "secret_message");
    /// let a = keyring.encrypt("archive", EncryptMode::Deterministic, &aad, b"same")?;
    /// let b = keyring.encrypt("archive", EncryptMode::Deterministic, &aad, b"same")?;
    /// assert_eq!(a, b); // deterministic: usable in equality conditions
    ///
    /// let item = aad.with_item_key(b"pk");
    /// let c = keyring.encrypt("archive", EncryptMode::Randomized, &item, b"same")?;
    /// let d = keyring.encrypt("archive", EncryptMode::Randomized, &item, b"same")?;
    /// assert_ne!(c, d); // randomized: a fresh nonce every time
    /// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - [`CryptoError::EncryptNotAllowed`] if the keyring is decrypt-only
    ///   ([`Keyring::read_only`]);
    /// - [`CryptoError::UnknownKey`] if the keyring has no key `key_name`.
    pub fn encrypt(
        &self,
        key_name: &str,
        mode: EncryptMode,
        aad: &Aad<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        if !self.access.may_encrypt() {
            return Err(CryptoError::EncryptNotAllowed {
                context: ValueContext::new(aad, key_name, self.primary_version(key_name)),
            });
        }
        let (version, key) = self
            .keys
            .get(key_name)
            .and_then(|named| {
                let version = named.primary()?;
                Some((version, named.versions.get(&version)?))
            })
            .ok_or_else(|| CryptoError::UnknownKey {
                context: ValueContext::new(aad, key_name, None),
            })?;
        let internal = |reason| CryptoError::Internal {
            context: ValueContext::new(aad, key_name, Some(version)),
            reason,
        };
        let mut cipher = key
            .cipher(aad.table, aad.attribute)
            .ok_or_else(|| internal("subkey derivation failed"))?;

        let header_len = header_len(key_name.len());
        let prefix_len = header_len + mode.nonce_len();
        let mut out = Vec::with_capacity(prefix_len + TAG_LEN + plaintext.len());
        write_header(&mut out, mode, key_name, version);
        if mode == EncryptMode::Randomized {
            let mut nonce = [0u8; NONCE_LEN];
            rand::rng().fill_bytes(&mut nonce);
            out.extend_from_slice(&nonce);
        }
        out.extend_from_slice(&[0u8; TAG_LEN]);
        out.extend_from_slice(plaintext);

        let (prefix, body) = out.split_at_mut(prefix_len);
        let (header, nonce) = prefix.split_at(header_len);
        let (tag_slot, ciphertext) = body.split_at_mut(TAG_LEN);
        let components = components(header, mode, aad, nonce);
        let tag = cipher
            .encrypt_inout_detached(components.iter(), ciphertext.into())
            .map_err(|_| internal("AES-SIV refused the input"))?;
        tag_slot.copy_from_slice(&tag);
        Ok(out)
    }

    /// Decrypts an envelope produced by [`Keyring::encrypt`] for the same key name and `aad`,
    /// using the key version named in the envelope.
    ///
    /// ```
    /// use dynamate::primitives::crypto::{Aad, CryptoError, EncryptMode, Keyring, RootKey};
    ///
    /// let keyring = Keyring::new().with_key("archive", 1, RootKey::from_bytes(&[9u8; 32])?)?;
    /// let aad = Aad::new("archives", "secret_message");
    /// let mut stored = keyring.encrypt("archive", EncryptMode::Deterministic, &aad, b"hi")?;
    /// assert_eq!(keyring.decrypt("archive", &aad, &stored)?, b"hi");
    ///
    /// *stored.last_mut().unwrap() ^= 1; // tamper with the ciphertext
    /// assert!(matches!(
    ///     keyring.decrypt("archive", &aad, &stored),
    ///     Err(CryptoError::AuthenticationFailed { .. })
    /// ));
    /// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - [`CryptoError::DecryptNotAllowed`]: the keyring is encrypt-only
    ///   ([`Keyring::write_only`]); checked first, before the envelope is read;
    /// - [`CryptoError::Truncated`], [`CryptoError::UnsupportedVersion`],
    ///   [`CryptoError::UnknownMode`], [`CryptoError::Malformed`]: not a well-formed envelope;
    /// - [`CryptoError::KeyNameMismatch`]: encrypted under another key name;
    /// - [`CryptoError::UnknownKey`], [`CryptoError::UnknownKeyVersion`]: the key or its version
    ///   is not in the keyring;
    /// - [`CryptoError::AuthenticationFailed`]: wrong key material, tampered bytes, or a value
    ///   moved from another item, attribute or table.
    pub fn decrypt(
        &self,
        key_name: &str,
        aad: &Aad<'_>,
        envelope: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        if !self.access.may_decrypt() {
            return Err(CryptoError::DecryptNotAllowed {
                context: ValueContext::new(aad, key_name, None),
            });
        }
        let parsed = parse(envelope, key_name, aad)?;
        let version = parsed.key_version;
        let context = || ValueContext::new(aad, key_name, Some(version));
        if parsed.key_name != key_name {
            return Err(CryptoError::KeyNameMismatch {
                context: context(),
                found: parsed.key_name.to_owned(),
            });
        }
        let named = self
            .keys
            .get(key_name)
            .ok_or_else(|| CryptoError::UnknownKey { context: context() })?;
        let key = named
            .versions
            .get(&version)
            .ok_or_else(|| CryptoError::UnknownKeyVersion {
                context: ValueContext::new(aad, key_name, None),
                version,
            })?;
        let mut cipher =
            key.cipher(aad.table, aad.attribute)
                .ok_or_else(|| CryptoError::Internal {
                    context: context(),
                    reason: "subkey derivation failed",
                })?;
        let components = components(parsed.header, parsed.mode, aad, parsed.nonce);
        let mut plaintext = parsed.ciphertext.to_vec();
        cipher
            .decrypt_inout_detached(
                components.iter(),
                plaintext.as_mut_slice().into(),
                &(*parsed.tag).into(),
            )
            .map_err(|_| CryptoError::AuthenticationFailed { context: context() })?;
        Ok(plaintext)
    }

    /// Whether `envelope` is under the primary version of key `key_name`; `false` means a
    /// rotation job should decrypt and re-encrypt it. Nothing is decrypted or authenticated.
    ///
    /// # Errors
    ///
    /// As [`envelope_key_id`](super::envelope_key_id) for malformed envelopes, plus
    /// [`CryptoError::KeyNameMismatch`] if the envelope names another key and
    /// [`CryptoError::UnknownKey`] if the keyring has no key `key_name`.
    pub fn uses_primary_version(
        &self,
        key_name: &str,
        aad: &Aad<'_>,
        envelope: &[u8],
    ) -> Result<bool, CryptoError> {
        let parsed = parse(envelope, key_name, aad)?;
        let context = || ValueContext::new(aad, key_name, Some(parsed.key_version));
        if parsed.key_name != key_name {
            return Err(CryptoError::KeyNameMismatch {
                context: context(),
                found: parsed.key_name.to_owned(),
            });
        }
        let primary = self
            .primary_version(key_name)
            .ok_or_else(|| CryptoError::UnknownKey { context: context() })?;
        Ok(parsed.key_version == primary)
    }
}

/// Associated-data components, in order, as fed to AES-SIV's S2V:
/// header, table, attribute, then in randomized mode the item key (if any) and the nonce last
/// (RFC 5297 section 3).
fn components<'a>(
    header: &'a [u8],
    mode: EncryptMode,
    aad: &Aad<'a>,
    nonce: &'a [u8],
) -> Components<'a> {
    let mut parts: [&[u8]; 5] = [
        header,
        aad.table.as_bytes(),
        aad.attribute.as_bytes(),
        &[],
        &[],
    ];
    let len = match (mode, aad.item_key) {
        (EncryptMode::Deterministic, _) => 3,
        (EncryptMode::Randomized, Some(item_key)) => {
            parts[3] = item_key;
            parts[4] = nonce;
            5
        }
        (EncryptMode::Randomized, None) => {
            parts[3] = nonce;
            4
        }
    };
    Components { parts, len }
}

struct Components<'a> {
    parts: [&'a [u8]; 5],
    len: usize,
}

impl<'a> Components<'a> {
    fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.parts.iter().take(self.len).copied()
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Versions<'a>(&'a NamedKey);
        impl fmt::Debug for Versions<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let versions: Vec<u32> = self.0.versions.keys().copied().collect();
                match self.0.primary() {
                    Some(primary) => write!(f, "{{ versions: {versions:?}, primary: {primary} }}"),
                    None => write!(f, "{{ versions: {versions:?}, primary: none }}"),
                }
            }
        }
        f.write_str("Keyring ")?;
        match self.access {
            KeyringAccess::EncryptAndDecrypt => {}
            KeyringAccess::DecryptOnly => f.write_str("(decrypt only) ")?,
            KeyringAccess::EncryptOnly => f.write_str("(encrypt only) ")?,
        }
        f.debug_map()
            .entries(
                self.keys
                    .iter()
                    .map(|(name, named)| (name, Versions(named))),
            )
            .finish()
    }
}
