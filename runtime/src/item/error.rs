//! Errors of converting between Rust values and DynamoDB attribute values.
//!
//! [`CodecError`] says what is wrong with one value (the codec's [`ValueError`] or the
//! [`TransformError`] of its compression, encryption or offload pointer); [`DecodeError`] and
//! [`EncodeError`] add where: the table and the attribute. The error of whole operations,
//! [`crate::Error`], is the I/O layer's and wraps these.

use thiserror::Error;

pub use crate::primitives::codec::ValueError;
use crate::primitives::compress::CompressError;
use crate::primitives::crypto::CryptoError;
use crate::primitives::pynamodb_mate::PynamodbMateError;

/// What is wrong with one attribute value, independent of where it was found: the value itself
/// ([`ValueError`], from the codecs) or its transform.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The value is missing, has the wrong DynamoDB type, does not parse or cannot be stored.
    /// Transparent: its `Display` and `source()` are the value error's own.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// The attribute's transform failed (compression, encryption or S3 offload); boxed, as
    /// crypto errors are large and every codec result carries this type. Transparent: its
    /// `Display` and `source()` are the transform error's own.
    #[error(transparent)]
    Transform(Box<TransformError>),
}

impl From<TransformError> for CodecError {
    fn from(error: TransformError) -> Self {
        CodecError::Transform(Box::new(error))
    }
}

/// A transform could not be applied or reversed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TransformError {
    /// Compressed bytes are corrupt or too large.
    #[error(transparent)]
    Compress(#[from] CompressError),
    /// Encryption or decryption failed (wrong key, tampered bytes, unknown key id...).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A value in one of pynamodb_mate's formats does not decode (not gzip, bad padding, not
    /// the CTR JSON form...).
    #[error(transparent)]
    PynamodbMate(#[from] PynamodbMateError),
    /// The attribute holds a value in pynamodb_mate's format, but the schema does not declare
    /// the attribute to read that format.
    #[error(
        "attribute `{attribute}` holds a value in pynamodb_mate's {format} format, which dynamate \
         reads only where the schema declares it: add `pynamodb_mate = \"migrate\"` to the \
         attribute (reads both formats, writes dynamate's) or `pynamodb_mate = \"shared\"` (reads \
         and writes pynamodb_mate's, for a table shared with a Python service)"
    )]
    PynamodbMateValue {
        /// Attribute name.
        attribute: &'static str,
        /// Which of pynamodb_mate's formats the stored value has.
        format: &'static str,
    },
    /// The attribute reads or writes pynamodb_mate's encryption but the keyring holds no
    /// pynamodb_mate password under its key name.
    #[error(
        "the attribute is declared `pynamodb_mate` with key `{key}` but the keyring has no \
         pynamodb_mate password of that name; add it with \
         `Keyring::with_pynamodb_mate_password(\"{key}\", ..)`"
    )]
    NoPynamodbMatePassword {
        /// Key name from the schema.
        key: &'static str,
    },
    /// The attribute is encrypted but the context has no keyring.
    #[error(
        "the attribute is encrypted with key `{key}` but no keyring is configured; \
         pass one with `TransformContext::new().with_keyring(...)` (or `ClientBuilder::keyring`)"
    )]
    NoKeyring {
        /// Key name from the schema.
        key: &'static str,
    },
    /// The value must be offloaded to S3, which needs a client.
    #[error(
        "the value is offloaded to S3; write it through `dynamate::Client`, which uploads it \
         before writing the item"
    )]
    NeedsClient,
    /// The item holds an S3 pointer that was not fetched before decoding.
    #[error(
        "the value is stored in S3 at {uri} and was not fetched; read it through \
         `dynamate::Client`, or leave the attribute out of the projection"
    )]
    NotFetched {
        /// The object's `s3://` URI.
        uri: String,
    },
    /// The stored pointer is malformed.
    #[error("malformed S3 pointer: {reason}")]
    BadPointer {
        /// What is wrong.
        reason: String,
    },
}

/// A value read from DynamoDB could not be turned into its Rust field.
#[derive(Debug, Error)]
#[error("cannot read attribute `{attribute}` of table `{table}`")]
pub struct DecodeError {
    /// DynamoDB table name as declared in the schema.
    pub table: &'static str,
    /// DynamoDB attribute name.
    pub attribute: String,
    /// What is wrong with the value.
    #[source]
    pub cause: CodecError,
}

/// A Rust field could not be turned into a DynamoDB value.
#[derive(Debug, Error)]
#[error("cannot write attribute `{attribute}` of table `{table}`")]
pub struct EncodeError {
    /// DynamoDB table name as declared in the schema.
    pub table: &'static str,
    /// DynamoDB attribute name.
    pub attribute: String,
    /// What is wrong with the value.
    #[source]
    pub cause: CodecError,
}
