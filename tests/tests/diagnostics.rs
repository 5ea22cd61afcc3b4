//! The bad-schema corpus: every file in `codegen/tests/bad_schemas/` must be rejected with a diagnostic
//! pointing at file:line:col; the full rendered diagnostic of each is snapshot-tested.

use std::path::{Path, PathBuf};

fn bad_schemas() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/bad_schemas");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("codegen/tests/bad_schemas exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Checks one bad schema, named by its file name so snapshots do not depend on the checkout path.
fn diagnostics_of(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(path).unwrap();
    match dynamate_codegen::check(vec![(name.clone(), text)]) {
        Ok(_) => panic!("{name} was accepted but must be rejected"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn corpus_has_at_least_thirty_schemas() {
    assert!(
        bad_schemas().len() >= 30,
        "found only {}",
        bad_schemas().len()
    );
}

#[test]
fn every_bad_schema_gets_a_located_diagnostic() {
    for path in bad_schemas() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let rendered = diagnostics_of(&path);
        let first_line = rendered.lines().next().unwrap_or_default();
        let location = first_line
            .strip_prefix("error: ")
            .and_then(|rest| rest.split(": ").next())
            .unwrap_or_default();
        let mut parts = location.rsplitn(3, ':');
        let (col, line, file) = (parts.next(), parts.next(), parts.next());
        assert_eq!(
            file,
            Some(name.as_str()),
            "{name}: first line names the file: {first_line}"
        );
        assert!(
            line.and_then(|l| l.parse::<usize>().ok())
                .is_some_and(|l| l >= 1),
            "{name}: line in {first_line}"
        );
        assert!(
            col.and_then(|c| c.parse::<usize>().ok())
                .is_some_and(|c| c >= 1),
            "{name}: column in {first_line}"
        );
        insta::assert_snapshot!(name.trim_end_matches(".toml"), rendered);
    }
}
