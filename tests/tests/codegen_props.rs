//! Properties of the generator over random schemas:
//! - every schema `check` accepts generates code that compiles, in an edition-2021 and an
//!   edition-2024 crate, inside modules that shadow the prelude (names drawn from keywords,
//!   prelude names, Unicode and very long names; every type, transform and default; trackers);
//! - `check` never panics, on arbitrary TOML documents and on arbitrary bytes.
//!
//! Compiling is the expensive part, so the random schemas of one run are batched into one crate
//! per edition: one `cargo check` each. `DYNAMATE_PROP_SCHEMAS` sets how many schemas to draw
//! (default 300) and `DYNAMATE_PROP_SEED` replays a run (the seed is printed).

mod scratch_crate;

use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use scratch_crate::Module;

/// Every keyword of the Rust Reference (strict, reserved and weak; editions 2015 to 2024).
const KEYWORDS: [&str; 57] = [
    "as",
    "break",
    "const",
    "continue",
    "crate",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "Self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "async",
    "await",
    "dyn",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "try",
    "gen",
    "union",
    "_",
    "macro_rules",
    "raw",
    "safe",
];

/// Names from the preludes, the standard library and the runtime that generated code uses.
const PRELUDE: [&str; 40] = [
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Default",
    "From",
    "Into",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "Iterator",
    "ToString",
    "PartialEq",
    "Eq",
    "Debug",
    "Hash",
    "Model",
    "ModelKey",
    "Index",
    "Attr",
    "Tracker",
    "Status",
    "Value",
    "Utc",
    "DateTime",
    "Decimal",
    "Item",
    "std",
    "core",
    "dynamate",
    "alloc",
];

/// Any name: keywords, prelude names, ASCII, Unicode and very long ones.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => proptest::sample::select(KEYWORDS.to_vec()).prop_map(str::to_string),
        2 => proptest::sample::select(PRELUDE.to_vec()).prop_map(str::to_string),
        4 => "_?[a-z][a-z0-9_]{0,12}",
        1 => "[A-Z][A-Za-z0-9]{0,12}",
        2 => "\\p{XID_Start}\\p{XID_Continue}{0,6}",
        1 => "[A-Z][a-z]{100,200}",
        1 => "[a-z_]{1,3}[0-9]{0,2}",
    ]
}

/// A type name, mostly CamelCase so that most schemas are accepted.
fn type_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => name(),
        3 => "[A-Z][a-zA-Z0-9]{0,10}",
        1 => "\\p{Lu}\\p{XID_Continue}{0,5}",
    ]
}

/// Named Rust types for json attributes: each implements what a json attribute needs.
const NAMED_TYPES: [&str; 4] = [
    "::std::vec::Vec<::std::string::String>",
    "(::core::primitive::u8, [::core::primitive::i64; 2])",
    "::std::collections::BTreeMap<::std::string::String, ::core::primitive::f64>",
    "::core::option::Option<::std::boxed::Box<::dynamate::serde_json::Value>>",
];

/// A TOML basic string.
fn toml_str(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => write!(out, "\\u{:04X}", u32::from(c)).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_float(f: f64) -> String {
    let text = format!("{f:?}");
    if text.contains(['.', 'e', 'i', 'n']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// Doc text with the Markdown and characters that could break generated code.
fn doc() -> impl Strategy<Value = String> {
    prop_oneof![
        "([a-z ]|```|~~~|rust|\n|\r|\t|    |\\*/|/\\*|///|\u{202E}|\u{0}|>|- |#){0,40}",
        any::<String>(),
    ]
}

/// A TOML value for an untyped json default, nested a few levels.
fn json_default() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(toml_float),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<String>().prop_map(|s| toml_str(&s)),
    ];
    leaf.prop_recursive(4, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
            vec((any::<String>(), inner), 0..4).prop_map(|entries| {
                let mut seen = std::collections::HashSet::new();
                let body: Vec<String> = entries
                    .into_iter()
                    .filter(|(key, _)| seen.insert(key.clone()))
                    .map(|(key, value)| format!("{} = {value}", toml_str(&key)))
                    .collect();
                format!("{{ {} }}", body.join(", "))
            }),
        ]
    })
}

/// An integer default, mostly at the edges of the integer types.
fn int_default() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            i64::MIN,
            i64::MAX,
            -129,
            -128,
            127,
            128,
            255,
            256,
            -1,
            0,
            65535,
            65536,
            i64::from(i32::MAX),
            i64::from(u32::MAX),
        ]),
        any::<i64>(),
    ]
    .prop_map(|i| i.to_string())
}

