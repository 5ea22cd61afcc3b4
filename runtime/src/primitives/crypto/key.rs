//! Root keys: 32 bytes of secret material, loaded from bytes, text, the environment, a file
//! or a passphrase, and wiped from memory on drop.

use std::fmt;
use std::path::Path;

use base64ct::{Base64, Base64Unpadded, Base64Url, Base64UrlUnpadded, Encoding};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::CryptoError;

/// Length of a root key in bytes.
pub const ROOT_KEY_LEN: usize = 32;

/// Argon2id memory cost used by [`RootKey::from_passphrase`], in KiB (64 MiB).
///
/// With [`PASSPHRASE_ITERATIONS`] and [`PASSPHRASE_PARALLELISM`] these are the second
/// recommended option of RFC 9106 (section 4). They are part of the storage format: changing
/// them changes every passphrase-derived key.
pub const PASSPHRASE_MEMORY_KIB: u32 = 64 * 1024;

/// Argon2id number of passes used by [`RootKey::from_passphrase`].
pub const PASSPHRASE_ITERATIONS: u32 = 3;

/// Argon2id degree of parallelism (lanes) used by [`RootKey::from_passphrase`].
pub const PASSPHRASE_PARALLELISM: u32 = 4;

/// The shortest salt [`RootKey::from_passphrase`] accepts, in bytes (RFC 9106 recommends 16).
pub const PASSPHRASE_MIN_SALT_LEN: usize = 16;

/// A 32-byte root key, from which per-attribute encryption keys are derived.
///
/// The bytes live on the heap (so moving a `RootKey` does not leave copies behind) and are
/// overwritten with zeros when it is dropped. `Debug` prints `RootKey(<redacted>)`; no error
/// message ever contains the key.
///
/// Generate a key with any CSPRNG, for example `openssl rand -hex 32` or
/// `head -c 32 /dev/urandom | base64`, and keep it in a secret store.
///
/// ```
/// use dynamate::primitives::crypto::RootKey;
///
/// let hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// let from_hex = RootKey::from_hex(hex)?;
/// let from_b64 = RootKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
/// let from_bytes = RootKey::from_bytes(&(0u8..32).collect::<Vec<_>>())?;
/// assert_eq!(format!("{from_hex:?}"), "RootKey(<redacted>)");
/// # let _ = (from_b64, from_bytes);
/// assert!(RootKey::from_bytes(&[0u8; 16]).is_err());
/// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
/// ```
pub struct RootKey {
    bytes: Box<[u8; ROOT_KEY_LEN]>,
}

impl RootKey {
    fn zeroed() -> Self {
        RootKey {
            bytes: Box::new([0u8; ROOT_KEY_LEN]),
        }
    }

    /// The raw key bytes. Crate-private: key material never leaves the crate.
    pub(crate) fn expose(&self) -> &[u8; ROOT_KEY_LEN] {
        &self.bytes
    }

