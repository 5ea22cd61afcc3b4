//! Snappy compression of stored attribute values, with a leading format byte.
//!
//! Attributes declared with `compress = true` are stored as the output of [`compress`]: one
//! format byte followed by the payload. The format byte lets a value that snappy cannot shrink
//! be stored as is, and leaves room for other codecs later:
//!
//! | tag    | payload                                                                 |
//! |--------|-------------------------------------------------------------------------|
//! | `0x00` | the value itself, stored raw (snappy would not have made it smaller)     |
//! | `0x01` | a snappy *raw block* (not the framed format): a varint of the decompressed length, then the snappy elements |
//!
//! Every other tag is reserved and rejected by [`decompress`]. The byte-level format is
//! described in `docs/storage-formats.md`.
//!
//! [`decompress`] never trusts the stored bytes: it reads the declared decompressed length and
//! rejects it if it is over the caller's limit (see [`DEFAULT_MAX_DECOMPRESSED_LEN`]) *before*
//! allocating, so a small stored value cannot make the reader allocate gigabytes (a
//! "decompression bomb"). Malformed input of any kind is a [`CompressError`], never a panic.
//!
//! ```
//! use dynamate::primitives::compress::{compress, decompress, DEFAULT_MAX_DECOMPRESSED_LEN};
//!
//! let json = br#"{"sku":"A-1","qty":1},"#.repeat(100);
//! let stored = compress(&json);
//! assert!(stored.len() < json.len());
//! assert_eq!(decompress(&stored, DEFAULT_MAX_DECOMPRESSED_LEN)?, json);
//! # Ok::<(), dynamate::primitives::compress::CompressError>(())
//! ```

use snap::raw::{Decoder, Encoder, decompress_len, max_compress_len};

/// Format byte: the payload is the value itself, stored uncompressed.
pub const TAG_STORED: u8 = 0x00;

/// Format byte: the payload is a snappy raw block (`snap::raw`), which starts with the
/// decompressed length as a varint.
pub const TAG_SNAPPY: u8 = 0x01;

/// The default limit on the decompressed size of one value: 64 MiB.
///
/// A DynamoDB item is at most 400 KB, but a compressed attribute may also be offloaded to S3,
/// where values can be much larger; 64 MiB leaves room for that while bounding what one
/// malicious or corrupt value can make a reader allocate. Pass a different limit to
/// [`decompress`] if your values are larger.
pub const DEFAULT_MAX_DECOMPRESSED_LEN: usize = 64 * 1024 * 1024;

/// The most output bytes one input byte of a valid snappy block can produce.
///
/// The densest snappy element is a 2-byte-offset copy: 3 bytes that expand to at most 64
/// bytes (21.3 bytes per byte). A declared length above `payload_len * 22` therefore cannot be
/// produced by the payload, and is rejected as corrupt without allocating.
const MAX_SNAPPY_EXPANSION: usize = 22;

/// Why [`decompress`] could not decode a stored value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompressError {
    /// The stored value has no bytes at all, so not even a format byte.
    #[error(
        "compressed value is empty: a compressed attribute always starts with a format byte; \
         the stored attribute was written by something other than dynamate's compressor"
    )]
    Empty,
    /// The format byte is not one this version knows.
    #[error(
        "unknown compression format byte 0x{tag:02x} (known: 0x00 stored raw, 0x01 snappy): \
         the value was written by a newer dynamate or is not compressed data; \
         upgrade dynamate or check the attribute's schema"
    )]
    UnknownFormat {
        /// The format byte found.
        tag: u8,
    },
    /// The value declares a decompressed size over the caller's limit; nothing was allocated.
    #[error(
        "compressed value declares {declared} decompressed bytes, over the limit of {limit}: \
         refusing to decompress it (possible decompression bomb); raise the limit passed to \
         decompress if such large values are expected"
    )]
    TooLarge {
        /// The decompressed length the value declares.
        declared: usize,
        /// The limit it was checked against.
        limit: usize,
    },
    /// The payload is not valid for its format (truncated, garbage or inconsistent).
    #[error(
        "compressed value is corrupt ({reason}): the stored bytes were truncated or altered, \
         or the attribute does not hold dynamate-compressed data"
    )]
    Corrupt {
        /// What the decoder found wrong.
        reason: String,
    },
}

