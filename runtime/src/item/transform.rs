//! Attribute transforms: the pipeline a declared attribute goes through on its way to DynamoDB,
//! always in this order: **serialize -> compress -> encrypt -> offload**.
//!
//! Two types, one per side of the pipeline: a [`TransformSpec`] is what the schema *declares* for
//! one attribute (compress? encrypt with which key? offload where?), a constant in generated
//! code; a [`TransformContext`] is what the pipeline *needs at run time* to apply those
//! declarations (the keyring for encrypted attributes, limits, S3 bucket overrides), one per
//! client.
//!
//! Stored forms of a transformed attribute:
//! - `B`: the pipeline's bytes, inline in the item (compressed and/or encrypted);
//! - `M` `{ "s3": S, "size": N, "sha256": S }`: a pointer to an S3 object holding those bytes
//!   (offloaded attributes whose stored size reaches the threshold). The DynamoDB type alone tells
//!   the two apart.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use sha2::{Digest, Sha256};

pub use crate::item::error::TransformError;
use crate::item::error::{CodecError, ValueError};
use crate::primitives::codec::Codec;
use crate::primitives::compress;
pub use crate::primitives::crypto::EncryptMode;
use crate::primitives::crypto::{Aad, ENVELOPE_VERSION, Keyring, envelope_key_id};
use crate::primitives::pynamodb_mate::{self, PynamodbMateKey};

/// Encryption of one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encrypt {
    /// Deterministic or randomized.
    pub mode: EncryptMode,
    /// Name of the key in the keyring; the key material never appears in the schema.
    pub key: &'static str,
}

/// Offloading of one attribute's stored bytes to S3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offload {
    /// Bucket from the schema; can be overridden at run time.
    pub bucket: &'static str,
    /// Key prefix; objects live under `{prefix}/{table}/{attribute}/{sha256}`, where `table` is
    /// the table's run-time name (with the client's table prefix and suffix).
    pub prefix: &'static str,
    /// Offload only values whose stored size is at least this many bytes; `0` offloads always.
    pub threshold: u64,
}

/// How an attribute uses pynamodb_mate's stored formats (schema key `pynamodb_mate`). See
/// `docs/storage-formats.md`, "pynamodb_mate formats": they are weaker than dynamate's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PynamodbMate {
    /// Reads both formats and writes pynamodb_mate's (gzip instead of snappy, AES-ECB or
    /// AES-CTR under the keyring's pynamodb_mate password instead of AES-SIV): a table shared
    /// with a Python service.
    Shared,
    /// Reads both formats and writes dynamate's: moving a table off pynamodb_mate.
    Migrate,
}

/// The transforms the schema declares for one attribute: a constant of generated code. The
/// run-time half, keys and overrides, is [`TransformContext`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransformSpec {
    /// Compress with snappy.
    pub compress: bool,
    /// Encrypt with a named key.
    pub encrypt: Option<Encrypt>,
    /// Store the bytes in S3 and keep a pointer in the item.
    pub offload: Option<Offload>,
    /// Whether pynamodb_mate's formats are read (and, when shared, written); `None`:
    /// dynamate's format only.
    pub pynamodb_mate: Option<PynamodbMate>,
}

impl TransformSpec {
    /// No transform: the value is stored with its natural DynamoDB type.
    pub const NONE: TransformSpec = TransformSpec {
        compress: false,
        encrypt: None,
        offload: None,
        pynamodb_mate: None,
    };

    /// Whether values are written in pynamodb_mate's format.
    #[inline]
    pub fn writes_pynamodb_mate(&self) -> bool {
        self.pynamodb_mate == Some(PynamodbMate::Shared)
    }

    /// Whether the value is stored as-is.
    #[inline]
    pub fn is_none(&self) -> bool {
        !self.compress && self.encrypt.is_none() && self.offload.is_none()
    }
}

