//! Items in pynamodb_mate's stored formats through generated models (`schemas/interop.toml`),
//! without a server: the stored values are the ones the real pynamodb_mate 6.0.1.1 wrote
//! (`runtime/tests/data/pynamodb_mate_vectors.json`, see `scripts/interop/make_vectors.py`).
//!
//! - `pynamodb_mate = "shared"` reads each of them as the value Python stored, and writes the
//!   same bytes for deterministic (ECB) values, and values Python's reader takes otherwise;
//! - `"migrate"` reads them and writes dynamate's own format;
//! - without the key, reading one is an error that names the attribute and the option.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use dynamate::primitives::crypto::{Keyring, RootKey};
use dynamate::primitives::pynamodb_mate::{PynamodbMateKey, gzip_decompress, to_python_json};
use dynamate::{AttributeValue, Model, Report, TransformContext};
use dynamate_tests::{DynamateOnly, Migrating, Shared};
use serde_json::Value;

mod pynamodb_mate_common;
use pynamodb_mate_common::{PASSWORD, empty_shared, same, shared, unhex};

fn vectors() -> Value {
    serde_json::from_str(include_str!(
        "../../runtime/tests/data/pynamodb_mate_vectors.json"
    ))
    .unwrap()
}

fn transforms() -> TransformContext {
    let keyring = Keyring::new()
        .with_key("legacy", 1, RootKey::from_bytes(&[5; 32]).unwrap())
        .unwrap()
        .with_pynamodb_mate_password("legacy", PASSWORD)
        .unwrap();
    TransformContext::new().with_keyring(keyring)
}

fn item(attribute: &str, stored: Vec<u8>) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("id".to_string(), AttributeValue::S("a".into())),
        (attribute.to_string(), AttributeValue::B(Blob::new(stored))),
    ])
}

fn stored_bytes(item: &HashMap<String, AttributeValue>, attribute: &str) -> Vec<u8> {
    match &item[attribute] {
        AttributeValue::B(blob) => blob.as_ref().to_vec(),
        other => panic!("{attribute} is {other:?}"),
    }
}

/// The attribute of `Shared` that holds a vector value of `kind` in `mode`.
fn attribute_for(kind: &str, mode: &str, value: &Value) -> Option<String> {
    let kind = match kind {
        "number" if value["bool"].is_boolean() => "flag",
        "number" if value["int"].is_string() => "int",
        "number" => "float",
        other => other,
    };
    let name = format!("{kind}_{mode}");
    let exists = [
        "text_gz",
        "bytes_gz",
        "json_gz",
        "text_ecb",
        "bytes_ecb",
        "int_ecb",
        "float_ecb",
        "flag_ecb",
        "json_ecb",
        "text_ctr",
        "bytes_ctr",
        "float_ctr",
        "json_ctr",
    ]
    .contains(&name.as_str());
    exists.then_some(name)
}

#[test]
fn shared_attributes_read_what_python_wrote_and_write_what_python_reads() {
    let v = vectors();
    let transforms = transforms();
    let key = PynamodbMateKey::from_password(PASSWORD);
    let mut checked = HashMap::<String, usize>::new();
    for (family, mode) in [("ecb", "ecb"), ("ctr", "ctr"), ("gzip", "gz")] {
        for entry in v[family].as_array().unwrap() {
            let kind = entry["kind"].as_str().unwrap();
            let Some(attribute) = attribute_for(kind, mode, &entry["value"]) else {
                continue;
            };
            let described = serde_json::json!({ attribute.as_str(): entry["value"] });
            let Some(expected) = shared("a", &described) else {
                continue;
            };
            let attribute = attribute.as_str();
            let stored = match family {
                "ctr" => entry["stored"].as_str().unwrap().as_bytes().to_vec(),
                _ => unhex(entry["stored_hex"].as_str().unwrap()),
            };
            let read = Shared::from_item_with(item(attribute, stored.clone()), &transforms)
                .unwrap_or_else(|e| panic!("{attribute} {entry}: {}", Report(&e)));
            assert!(same(&read, &expected), "{attribute} {entry}");

            let written = expected.to_item_with(&transforms).unwrap();
            let ours = stored_bytes(&written, attribute);
            let plaintext = unhex(entry["plaintext_hex"].as_str().unwrap());
            match family {
                // Deterministic: byte for byte, so Python's equality scans find it, except JSON
                // objects whose keys Python did not insert in sorted order.
                "ecb" => {
                    let sorted = expected
                        .json_ecb
                        .as_ref()
                        .is_none_or(|j| to_python_json(j).unwrap() == plaintext);
                    assert_eq!(ours == stored, sorted, "{attribute} {entry}");
                }
                // Python's reader gets the same plaintext (the same JSON value: our keys are
                // sorted).
                _ => {
                    let decoded = match family {
                        "ctr" => key.decrypt_ctr(&ours).unwrap(),
                        _ => gzip_decompress(&ours, 1 << 24).unwrap(),
                    };
                    if kind == "json" {
                        let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap();
                        assert_eq!(parse(&decoded), parse(&plaintext), "{attribute} {entry}");
                    } else {
                        assert_eq!(decoded, plaintext, "{attribute} {entry}");
                    }
                }
            }
            let back = Shared::from_item_with(written, &transforms).unwrap();
            assert!(same(&back, &expected), "{attribute} {entry}");
            *checked.entry(attribute.to_string()).or_default() += 1;
        }
    }
    assert_eq!(checked.len(), 13, "{checked:?}");
}

