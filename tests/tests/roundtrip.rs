//! Property tests: for every value type, struct -> DynamoDB item -> struct is the identity.
//! `Product` (schemas/catalog.toml) has a field of every value type, optional values, defaults,
//! nested lists and maps, and all three set types.

use std::collections::{BTreeMap, BTreeSet};

use chrono::DateTime;
use dynamate::{Decimal, Model, ModelKey};
use dynamate_tests::{Counter, Dimensions, Product, ProductKey};

mod common;
use common::*;
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;

prop_compose! {
    fn product()(
        keys in (".{0,20}", ".{0,20}", ".{0,20}", ".{0,20}", ".{0,20}"),
        small_numbers in (any::<i8>(), any::<i16>(), any::<u8>(), any::<u16>(), any::<u32>(), any::<i32>()),
        big_numbers in (any::<u64>(), any::<i64>(), storable_f64(), storable_f32(), decimal(), any::<u64>()),
        flags in (any::<bool>(), proptest::option::of(bytes())),
        times in (datetime(), proptest::option::of(ttl())),
        documents in (proptest::option::of(json()), dimensions()),
        collections in (
            vec(".{0,8}", 0..4),
            vec(vec(any::<i64>(), 0..3), 0..3),
            vec(proptest::option::of(".{0,8}"), 0..4),
            btree_map(".{0,8}", decimal(), 0..3),
            btree_map(".{0,8}", vec(".{0,8}", 0..3), 0..3),
        ),
        sets in (
            btree_set(".{0,8}", 0..4),
            btree_set(any::<i64>(), 0..4),
            btree_set(decimal(), 0..4),
            btree_set(bytes(), 0..4),
        ),
    ) -> Product {
        let (tenant, sku, name, product_type, r#type) = keys;
        let (small, medium, unsigned_small, unsigned_medium, unsigned_int, stock) = small_numbers;
        let (big, rank, score, ratio, price, version) = big_numbers;
        let (active, image) = flags;
        let (released_at, expires_at) = times;
        let (attributes, dimensions) = documents;
        let (tags, matrix, notes, prices_by_region, labels) = collections;
        let (colors, sizes, weights, thumbnails) = sets;
        Product {
            tenant, sku, name, product_type, r#type, image, active, stock, small, medium, big,
            unsigned_small, unsigned_medium, unsigned_int, score, ratio, price, released_at,
            expires_at, version, attributes, dimensions, tags, matrix, notes, prices_by_region,
            labels, colors, sizes, weights, thumbnails, category: "tools".into(), rank,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn product_round_trips_through_an_item(product in product()) {
        let item = product.to_item().unwrap();
        let key = ProductKey::from_item(&item).unwrap();
        prop_assert_eq!(&key, &product.key());
        prop_assert_eq!(Product::from_item(item).unwrap(), product);
    }

    #[test]
    fn counter_round_trips_with_binary_hash_key(id in bytes(), count in any::<i64>()) {
        let counter = Counter { id, count };
        let item = counter.to_item().unwrap();
        prop_assert_eq!(Counter::from_item(item).unwrap(), counter);
    }
}

#[test]
fn missing_attributes_use_defaults_or_report_the_attribute() {
    let mut item = Counter {
        id: vec![1],
        count: 7,
    }
    .to_item()
    .unwrap();
    item.remove("count");
    assert_eq!(
        Counter::from_item(item.clone()).unwrap().count,
        0,
        "schema default"
    );
    item.remove("id");
    let error = Counter::from_item(item).unwrap_err();
    assert_eq!((error.table, error.attribute.as_str()), ("counters", "id"));
    assert!(
        dynamate::Report(&error).to_string().contains("missing"),
        "{error}"
    );
}

#[test]
fn mistyped_attribute_names_expected_and_found_types() {
    let mut item = Counter {
        id: vec![1],
        count: 7,
    }
    .to_item()
    .unwrap();
    item.insert("count".into(), dynamate::AttributeValue::S("seven".into()));
    let error = Counter::from_item(item).unwrap_err();
    assert_eq!(error.attribute, "count");
    assert_eq!(
        dynamate::Report(&error).to_string(),
        "cannot read attribute `count` of table `counters`: expected a DynamoDB N value, found S"
    );
}

#[test]
fn unrepresentable_values_are_rejected_on_write() {
    let mut counter_like = sample_product();
    counter_like.score = f64::NAN;
    let error = counter_like.to_item().unwrap_err();
    assert_eq!(error.attribute, "score");
}

#[test]
fn empty_sets_are_not_stored_and_read_back_empty() {
    let product = sample_product();
    let item = product.to_item().unwrap();
    assert!(!item.contains_key("colors"));
    assert!(!item.contains_key("image"), "None is not stored");
    assert_eq!(Product::from_item(item).unwrap(), product);
}

fn sample_product() -> Product {
    Product {
        tenant: "t".into(),
        sku: "s".into(),
        name: "n".into(),
        product_type: "p".into(),
        r#type: "physical".into(),
        image: None,
        active: true,
        stock: 0,
        small: 0,
        medium: 0,
        big: 0,
        unsigned_small: 0,
        unsigned_medium: 0,
        unsigned_int: 0,
        score: 0.5,
        ratio: 1.5,
        price: Decimal::from(3),
        released_at: DateTime::from_timestamp(0, 0).unwrap(),
        expires_at: None,
        version: 0,
        attributes: None,
        dimensions: Dimensions {
            width_mm: 1,
            height_mm: 2,
            note: None,
        },
        tags: vec![],
        matrix: vec![],
        notes: vec![],
        prices_by_region: BTreeMap::new(),
        labels: BTreeMap::new(),
        colors: BTreeSet::new(),
        sizes: BTreeSet::new(),
        weights: BTreeSet::new(),
        thumbnails: BTreeSet::new(),
        category: "tools".into(),
        rank: 1,
    }
}
