//! Transforms on every value type (schemas/vault.toml): compressed, deterministic, randomized and
//! compressed + randomized attributes round-trip, and stored values behave as the storage format
//! promises (determinism, binding to item and attribute, wrong keys and tampering detected).

use std::collections::{BTreeMap, BTreeSet};

use chrono::DateTime;
use dynamate::primitives::crypto::{Keyring, RootKey};
use dynamate::{AttributeValue, Decimal, Item, Model, TransformContext};
use dynamate_tests::{
    Dimensions, VaultCompressed, VaultDeterministic, VaultRandomized, VaultSealed,
};
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;

mod common;
use common::*;

fn keyring(byte: u8) -> Keyring {
    Keyring::new()
        .with_key("vault", 1, RootKey::from_bytes(&[byte; 32]).unwrap())
        .unwrap()
}

fn transforms() -> TransformContext {
    TransformContext::new().with_keyring(keyring(7))
}

/// Builds a vault struct of type `$ty` from the same field values.
macro_rules! vault {
    ($ty:ident, $v:expr) => {{
        let v = $v;
        $ty {
            id: v.id,
            version_no: v.version_no,
            text: v.text,
            blob: v.blob,
            flag: v.flag,
            count: v.count,
            big: v.big,
            ratio: v.ratio,
            amount: v.amount,
            at: v.at,
            expires: v.expires,
            doc: v.doc,
            typed: v.typed,
            items: v.items,
            scores: v.scores,
            tags: v.tags,
            numbers: v.numbers,
            blobs: v.blobs,
            maybe: v.maybe,
        }
    }};
}

/// The field values shared by all vault tables.
#[derive(Debug, Clone)]
struct Values {
    id: String,
    version_no: i64,
    text: String,
    blob: Vec<u8>,
    flag: bool,
    count: i32,
    big: u64,
    ratio: f64,
    amount: Decimal,
    at: DateTime<chrono::Utc>,
    expires: Option<DateTime<chrono::Utc>>,
    doc: serde_json::Value,
    typed: Dimensions,
    items: Vec<Option<String>>,
    scores: BTreeMap<String, i64>,
    tags: BTreeSet<String>,
    numbers: BTreeSet<Decimal>,
    blobs: BTreeSet<Vec<u8>>,
    maybe: Option<String>,
}

prop_compose! {
    fn values()(
        key in (".{0,12}", any::<i64>()),
        scalars in (".{0,64}", bytes(), any::<bool>(), any::<i32>(), any::<u64>(), storable_f64(), decimal()),
        times in (datetime(), proptest::option::of(ttl())),
        documents in (json(), dimensions()),
        collections in (
            vec(proptest::option::of(".{0,8}"), 0..4),
            btree_map(".{0,8}", any::<i64>(), 0..3),
            btree_set(".{0,8}", 0..3),
            btree_set(decimal(), 0..3),
            btree_set(bytes(), 0..3),
            proptest::option::of(".{0,8}"),
        ),
    ) -> Values {
        let (id, version_no) = key;
        let (text, blob, flag, count, big, ratio, amount) = scalars;
        let (at, expires) = times;
        let (doc, typed) = documents;
        let (items, scores, tags, numbers, blobs, maybe) = collections;
        Values { id, version_no, text, blob, flag, count, big, ratio, amount, at, expires, doc, typed, items, scores, tags, numbers, blobs, maybe }
    }
}

fn round_trip<M: Model + PartialEq + std::fmt::Debug>(model: &M) -> Result<(), TestCaseError> {
    let item = model.to_item_with(&transforms()).unwrap();
    for (name, value) in &item {
        // The keys and the TTL attribute are stored plain; everything else is transformed.
        if name == "expires" {
            prop_assert!(
                matches!(value, AttributeValue::N(_)),
                "the TTL attribute is a Number"
            );
        } else if name != "id" && name != "version_no" {
            prop_assert!(
                matches!(value, AttributeValue::B(_)),
                "{name} is stored as binary"
            );
        }
    }
    prop_assert_eq!(&M::from_item_with(item, &transforms()).unwrap(), model);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_type_round_trips_in_every_mode(v in values()) {
        round_trip(&vault!(VaultCompressed, v.clone()))?;
        round_trip(&vault!(VaultDeterministic, v.clone()))?;
        round_trip(&vault!(VaultRandomized, v.clone()))?;
        round_trip(&vault!(VaultSealed, v))?;
    }
}

