//! Number codecs write DynamoDB's normal form, and every encoding a number reaches (canonical
//! bytes, item keys) is independent of the text the number was written with.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use dynamate::item::model::{canonical_key_bytes, key_bytes_as_written};
use dynamate::primitives::codec::{Codec, Num, NumberSet, canonical};
use dynamate::primitives::decimal::normalize;
use dynamate::{AttributeValue, Decimal};
use proptest::prelude::*;

mod ledger_schema;
use ledger_schema as ledger;

fn text_of(value: Option<AttributeValue>) -> String {
    match value {
        Some(AttributeValue::N(text)) => text,
        other => panic!("expected N, got {other:?}"),
    }
}

/// `text` is in normal form: normalising it returns it unchanged.
fn assert_normal(text: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(normalize(text).expect("a DynamoDB number"), text);
    Ok(())
}

fn key_item(account: &str, seq: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (
            "account".to_string(),
            AttributeValue::N(account.to_string()),
        ),
        ("seq".to_string(), AttributeValue::N(seq.to_string())),
    ])
}

/// Spellings of `digits * 10^exponent`: scientific, padded mantissa, leading zeros.
fn spellings(digits: &str, exponent: i32) -> [String; 3] {
    [
        format!("{digits}E{exponent}"),
        format!("{digits}00e{:+}", exponent - 2),
        format!("000{digits}.000E{exponent}"),
    ]
}

proptest! {
    #[test]
    fn floats_are_written_in_normal_form(value in any::<f64>().prop_filter("storable", |f| {
        f.is_finite() && (*f == 0.0 || (1e-130..1e126).contains(&f.abs()))
    })) {
        let text = text_of(Num::<f64>::encode(&value).unwrap());
        assert_normal(&text)?;
        let back = Num::<f64>::decode(AttributeValue::N(text)).unwrap();
        prop_assert_eq!(back, value); // -0.0 == 0.0
    }

    #[test]
    fn f32_are_written_in_normal_form(value in any::<f32>().prop_filter("finite", |f| f.is_finite())) {
        let text = text_of(Num::<f32>::encode(&value).unwrap());
        assert_normal(&text)?;
        prop_assert_eq!(Num::<f32>::decode(AttributeValue::N(text)).unwrap(), value);
    }

    #[test]
    fn integers_are_written_in_normal_form_or_rejected(value in any::<i128>(), zeros in 0u32..10) {
        // Values with many trailing zeros have few significant digits, however long.
        let value = value / 10i128.pow(zeros) * 10i128.pow(zeros);
        let significant = value.to_string().trim_start_matches('-').trim_end_matches('0').len();
        match Num::<i128>::encode(&value) {
            Ok(encoded) => {
                prop_assert!(significant <= 38);
                let text = text_of(encoded);
                assert_normal(&text)?;
                prop_assert_eq!(Num::<i128>::decode(AttributeValue::N(text)).unwrap(), value);
            }
            Err(error) => {
                prop_assert!(significant > 38);
                prop_assert!(error.to_string().contains("38 significant digits"), "{}", error);
            }
        }
    }

    #[test]
    fn decimals_and_number_sets_are_written_in_normal_form(
        digits in "[1-9][0-9]{0,20}",
        exponent in -100i32..90,
        negative: bool,
    ) {
        let sign = if negative { "-" } else { "" };
        let value = Decimal::parse(&format!("{sign}{digits}E{exponent}")).unwrap();
        let text = text_of(Num::<Decimal>::encode(&value).unwrap());
        assert_normal(&text)?;
        let set = BTreeSet::from([value.clone(), Decimal::from(7)]);
        let Some(AttributeValue::Ns(texts)) = NumberSet::<Decimal>::encode(&set).unwrap() else {
            panic!("expected NS");
        };
        for text in &texts {
            assert_normal(text)?;
        }
    }

    #[test]
    fn canonical_bytes_do_not_depend_on_spelling(digits in "[1-9][0-9]{0,30}", exponent in -60i32..60) {
        let texts = spellings(&digits, exponent);
        let bytes = |text: &str| {
            let mut out = Vec::new();
            canonical::write(&AttributeValue::N(text.to_string()), &mut out);
            canonical::write(&AttributeValue::Ns(vec![text.to_string()]), &mut out);
            out
        };
        let normal = normalize(&texts[0]).unwrap().into_owned();
        for text in &texts {
            prop_assert_eq!(bytes(text), bytes(&normal));
            prop_assert_eq!(
                canonical_key_bytes(&ledger::SCHEMA, &key_item(text, "1")),
                canonical_key_bytes(&ledger::SCHEMA, &key_item(&normal, "1"))
            );
        }
        // Key bytes "as written" keep the spelling (dynamate 0.1's binding).
        prop_assert_ne!(
            key_bytes_as_written(&ledger::SCHEMA, &key_item(&texts[2], "1")),
            key_bytes_as_written(&ledger::SCHEMA, &key_item(&normal, "1"))
        );
    }
}

#[test]
fn unrepresentable_numbers_are_rejected_with_a_reason() {
    for value in [f64::NAN, f64::INFINITY, 1e126, 1e-131] {
        let error = Num::<f64>::encode(&value).unwrap_err().to_string();
        assert!(error.contains("DynamoDB"), "{error}");
    }
    let error = Num::<u128>::encode(&u128::MAX).unwrap_err().to_string();
    assert!(error.contains("38 significant digits"), "{error}");
    assert_eq!(
        text_of(Num::<u128>::encode(&10u128.pow(38)).unwrap()),
        format!("1{}", "0".repeat(38))
    );
}

#[test]
fn normalize_borrows_text_already_in_normal_form() {
    assert!(matches!(normalize("-12.5"), Ok(Cow::Borrowed("-12.5"))));
    assert!(matches!(normalize("12.50"), Ok(Cow::Owned(_))));
}