    /// A root key from exactly 32 raw bytes.
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKey`] if `bytes` is not 32 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != ROOT_KEY_LEN {
            return Err(invalid(format!(
                "expected {ROOT_KEY_LEN} bytes of key material, got {} bytes",
                bytes.len()
            )));
        }
        let mut key = Self::zeroed();
        key.bytes.copy_from_slice(bytes);
        Ok(key)
    }

    /// A root key from 64 hexadecimal characters (either case; surrounding whitespace is
    /// ignored).
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKey`] if the text is not 64 hex characters.
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        if text.len() != 2 * ROOT_KEY_LEN {
            return Err(invalid(format!(
                "expected {} hexadecimal characters ({ROOT_KEY_LEN} bytes), got {} characters",
                2 * ROOT_KEY_LEN,
                text.len()
            )));
        }
        let mut key = Self::zeroed();
        match base16ct::mixed::decode(text, &mut key.bytes[..]) {
            Ok(out) if out.len() == ROOT_KEY_LEN => Ok(key),
            _ => Err(invalid(
                "the text is not valid hexadecimal (only 0-9, a-f and A-F are allowed)".into(),
            )),
        }
    }

    /// A root key from the base64 encoding of 32 bytes (standard or URL-safe alphabet, with
    /// or without padding; surrounding whitespace is ignored).
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKey`] if the text is not base64 or does not decode to 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        // Room for a little more than a key, so a too-long input is reported by its length.
        let mut buf = Zeroizing::new([0u8; 2 * ROOT_KEY_LEN]);
        let decoded = Base64::decode(text, &mut buf[..])
            .map(<[u8]>::len)
            .or_else(|_| Base64Unpadded::decode(text, &mut buf[..]).map(<[u8]>::len))
            .or_else(|_| Base64Url::decode(text, &mut buf[..]).map(<[u8]>::len))
            .or_else(|_| Base64UrlUnpadded::decode(text, &mut buf[..]).map(<[u8]>::len));
        match decoded {
            Ok(len) => Self::from_bytes(&buf[..len]),
            Err(_) => Err(invalid(format!(
                "the text ({} characters) is not the base64 encoding of {ROOT_KEY_LEN} bytes",
                text.len()
            ))),
        }
    }

    /// A root key from text that is either hex ([`RootKey::from_hex`]) or base64
    /// ([`RootKey::from_base64`]), detected automatically: exactly 64 characters after trimming
    /// means hex (base64 of 32 bytes is 43 or 44 characters).
    ///
    /// ```
    /// use dynamate::primitives::crypto::RootKey;
    ///
    /// RootKey::from_encoded("  AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")?;
    /// RootKey::from_encoded(&"ab".repeat(32))?;
    /// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKey`] if the text is neither.
    pub fn from_encoded(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        if text.len() == 2 * ROOT_KEY_LEN {
            Self::from_hex(text)
        } else {
            Self::from_base64(text)
        }
    }

    /// A root key from the environment variable `var`, holding hex or base64
    /// (see [`RootKey::from_encoded`]).
    ///
    /// ```standalone_crate
    /// use dynamate::primitives::crypto::RootKey;
    ///
    /// // SAFETY: this example runs as its own single-threaded process.
    /// unsafe { std::env::set_var("DOC_ARCHIVE_KEY", "ab".repeat(32)) };
    /// let key = RootKey::from_env("DOC_ARCHIVE_KEY")?;
    /// assert!(RootKey::from_env("DOC_NOT_SET_ANYWHERE").is_err());
    /// # let _ = key;
    /// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKey`] if the variable is unset, not UTF-8, or not a valid key.
    pub fn from_env(var: &str) -> Result<Self, CryptoError> {
        match std::env::var(var) {
            Ok(value) => {
                let value = Zeroizing::new(value);
                Self::from_encoded(&value).map_err(|err| match err {
                    CryptoError::InvalidKey { reason } => {
                        invalid(format!("environment variable `{var}`: {reason}"))
                    }
                    other => other,
                })
            }
            Err(std::env::VarError::NotPresent) => {
                Err(invalid(format!("environment variable `{var}` is not set")))
            }
            Err(std::env::VarError::NotUnicode(raw)) => {
                raw.into_encoded_bytes().zeroize();
                Err(invalid(format!(
                    "environment variable `{var}` is not valid UTF-8; expected hex or base64"
                )))
            }
        }
    }

    /// A root key from a file holding hex or base64 text (see [`RootKey::from_encoded`]);
    /// surrounding whitespace, such as a trailing newline, is ignored.
    ///
    /// ```
    /// use dynamate::primitives::crypto::RootKey;
    ///
    /// let path = std::env::temp_dir().join(format!("dynamate-doc-key-{}", std::process::id()));
    /// std::fs::write(&path, format!("{}\n", "0f".repeat(32))).unwrap();
    /// let key = RootKey::from_file(&path);
    /// std::fs::remove_file(&path).unwrap();
    /// key?;
    /// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKey`] if the file cannot be read, is not UTF-8 text, or does not
    /// hold a valid key.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, CryptoError> {
        let path = path.as_ref();
        let raw = Zeroizing::new(std::fs::read(path).map_err(|err| {
            invalid(format!(
                "could not read key file `{}`: {err}",
                path.display()
            ))
        })?);
        let text = std::str::from_utf8(&raw).map_err(|_| {
            invalid(format!(
                "key file `{}` is not UTF-8 text; expected hex or base64",
                path.display()
            ))
        })?;
        Self::from_encoded(text).map_err(|err| match err {
            CryptoError::InvalidKey { reason } => {
                invalid(format!("key file `{}`: {reason}", path.display()))
            }
            other => other,
        })
    }

    /// A root key derived from a passphrase with Argon2id (version 0x13).
    ///
    /// Parameters: memory [`PASSPHRASE_MEMORY_KIB`] KiB (64 MiB), [`PASSPHRASE_ITERATIONS`]
    /// passes, [`PASSPHRASE_PARALLELISM`] lanes, 32-byte output, no secret, no associated data.
    /// The lanes are computed one after another, so this takes a few hundred milliseconds in
    /// an optimized build: derive the key once at startup, not per request.
    ///
    /// The salt must be the same every time the key is derived (store it beside the
    /// configuration; it need not be secret) and should be unique per deployment and key, at
    /// least [`PASSPHRASE_MIN_SALT_LEN`] bytes. A passphrase-derived key is only as strong as the
    /// passphrase: prefer a random key from [`RootKey::from_env`] or [`RootKey::from_file`].
    ///
    /// ```
    /// use dynamate::primitives::crypto::RootKey;
    ///
    /// let key = RootKey::from_passphrase("correct horse battery staple", "myapp/prod/archive")?;
    /// assert!(RootKey::from_passphrase("pw", "short").is_err());
    /// # let _ = key;
    /// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKey`] if the passphrase is empty, the salt is shorter than
    /// [`PASSPHRASE_MIN_SALT_LEN`], or Argon2 fails (for example out of memory).
    pub fn from_passphrase(
        passphrase: impl AsRef<[u8]>,
        salt: impl AsRef<[u8]>,
    ) -> Result<Self, CryptoError> {
        let (passphrase, salt) = (passphrase.as_ref(), salt.as_ref());
        if passphrase.is_empty() {
            return Err(invalid("the passphrase is empty".into()));
        }
        if salt.len() < PASSPHRASE_MIN_SALT_LEN {
            return Err(invalid(format!(
                "the passphrase salt is {} bytes; at least {PASSPHRASE_MIN_SALT_LEN} are required",
                salt.len()
            )));
        }
        let params = argon2::Params::new(
            PASSPHRASE_MEMORY_KIB,
            PASSPHRASE_ITERATIONS,
            PASSPHRASE_PARALLELISM,
            Some(ROOT_KEY_LEN),
        )
        .map_err(|err| invalid(format!("argon2id parameters rejected: {err}")))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key = Self::zeroed();
        argon
            .hash_password_into(passphrase, salt, &mut key.bytes[..])
            .map_err(|err| invalid(format!("argon2id key derivation failed: {err}")))?;
        Ok(key)
    }
}

impl Drop for RootKey {
    fn drop(&mut self) {
        self.bytes.as_mut_slice().zeroize();
    }
}

impl ZeroizeOnDrop for RootKey {}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

fn invalid(reason: String) -> CryptoError {
    CryptoError::InvalidKey { reason }
}
