//! Attribute transforms: the pipeline a declared attribute goes through on its way to DynamoDB,
//! always in this order: **serialize -> compress -> encrypt -> offload**.
//!
//! Generated code declares each attribute's [`Transform`] as a constant; [`Transforms`] is the
//! run-time context the pipeline needs (the keyring for encrypted attributes, limits, S3).

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Codec;
use crate::error::CodecError;

/// How an attribute is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EncryptMode {
    /// Same plaintext, same ciphertext: equality conditions and filters still work.
    Deterministic,
    /// A fresh random nonce per write, bound to the item's primary key: no equality queries.
    Randomized,
}

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
    /// Key prefix; objects live under `{prefix}/{table}/{attribute}/{sha256}`.
    pub prefix: &'static str,
    /// Offload only values whose stored size is at least this many bytes; `0` offloads always.
    pub threshold: u64,
}

/// The transforms declared for one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transform {
    /// Compress with snappy.
    pub compress: bool,
    /// Encrypt with a named key.
    pub encrypt: Option<Encrypt>,
    /// Store the bytes in S3 and keep a pointer in the item.
    pub offload: Option<Offload>,
}

impl Transform {
    /// No transform: the value is stored with its natural DynamoDB type.
    pub const NONE: Transform = Transform {
        compress: false,
        encrypt: None,
        offload: None,
    };

    /// Whether the value is stored as-is.
    pub fn is_none(&self) -> bool {
        *self == Self::NONE
    }
}

/// A transform could not be applied or reversed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransformError {
    /// The runtime does not implement this transform yet.
    #[error("{feature} is not supported by this version of the dynamate runtime yet")]
    Unsupported {
        /// The transform, such as "S3 offload".
        feature: &'static str,
    },
}

/// Run-time context of the transform pipeline.
///
/// The default context handles plain attributes only; encrypted attributes need a keyring and
/// offloaded ones an S3 client, both configured on the context the client passes in.
#[derive(Debug, Default)]
pub struct Transforms {
    _private: (),
}

static NO_TRANSFORMS: Transforms = Transforms { _private: () };

impl Transforms {
    /// A context without keyring or S3: enough for models without encrypted or offloaded
    /// attributes.
    pub fn none() -> &'static Transforms {
        &NO_TRANSFORMS
    }

    /// Runs the pipeline forward on a present value.
    pub(crate) fn encode<C: Codec>(
        &self,
        transform: &Transform,
        value: &C::Value,
    ) -> Result<AttributeValue, CodecError> {
        let bytes = C::to_bytes(value)?;
        let stored = self.apply(transform, bytes)?;
        Ok(AttributeValue::B(Blob::new(stored)))
    }

    /// Runs the pipeline backwards on a stored value.
    pub(crate) fn decode<C: Codec>(
        &self,
        transform: &Transform,
        stored: AttributeValue,
    ) -> Result<C::Value, CodecError> {
        let AttributeValue::B(blob) = stored else {
            return Err(CodecError::WrongType {
                expected: "B",
                found: crate::codec::type_name(&stored),
            });
        };
        let bytes = self.reverse(transform, blob.into_inner())?;
        C::from_bytes(&bytes)
    }

    fn apply(&self, transform: &Transform, bytes: Vec<u8>) -> Result<Vec<u8>, TransformError> {
        unsupported(transform)?;
        Ok(bytes)
    }

    fn reverse(&self, transform: &Transform, bytes: Vec<u8>) -> Result<Vec<u8>, TransformError> {
        unsupported(transform)?;
        Ok(bytes)
    }
}

fn unsupported(transform: &Transform) -> Result<(), TransformError> {
    let feature = if transform.offload.is_some() {
        "S3 offload"
    } else if transform.encrypt.is_some() {
        "client-side encryption"
    } else if transform.compress {
        "compression"
    } else {
        return Ok(());
    };
    Err(TransformError::Unsupported { feature })
}
