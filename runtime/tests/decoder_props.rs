//! Arbitrary bytes and text into every decoder of stored data: errors, never panics.
//! (compress and crypto decoders have their own property tests.)

use std::collections::HashMap;

use dynamate::item::transform::Pointer;
use dynamate::primitives::codec::{
    self, Binary, BinarySet, Bool, Codec, Json, List, Map, Num, NumberSet, Opt, Str, StringSet,
    Timestamp, Ttl,
};
use dynamate::{AttributeValue, Decimal};
use proptest::prelude::*;

/// Runs `from_bytes` of every codec on `bytes`; only the absence of panics matters.
fn decode_with_every_codec(bytes: &[u8]) {
    let _ = Str::from_bytes(bytes);
    let _ = Binary::from_bytes(bytes);
    let _ = Bool::from_bytes(bytes);
    let _ = Num::<i64>::from_bytes(bytes);
    let _ = Num::<u8>::from_bytes(bytes);
    let _ = Num::<f64>::from_bytes(bytes);
    let _ = Num::<Decimal>::from_bytes(bytes);
    let _ = Timestamp::from_bytes(bytes);
    let _ = Ttl::from_bytes(bytes);
    let _ = Json::<serde_json::Value>::from_bytes(bytes);
    let _ = List::<Opt<Str>>::from_bytes(bytes);
    let _ = Map::<List<Num<i32>>>::from_bytes(bytes);
    let _ = StringSet::from_bytes(bytes);
    let _ = NumberSet::<Decimal>::from_bytes(bytes);
    let _ = BinarySet::from_bytes(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn arbitrary_bytes_never_panic_a_codec(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = codec::canonical::read(&bytes);
        decode_with_every_codec(&bytes);
    }

    /// Bytes that start like a canonical value reach deeper into the decoder than random ones.
    #[test]
    fn mutated_canonical_values_never_panic(
        tag in 1u8..=10,
        len in any::<u32>(),
        tail in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = vec![tag];
        bytes.extend_from_slice(&len.to_be_bytes());
        bytes.extend_from_slice(&tail);
        let _ = codec::canonical::read(&bytes);
        decode_with_every_codec(&bytes);
    }

    #[test]
    fn arbitrary_number_text_never_panics(text in "\\PC{0,48}") {
        let _ = Decimal::parse(&text);
        let _ = Num::<i64>::decode(AttributeValue::N(text.clone()));
        let _ = Num::<u16>::decode(AttributeValue::N(text.clone()));
        let _ = Num::<f32>::decode(AttributeValue::N(text.clone()));
        let _ = Timestamp::decode(AttributeValue::S(text.clone()));
        let _ = Ttl::decode(AttributeValue::N(text));
    }

    #[test]
    fn arbitrary_pointer_maps_never_panic(
        uri in "\\PC{0,40}",
        size in "\\PC{0,12}",
        sha in "\\PC{0,70}",
    ) {
        let map = HashMap::from([
            ("s3".to_string(), AttributeValue::S(uri)),
            ("size".to_string(), AttributeValue::N(size)),
            ("sha256".to_string(), AttributeValue::S(sha)),
        ]);
        let _ = Pointer::from_stored(&AttributeValue::M(map));
    }
}

#[test]
fn deeply_nested_input_is_rejected_not_overflowing_the_stack() {
    // 100,000 nested list headers with count 1.
    let mut bytes = Vec::new();
    for _ in 0..100_000 {
        bytes.push(6);
        bytes.extend_from_slice(&1u32.to_be_bytes());
    }
    assert!(codec::canonical::read(&bytes).is_err());
}