fn float_default() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            f64::from(f32::MAX),
            3.4028236e38,
            3.5e38,
            1e39,
            -1e39,
            f64::MAX,
            1e-46,
            -0.0,
            0.1,
        ])
        .prop_map(toml_float),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(toml_float),
        int_default(),
    ]
}

/// A default for an attribute of type `ty`: usually of that type (at the edges of its range),
/// sometimes of another, which `check` must reject.
fn default_for(ty: &str) -> BoxedStrategy<String> {
    let fitting = match ty {
        "string" => any::<String>().prop_map(|s| toml_str(&s)).boxed(),
        "bool" | "boolean" => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        "i8" => int_in(i8::MIN.into(), i8::MAX.into()),
        "i16" => int_in(i16::MIN.into(), i16::MAX.into()),
        "i32" => int_in(i32::MIN.into(), i32::MAX.into()),
        "u8" => int_in(0, u8::MAX.into()),
        "u16" => int_in(0, u16::MAX.into()),
        "u32" => int_in(0, u32::MAX.into()),
        "u64" => int_in(0, i64::MAX),
        "int" | "integer" | "i64" | "decimal" => int_in(i64::MIN, i64::MAX),
        "float" | "f32" | "f64" => float_default().boxed(),
        "json" => json_default().boxed(),
        "list" | "map" | "string_set" | "number_set" | "binary_set" => {
            Just("[]".to_string()).boxed()
        }
        // No defaults for bytes, datetime, ttl and version: any default must be rejected.
        _ => any_default().boxed(),
    };
    prop_oneof![20 => fitting, 1 => any_default()].boxed()
}

/// A default of any type.
fn any_default() -> impl Strategy<Value = String> {
    prop_oneof![
        int_default(),
        float_default(),
        json_default(),
        Just("[]".to_string()),
        Just("true".to_string()),
    ]
}

/// An integer in `min..=max`, often one of its ends.
fn int_in(min: i64, max: i64) -> BoxedStrategy<String> {
    prop_oneof![Just(min), Just(max), min..=max]
        .prop_map(|i| i.to_string())
        .boxed()
}

