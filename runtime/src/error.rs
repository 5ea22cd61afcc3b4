//! Errors of converting between Rust values and DynamoDB attribute values.
//!
//! [`CodecError`] says what is wrong with one value; [`DecodeError`] and [`EncodeError`] add
//! where: the table and the attribute.

use thiserror::Error;

/// What is wrong with one attribute value, independent of where it was found.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The item has no value for a required attribute.
    #[error(
        "the attribute is missing; declare it `optional = true` or give it a `default` in the schema if old items may lack it"
    )]
    Missing,
    /// The stored value has another DynamoDB type than the schema declares.
    #[error("expected a DynamoDB {expected} value, found {found}")]
    WrongType {
        /// DynamoDB type the schema declares, such as `S` or `L`.
        expected: &'static str,
        /// DynamoDB type that was found.
        found: &'static str,
    },
    /// The stored value has the right DynamoDB type but its content does not parse.
    #[error("invalid {expected} value: {reason}")]
    Invalid {
        /// What was expected, such as `i32` or `datetime`.
        expected: &'static str,
        /// Why the value does not parse.
        reason: String,
    },
    /// The value cannot be represented in DynamoDB (such as a NaN float).
    #[error("cannot store this value: {reason}")]
    Unrepresentable {
        /// Why DynamoDB cannot hold the value.
        reason: String,
    },
    /// The attribute's transform failed (compression, encryption or S3 offload).
    #[error("{0}")]
    Transform(#[from] crate::transform::TransformError),
}

/// A value read from DynamoDB could not be turned into its Rust field.
#[derive(Debug, Error)]
#[error("cannot read attribute `{attribute}` of table `{table}`: {cause}")]
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
#[error("cannot write attribute `{attribute}` of table `{table}`: {cause}")]
pub struct EncodeError {
    /// DynamoDB table name as declared in the schema.
    pub table: &'static str,
    /// DynamoDB attribute name.
    pub attribute: String,
    /// What is wrong with the value.
    #[source]
    pub cause: CodecError,
}

/// The error of every dynamate operation: what was done, on which table, and why.
///
/// Operations add their own cases (condition failed, not found, throttled...); every case keeps
/// the underlying error as its [`std::error::Error::source`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A model could not be converted to an item.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// An item could not be converted to a model.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Uploading or fetching an offloaded attribute failed.
    #[error(transparent)]
    Offload(#[from] crate::offload::OffloadError),
}