/// The stored form of one transformed value.
#[derive(Debug)]
pub enum Encoded {
    /// Stored in the item.
    Inline(AttributeValue),
    /// Stored in S3; the item holds `pointer`, and `upload` must succeed first.
    Offloaded {
        /// The `M` pointer written into the item.
        pointer: AttributeValue,
        /// The object to upload.
        upload: PendingUpload,
    },
}

/// An S3 object that must exist before the item pointing at it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    /// DynamoDB table name as declared in the schema (the object key has the run-time name).
    pub table: &'static str,
    /// Attribute the object belongs to.
    pub attribute: &'static str,
    /// Bucket (after run-time overrides).
    pub bucket: String,
    /// Object key: `{prefix}/{run-time table name}/{attribute}/{sha256 hex}`.
    pub key: String,
    /// Lowercase hex SHA-256 of `bytes`.
    pub sha256: String,
    /// The stored bytes (compressed and/or encrypted).
    pub bytes: Vec<u8>,
}

impl PendingUpload {
    /// `s3://bucket/key`.
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// An S3 pointer read from an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    /// Bucket.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Size of the object in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the object.
    pub sha256: String,
}

impl Pointer {
    /// Attribute names inside the pointer map.
    const URI: &'static str = "s3";
    const SIZE: &'static str = "size";
    const SHA256: &'static str = "sha256";

    /// `s3://bucket/key`.
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// Reads a pointer from its stored `M` form; `None` if `value` is not a pointer (inline `B`).
    pub fn from_stored(value: &AttributeValue) -> Option<Result<Pointer, TransformError>> {
        let AttributeValue::M(map) = value else {
            return None;
        };
        Some(Self::from_map(map))
    }

    fn from_map(map: &HashMap<String, AttributeValue>) -> Result<Pointer, TransformError> {
        let bad = |reason: &str| TransformError::BadPointer {
            reason: reason.to_string(),
        };
        let text = |name: &str| match map.get(name) {
            Some(AttributeValue::S(s)) => Ok(s.clone()),
            _ => Err(bad(&format!("`{name}` is missing or not a string"))),
        };
        let uri = text(Self::URI)?;
        let (bucket, key) = uri
            .strip_prefix("s3://")
            .and_then(|rest| rest.split_once('/'))
            .ok_or_else(|| bad("the URI is not s3://bucket/key"))?;
        let size = match map.get(Self::SIZE) {
            Some(AttributeValue::N(n)) => n.parse().map_err(|_| bad("`size` is not an integer"))?,
            _ => return Err(bad("`size` is missing or not a number")),
        };
        Ok(Pointer {
            bucket: bucket.to_string(),
            key: key.to_string(),
            size,
            sha256: text(Self::SHA256)?,
        })
    }

    fn to_stored(&self) -> AttributeValue {
        AttributeValue::M(HashMap::from([
            (Self::URI.to_string(), AttributeValue::S(self.uri())),
            (
                Self::SIZE.to_string(),
                AttributeValue::N(self.size.to_string()),
            ),
            (
                Self::SHA256.to_string(),
                AttributeValue::S(self.sha256.clone()),
            ),
        ]))
    }
}

/// The key prefix of one attribute's objects: `{prefix}/{table}/{attribute}/` (without the
/// leading `{prefix}/` when the prefix is empty). Object keys append the SHA-256 in hex.
pub(crate) fn object_prefix(prefix: &str, table: &str, attribute: &str) -> String {
    if prefix.is_empty() {
        format!("{table}/{attribute}/")
    } else {
        format!("{prefix}/{table}/{attribute}/")
    }
}

/// Whether `text` is a SHA-256 in lowercase hex, as [`sha256_hex`] writes it.
fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Lowercase hex SHA-256, as offload pointers and object keys record it. Low-level: public so
/// that tools and tests can check an object against its pointer.
pub fn sha256_hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(&Sha256::digest(bytes))
}

