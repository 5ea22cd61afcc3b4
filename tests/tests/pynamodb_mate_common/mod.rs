//! Values of `Shared` (schemas/interop.toml) as the Python side describes them: JSON objects
//! tagged like runtime/tests/data/pynamodb_mate_vectors.json (`text`, `bytes_hex`, `int`,
//! `float_bits`, `bool`, `json`), shared by the format and the cross-language tests.
#![allow(dead_code)] // each test binary uses a subset

use dynamate_tests::Shared;
use serde_json::Value;

pub const PASSWORD: &str = "my-password";

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub fn empty_shared(id: &str) -> Shared {
    Shared {
        id: id.into(),
        text_gz: None,
        bytes_gz: None,
        json_gz: None,
        text_ecb: None,
        bytes_ecb: None,
        int_ecb: None,
        float_ecb: None,
        flag_ecb: None,
        json_ecb: None,
        text_ctr: None,
        bytes_ctr: None,
        float_ctr: None,
        json_ctr: None,
    }
}

/// The `Shared` item `id` with the described attributes (`attributes`: name -> tagged value),
/// or `None` if one does not fit its field (an int over i64, a JSON value with NaN, a value of
/// another kind than the field's).
pub fn shared(id: &str, attributes: &Value) -> Option<Shared> {
    let mut model = empty_shared(id);
    for (name, value) in attributes.as_object()? {
        let text = || value["text"].as_str().map(str::to_string);
        let bytes = || value["bytes_hex"].as_str().map(unhex);
        let json = || serde_json::from_str::<Value>(value["json"].as_str()?).ok();
        let float = || {
            let bits = value["float_bits"].as_str()?;
            Some(f64::from_bits(u64::from_str_radix(bits, 16).ok()?))
        };
        let int = || value["int"].as_str()?.parse::<i64>().ok();
        match name.as_str() {
            "id" => {}
            "text_gz" => model.text_gz = Some(text()?),
            "bytes_gz" => model.bytes_gz = Some(bytes()?),
            "json_gz" => model.json_gz = Some(json()?),
            "text_ecb" => model.text_ecb = Some(text()?),
            "bytes_ecb" => model.bytes_ecb = Some(bytes()?),
            "int_ecb" => model.int_ecb = Some(int()?),
            "float_ecb" => model.float_ecb = Some(float()?),
            "flag_ecb" => model.flag_ecb = Some(value["bool"].as_bool()?),
            "json_ecb" => model.json_ecb = Some(json()?),
            "text_ctr" => model.text_ctr = Some(text()?),
            "bytes_ctr" => model.bytes_ctr = Some(bytes()?),
            "float_ctr" => model.float_ctr = Some(float()?),
            "json_ctr" => model.json_ctr = Some(json()?),
            other => panic!("no attribute {other} in Shared"),
        }
    }
    Some(model)
}

/// Equal as stored values: NaN equals NaN (floats compare bitwise).
pub fn same(a: &Shared, b: &Shared) -> bool {
    let bits = |x: Option<f64>| x.map(f64::to_bits);
    let without_floats = |m: &Shared| Shared {
        float_ecb: None,
        float_ctr: None,
        ..m.clone()
    };
    bits(a.float_ecb) == bits(b.float_ecb)
        && bits(a.float_ctr) == bits(b.float_ctr)
        && without_floats(a) == without_floats(b)
}
