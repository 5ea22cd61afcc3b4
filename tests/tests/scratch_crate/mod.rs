//! Compiles generated code the way a user's crate does: a scratch crate under the target
//! directory that depends on the workspace's `dynamate` runtime by path, checked with `cargo
//! check` for one edition at a time. All scratch crates share one target directory, so the
//! runtime and its dependencies are checked once and later runs are incremental.
//!
//! Each generated file becomes one module of the crate, and every module sees a set of items
//! that shadow the prelude (`Option`, `Result`, `String`, `Vec`, `Box`, ...) and the crate names
//! `std`, `core` and `dynamate`, so generated code compiles only if it uses absolute paths.
#![allow(dead_code)] // each test binary uses a subset

use std::path::{Path, PathBuf};
use std::process::Command;

/// The editions a user's crate may have.
pub const EDITIONS: [&str; 2] = ["2021", "2024"];

/// Items that shadow the prelude and the crates generated code refers to. Glob-imported into
/// every module, so a generated item with the same name simply takes precedence.
const SHADOWS: &str = r#"
//! Names that hide the prelude's and the extern prelude's in every module of this crate.
#![allow(dead_code, non_camel_case_types)]
pub struct Option;
pub struct Some;
pub struct None;
pub struct Result;
pub struct Ok;
pub struct Err;
pub struct String;
pub struct Vec;
pub struct Box;
pub struct Default;
pub struct From;
pub struct Into;
pub struct ToString;
pub struct Clone;
pub struct PartialEq;
pub mod std {}
pub mod core {}
pub mod dynamate {}
pub mod serde_json {}
pub mod chrono {}
"#;

/// A generated file and a label shown when it fails to compile (such as its schema).
pub struct Module {
    /// Module name: a plain ASCII identifier.
    pub name: String,
    /// The generated code.
    pub code: String,
    /// What produced the code, printed with compile errors in this module.
    pub label: String,
}

/// Why a scratch crate did not compile.
#[derive(Debug)]
pub struct Failure {
    /// The edition.
    pub edition: &'static str,
    /// cargo's output (short messages).
    pub output: String,
    /// Labels of the modules the errors point into.
    pub culprits: Vec<String>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "generated code does not compile in edition {}:\n{}",
            self.edition, self.output
        )?;
        for culprit in &self.culprits {
            writeln!(f, "--- produced by:\n{culprit}")?;
        }
        Ok(())
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("dynamate-scratch")
}

/// Writes `content` unless the file already holds it, so cargo sees unchanged files as fresh.
fn write_if_changed(path: &Path, content: &str) {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return;
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// Lays out the crate `name`-`edition` with `modules` and checks it. Returns the time taken.
pub fn check(
    name: &str,
    edition: &'static str,
    modules: &[Module],
) -> Result<std::time::Duration, Failure> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = root().join(format!("{name}-{edition}"));
    let src = dir.join("src");
    write_if_changed(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"scratch-{name}-{edition}\"\nversion = \"0.0.0\"\nedition = \"{edition}\"\npublish = false\n\n\
             [dependencies]\ndynamate = {{ path = {:?}, default-features = false }}\n\n\
             # Not a member of the dynamate workspace.\n[workspace]\n",
            workspace.join("runtime").display().to_string()
        ),
    );
    // The workspace's lock file pins the same dependency versions, so no registry is asked.
    let lock = std::fs::read_to_string(workspace.join("Cargo.lock")).unwrap();
    if !dir.join("Cargo.lock").exists() {
        write_if_changed(&dir.join("Cargo.lock"), &lock);
    }
    // Warnings are errors, as in many users' crates; only the lints on Unicode identifiers
    // are crate-level lints that generated items cannot allow for themselves.
    let mut lib = String::from(
        "//! Generated code compiled as a user's crate compiles it.\n\
         #![deny(warnings)]\n\
         #![allow(uncommon_codepoints, mixed_script_confusables, confusable_idents)]\n\
         mod shadows;\n",
    );
    for module in modules {
        lib.push_str(&format!(
            "pub mod {0} {{\n    #[allow(unused_imports)]\n    use super::shadows::*;\n    include!(\"{0}.rs\");\n}}\n",
            module.name
        ));
        write_if_changed(&src.join(format!("{}.rs", module.name)), &module.code);
    }
    write_if_changed(&src.join("shadows.rs"), SHADOWS);
    write_if_changed(&src.join("lib.rs"), &lib);
    // Files of modules no longer listed would be harmless, but keep the directory tidy.
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        if stem != "lib" && stem != "shadows" && !modules.iter().any(|m| m.name == stem) {
            std::fs::remove_file(path).unwrap();
        }
    }
    let started = std::time::Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["check", "--offline", "--quiet", "--message-format", "short"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", root().join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let elapsed = started.elapsed();
    if output.status.success() {
        return Ok(elapsed);
    }
    let text = String::from_utf8_lossy(&output.stderr).to_string();
    let culprits = modules
        .iter()
        .filter(|m| text.contains(&format!("src/{}.rs", m.name)))
        .map(|m| m.label.clone())
        .collect();
    Err(Failure {
        edition,
        output: text,
        culprits,
    })
}

/// Checks the modules in a crate of every edition; panics with the compile errors of each
/// edition that fails. Returns the time each edition took.
pub fn assert_compiles(name: &str, modules: &[Module]) -> Vec<(&'static str, std::time::Duration)> {
    let results: Vec<_> = EDITIONS
        .iter()
        .map(|edition| check(name, edition, modules))
        .collect();
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(ToString::to_string))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    EDITIONS
        .iter()
        .zip(results)
        .map(|(edition, result)| (*edition, result.unwrap_or_default()))
        .collect()
}
