//! The encode pipeline (compress, then encrypt) against the raw cost of its primitives.
//!
//! For each value size (1 KiB, 64 KiB, 350 KiB of JSON-like text) and each direction:
//!
//! - `snappy_*`: `snap::raw` used directly;
//! - `aes_siv_*`: `aes_siv::siv::Aes256Siv` used directly on the *compressed* bytes (what the
//!   pipeline encrypts), with the cipher built once outside the loop and the same three
//!   associated-data components;
//! - `pipeline_*`: `dynamate::primitives::compress` + `dynamate::primitives::crypto::Keyring` (deterministic and
//!   randomized), i.e. format bytes, envelope, keyring lookup, cached subkey and per-call
//!   cipher setup included.
//!
//! Throughput is reported against the uncompressed value size throughout, so the numbers add
//! up: pipeline time / (snappy time + AES-SIV time) is the overhead of dynamate's wrapping.
//!
//! Run: `cargo bench -p dynamate --bench pipeline -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use aes_siv::KeyInit;
use aes_siv::siv::Aes256Siv;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dynamate::primitives::compress::{DEFAULT_MAX_DECOMPRESSED_LEN, compress, decompress};
use dynamate::primitives::crypto::{Aad, EncryptMode, Keyring, RootKey};

/// Text-like data: repeated JSON records with varying fields (compresses about 3-5x).
fn json_like(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 128);
    let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
    ];
    let mut i = 0u64;
    while out.len() < len {
        let record = format!(
            r#"{{"id":{i},"sku":"SKU-{:05}","name":"{} {} {}","price":{}.{:02},"qty":{},"tags":["{}","{}"],"in_stock":{}}},"#,
            i.wrapping_mul(7919) % 100_000,
            words[(i % 7) as usize],
            words[(i * 3 % 7) as usize],
            i,
            i * 37 % 1000,
            i * 11 % 100,
            i % 13,
            words[(i * 5 % 7) as usize],
            words[(i * 2 % 7) as usize],
            i.is_multiple_of(3)
        );
        out.extend_from_slice(record.as_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

const SIZES: [(&str, usize); 3] = [("1KiB", 1024), ("64KiB", 64 * 1024), ("350KiB", 350 * 1024)];

fn bench(c: &mut Criterion) {
    let keyring = Keyring::new()
        .with_key("bench", 1, RootKey::from_bytes(&[0x42; 32]).unwrap())
        .unwrap();
    let aad = Aad::new("orders", "items").with_item_key(b"S\x00order#1");
    // The primitive gets a fixed 64-byte key and the same component shape as deterministic
    // envelopes: a 12-byte header, the table and the attribute.
    let mut siv = Aes256Siv::new(&[0x24u8; 64].into());
    let header = [1u8, 1, 5, b'b', b'e', b'n', b'c', b'h', 0, 0, 0, 1];
    let components: [&[u8]; 3] = [&header, b"orders", b"items"];

    for (label, size) in SIZES {
        let value = json_like(size);
        let compressed = snap::raw::Encoder::new().compress_vec(&value).unwrap();
        let sealed = siv.encrypt(components, &compressed).unwrap();
        let stored_det = keyring
            .encrypt("bench", EncryptMode::Deterministic, &aad, &compress(&value))
            .unwrap();
        let stored_rand = keyring
            .encrypt("bench", EncryptMode::Randomized, &aad, &compress(&value))
            .unwrap();
        eprintln!(
            "{label}: {} bytes -> snappy {} bytes ({:.2}x)",
            value.len(),
            compressed.len(),
            value.len() as f64 / compressed.len() as f64
        );

        let mut group = c.benchmark_group(format!("encode/{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::from_parameter("snappy_compress"), |b| {
            let mut encoder = snap::raw::Encoder::new();
            b.iter(|| encoder.compress_vec(black_box(&value)).unwrap())
        });
        group.bench_function(BenchmarkId::from_parameter("aes_siv_encrypt"), |b| {
            b.iter(|| siv.encrypt(components, black_box(&compressed)).unwrap())
        });
        group.bench_function(BenchmarkId::from_parameter("pipeline_deterministic"), |b| {
            b.iter(|| {
                let packed = compress(black_box(&value));
                keyring
                    .encrypt("bench", EncryptMode::Deterministic, &aad, &packed)
                    .unwrap()
            })
        });
        group.bench_function(BenchmarkId::from_parameter("pipeline_randomized"), |b| {
            b.iter(|| {
                let packed = compress(black_box(&value));
                keyring
                    .encrypt("bench", EncryptMode::Randomized, &aad, &packed)
                    .unwrap()
            })
        });
        group.finish();

        let mut group = c.benchmark_group(format!("decode/{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::from_parameter("snappy_decompress"), |b| {
            let mut decoder = snap::raw::Decoder::new();
            b.iter(|| decoder.decompress_vec(black_box(&compressed)).unwrap())
        });
        group.bench_function(BenchmarkId::from_parameter("aes_siv_decrypt"), |b| {
            b.iter(|| siv.decrypt(components, black_box(&sealed)).unwrap())
        });
        group.bench_function(BenchmarkId::from_parameter("pipeline_deterministic"), |b| {
            b.iter(|| {
                let packed = keyring
                    .decrypt("bench", &aad, black_box(&stored_det))
                    .unwrap();
                decompress(&packed, DEFAULT_MAX_DECOMPRESSED_LEN).unwrap()
            })
        });
        group.bench_function(BenchmarkId::from_parameter("pipeline_randomized"), |b| {
            b.iter(|| {
                let packed = keyring
                    .decrypt("bench", &aad, black_box(&stored_rand))
                    .unwrap();
                decompress(&packed, DEFAULT_MAX_DECOMPRESSED_LEN).unwrap()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
