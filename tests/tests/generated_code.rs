//! Snapshot tests of the code generated for each schema in `schemas/` (the same code the crate's
//! build.rs compiles, so every snapshot is also known to compile).

use std::path::{Path, PathBuf};

fn schema_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("schemas/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "schemas/ has schema files");
    files
}

fn generate_one(path: &Path) -> String {
    let name = format!("schemas/{}", path.file_name().unwrap().to_string_lossy());
    dynamate_codegen::generate(vec![(name, std::fs::read_to_string(path).unwrap())]).unwrap()
}

#[test]
fn generated_code_of_each_schema() {
    for path in schema_files() {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_snapshot!(stem, generate_one(&path));
    }
}

#[test]
fn generation_is_deterministic() {
    for path in schema_files() {
        assert_eq!(
            generate_one(&path),
            generate_one(&path),
            "{}",
            path.display()
        );
    }
}

#[test]
fn schemas_use_every_value_type() {
    let all: String = schema_files()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for ty in [
        "\"string\"",
        "\"bytes\"",
        "\"bool\"",
        "\"int\"",
        "\"i8\"",
        "\"i16\"",
        "\"i32\"",
        "\"u8\"",
        "\"u16\"",
        "\"u32\"",
        "\"u64\"",
        "\"float\"",
        "\"f32\"",
        "\"decimal\"",
        "\"datetime\"",
        "\"ttl\"",
        "\"version\"",
        "\"json\"",
        "\"list\"",
        "\"map\"",
        "\"string_set\"",
        "\"number_set\"",
        "\"binary_set\"",
        "rust_type",
        "compress",
        "\"deterministic\"",
        "\"randomized\"",
        "offload",
        "kind = \"local\"",
        "keys_only",
        "provisioned",
        "[tracker.",
        "statuses",
        "rust_name",
        "default",
    ] {
        assert!(all.contains(ty), "no schema in schemas/ uses {ty}");
    }
}
