//! The envelope byte layout (version 1):
//!
//! ```text
//! offset        size  field
//! 0             1     format version, 0x01
//! 1             1     mode: 0x01 deterministic, 0x02 randomized
//! 2             1     key name length n (1..=255)
//! 3             n     key name, UTF-8
//! 3+n           4     key version, u32 big-endian
//! 7+n           16    nonce (randomized mode only)
//! 7+n(+16)      16    AES-SIV synthetic IV (tag)
//! 23+n(+16)     rest  AES-SIV ciphertext, as long as the plaintext
//! ```
//!
//! Bytes `0..7+n` are the *header*; they are authenticated as the first associated-data
//! component.

use super::{Aad, CryptoError, ENVELOPE_VERSION, EncryptMode, KeyId, TAG_LEN, ValueContext};

/// Length of the header for a key name of `name_len` bytes.
pub(crate) const fn header_len(name_len: usize) -> usize {
    3 + name_len + 4
}

/// A parsed envelope, borrowing from the stored bytes.
#[derive(Debug)]
pub(crate) struct Parsed<'e> {
    /// The authenticated header (version through key version).
    pub header: &'e [u8],
    pub mode: EncryptMode,
    pub key_name: &'e str,
    pub key_version: u32,
    /// Empty in deterministic mode.
    pub nonce: &'e [u8],
    pub tag: &'e [u8; TAG_LEN],
    pub ciphertext: &'e [u8],
}

/// Appends the header for `mode`, `key_name` and `key_version` to `out`.
///
/// `key_name` must be 1..=255 bytes (the keyring guarantees it).
pub(crate) fn write_header(out: &mut Vec<u8>, mode: EncryptMode, key_name: &str, key_version: u32) {
    out.push(ENVELOPE_VERSION);
    out.push(mode.to_byte());
    // The keyring only holds names of 1..=255 bytes, so this never saturates.
    out.push(u8::try_from(key_name.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(key_name.as_bytes());
    out.extend_from_slice(&key_version.to_be_bytes());
}

/// Parses an envelope strictly. `expected_key` and `aad` only name the value in errors.
pub(crate) fn parse<'e>(
    envelope: &'e [u8],
    expected_key: &str,
    aad: &Aad<'_>,
) -> Result<Parsed<'e>, CryptoError> {
    let context = || ValueContext::new(aad, expected_key, None);
    let truncated = |needed: usize| CryptoError::Truncated {
        context: context(),
        len: envelope.len(),
        needed,
    };
    // The smallest possible envelope: deterministic, 1-byte key name, empty plaintext.
    let minimum = header_len(1) + TAG_LEN;

    let [version, rest @ ..] = envelope else {
        return Err(truncated(minimum));
    };
    if *version != ENVELOPE_VERSION {
        return Err(CryptoError::UnsupportedVersion {
            context: context(),
            version: *version,
        });
    }
    let [mode_byte, name_len, rest @ ..] = rest else {
        return Err(truncated(minimum));
    };
    let mode = EncryptMode::from_byte(*mode_byte).ok_or_else(|| CryptoError::UnknownMode {
        context: context(),
        mode: *mode_byte,
    })?;
    let name_len = usize::from(*name_len);
    if name_len == 0 {
        return Err(CryptoError::Malformed {
            context: context(),
            reason: "the key name is empty",
        });
    }
    let header_len = header_len(name_len);
    let needed = header_len + mode.nonce_len() + TAG_LEN;
    if envelope.len() < needed {
        return Err(truncated(needed));
    }
    let (name, rest) = rest.split_at(name_len);
    let key_name = std::str::from_utf8(name).map_err(|_| CryptoError::Malformed {
        context: context(),
        reason: "the key name is not UTF-8",
    })?;
    let (version_bytes, rest) = rest.split_at(4);
    let key_version = u32::from_be_bytes([
        version_bytes[0],
        version_bytes[1],
        version_bytes[2],
        version_bytes[3],
    ]);
    let (nonce, rest) = rest.split_at(mode.nonce_len());
    let (tag, ciphertext) = rest.split_at(TAG_LEN);
    let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| truncated(needed))?;
    Ok(Parsed {
        header: &envelope[..header_len],
        mode,
        key_name,
        key_version,
        nonce,
        tag,
        ciphertext,
    })
}

/// The key name and version an envelope was encrypted under, without decrypting it.
///
/// A rotation job uses this to skip values already under the primary key version (see also
/// [`Keyring::uses_primary_version`](super::Keyring::uses_primary_version)). `aad` only names
/// the value in errors; nothing is authenticated here, so treat the answer as a hint until the
/// value decrypts.
///
/// ```
/// use dynamate::primitives::crypto::{envelope_key_id, Aad, EncryptMode, KeyId, Keyring, RootKey};
///
/// let keyring = Keyring::new().with_key("archive", 7, RootKey::from_bytes(&[1u8; 32])?)?;
/// let aad = Aad::new("archives", "secret_message");
/// let stored = keyring.encrypt("archive", EncryptMode::Deterministic, &aad, b"hi")?;
/// assert_eq!(
///     envelope_key_id(&aad, &stored)?,
///     KeyId { name: "archive".into(), version: 7 }
/// );
/// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
/// ```
///
/// # Errors
///
/// [`CryptoError::Truncated`], [`CryptoError::UnsupportedVersion`],
/// [`CryptoError::UnknownMode`] or [`CryptoError::Malformed`] if the bytes are not a
/// well-formed envelope.
pub fn envelope_key_id(aad: &Aad<'_>, envelope: &[u8]) -> Result<KeyId, CryptoError> {
    let parsed = parse(envelope, "", aad)?;
    Ok(KeyId {
        name: parsed.key_name.to_owned(),
        version: parsed.key_version,
    })
}
