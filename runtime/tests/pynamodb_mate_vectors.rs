//! Known-answer vectors of pynamodb_mate's stored formats, made by the real package:
//! `data/pynamodb_mate_vectors.json` is the output of `scripts/interop/make_vectors.py`, which
//! drives pynamodb_mate 6.0.1.1's (and 5.5.1.1's) own attribute classes with pinned gzip MTIME
//! and CTR nonces. Nothing here was computed by this crate.

use dynamate::primitives::pynamodb_mate::{
    JsonNumber, PynamodbMateKey, b85_decode, b85_encode, gzip_compress, gzip_decompress,
    parse_json_number, python_float_repr, s3_key, s3backed_key, to_python_json,
};
use serde_json::Value;

const LIMIT: usize = 1 << 24;

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/pynamodb_mate_vectors.json")).expect("vectors parse")
}

fn unhex(s: &str) -> Vec<u8> {
    base16ct::mixed::decode_vec(s).expect("hex")
}

fn str_of<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("`{name}` in {v}"))
}

fn list<'a>(v: &'a Value, name: &str) -> &'a Vec<Value> {
    v[name]
        .as_array()
        .unwrap_or_else(|| panic!("`{name}` is a list"))
}

/// The plaintext pynamodb_mate serializes a described value to, computed the Rust way: UTF-8
/// text, the bytes, Python's `json.dumps` text of a number (int digits, float repr, bool).
fn rust_plaintext(kind: &str, value: &Value) -> Option<Vec<u8>> {
    Some(match kind {
        "text" => str_of(value, "text").as_bytes().to_vec(),
        "bytes" => unhex(str_of(value, "bytes_hex")),
        "number" => number_text(value).into_bytes(),
        "json" => {
            let text = str_of(value, "json");
            let parsed: Value = serde_json::from_str(text).ok()?;
            let ours = to_python_json(&parsed).unwrap();
            // serde_json's map is sorted, so only sorted-key values come out the same.
            if ours != text.as_bytes() {
                return None;
            }
            ours
        }
        other => panic!("kind {other}"),
    })
}

fn number_text(value: &Value) -> String {
    if let Some(b) = value["bool"].as_bool() {
        return b.to_string();
    }
    if let Some(int) = value["int"].as_str() {
        return int.parse::<i128>().expect("fits i128").to_string();
    }
    let bits = u64::from_str_radix(str_of(value, "float_bits"), 16).unwrap();
    python_float_repr(f64::from_bits(bits))
}

#[test]
fn the_vectors_come_from_the_real_packages() {
    let v = vectors();
    assert_eq!(v["generator"]["pynamodb_mate"], "6.0.1.1");
    assert_eq!(v["v5"]["pynamodb_mate"], "5.5.1.1");
}

#[test]
fn float_repr_is_pythons() {
    let v = vectors();
    let floats = list(&v, "float_repr");
    assert!(floats.len() > 4000);
    for pair in floats {
        let bits = u64::from_str_radix(pair[0].as_str().unwrap(), 16).unwrap();
        let value = f64::from_bits(bits);
        assert_eq!(
            python_float_repr(value),
            pair[1].as_str().unwrap(),
            "{value:e}"
        );
    }
}

#[test]
fn number_text_is_json_dumps_and_reads_back_by_kind() {
    let v = vectors();
    for entry in list(&v, "numbers") {
        let text = str_of(entry, "text");
        assert_eq!(number_text(entry), text, "{entry}");
        let parsed = parse_json_number(text.as_bytes()).unwrap();
        match parsed {
            JsonNumber::Bool(b) => assert_eq!(entry["bool"].as_bool(), Some(b)),
            JsonNumber::Int(digits) => assert_eq!(entry["int"].as_str(), Some(digits)),
            JsonNumber::Float(t) => {
                let bits = u64::from_str_radix(str_of(entry, "float_bits"), 16).unwrap();
                assert_eq!(t.parse::<f64>().unwrap().to_bits(), bits, "{t}");
            }
            JsonNumber::NonFinite(f) => {
                let bits = u64::from_str_radix(str_of(entry, "float_bits"), 16).unwrap();
                let expected = f64::from_bits(bits);
                assert!(expected.is_nan() && f.is_nan() || expected == f, "{text}");
            }
        }
    }
}

#[test]
fn json_text_is_json_dumps() {
    let v = vectors();
    let mut compared = 0;
    for entry in list(&v, "json_text") {
        let text = str_of(entry, "json");
        let parsed: Value = serde_json::from_str(text).expect("serde_json reads Python's text");
        if entry["sorted_keys"] == true {
            assert_eq!(
                String::from_utf8(to_python_json(&parsed).unwrap()).unwrap(),
                text
            );
            compared += 1;
        }
    }
    assert!(compared >= 14, "{compared}");
    for entry in list(&v, "json_strings") {
        let ours = to_python_json(str_of(entry, "text")).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), str_of(entry, "json"));
    }
}

#[test]
fn ecb_vectors() {
    let v = vectors();
    let key = PynamodbMateKey::from_password(str_of(&v, "password"));
    let mut written = 0;
    for entry in list(&v, "ecb") {
        let plaintext = unhex(str_of(entry, "plaintext_hex"));
        let stored = unhex(str_of(entry, "stored_hex"));
        assert_eq!(key.decrypt_ecb(&stored).unwrap(), plaintext, "{entry}");
        assert_eq!(key.encrypt_ecb(&plaintext), stored, "{entry}");
        if let Some(ours) = rust_plaintext(str_of(entry, "kind"), &entry["value"]) {
            assert_eq!(ours, plaintext, "{entry}");
            written += 1;
        }
    }
    assert!(written >= 38, "{written}");
}

