//! pynamodb_mate's stored formats, for tables shared with a Python service (opt-in per
//! attribute, never the default): gzip compression, AES-256-ECB and AES-256-CTR encryption with a
//! password-derived key, Python's `json.dumps` text, and the S3 keys of its large-attribute
//! pattern. `docs/storage-formats.md` ("pynamodb_mate formats") describes them byte by byte, and
//! `runtime/tests/pynamodb_mate_vectors.rs` pins them with vectors the real package made.
//!
//! These formats are **weaker** than dynamate's own: nothing is authenticated (a wrong key or an
//! altered value gives garbage or a parse error, not a typed authentication failure), equal
//! ECB blocks show equal plaintext blocks, no value is bound to its table, attribute or item,
//! and gzip has no size limit of its own (the readers here impose one). Read them while a Python
//! service shares the table; migrate off them afterwards.
//!
//! ```
//! use dynamate::primitives::pynamodb_mate::{PynamodbMateKey, gzip_compress, gzip_decompress};
//!
//! let key = PynamodbMateKey::from_password("my-password");
//! let stored = key.encrypt_ecb(b"1234");
//! assert_eq!(base16ct::lower::encode_string(&stored), "4b029cf48c3840cf6eceb74e568d0d48");
//! assert_eq!(key.decrypt_ecb(&stored)?, b"1234");
//!
//! let gz = gzip_compress(b"hello");
//! assert_eq!(gzip_decompress(&gz, 1 << 20)?, b"hello");
//! # Ok::<(), dynamate::primitives::pynamodb_mate::PynamodbMateError>(())
//! ```

mod b85;
mod cipher;
mod gzip;
mod pyjson;
mod s3key;

pub use b85::{b85_decode, b85_encode};
pub use cipher::{CTR_NONCE_LEN, PynamodbMateKey};
pub use gzip::{gzip_compress, gzip_decompress, is_gzip};
pub use pyjson::{
    JsonNumber, is_ctr_json, parse_json_number, python_f32_repr, python_float_repr, to_python_json,
};
pub use s3key::{S3BACKED_PREFIX, s3_key, s3backed_key};

/// Why a value in one of pynamodb_mate's formats could not be read. The messages name the
/// format and what is wrong (lengths, positions), never the stored bytes or the plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PynamodbMateError {
    /// The bytes are not a valid gzip stream (RFC 1952).
    #[error("not a valid pynamodb_mate gzip value: {reason}")]
    Gzip {
        /// What the decoder found wrong.
        reason: String,
    },
    /// The decompressed value is over the caller's limit; decoding stopped there.
    #[error(
        "pynamodb_mate gzip value decompresses to more than {limit} bytes: refusing it (possible \
         decompression bomb); raise the limit if such large values are expected"
    )]
    TooLarge {
        /// The limit that was reached.
        limit: usize,
    },
    /// AES-ECB ciphertext whose length is not a positive multiple of 16 bytes.
    #[error(
        "not pynamodb_mate AES-ECB data: {len} bytes is not a positive multiple of 16 (the value \
         is not encrypted this way, or was truncated)"
    )]
    EcbLength {
        /// The length found.
        len: usize,
    },
    /// The PKCS#7 padding is wrong after decryption: almost always a wrong password.
    #[error(
        "pynamodb_mate AES-ECB value has invalid padding after decryption: wrong password, or \
         the value was altered (the format is unauthenticated, so this is all it can tell)"
    )]
    EcbPadding,
    /// AES-CTR stored text that is not the JSON object `{"nonce": .., "token": ..}`.
    #[error("not a pynamodb_mate AES-CTR value: {reason}")]
    CtrFormat {
        /// What is wrong.
        reason: String,
    },
    /// A base85 string that Python's `base64.b85decode` rejects too.
    #[error("invalid base85 text: {reason}")]
    Base85 {
        /// What is wrong (a position, never the text).
        reason: String,
    },
    /// A CTR nonce of 16 bytes or more, which leaves no room for the counter.
    #[error("pynamodb_mate AES-CTR nonce is {len} bytes; at most 15 are possible")]
    NonceTooLong {
        /// The nonce length found.
        len: usize,
    },
    /// A CTR value too long for its counter (as pycryptodome refuses it).
    #[error(
        "pynamodb_mate AES-CTR value of {len} bytes is longer than its {counter_bytes}-byte counter \
         allows"
    )]
    CounterOverflow {
        /// Length of the ciphertext.
        len: usize,
        /// Bytes of counter after the nonce.
        counter_bytes: usize,
    },
    /// The plaintext is not the JSON number text pynamodb_mate's number attribute stores.
    #[error("invalid pynamodb_mate number text: {reason}")]
    Number {
        /// What is wrong.
        reason: String,
    },
}