#[test]
fn migrating_attributes_read_pynamodb_mate_and_write_dynamate() {
    let v = vectors();
    let transforms = transforms();
    let find = |family: &str, kind: &str, pick: &dyn Fn(&Value) -> bool| {
        v[family]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind && pick(&e["value"]))
            .unwrap()
            .clone()
    };
    let gz = find("gzip", "text", &|v| v["text"] == "héllo wörld 😀");
    let ecb = find("ecb", "json", &|v| v["json"] == r#"{"a": 1}"#);
    let ctr = find("ctr", "number", &|v| v["int"] == "1234");
    let mut item = item("text_gz", unhex(gz["stored_hex"].as_str().unwrap()));
    item.insert(
        "json_ecb".into(),
        AttributeValue::B(Blob::new(unhex(ecb["stored_hex"].as_str().unwrap()))),
    );
    item.insert(
        "int_ctr".into(),
        AttributeValue::B(Blob::new(ctr["stored"].as_str().unwrap().as_bytes())),
    );
    let read = Migrating::from_item_with(item, &transforms).unwrap();
    assert_eq!(read.text_gz.as_deref(), Some("héllo wörld 😀"));
    assert_eq!(read.json_ecb, Some(serde_json::json!({"a": 1})));
    assert_eq!(read.int_ctr, Some(1234));

    let written = read.to_item_with(&transforms).unwrap();
    // dynamate's formats: a snappy format byte, AES-SIV envelopes (version byte 1).
    assert!(matches!(stored_bytes(&written, "text_gz")[0], 0x00 | 0x01));
    assert_eq!(stored_bytes(&written, "json_ecb")[0], 1);
    assert_eq!(stored_bytes(&written, "int_ctr")[0], 1);
    assert_eq!(
        Migrating::from_item_with(written, &transforms).unwrap(),
        read
    );
}

#[test]
fn without_the_option_a_pynamodb_mate_value_names_the_attribute_and_the_option() {
    let v = vectors();
    let transforms = transforms();
    let gz = &v["gzip"][1];
    let ecb = v["ecb"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "json")
        .unwrap();
    let ctr = v["ctr"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "number")
        .unwrap();
    for (attribute, stored, format) in [
        ("text_gz", unhex(gz["stored_hex"].as_str().unwrap()), "gzip"),
        (
            "json_ecb",
            unhex(ecb["stored_hex"].as_str().unwrap()),
            "AES-ECB",
        ),
        (
            "int_ctr",
            ctr["stored"].as_str().unwrap().as_bytes().to_vec(),
            "AES-CTR",
        ),
    ] {
        let error = DynamateOnly::from_item_with(item(attribute, stored), &transforms).unwrap_err();
        assert_eq!(error.attribute, attribute);
        let message = Report(&error).to_string();
        assert!(
            message.contains(&format!(
                "attribute `{attribute}` holds a value in pynamodb_mate's {format}"
            )) && message.contains(r#"pynamodb_mate = "migrate""#)
                && !message.contains("newer dynamate"),
            "{message}"
        );
    }
}

#[test]
fn a_missing_password_is_named() {
    let keyring = Keyring::new()
        .with_key("legacy", 1, RootKey::from_bytes(&[5; 32]).unwrap())
        .unwrap();
    let transforms = TransformContext::new().with_keyring(keyring);
    let model = Shared {
        text_ecb: Some("x".into()),
        ..empty_shared("a")
    };
    let error = model.to_item_with(&transforms).unwrap_err();
    let message = Report(&error).to_string();
    assert!(
        message.contains("no pynamodb_mate password")
            && message.contains("with_pynamodb_mate_password"),
        "{message}"
    );
}
