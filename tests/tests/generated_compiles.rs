//! Schemas that `check` accepts generate code that compiles, in edition 2021 and 2024 crates,
//! inside modules that shadow the prelude. These are the known hard cases; the property test in
//! `codegen_props.rs` draws many more at random.

mod scratch_crate;

use scratch_crate::Module;

/// Schemas `check` accepts, each with what makes it hard.
const TRICKY: [(&str, &str); 7] = [
    (
        "keyword_2024",
        r#"
# `gen` is a keyword since edition 2024; `try`, `async` and `dyn` since 2018; `abstract` reserved.
[table.Generator]
hash_key = "gen"
[table.Generator.attributes]
gen = "string"
try = { type = "int", default = 1 }
async = { type = "bool", optional = true }
dyn = "string"
abstract = "string"
union = "string"
"#,
    ),
    (
        "doc_bare_carriage_return",
        "[table.Note]\nhash_key = \"id\"\ndoc = \"first\\rsecond\\r\\nthird\"\n[table.Note.attributes]\nid = { type = \"string\", doc = \"a\\rb\" }\n",
    ),
    (
        "doc_with_code",
        r#"
[table.Snippet]
hash_key = "id"
doc = """
Runs nothing: these must never become doctests in the user's crate.

```
this is not rust
```

    indented = also(not rust);

~~~rust
panic!()
~~~

A block comment end */ and start /* in the text, and a line /// with slashes.
"""
[table.Snippet.attributes]
id = { type = "string", doc = "```\nnot rust\n```" }
"```rust" = { type = "string", rust_name = "fence", optional = true }
"#,
    ),
    (
        "doc_bidi_and_controls",
        "[table.Bidi]\nhash_key = \"id\"\ndoc = \"left \\u202E right \\u2066 isolate \\u0000 nul \\u0007 bell\"\n[table.Bidi.attributes]\nid = \"string\"\n\"\\u202Eevil\" = { type = \"string\", rust_name = \"evil\", optional = true }\n",
    ),
    (
        "float_defaults_at_the_edges",
        r#"
[table.Edges]
hash_key = "id"
[table.Edges.attributes]
id = "string"
small = { type = "f32", default = 3.4028235e38 }
tiny = { type = "f32", default = -1e-45 }
large = { type = "f64", default = 1.7976931348623157e308 }
whole = { type = "f32", default = 9223372036854775807 }
i = { type = "i8", default = -128 }
u = { type = "u64", default = 9223372036854775807 }
d = { type = "decimal", default = -9223372036854775808 }
"#,
    ),
    (
        "json_defaults",
        r#"
# `serde_json::json!` types integer literals as i32: 3000000000 would not compile there.
[table.Blob]
hash_key = "id"
[table.Blob.attributes]
id = "string"
big = { type = "json", default = [3000000000, -9223372036854775808, 1e300, { "k" = "v\u202E", "n" = [] }] }
empty = { type = "json", default = {} }
"#,
    ),
    (
        "tracker_statuses",
        r#"
[tracker.Pipeline]
table_name = "tasks"
statuses = ["reviewed", "x1", "y_2", "self_check"]
"#,
    ),
];

#[test]
fn tricky_schemas_generate_code_that_compiles_in_every_edition() {
    let modules: Vec<Module> = TRICKY
        .iter()
        .map(|(name, schema)| {
            let code =
                dynamate_codegen::generate(vec![(format!("{name}.toml"), schema.to_string())])
                    .unwrap_or_else(|e| panic!("{name} must be accepted:\n{e}"));
            assert_declares_the_interface_version(name, &code);
            Module {
                name: (*name).to_string(),
                code,
                label: schema.to_string(),
            }
        })
        .collect();
    scratch_crate::assert_compiles("tricky", &modules);
}

/// The workspace's example schemas compile inside a module that shadows the prelude.
#[test]
fn example_schemas_compile_where_prelude_names_are_shadowed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let code = dynamate_codegen::Builder::new()
        .schema(dir)
        .generate()
        .unwrap();
    assert_declares_the_interface_version("examples", &code);
    // The examples name `crate::Dimensions` and `crate::EnrichInput`; the scratch crate has
    // neither, so they are replaced by a type with the same traits.
    let code = code
        .replace(
            "crate::Dimensions",
            "::std::vec::Vec<::core::primitive::u32>",
        )
        .replace(
            "crate::EnrichInput",
            "::std::vec::Vec<::std::string::String>",
        );
    scratch_crate::assert_compiles(
        "examples",
        &[Module {
            name: "examples".into(),
            code,
            label: "schemas/*.toml".into(),
        }],
    );
}

/// Generated code states the interface version it was written for before anything else, so
/// these compile checks also check that the runtime accepts the version this generator writes
/// (`compile_fail.rs` checks that it rejects another).
fn assert_declares_the_interface_version(name: &str, code: &str) {
    let first_item = code
        .lines()
        .find(|line| !line.is_empty() && !line.starts_with("//"));
    assert_eq!(
        first_item,
        Some(concat!(
            "::dynamate::__codegen::interface!(1, \"",
            env!("CARGO_PKG_VERSION"),
            "\");"
        )),
        "{name}"
    );
}