#[test]
fn ctr_vectors_with_pinned_nonces() {
    let v = vectors();
    let key = PynamodbMateKey::from_password(str_of(&v, "password"));
    for entry in list(&v, "ctr") {
        let plaintext = unhex(str_of(entry, "plaintext_hex"));
        let stored = str_of(entry, "stored");
        let nonce = unhex(str_of(entry, "nonce_hex"));
        assert_eq!(key.decrypt_ctr(stored.as_bytes()).unwrap(), plaintext);
        assert_eq!(
            String::from_utf8(key.encrypt_ctr_with_nonce(&plaintext, &nonce).unwrap()).unwrap(),
            stored
        );
    }
    for entry in list(&v, "ctr_accepted") {
        let plaintext = unhex(str_of(entry, "plaintext_hex"));
        let stored = str_of(entry, "stored");
        assert_eq!(
            key.decrypt_ctr(stored.as_bytes()).unwrap(),
            plaintext,
            "{stored}"
        );
    }
}

#[test]
fn base85_is_pythons() {
    let v = vectors();
    for entry in list(&v, "b85") {
        let data = unhex(str_of(entry, "hex"));
        assert_eq!(b85_encode(&data), str_of(entry, "text"));
        assert_eq!(b85_decode(str_of(entry, "text")).unwrap(), data);
    }
    for pair in list(&v, "b85_decode") {
        let text = pair[0].as_str().unwrap();
        match pair[1].as_str() {
            Some(hex) => assert_eq!(b85_decode(text).unwrap(), unhex(hex), "{text}"),
            None => assert!(b85_decode(text).is_err(), "{text}"),
        }
    }
}

#[test]
fn gzip_vectors() {
    let v = vectors();
    for entry in list(&v, "gzip") {
        let plaintext = unhex(str_of(entry, "plaintext_hex"));
        let stored = unhex(str_of(entry, "stored_hex"));
        assert_eq!(gzip_decompress(&stored, LIMIT).unwrap(), plaintext);
        // Header as Python's, MTIME aside (Python's is the wall clock, ours 0).
        let ours = gzip_compress(&plaintext);
        assert_eq!(ours[..4], stored[..4]);
        assert_eq!(stored[4..8], 1_700_000_000u32.to_le_bytes());
        assert_eq!(ours[4..8], [0; 4]);
        assert_eq!(ours[8..10], stored[8..10]);
        assert_eq!(ours[ours.len() - 8..], stored[stored.len() - 8..]);
        assert_eq!(gzip_decompress(&ours, LIMIT).unwrap(), plaintext);
        if let Some(expected) = rust_plaintext(str_of(entry, "kind"), &entry["value"]) {
            assert_eq!(expected, plaintext);
        }
    }
    for entry in list(&v, "gzip_accepted") {
        let stored = unhex(str_of(entry, "stored_hex"));
        assert_eq!(
            gzip_decompress(&stored, LIMIT).unwrap(),
            unhex(str_of(entry, "plaintext_hex"))
        );
    }
}

#[test]
fn large_attribute_s3_keys() {
    let v = vectors();
    let text_of = |key: &Value| {
        key["text"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| number_text(key))
    };
    for entry in list(&v, "s3_keys") {
        let pk = text_of(&entry["pk"]);
        let sk = (!entry["sk"].is_null()).then(|| text_of(&entry["sk"]));
        let key = s3_key(
            str_of(entry, "prefix"),
            &pk,
            sk.as_deref(),
            str_of(entry, "attr"),
            &unhex(str_of(entry, "value_hex")),
        );
        assert_eq!(key, str_of(entry, "key"));
    }
}

#[test]
fn v5_s3backed_objects_and_identical_formats() {
    let v = vectors();
    let key = PynamodbMateKey::from_password(str_of(&v, "password"));
    let v5 = &v["v5"];
    for entry in list(v5, "s3backed") {
        let body = unhex(str_of(entry, "body_hex"));
        let user_bytes = if entry["compressed"] == true {
            gzip_decompress(&body, LIMIT).unwrap()
        } else {
            body
        };
        let expected = rust_plaintext(str_of(entry, "kind"), &entry["value"]);
        if let Some(expected) = expected {
            assert_eq!(user_bytes, expected);
        }
        assert_eq!(s3backed_key(&user_bytes), str_of(entry, "key"));
        assert_eq!(
            str_of(entry, "uri"),
            format!("s3://{}/{}", str_of(entry, "bucket"), str_of(entry, "key"))
        );
    }
    for entry in list(v5, "same_as_6x") {
        let stored = unhex(str_of(entry, "stored_hex"));
        let plaintext = rust_plaintext(str_of(entry, "kind"), &entry["value"]).unwrap();
        match str_of(entry, "family") {
            "gzip" => assert_eq!(gzip_decompress(&stored, LIMIT).unwrap(), plaintext),
            "ecb" => assert_eq!(key.encrypt_ecb(&plaintext), stored),
            other => panic!("{other}"),
        }
    }
}
