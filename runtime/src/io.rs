//! Layer 3: I/O, built on the [item layer](crate::item). The client, S3 offload, operations,
//! batches, transactions, the status tracker, key rotation, root keys in AWS KMS (feature
//! `kms`) and console URLs, all sharing one error type, one retry policy and one cursor format.

pub mod batch;
pub mod client;
pub mod console;
pub mod error;
#[cfg(feature = "kms")]
pub mod kms;
pub mod migrate;
pub mod offload;
pub mod ops;
pub mod retry;
pub mod rotation;
pub mod sweep;
pub mod telemetry;
pub mod tracker;
pub mod transact;