/// Run-time context of the transform pipeline.
///
/// The default context handles plain and compressed attributes; encrypted attributes need a
/// keyring, and offloaded ones are uploaded and fetched by [`crate::Client`].
///
/// ```
/// use dynamate::TransformContext;
/// use dynamate::primitives::crypto::{Keyring, RootKey};
/// let keyring = Keyring::new().with_key("archive", 1, RootKey::from_bytes(&[7; 32])?)?;
/// let transforms = TransformContext::new().with_keyring(keyring);
/// # Ok::<(), dynamate::primitives::crypto::CryptoError>(())
/// ```
#[derive(Debug, Clone)]
pub struct TransformContext {
    keyring: Option<Arc<Keyring>>,
    max_decompressed_len: usize,
    bucket_overrides: BTreeMap<String, String>,
    prefix_overrides: BTreeMap<String, String>,
    table_prefix: String,
    table_suffix: String,
    legacy_object_keys: bool,
}

impl Default for TransformContext {
    fn default() -> Self {
        Self::new()
    }
}

static NO_TRANSFORMS: std::sync::LazyLock<TransformContext> =
    std::sync::LazyLock::new(TransformContext::new);

impl TransformContext {
    /// A context without keyring, with the default decompression limit
    /// ([`compress::DEFAULT_MAX_DECOMPRESSED_LEN`]) and no bucket overrides.
    pub fn new() -> Self {
        TransformContext {
            keyring: None,
            max_decompressed_len: compress::DEFAULT_MAX_DECOMPRESSED_LEN,
            bucket_overrides: BTreeMap::new(),
            prefix_overrides: BTreeMap::new(),
            table_prefix: String::new(),
            table_suffix: String::new(),
            legacy_object_keys: true,
        }
    }