fn sample() -> Values {
    Values {
        id: "item-1".into(),
        version_no: 1,
        text: "attack at 2PM tomorrow! ".repeat(20),
        blob: b"a secret image".to_vec(),
        flag: true,
        count: 1234,
        big: 7,
        ratio: 2.5,
        amount: "19.99".parse().unwrap(),
        at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        expires: None,
        doc: serde_json::json!({"Alice": 1, "Bob": 2, "Cathy": 3}),
        typed: Dimensions {
            width_mm: 1,
            height_mm: 2,
            note: None,
        },
        items: vec![Some("x".into()), None],
        scores: BTreeMap::from([("a".into(), 1)]),
        tags: BTreeSet::from(["t".to_string()]),
        numbers: BTreeSet::new(),
        blobs: BTreeSet::new(),
        maybe: None,
    }
}

fn stored(item: &Item, attribute: &str) -> Vec<u8> {
    match &item[attribute] {
        AttributeValue::B(blob) => blob.as_ref().to_vec(),
        other => panic!("{attribute} is {other:?}"),
    }
}

#[test]
fn compression_shrinks_repetitive_values() {
    let item = vault!(VaultCompressed, sample()).to_item().unwrap();
    assert!(stored(&item, "text").len() < sample().text.len() / 4);
}

#[test]
fn deterministic_values_repeat_and_randomized_ones_do_not() {
    let t = transforms();
    let mut other = sample();
    other.id = "item-2".into();
    let a = vault!(VaultDeterministic, sample())
        .to_item_with(&t)
        .unwrap();
    let b = vault!(VaultDeterministic, other.clone())
        .to_item_with(&t)
        .unwrap();
    assert_eq!(
        stored(&a, "text"),
        stored(&b, "text"),
        "equality queries need equal ciphertexts"
    );
    let c = vault!(VaultRandomized, sample()).to_item_with(&t).unwrap();
    let d = vault!(VaultRandomized, sample()).to_item_with(&t).unwrap();
    assert_ne!(stored(&c, "text"), stored(&d, "text"));
}

#[test]
fn randomized_value_moved_to_another_item_fails_to_decrypt() {
    let t = transforms();
    let mut item = vault!(VaultRandomized, sample()).to_item_with(&t).unwrap();
    item.insert("id".into(), AttributeValue::S("item-2".into()));
    let error = VaultRandomized::from_item_with(item, &t).unwrap_err();
    assert_eq!(error.table, "vault_randomized");
    assert!(
        dynamate::Report(&error).to_string().contains("vault"),
        "names the key: {error}"
    );
}

#[test]
fn value_moved_to_another_attribute_fails_to_decrypt() {
    for randomized in [false, true] {
        let t = transforms();
        let mut item = if randomized {
            vault!(VaultRandomized, sample()).to_item_with(&t).unwrap()
        } else {
            vault!(VaultDeterministic, sample())
                .to_item_with(&t)
                .unwrap()
        };
        let moved = item["text"].clone();
        item.insert("maybe".into(), moved);
        let error = if randomized {
            VaultRandomized::from_item_with(item, &t).unwrap_err()
        } else {
            VaultDeterministic::from_item_with(item, &t).unwrap_err()
        };
        assert_eq!(error.attribute, "maybe");
    }
}

#[test]
fn wrong_key_and_missing_keyring_are_reported_with_table_attribute_and_key() {
    let item = vault!(VaultDeterministic, sample())
        .to_item_with(&transforms())
        .unwrap();
    let wrong = TransformContext::new().with_keyring(keyring(8));
    let error = VaultDeterministic::from_item_with(item.clone(), &wrong).unwrap_err();
    let text = dynamate::Report(&error).to_string();
    assert!(
        text.contains("vault_deterministic") && text.contains("`text`") && text.contains("vault"),
        "{text}"
    );

    let error = VaultDeterministic::from_item(item).unwrap_err();
    assert!(
        dynamate::Report(&error).to_string().contains("no keyring"),
        "{error}"
    );
}

