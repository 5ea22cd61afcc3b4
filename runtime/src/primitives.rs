//! Layer 1: primitives without I/O. Value codecs, compression, encryption and the keyring, and
//! DynamoDB's decimal numbers, and pynamodb_mate's formats. Nothing here knows about tables, items,
//! S3 or the network.

pub mod codec;
pub mod compress;
pub mod crypto;
pub mod decimal;
pub mod pynamodb_mate;