    /// The shared default context.
    pub fn none() -> &'static TransformContext {
        &NO_TRANSFORMS
    }

    /// Uses `keyring` for encrypted attributes.
    pub fn with_keyring(mut self, keyring: impl Into<Arc<Keyring>>) -> Self {
        self.keyring = Some(keyring.into());
        self
    }

    /// The keyring, if one is configured.
    pub fn keyring(&self) -> Option<&Keyring> {
        self.keyring.as_deref()
    }

    /// Rejects compressed values that declare more than `limit` bytes once decompressed.
    pub fn with_max_decompressed_len(mut self, limit: usize) -> Self {
        self.max_decompressed_len = limit;
        self
    }

    /// Offloads to bucket `actual` wherever a schema names bucket `declared` (per environment).
    pub fn with_bucket_override(
        mut self,
        declared: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        self.bucket_overrides.insert(declared.into(), actual.into());
        self
    }

    /// Offloads under key prefix `actual` wherever a schema declares prefix `declared` (per
    /// environment: environments sharing a bucket then keep their objects, and their sweeps,
    /// apart).
    pub fn with_prefix_override(
        mut self,
        declared: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        self.prefix_overrides.insert(declared.into(), actual.into());
        self
    }

    /// Whether reads follow pointers to objects under the table name *as declared in the
    /// schema* (`{prefix}/{declared table}/{attribute}/{sha256}`), where earlier versions of
    /// dynamate stored every table's objects whatever its run-time table prefix or suffix.
    /// Default: `true`, so items those versions wrote stay readable; pass `false` once no item
    /// points there any more. Only the same bucket, prefix and attribute are accepted either
    /// way, and writes and the sweep always use the run-time name. See
    /// `docs/storage-formats.md`, "Objects written by earlier versions".
    pub fn with_legacy_object_keys(mut self, accept: bool) -> Self {
        self.legacy_object_keys = accept;
        self
    }

    /// Names tables at run time `{prefix}{declared}{suffix}` (the client's table prefix and
    /// suffix, set by [`crate::ClientBuilder`]).
    pub(crate) fn with_table_affixes(mut self, prefix: String, suffix: String) -> Self {
        self.table_prefix = prefix;
        self.table_suffix = suffix;
        self
    }

    /// The run-time name of the table declared as `declared`: with the client's table prefix
    /// and suffix. Object keys of offloaded attributes use this name.
    pub(crate) fn table_name(&self, declared: &str) -> String {
        // Every operation names its table: one exact allocation, no formatting machinery.
        [
            self.table_prefix.as_str(),
            declared,
            self.table_suffix.as_str(),
        ]
        .concat()
    }

    /// Bucket and key prefix of the objects that attribute `attribute` of the table declared as
    /// `table` writes: `{prefix}/{run-time table name}/{attribute}/`, after overrides.
    pub fn object_location(
        &self,
        table: &str,
        attribute: &str,
        offload: &Offload,
    ) -> (String, String) {
        let prefix = self.prefix_for(offload);
        let key_prefix = object_prefix(prefix, &self.table_name(table), attribute);
        (self.bucket_for(offload).to_string(), key_prefix)
    }

    /// Whether a read of attribute `attribute` of the table declared as `table` may follow
    /// `pointer`: only if this attribute could have written it, that is, in this context's bucket
    /// for `offload`, at exactly `{object prefix}{the SHA-256 the pointer records}` (the object
    /// prefix of [`TransformContext::object_location`], or its declared-name form, see
    /// [`TransformContext::with_legacy_object_keys`]).
    pub fn accepts_pointer(
        &self,
        table: &str,
        attribute: &str,
        offload: &Offload,
        pointer: &Pointer,
    ) -> bool {
        let (bucket, key_prefix) = self.object_location(table, attribute, offload);
        let under = |key_prefix: &str| {
            pointer.key.strip_prefix(key_prefix) == Some(pointer.sha256.as_str())
        };
        let legacy = || object_prefix(self.prefix_for(offload), table, attribute);
        pointer.bucket == bucket
            && is_sha256_hex(&pointer.sha256)
            && (under(&key_prefix) || (self.legacy_object_keys && under(&legacy())))
    }

    /// The key prefix objects of `offload` go under, after overrides.
    pub fn prefix_for<'a>(&'a self, offload: &'a Offload) -> &'a str {
        self.prefix_overrides
            .get(offload.prefix)
            .map_or(offload.prefix, String::as_str)
    }

    /// The bucket objects of `offload` go to, after overrides.
    pub fn bucket_for<'a>(&'a self, offload: &'a Offload) -> &'a str {
        self.bucket_overrides
            .get(offload.bucket)
            .map_or(offload.bucket, String::as_str)
    }

    /// Runs the pipeline forward on a present value. `item_key` is the canonical primary key,
    /// needed by randomized encryption.
    pub(crate) fn encode<C: Codec>(
        &self,
        table: &'static str,
        attribute: &'static str,
        transform: &TransformSpec,
        item_key: Option<&[u8]>,
        value: &C::Value,
    ) -> Result<Encoded, CodecError> {
        self.encode_bytes(
            table,
            attribute,
            transform,
            item_key,
            serialize::<C>(transform, value)?,
        )
    }

    /// Runs the pipeline forward on already serialized bytes (`Codec::to_bytes`): what
    /// [`TransformContext::encode`] does after serializing, shared with expression operands so a
    /// condition on a compressed or deterministically encrypted attribute compares stored forms.
    pub(crate) fn encode_bytes(
        &self,
        table: &'static str,
        attribute: &'static str,
        transform: &TransformSpec,
        item_key: Option<&[u8]>,
        mut bytes: Vec<u8>,
    ) -> Result<Encoded, CodecError> {
        if transform.writes_pynamodb_mate() {
            return Ok(Encoded::Inline(AttributeValue::B(Blob::new(
                self.pynamodb_mate_encode(transform, bytes)?,
            ))));
        }
        if transform.compress {
            bytes = compress::compress(&bytes);
        }
        if let Some(encrypt) = &transform.encrypt {
            let aad = aad(table, attribute, item_key);
            bytes = self
                .keyring_for(encrypt)?
                .encrypt(encrypt.key, encrypt.mode, &aad, &bytes)
                .map_err(TransformError::from)?;
        }
        match &transform.offload {
            Some(offload) if bytes.len() as u64 >= offload.threshold => {
                Ok(self.offloaded(table, attribute, offload, bytes))
            }
            _ => Ok(Encoded::Inline(AttributeValue::B(Blob::new(bytes)))),
        }
    }

    fn offloaded(
        &self,
        table: &'static str,
        attribute: &'static str,
        offload: &Offload,
        bytes: Vec<u8>,
    ) -> Encoded {
        let sha256 = sha256_hex(&bytes);
        let (bucket, prefix) = self.object_location(table, attribute, offload);
        let upload = PendingUpload {
            table,
            attribute,
            bucket,
            key: format!("{prefix}{sha256}"),
            sha256,
            bytes,
        };
        let pointer = Pointer {
            bucket: upload.bucket.clone(),
            key: upload.key.clone(),
            size: upload.bytes.len() as u64,
            sha256: upload.sha256.clone(),
        };
        Encoded::Offloaded {
            pointer: pointer.to_stored(),
            upload,
        }
    }

    /// Runs the pipeline backwards on a stored value (offloaded values must have been fetched
    /// and replaced by their bytes already).
    pub(crate) fn decode<C: Codec>(
        &self,
        table: &'static str,
        attribute: &'static str,
        transform: &TransformSpec,
        item_key: Option<&[u8]>,
        stored: AttributeValue,
    ) -> Result<C::Value, CodecError> {
        if let Some(pointer) = Pointer::from_stored(&stored) {
            let error = match pointer {
                Ok(pointer) => TransformError::NotFetched { uri: pointer.uri() },
                Err(error) => error,
            };
            return Err(error.into());
        }
        let AttributeValue::B(blob) = stored else {
            return Err(ValueError::WrongType {
                expected: "B",
                found: crate::primitives::codec::type_name(&stored),
            }
            .into());
        };
        let mut bytes = blob.into_inner();
        let aad_ = aad(table, attribute, item_key);
        match legacy_format(transform, &aad_, &bytes) {
            Some(format) if transform.pynamodb_mate.is_some() => {
                let plaintext = self.pynamodb_mate_decode(transform, format, &bytes)?;
                return Ok(C::from_pynamodb_mate_bytes(&plaintext)?);
            }
            Some(format) => {
                return Err(TransformError::PynamodbMateValue {
                    attribute,
                    format: format.name(),
                }
                .into());
            }
            None => {}
        }
        if let Some(encrypt) = &transform.encrypt {
            let aad = aad_;
            bytes = self
                .keyring_for(encrypt)?
                .decrypt(encrypt.key, &aad, &bytes)
                .map_err(TransformError::from)?;
        }
        if transform.compress {
            bytes = compress::decompress(&bytes, self.max_decompressed_len)
                .map_err(TransformError::from)?;
        }
        Ok(C::from_bytes(&bytes)?)
    }

    /// pynamodb_mate's compression or encryption of `bytes` (the validator allows one of the
    /// two, never both, and no offload).
    fn pynamodb_mate_encode(
        &self,
        transform: &TransformSpec,
        bytes: Vec<u8>,
    ) -> Result<Vec<u8>, TransformError> {
        Ok(match &transform.encrypt {
            Some(encrypt) => {
                let key = self.pynamodb_mate_key(encrypt)?;
                match encrypt.mode {
                    EncryptMode::Deterministic => key.encrypt_ecb(&bytes),
                    EncryptMode::Randomized => key.encrypt_ctr(&bytes),
                }
            }
            None if transform.compress => pynamodb_mate::gzip_compress(&bytes),
            None => bytes,
        })
    }

    fn pynamodb_mate_decode(
        &self,
        transform: &TransformSpec,
        format: LegacyFormat,
        stored: &[u8],
    ) -> Result<Vec<u8>, TransformError> {
        let key = || match &transform.encrypt {
            Some(encrypt) => self.pynamodb_mate_key(encrypt),
            None => unreachable!("only encrypted attributes have encrypted formats"),
        };
        Ok(match format {
            LegacyFormat::Gzip => {
                pynamodb_mate::gzip_decompress(stored, self.max_decompressed_len)?
            }
            LegacyFormat::Ecb => key()?.decrypt_ecb(stored)?,
            LegacyFormat::Ctr => key()?.decrypt_ctr(stored)?,
        })
    }

    fn pynamodb_mate_key(&self, encrypt: &Encrypt) -> Result<&PynamodbMateKey, TransformError> {
        self.keyring_for(encrypt)?
            .pynamodb_mate_key(encrypt.key)
            .ok_or(TransformError::NoPynamodbMatePassword { key: encrypt.key })
    }

    fn keyring_for(&self, encrypt: &Encrypt) -> Result<&Keyring, TransformError> {
        self.keyring
            .as_deref()
            .ok_or(TransformError::NoKeyring { key: encrypt.key })
    }
}

