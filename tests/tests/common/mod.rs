//! Proptest strategies shared by the round-trip tests.
#![allow(dead_code)] // each test binary uses a subset

use chrono::{DateTime, Utc};
use dynamate::Decimal;
use dynamate_tests::Dimensions;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::Value;

pub fn decimal() -> impl Strategy<Value = Decimal> {
    (any::<bool>(), "[1-9][0-9]{0,37}", -120i32..80).prop_map(|(negative, digits, exponent)| {
        let sign = if negative { "-" } else { "" };
        Decimal::parse(&format!("{sign}{digits}E{exponent}")).expect("in range by construction")
    })
}

/// Floats DynamoDB can store: finite, zero or with magnitude in 1E-130..1E126.
pub fn storable_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("storable in DynamoDB", |f| {
        f.is_finite() && (*f == 0.0 || (1e-130..1e126).contains(&f.abs()))
    })
}

pub fn storable_f32() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("finite", |f| f.is_finite())
}

pub fn datetime() -> impl Strategy<Value = DateTime<Utc>> {
    // Years 1970..=9999, with nanoseconds.
    (0i64..253_402_300_799, 0u32..1_000_000_000)
        .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).expect("in range"))
}

pub fn ttl() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800).prop_map(|secs| DateTime::from_timestamp(secs, 0).expect("in range"))
}

pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(".{0,6}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

pub fn bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..32)
}

pub fn dimensions() -> impl Strategy<Value = Dimensions> {
    (any::<u32>(), any::<u32>(), proptest::option::of(".{0,10}")).prop_map(
        |(width_mm, height_mm, note)| Dimensions {
            width_mm,
            height_mm,
            note,
        },
    )
}
