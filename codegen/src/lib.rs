//! # dynamate-codegen
//!
//! Compiles dynamate TOML table schemas into typed Rust models for Amazon DynamoDB. The pipeline
//! is: TOML text -> parsed schema with spans ([`schema`]) -> validated model ([`model`]) ->
//! handlebars templates ([`render`]) -> `syn` -> `prettyplease`. Every mistake in a schema is
//! reported as a [`Diagnostic`] at its file, line and column.
//!
//! Three ways in, one core:
//! - from `build.rs` with [`Builder`] (output in `OUT_DIR`, included with
//!   `dynamate::include_models!()`);
//! - the `dynamate-codegen` CLI: `generate`, `check` and `diff`;
//! - the functions [`generate`] and [`check`] on in-memory text.
//!
//! ```
//! let schema = r#"
//! [table.Url]
//! table_name = "urls"
//! hash_key = "url"
//! [table.Url.attributes]
//! url = "string"
//! "#;
//! let code = dynamate_codegen::generate(vec![("urls.toml".into(), schema.into())])?;
//! assert!(code.contains("pub struct Url {"));
//! # Ok::<(), dynamate_codegen::Error>(())
//! ```
#![deny(missing_docs)]

mod builder;
pub mod diagnostics;
mod docs;
pub mod model;
pub mod names;
pub mod render;
mod schema;
pub mod types;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

pub use builder::Builder;
pub use diagnostics::Diagnostic;

/// Name of the generated file, in `OUT_DIR` or the CLI's `--out` directory.
pub const OUTPUT_FILE: &str = "dynamate_models.rs";

/// Why generation failed.
#[derive(thiserror::Error)]
pub enum Error {
    /// A schema file or directory could not be read, or output could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// No schema files were found.
    #[error("no schema files (*.toml) found in {0}")]
    NoSchemas(String),
    /// The schemas have mistakes; each diagnostic says where and how to fix it.
    #[error("{}", render_diagnostics(.0))]
    Schema(Vec<Diagnostic>),
    /// A bug in the generator.
    #[error(transparent)]
    Render(#[from] render::RenderError),
}

fn render_diagnostics(diagnostics: &[Diagnostic]) -> String {
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.render(false)).collect();
    format!(
        "{}\n{} error{} in schema files",
        rendered.join("\n"),
        diagnostics.len(),
        if diagnostics.len() == 1 { "" } else { "s" }
    )
}

// Debug shows the rendered diagnostics, so `fn main() -> Result<(), Error>` in build.rs prints
// them readably.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A schema file's display name and text.
pub type SourceText = (String, String);

/// Validates schema texts and renders the Rust source of their models.
pub fn generate(files: Vec<SourceText>) -> Result<String, Error> {
    let schema = validate::validate(files).map_err(Error::Schema)?;
    Ok(render::render(&schema)?)
}

/// Validates schema texts without rendering.
pub fn check(files: Vec<SourceText>) -> Result<model::Schema, Error> {
    validate::validate(files).map_err(Error::Schema)
}

/// Expands files and directories (searched recursively for `*.toml`) into a sorted list of
/// schema files, so output does not depend on directory listing order.
pub fn find_schema_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files)?;
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        let listed: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::NoSchemas(listed.join(", ")));
    }
    Ok(files)
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if !path.is_dir() {
        // Read errors (including "not found") surface when the file is loaded.
        files.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry_path = entry.map_err(io)?.path();
        if entry_path.is_dir() || entry_path.extension().is_some_and(|e| e == "toml") {
            collect(&entry_path, files)?;
        }
    }
    Ok(())
}

/// Reads schema files; each is named in diagnostics by its path as given.
pub fn load(files: &[PathBuf]) -> Result<Vec<SourceText>, Error> {
    files
        .iter()
        .map(|path| {
            std::fs::read_to_string(path)
                .map(|text| (path.display().to_string(), text))
                .map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })
        })
        .collect()
}