/// The first step of the pipeline: the value's bytes, as pynamodb_mate serializes them for an
/// attribute that writes its format, else dynamate's ([`Codec::to_bytes`]).
pub(crate) fn serialize<C: Codec>(
    transform: &TransformSpec,
    value: &C::Value,
) -> Result<Vec<u8>, ValueError> {
    if transform.writes_pynamodb_mate() {
        C::to_pynamodb_mate_bytes(value)
    } else {
        C::to_bytes(value)
    }
}

/// One of pynamodb_mate's stored formats of a `B` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LegacyFormat {
    Gzip,
    Ecb,
    Ctr,
}

impl LegacyFormat {
    fn name(self) -> &'static str {
        match self {
            LegacyFormat::Gzip => "gzip (compressed attribute)",
            LegacyFormat::Ecb => {
                "AES-ECB (encrypted attribute: it is not a dynamate envelope, and its length fits \
                 pynamodb_mate's deterministic encryption)"
            }
            LegacyFormat::Ctr => "AES-CTR JSON (randomized encrypted attribute)",
        }
    }
}

/// Which pynamodb_mate format `stored` has, if it is not dynamate's: for an encrypted
/// attribute, anything but a well-formed dynamate envelope of this attribute's key name (the
/// CTR form is JSON text; ECB ciphertext is a multiple of 16 bytes); for a compressed one, gzip
/// (dynamate's compressed values start with a `0x00` or `0x01` format byte, gzip with `1f 8b`).
fn legacy_format(transform: &TransformSpec, aad: &Aad<'_>, stored: &[u8]) -> Option<LegacyFormat> {
    match &transform.encrypt {
        Some(encrypt) => {
            let ours = envelope_key_id(aad, stored).is_ok_and(|id| id.name == encrypt.key);
            if ours {
                None
            } else if pynamodb_mate::is_ctr_json(stored) {
                Some(LegacyFormat::Ctr)
            } else if !stored.is_empty()
                && stored.len().is_multiple_of(16)
                && (transform.pynamodb_mate.is_some() || stored[0] != ENVELOPE_VERSION)
            {
                // Where the schema does not declare pynamodb_mate, a damaged dynamate envelope
                // (its version byte intact) keeps its own error rather than this guess.
                Some(LegacyFormat::Ecb)
            } else {
                None
            }
        }
        None if transform.compress && pynamodb_mate::is_gzip(stored) => Some(LegacyFormat::Gzip),
        None => None,
    }
}