#[test]
fn a_flipped_bit_in_a_stored_value_is_rejected() {
    let t = transforms();
    let item = vault!(VaultSealed, sample()).to_item_with(&t).unwrap();
    let original = stored(&item, "blob");
    for bit in 0..original.len() * 8 {
        let mut bytes = original.clone();
        bytes[bit / 8] ^= 1 << (bit % 8);
        let mut tampered = item.clone();
        tampered.insert("blob".into(), AttributeValue::B(bytes.into()));
        let error = VaultSealed::from_item_with(tampered, &t).unwrap_err();
        assert_eq!(error.attribute, "blob", "bit {bit}");
    }
}

#[test]
fn a_decompression_bomb_is_rejected_before_allocating() {
    let mut item = vault!(VaultCompressed, sample()).to_item().unwrap();
    // Tag 0x01 (snappy) with a varint length header declaring ~4 GiB.
    item.insert(
        "blob".into(),
        AttributeValue::B(vec![0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00].into()),
    );
    let error = VaultCompressed::from_item(item).unwrap_err();
    assert_eq!(error.attribute, "blob");
    let text = dynamate::Report(&error).to_string();
    assert!(
        text.to_lowercase().contains("limit") || text.contains("large"),
        "{text}"
    );
}

/// `name: value` as `#[derive(Debug)]` prints each transformed field of the vault tables (all
/// non-key fields but `expires`, the TTL attribute, which is stored plain).
fn debug_fields(v: &Values) -> Vec<(&'static str, String)> {
    vec![
        ("text", format!("{:?}", v.text)),
        ("blob", format!("{:?}", v.blob)),
        ("flag", format!("{:?}", v.flag)),
        ("count", format!("{:?}", v.count)),
        ("big", format!("{:?}", v.big)),
        ("ratio", format!("{:?}", v.ratio)),
        ("amount", format!("{:?}", v.amount)),
        ("at", format!("{:?}", v.at)),
        ("doc", format!("{:?}", v.doc)),
        ("typed", format!("{:?}", v.typed)),
        ("items", format!("{:?}", v.items)),
        ("scores", format!("{:?}", v.scores)),
        ("tags", format!("{:?}", v.tags)),
        ("numbers", format!("{:?}", v.numbers)),
        ("blobs", format!("{:?}", v.blobs)),
        ("maybe", format!("{:?}", v.maybe)),
    ]
}

/// `Debug` never prints the plaintext of an encrypted attribute, of any value type, in either
/// mode (alone or after compression): it prints `<redacted>`, as `RootKey` does. Keys and
/// unencrypted attributes print as usual.
#[test]
fn debug_redacts_encrypted_attributes() {
    let v = Values {
        expires: Some(DateTime::from_timestamp(1_800_000_000, 0).unwrap()),
        numbers: BTreeSet::from(["12.5".parse().unwrap()]),
        blobs: BTreeSet::from([b"blob secret".to_vec()]),
        maybe: Some("maybe secret".into()),
        ..sample()
    };
    let encrypted = [
        format!("{:?}", vault!(VaultDeterministic, v.clone())),
        format!("{:?}", vault!(VaultRandomized, v.clone())),
        format!("{:?}", vault!(VaultSealed, v.clone())),
    ];
    for out in &encrypted {
        assert!(out.contains(r#"id: "item-1", version_no: 1,"#), "{out}");
        for (name, plain) in debug_fields(&v) {
            assert!(
                !out.contains(&format!("{name}: {plain}")),
                "`{name}` printed in plaintext: {out}"
            );
            assert!(out.contains(&format!("{name}: <redacted>")), "{out}");
        }
    }
    let compressed = format!("{:?}", vault!(VaultCompressed, v.clone()));
    for (name, plain) in debug_fields(&v) {
        assert!(
            compressed.contains(&format!("{name}: {plain}")),
            "{compressed}"
        );
    }
}