/// Compresses `input` with snappy and prepends the format byte.
///
/// If the snappy block would not be smaller than `input`, the value is stored raw (format byte
/// `0x00`) instead, so compressing never costs more than one byte. The output is deterministic:
/// the same input always gives the same bytes. This function cannot fail.
///
/// ```
/// use dynamate::primitives::compress::{compress, TAG_SNAPPY, TAG_STORED};
///
/// assert_eq!(compress(b"abc"), [TAG_STORED, b'a', b'b', b'c']); // too short to shrink
/// assert_eq!(compress(&[b'x'; 1000])[0], TAG_SNAPPY);
/// ```
pub fn compress(input: &[u8]) -> Vec<u8> {
    let bound = max_compress_len(input.len());
    // `max_compress_len` is 0 when the input is too large for snappy (over ~4 GiB).
    if bound > 0 {
        let mut out = vec![0u8; 1 + bound];
        out[0] = TAG_SNAPPY;
        if let Ok(n) = Encoder::new().compress(input, &mut out[1..])
            && n < input.len()
        {
            out.truncate(1 + n);
            return out;
        }
    }
    let mut out = Vec::with_capacity(1 + input.len());
    out.push(TAG_STORED);
    out.extend_from_slice(input);
    out
}

/// Decodes a value produced by [`compress`], refusing to produce more than `max_len` bytes.
///
/// The declared size is checked against `max_len` before any allocation. Use
/// [`DEFAULT_MAX_DECOMPRESSED_LEN`] unless you know better.
///
/// # Errors
///
/// - [`CompressError::Empty`] for an empty input;
/// - [`CompressError::UnknownFormat`] for a format byte other than `0x00` or `0x01`;
/// - [`CompressError::TooLarge`] when the value declares more than `max_len` bytes;
/// - [`CompressError::Corrupt`] for a truncated or malformed snappy payload.
///
/// ```
/// use dynamate::primitives::compress::{compress, decompress, CompressError};
///
/// let stored = compress(&[7u8; 10_000]);
/// assert_eq!(decompress(&stored, 10_000)?.len(), 10_000);
/// assert_eq!(
///     decompress(&stored, 9_999),
///     Err(CompressError::TooLarge { declared: 10_000, limit: 9_999 })
/// );
/// assert_eq!(decompress(&[0x07, 1, 2], 100), Err(CompressError::UnknownFormat { tag: 0x07 }));
/// # Ok::<(), CompressError>(())
/// ```
pub fn decompress(input: &[u8], max_len: usize) -> Result<Vec<u8>, CompressError> {
    let (&tag, payload) = input.split_first().ok_or(CompressError::Empty)?;
    match tag {
        TAG_STORED => {
            if payload.len() > max_len {
                return Err(CompressError::TooLarge {
                    declared: payload.len(),
                    limit: max_len,
                });
            }
            Ok(payload.to_vec())
        }
        TAG_SNAPPY => {
            let declared = decompress_len(payload).map_err(corrupt)?;
            if declared > max_len {
                return Err(CompressError::TooLarge {
                    declared,
                    limit: max_len,
                });
            }
            if declared > payload.len().saturating_mul(MAX_SNAPPY_EXPANSION) {
                return Err(CompressError::Corrupt {
                    reason: format!(
                        "declares {declared} decompressed bytes, more than a {}-byte snappy \
                         block can hold",
                        payload.len()
                    ),
                });
            }
            let mut out = vec![0u8; declared];
            let n = Decoder::new()
                .decompress(payload, &mut out)
                .map_err(corrupt)?;
            if n != declared {
                return Err(CompressError::Corrupt {
                    reason: format!("declares {declared} bytes but decodes to {n}"),
                });
            }
            Ok(out)
        }
        tag => Err(CompressError::UnknownFormat { tag }),
    }
}

fn corrupt(err: snap::Error) -> CompressError {
    CompressError::Corrupt {
        reason: err.to_string(),
    }
}
