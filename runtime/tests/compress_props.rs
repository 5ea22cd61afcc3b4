//! Compression: round trips, format tags, limits and malformed input.

use dynamate::primitives::compress::{
    CompressError, DEFAULT_MAX_DECOMPRESSED_LEN, TAG_SNAPPY, TAG_STORED, compress, decompress,
};
use proptest::prelude::*;

/// Text-like data: repeated JSON records with varying fields, as compressible as real data.
fn json_like(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut i = 0u64;
    while out.len() < len {
        let record = format!(
            r#"{{"id":{i},"sku":"SKU-{:05}","name":"item number {}","qty":{},"tags":["a","b{}"]}},"#,
            i * 7919 % 100_000,
            i,
            i % 13,
            i % 5
        );
        out.extend_from_slice(record.as_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

/// A snappy payload with a declared length but no data behind it.
fn declared_only(declared: u64) -> Vec<u8> {
    let mut out = vec![TAG_SNAPPY];
    let mut n = declared;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out
}

#[test]
fn compressible_values_use_snappy_and_shrink() {
    let value = json_like(64 * 1024);
    let stored = compress(&value);
    assert_eq!(stored[0], TAG_SNAPPY);
    assert!(
        stored.len() * 2 < value.len(),
        "{} -> {}",
        value.len(),
        stored.len()
    );
    assert_eq!(
        decompress(&stored, DEFAULT_MAX_DECOMPRESSED_LEN).unwrap(),
        value
    );
    // The payload is a plain snappy raw block.
    assert_eq!(
        snap::raw::Decoder::new()
            .decompress_vec(&stored[1..])
            .unwrap(),
        value
    );
}

#[test]
fn incompressible_values_are_stored_raw() {
    // A byte sequence with no repeats of 4+ bytes: snappy cannot shrink it.
    let mut state = 0x9e3779b97f4a7c15u64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    for value in [&b""[..], b"a", b"abc", &noise] {
        let stored = compress(value);
        assert_eq!(stored[0], TAG_STORED, "{} bytes", value.len());
        assert_eq!(&stored[1..], value);
        assert_eq!(
            decompress(&stored, DEFAULT_MAX_DECOMPRESSED_LEN).unwrap(),
            value
        );
    }
}

#[test]
fn output_is_deterministic() {
    let value = json_like(10_000);
    assert_eq!(compress(&value), compress(&value));
    let expected_prefix = [TAG_SNAPPY, 0x90, 0x4e]; // tag, varint(10000)
    assert_eq!(&compress(&value)[..3], &expected_prefix);
}

#[test]
fn most_compressible_input_still_decodes() {
    // Zeros compress at snappy's maximum ratio; the corruption bound must not reject them.
    for len in [1usize << 10, 1 << 16, 1 << 20] {
        let value = vec![0u8; len];
        let stored = compress(&value);
        assert_eq!(stored[0], TAG_SNAPPY);
        assert_eq!(
            decompress(&stored, DEFAULT_MAX_DECOMPRESSED_LEN).unwrap(),
            value
        );
    }
}

#[test]
fn errors_are_typed() {
    assert_eq!(decompress(&[], 10), Err(CompressError::Empty));
    for tag in 2..=255u8 {
        assert_eq!(
            decompress(&[tag, 1, 2, 3], 10),
            Err(CompressError::UnknownFormat { tag })
        );
    }
    // Stored raw values obey the limit too.
    assert_eq!(
        decompress(&[TAG_STORED, 1, 2, 3], 2),
        Err(CompressError::TooLarge {
            declared: 3,
            limit: 2
        })
    );
    // Truncated snappy data.
    let stored = compress(&json_like(5000));
    for len in 1..stored.len() {
        let err = decompress(&stored[..len], DEFAULT_MAX_DECOMPRESSED_LEN).unwrap_err();
        assert!(
            matches!(err, CompressError::Corrupt { .. }),
            "len {len}: {err:?}"
        );
    }
    // Messages say what to do.
    let message = CompressError::TooLarge {
        declared: 10,
        limit: 5,
    }
    .to_string();
    assert!(
        message.contains("10") && message.contains("limit"),
        "{message}"
    );
}

#[test]
fn huge_declared_length_is_rejected_before_allocating() {
    // ~4 GiB declared in a 6-byte value: over the default limit.
    let bomb = declared_only(u32::MAX as u64);
    assert_eq!(
        decompress(&bomb, DEFAULT_MAX_DECOMPRESSED_LEN),
        Err(CompressError::TooLarge {
            declared: u32::MAX as usize,
            limit: DEFAULT_MAX_DECOMPRESSED_LEN
        })
    );
    // Even with no limit, a length the payload cannot possibly hold is corrupt, not allocated.
    assert!(matches!(
        decompress(&bomb, usize::MAX),
        Err(CompressError::Corrupt { .. })
    ));
    // Exactly at the limit is not TooLarge (it fails later, as data that is not there).
    assert!(matches!(
        decompress(&declared_only(1000), 1000),
        Err(CompressError::Corrupt { .. })
    ));
    assert_eq!(
        decompress(&declared_only(1001), 1000),
        Err(CompressError::TooLarge {
            declared: 1001,
            limit: 1000
        })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn round_trips(value in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let stored = compress(&value);
        prop_assert!(stored.len() <= value.len() + 1);
        prop_assert_eq!(decompress(&stored, value.len()).unwrap(), value);
    }

    #[test]
    fn text_round_trips(len in 0usize..20_000, repeat in 1usize..4) {
        let value = json_like(len).repeat(repeat);
        let stored = compress(&value);
        prop_assert_eq!(decompress(&stored, DEFAULT_MAX_DECOMPRESSED_LEN).unwrap(), value);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8192))]

    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(out) = decompress(&input, 1 << 16) {
            prop_assert!(out.len() <= 1 << 16);
        }
    }

    #[test]
    fn arbitrary_snappy_payloads_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut input = vec![TAG_SNAPPY];
        input.extend_from_slice(&payload);
        if let Ok(out) = decompress(&input, 1 << 16) {
            prop_assert_eq!(out, snap::raw::Decoder::new().decompress_vec(&payload).unwrap());
        }
    }
}