/// Whether `stored`, the `B` value of attribute `attribute` of the table declared as `table`,
/// is in one of pynamodb_mate's formats rather than dynamate's (see `docs/storage-formats.md`,
/// "pynamodb_mate formats", for how they are told apart).
pub(crate) fn is_pynamodb_mate_value(
    transform: &TransformSpec,
    table: &str,
    attribute: &str,
    stored: &[u8],
) -> bool {
    legacy_format(transform, &Aad::new(table, attribute), stored).is_some()
}

fn aad<'a>(table: &'a str, attribute: &'a str, item_key: Option<&'a [u8]>) -> Aad<'a> {
    let aad = Aad::new(table, attribute);
    match item_key {
        Some(key) => aad.with_item_key(key),
        None => aad,
    }
}

#[cfg(test)]
mod tests {
    use super::{Offload, Pointer, TransformContext, sha256_hex};

    const OFFLOAD: Offload = Offload {
        bucket: "declared-bucket",
        prefix: "dynamate",
        threshold: 0,
    };

    fn pointer(bucket: &str, key: &str, sha256: &str) -> Pointer {
        Pointer {
            bucket: bucket.into(),
            key: key.into(),
            size: 1,
            sha256: sha256.into(),
        }
    }

    #[test]
    fn only_pointers_the_attribute_could_have_written_are_accepted() {
        let sha = sha256_hex(b"x");
        let transforms = TransformContext::new()
            .with_bucket_override("declared-bucket", "env-bucket")
            .with_table_affixes("dev-".into(), "-1".into());
        assert_eq!(
            transforms.object_location("urls", "html", &OFFLOAD),
            ("env-bucket".into(), "dynamate/dev-urls-1/html/".into())
        );
        let accepts = |t: &TransformContext, bucket: &str, key: &str, sha: &str| {
            t.accepts_pointer("urls", "html", &OFFLOAD, &pointer(bucket, key, sha))
        };
        let own = format!("dynamate/dev-urls-1/html/{sha}");
        let legacy = format!("dynamate/urls/html/{sha}");
        assert!(accepts(&transforms, "env-bucket", &own, &sha));
        assert!(accepts(&transforms, "env-bucket", &legacy, &sha));
        let strict = transforms.clone().with_legacy_object_keys(false);
        assert!(accepts(&strict, "env-bucket", &own, &sha));
        assert!(!accepts(&strict, "env-bucket", &legacy, &sha));

        let other = sha256_hex(b"y");
        let upper = sha.to_uppercase();
        for (bucket, key, recorded) in [
            ("declared-bucket", own.clone(), sha.clone()),
            ("other-bucket", own.clone(), sha.clone()),
            ("env-bucket", own.clone(), other.clone()),
            (
                "env-bucket",
                format!("dynamate/dev-urls-1/html/{upper}"),
                upper,
            ),
            (
                "env-bucket",
                format!("dynamate/prod-urls-1/html/{sha}"),
                sha.clone(),
            ),
            (
                "env-bucket",
                format!("dynamate/dev-urls-1/content/{sha}"),
                sha.clone(),
            ),
            (
                "env-bucket",
                format!("dynamate/urls/content/{sha}"),
                sha.clone(),
            ),
            (
                "env-bucket",
                format!("dynamate/dev-urls-1/html/a/{sha}"),
                sha.clone(),
            ),
            (
                "env-bucket",
                format!("dynamate/dev-urls-1/html/../{sha}"),
                sha.clone(),
            ),
            (
                "env-bucket",
                format!("x/dynamate/dev-urls-1/html/{sha}"),
                sha.clone(),
            ),
            ("env-bucket", format!("{own}/"), sha.clone()),
            (
                "env-bucket",
                "dynamate/dev-urls-1/html/".into(),
                String::new(),
            ),
        ] {
            assert!(
                !accepts(&transforms, bucket, &key, &recorded),
                "s3://{bucket}/{key} recording {recorded}"
            );
        }
    }

    #[test]
    fn without_affixes_the_run_time_name_is_the_declared_one() {
        let transforms = TransformContext::new();
        assert_eq!(
            transforms.object_location("urls", "html", &OFFLOAD),
            ("declared-bucket".into(), "dynamate/urls/html/".into())
        );
        let empty_prefix = Offload {
            prefix: "",
            ..OFFLOAD
        };
        let sha = sha256_hex(b"x");
        let key = format!("urls/html/{sha}");
        let pointer = pointer("declared-bucket", &key, &sha);
        assert!(transforms.accepts_pointer("urls", "html", &empty_prefix, &pointer));
        assert!(!transforms.accepts_pointer("urls", "html", &OFFLOAD, &pointer));
    }
}
