//! gzip, as pynamodb_mate's compressed attributes store it (`gzip.compress` of CPython).

use std::io::{Read, Write};

use flate2::Compression;
use flate2::GzBuilder;
use flate2::read::MultiGzDecoder;

use super::PynamodbMateError;

/// The first two bytes of every gzip member (RFC 1952 ID1, ID2).
const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `stored` starts like a gzip stream (its two magic bytes). dynamate's own compressed
/// values start with `0x00` or `0x01`, so this tells the two formats apart.
pub fn is_gzip(stored: &[u8]) -> bool {
    stored.starts_with(&MAGIC)
}

/// Compresses `data` as CPython's `gzip.compress` does, except for the time: the header is
/// `1f 8b 08 00 | MTIME 0 | 02 ff` (no name, level 9, OS unknown), then raw DEFLATE at level 9,
/// then CRC-32 and length. The DEFLATE bytes may differ from zlib's for the same level; every
/// gzip reader, Python's included, reads them.
pub fn gzip_compress(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::with_capacity(data.len() / 2 + 32), Compression::best());
    // Writing into a Vec cannot fail.
    encoder
        .write_all(data)
        .and_then(|()| encoder.try_finish())
        .expect("gzip into memory cannot fail");
    encoder.get_mut().split_off(0)
}

/// Decompresses any RFC 1952 stream, several members included (as Python's `gzip.decompress`),
/// and stops with [`PynamodbMateError::TooLarge`] as soon as the output would pass `max_len`.
///
/// # Errors
///
/// [`PynamodbMateError::Gzip`] for anything that is not valid gzip (bad magic, header, CRC or
/// length, truncation, trailing garbage), [`PynamodbMateError::TooLarge`] past `max_len`.
pub fn gzip_decompress(stored: &[u8], max_len: usize) -> Result<Vec<u8>, PynamodbMateError> {
    if !is_gzip(stored) {
        return Err(PynamodbMateError::Gzip {
            reason: "the value does not start with the gzip magic bytes 1f 8b".into(),
        });
    }
    let limit = u64::try_from(max_len).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    MultiGzDecoder::new(stored)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| PynamodbMateError::Gzip {
            reason: e.to_string(),
        })?;
    if out.len() > max_len {
        return Err(PynamodbMateError::TooLarge { limit: max_len });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_cpythons_with_mtime_zero() {
        let stored = gzip_compress(b"");
        assert_eq!(stored[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
        assert_eq!(gzip_decompress(&stored, 0).unwrap(), b"");
    }

    #[test]
    fn the_limit_stops_decoding() {
        let stored = gzip_compress(&[7; 10_000]);
        assert_eq!(gzip_decompress(&stored, 10_000).unwrap().len(), 10_000);
        assert_eq!(
            gzip_decompress(&stored, 9_999),
            Err(PynamodbMateError::TooLarge { limit: 9_999 })
        );
    }

    #[test]
    fn corrupt_streams_are_errors() {
        let mut stored = gzip_compress(b"hello world");
        for bad in [
            &stored[..5],
            &stored[..stored.len() - 1],
            b"\x1f\x8bxx",
            b"plain",
        ] {
            assert!(matches!(
                gzip_decompress(bad, 100),
                Err(PynamodbMateError::Gzip { .. })
            ));
        }
        let last = stored.len() - 5;
        stored[last] ^= 1; // the CRC
        assert!(gzip_decompress(&stored, 100).is_err());
    }
}
