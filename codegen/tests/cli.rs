//! The `dynamate-codegen` command line: `check` on the bad-schema corpus and the fixtures'
//! schemas, `generate`, and `diff` on fresh and stale output. Only files of this package are
//! used, so the tests also pass in the packaged crate.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dynamate-codegen"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the CLI runs")
}

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The fixtures' valid schemas (`tests/fixtures/*/schema.toml`, except the `bad_*` ones).
fn fixture_schemas() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(tests_dir().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|dir| {
            !dir.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("bad_")
        })
        .map(|dir| dir.join("schema.toml"))
        .collect();
    files.sort();
    files
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn check_rejects_each_bad_schema_with_a_location_and_no_panic() {
    let files = toml_files(&tests_dir().join("bad_schemas"));
    assert!(files.len() >= 30);
    for file in files {
        let output = cli(&["check", file.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}: {stderr}",
            file.display()
        );
        assert!(!stderr.contains("panicked"), "{}: {stderr}", file.display());
        let location = format!("{}:", file.display());
        let first = stderr.lines().next().unwrap_or_default();
        let rest = first
            .strip_prefix(&format!("error: {location}"))
            .unwrap_or_else(|| {
                panic!(
                    "{}: first line does not start with the file location: {first}",
                    file.display()
                )
            });
        let mut numbers = rest.split(':').take(2).map(|n| n.trim().parse::<usize>());
        assert!(
            numbers.next().is_some_and(|n| n.is_ok()),
            "line number in {first}"
        );
        assert!(
            numbers.next().is_some_and(|n| n.is_ok()),
            "column number in {first}"
        );
    }
}

#[test]
fn check_accepts_each_fixture_schema() {
    let files = fixture_schemas();
    assert!(files.len() >= 3);
    for file in files {
        let output = cli(&["check", file.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let all = cli(&["check", tests_dir().join("fixtures/url").to_str().unwrap()]);
    assert!(
        all.status.success(),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
}

#[test]
fn generate_then_diff_detects_stale_output() {
    let out = std::env::temp_dir().join(format!("dynamate-cli-test-{}", std::process::id()));
    let schemas = tests_dir().join("fixtures/tracker");
    let (schemas, out_str) = (schemas.to_str().unwrap(), out.to_str().unwrap());

    let missing = cli(&["diff", schemas, "--out", out_str]);
    assert_eq!(
        missing.status.code(),
        Some(1),
        "diff fails when nothing was generated"
    );

    let generated = cli(&["generate", schemas, "--out", out_str]);
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let fresh = cli(&["diff", schemas, "--out", out_str]);
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );

    let file = out.join(dynamate_codegen::OUTPUT_FILE);
    let edited =
        std::fs::read_to_string(&file)
            .unwrap()
            .replacen("pub struct", "pub(crate) struct", 1);
    std::fs::write(&file, edited).unwrap();
    let stale = cli(&["diff", schemas, "--out", out_str]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stale.stderr).contains("stale"));
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn usage_errors_exit_non_zero() {
    assert_ne!(cli(&["generate"]).status.code(), Some(0));
    let missing = cli(&["check", "does/not/exist.toml"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("does/not/exist.toml"));
}