/// One attribute definition (an inline table) of the given type name.
fn attribute(key_capable: bool) -> impl Strategy<Value = String> {
    let key_types = ["string", "bytes", "int", "i8", "u64", "decimal", "datetime"];
    let all_types = dynamate_codegen::__TYPE_NAMES;
    let types = if key_capable {
        key_types.to_vec()
    } else {
        all_types.to_vec()
    };
    proptest::sample::select(types)
        .prop_flat_map(|ty| {
            (
                Just(ty),
                proptest::option::of(doc()),
                proptest::option::of(name()),
                any::<(bool, bool, u8, u8)>(),
                proptest::option::weighted(
                    if ["bytes", "datetime", "ttl", "version"].contains(&ty) {
                        0.03
                    } else {
                        0.5
                    },
                    default_for(ty),
                ),
            )
        })
        .prop_map(
            move |(ty, doc, rust_name, (optional, compress, encrypt, offload), default)| {
                let mut parts = vec![format!("type = {}", toml_str(ty))];
                match ty {
                    "list" | "map" => {
                        parts.push(r#"of = { type = "string", optional = true }"#.into())
                    }
                    "number_set" => parts.push(r#"of = "decimal""#.into()),
                    "json" if encrypt % 3 == 0 => {
                        let rust_type = NAMED_TYPES[usize::from(offload) % NAMED_TYPES.len()];
                        parts.push(format!("rust_type = {}", toml_str(rust_type)));
                    }
                    _ => {}
                }
                if let Some(doc) = doc {
                    parts.push(format!("doc = {}", toml_str(&doc)));
                }
                if let Some(rust_name) = rust_name.filter(|_| offload % 4 == 0) {
                    parts.push(format!("rust_name = {}", toml_str(&rust_name)));
                }
                if !key_capable && ty != "version" {
                    if optional && default.is_none() {
                        parts.push("optional = true".into());
                    }
                    if let Some(default) = &default {
                        parts.push(format!("default = {default}"));
                    }
                    if compress {
                        parts.push("compress = true".into());
                    }
                    match encrypt % 3 {
                        1 => parts.push(r#"encrypt = "deterministic""#.into()),
                        2 => parts.push(r#"encrypt = "randomized""#.into()),
                        _ => {}
                    }
                    if offload % 3 == 1 {
                        parts.push("offload = { threshold = 100 }".into());
                    }
                }
                format!("{{ {} }}", parts.join(", "))
            },
        )
}

/// A table: key attributes first, then values, maybe indexes.
fn table() -> impl Strategy<Value = String> {
    (
        type_name(),
        proptest::option::of(doc()),
        (name(), attribute(true)),
        proptest::option::of((name(), attribute(true))),
        vec((name(), attribute(false)), 0..6),
        vec(("[a-z][a-z_.-]{2,10}", any::<bool>()), 0..3),
        any::<u32>(),
    )
        .prop_map(|(ty, doc, hash, range, values, indexes, salt)| {
            let mut toml = String::new();
            let section = format!("table.{}", toml_str(&ty));
            writeln!(toml, "[{section}]").unwrap();
            writeln!(toml, "table_name = \"t{salt}\"").unwrap();
            writeln!(toml, "hash_key = {}", toml_str(&hash.0)).unwrap();
            if let Some((range, _)) = &range {
                writeln!(toml, "range_key = {}", toml_str(range)).unwrap();
            }
            if let Some(doc) = doc {
                writeln!(toml, "doc = {}", toml_str(&doc)).unwrap();
            }
            writeln!(toml, "[{section}.attributes]").unwrap();
            let mut seen = std::collections::HashSet::new();
            let mut attributes = vec![hash.clone()];
            attributes.extend(range.clone());
            attributes.extend(values);
            for (attr, def) in attributes {
                if seen.insert(attr.clone()) {
                    writeln!(toml, "{} = {def}", toml_str(&attr)).unwrap();
                }
            }
            for (index, local) in indexes {
                writeln!(toml, "[{section}.indexes.{}]", toml_str(&index)).unwrap();
                match (&range, local) {
                    (Some((range, _)), true) => {
                        writeln!(toml, "kind = \"local\"\nrange_key = {}", toml_str(range)).unwrap()
                    }
                    _ => writeln!(toml, "hash_key = {}", toml_str(&hash.0)).unwrap(),
                }
            }
            toml
        })
}

fn tracker() -> impl Strategy<Value = String> {
    (
        type_name(),
        proptest::option::of(doc()),
        vec(
            prop_oneof![8 => "[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,3}){0,2}", 1 => "self|in_progress|x_?1|gen|r#a"],
            0..5,
        ),
        any::<bool>(),
    )
        .prop_map(|(ty, doc, statuses, typed)| {
            let statuses: Vec<String> = statuses.iter().map(|s| toml_str(s)).collect();
            let mut toml = format!(
                "[tracker.{}]\ntable_name = \"tasks\"\nuse_case = \"u\"\nstatuses = [{}]\n",
                toml_str(&ty),
                statuses.join(", ")
            );
            if let Some(doc) = doc {
                writeln!(toml, "doc = {}", toml_str(&doc)).unwrap();
            }
            if typed {
                toml.push_str("data = \"::std::collections::BTreeMap<::std::string::String, ::core::primitive::i64>\"\n");
            }
            toml
        })
}

/// A schema file: defaults (bucket and key for transforms), tables and trackers.
fn schema() -> impl Strategy<Value = String> {
    (vec(table(), 1..3), vec(tracker(), 0..2)).prop_map(|(tables, trackers)| {
        let mut toml =
            String::from("[defaults]\ns3 = { bucket = \"prop-bucket\" }\nkey = \"k\"\n\n");
        for part in tables.iter().chain(&trackers) {
            toml.push_str(part);
            toml.push('\n');
        }
        toml
    })
}

fn seed() -> [u8; 32] {
    let seed: u64 = std::env::var("DYNAMATE_PROP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("DYNAMATE_PROP_SEED={seed}");
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes
}

#[test]
fn accepted_random_schemas_compile_in_every_edition() {
    let count: usize = std::env::var("DYNAMATE_PROP_SCHEMAS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed()),
    );
    let strategy = schema();
    let started = std::time::Instant::now();
    let mut modules = Vec::new();
    let (mut tables, mut trackers, mut rejected) = (0, 0, 0);
    for i in 0..count {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        let file = format!("random_{i}.toml");
        match dynamate_codegen::check(vec![(file.clone(), text.clone())]) {
            Ok(schema) => {
                tables += schema.tables.len();
                trackers += schema.trackers.len();
                let code = dynamate_codegen::generate(vec![(file, text.clone())])
                    .unwrap_or_else(|e| panic!("check accepted but generate failed: {e}\n{text}"));
                modules.push(Module {
                    name: format!("random_{i}"),
                    code,
                    label: text,
                });
            }
            Err(error) => {
                rejected += 1;
                if std::env::var_os("DYNAMATE_PROP_VERBOSE").is_some() {
                    println!(
                        "rejected: {}",
                        error.to_string().lines().next().unwrap_or_default()
                    );
                }
            }
        }
    }
    let generated = started.elapsed();
    let timings = scratch_crate::assert_compiles("random", &modules);
    println!(
        "{count} random schemas: {} accepted ({tables} tables, {trackers} trackers) and compiled, \
         {rejected} rejected by check; drawing, checking and generating took {generated:?}, \
         cargo check took {timings:?}",
        modules.len()
    );
    assert!(
        modules.len() * 2 >= count,
        "most random schemas should be valid; only {} of {count} were",
        modules.len()
    );
}

/// TOML documents built from the schema language's own keys, with values of every kind.
fn schema_like_toml() -> impl Strategy<Value = String> {
    let keys = proptest::sample::select(vec![
        "defaults",
        "table",
        "tracker",
        "attributes",
        "indexes",
        "type",
        "of",
        "rust_type",
        "doc",
        "optional",
        "default",
        "rust_name",
        "compress",
        "encrypt",
        "key",
        "offload",
        "bucket",
        "prefix",
        "threshold",
        "hash_key",
        "range_key",
        "kind",
        "projection",
        "read",
        "write",
        "billing",
        "mode",
        "table_name",
        "statuses",
        "data",
        "max_retry",
        "shards",
        "region",
        "s3",
        "use_case",
        "lease_seconds",
        "max_errors",
        "T",
        "x",
    ]);
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(toml_float),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<String>().prop_map(|s| toml_str(&s)),
        proptest::sample::select(vec![
            "\"string\"",
            "\"list\"",
            "\"number_set\"",
            "\"json\"",
            "\"global\"",
            "\"local\"",
            "\"s3\"",
            "\"randomized\"",
            "\"provisioned\"",
            "\"keys_only\"",
            "\"gen\"",
            "\"self\"",
        ])
        .prop_map(str::to_string),
        Just("1979-05-27T07:32:00Z".to_string()),
    ];
    let value = leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
            vec((keys.clone(), inner), 0..6).prop_map(|entries| {
                let mut seen = std::collections::HashSet::new();
                let body: Vec<String> = entries
                    .into_iter()
                    .filter(|(key, _)| seen.insert(*key))
                    .map(|(key, value)| format!("{key} = {value}"))
                    .collect();
                format!("{{ {} }}", body.join(", "))
            }),
        ]
    });
    vec(
        (
            proptest::sample::select(vec![
                "defaults",
                "table.T",
                "tracker.T",
                "table.T.attributes",
            ]),
            value,
        ),
        0..4,
    )
    .prop_map(|sections| {
        let mut seen = std::collections::HashSet::new();
        sections
            .into_iter()
            .filter(|(section, _)| seen.insert(*section))
            .map(|(section, value)| format!("[{section}]\nx = {value}\n"))
            .collect()
    })
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    #[test]
    fn check_never_panics_on_schema_like_toml(text in schema_like_toml()) {
        let _ = dynamate_codegen::check(vec![("fuzz.toml".into(), text)]);
    }

    #[test]
    fn check_never_panics_on_random_schemas(text in schema()) {
        let _ = dynamate_codegen::check(vec![("fuzz.toml".into(), text)]);
    }

    #[test]
    fn check_never_panics_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes).to_string();
        let _ = dynamate_codegen::check(vec![("fuzz.toml".into(), text)]);
    }

    #[test]
    fn check_never_panics_on_mutated_schemas(text in schema(), at in any::<prop::sample::Index>(), junk in "[\\[\\]{}=\",\n.#a-z0-9]{0,8}") {
        let cut = at.index(text.len() + 1);
        let cut = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let mutated = format!("{}{junk}{}", &text[..cut], &text[cut..]);
        let _ = dynamate_codegen::check(vec![("fuzz.toml".into(), mutated)]);
    }
}
