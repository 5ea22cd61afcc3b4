//! Fixtures inside the crate, so it tests itself when packaged: each `tests/fixtures/<name>/`
//! holds `schema.toml` and either `expected.rs` (the generated code) or `expected.txt` (the
//! diagnostics of a rejected schema, rendered without color). `DYNAMATE_FIXTURES=update`
//! rewrites the expectations; review the diff before committing.

use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/fixtures exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Diagnostics are drawn with the `fancy` feature and plain without.
const DIAGNOSTICS_FILE: &str = if cfg!(feature = "fancy") {
    "expected-fancy.txt"
} else {
    "expected.txt"
};

fn compare(path: &Path, actual: &str) {
    if std::env::var("DYNAMATE_FIXTURES").as_deref() == Ok("update") {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (DYNAMATE_FIXTURES=update writes it)",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} differs from the output; DYNAMATE_FIXTURES=update rewrites it\n{actual}",
        path.display()
    );
}

#[test]
fn every_fixture_gives_its_expected_output() {
    let dirs = fixtures();
    assert!(dirs.len() >= 3, "found {} fixtures", dirs.len());
    for dir in dirs {
        let name = format!("{}/schema.toml", dir.file_name().unwrap().to_string_lossy());
        let text = std::fs::read_to_string(dir.join("schema.toml")).unwrap();
        match dynamate_codegen::generate(vec![(name, text)]) {
            Ok(code) => compare(&dir.join("expected.rs"), &code),
            Err(error) => compare(&dir.join(DIAGNOSTICS_FILE), &error.to_string()),
        }
    }
}

#[test]
fn builder_options_shape_the_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/url");
    let code = dynamate_codegen::Builder::new()
        .schema(dir.join("schema.toml"))
        .type_attribute("Url", "#[derive(serde::Serialize)]")
        .field_attribute("Url.url", "#[serde(rename = \"u\")]")
        .runtime_path("::my_crate::db")
        .doc_comments(false)
        .generate()
        .unwrap();
    assert!(
        code.contains("#[derive(serde::Serialize)]\npub struct Url {"),
        "{code}"
    );
    assert!(
        code.contains("#[serde(rename = \"u\")]\n    pub url:"),
        "{code}"
    );
    let left: Vec<&str> = code
        .lines()
        .filter(|l| l.contains("::dynamate::"))
        .collect();
    assert!(left.is_empty(), "{left:#?}");
    assert!(code.contains("::my_crate::db::"));
    assert!(!code.contains("///"));

    let misspelt = dynamate_codegen::Builder::new()
        .schema(dir.join("schema.toml"))
        .type_attribute("Ulr", "#[derive(Default)]")
        .generate()
        .unwrap_err();
    assert!(
        misspelt
            .to_string()
            .contains("`Ulr` matches no generated type"),
        "{misspelt}"
    );
}
