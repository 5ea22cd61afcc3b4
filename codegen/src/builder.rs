//! [`Builder`]: generation from a crate's `build.rs` (and from the CLI), configured like
//! `prost_build::Config`.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind};
use crate::render::Options;
use crate::{OUTPUT_FILE, Summary};

/// Generates models from `build.rs`, configured like `prost_build::Config`.
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), dynamate_codegen::Error> {
///     dynamate_codegen::Builder::new()
///         .schema("schemas")
///         .type_attribute("Url", "#[derive(serde::Serialize, serde::Deserialize)]")
///         .compile()
/// }
/// ```
///
/// and in the crate: `dynamate::include_models!();`
///
/// # Paths of `type_attribute` and `field_attribute`
///
/// Paths name generated Rust items by their Rust names (without `r#`), not DynamoDB names:
///
/// | path | `type_attribute` adds to | `field_attribute` adds to |
/// |---|---|---|
/// | `"."` | every generated struct and enum | every field and enum variant |
/// | `"Url"` | the type `Url` | every field of `Url` |
/// | `"Url.url"` | - | the field `url` of `Url` |
/// | `".url"` | - | the field `url` of every type that has one |
///
/// The generated types of a table `Url` are the model `Url` and its key struct `UrlKey`; a
/// tracker `Job` generates `Job` and its status enum `JobStatus` (whose members are variants).
/// A path that matches nothing is an error, so a misspelt name does not go unnoticed. Attributes
/// are added after the generated ones, in the order they were configured.
#[derive(Debug, Clone)]
pub struct Builder {
    schemas: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    output_file: String,
    emit_rerun: bool,
    options: Options,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder with no schemas, writing `dynamate_models.rs` to `OUT_DIR`, printing
    /// `cargo:rerun-if-changed`, with doc comments and the runtime at `::dynamate`.
    pub fn new() -> Self {
        Builder {
            schemas: Vec::new(),
            out_dir: None,
            output_file: OUTPUT_FILE.to_string(),
            emit_rerun: true,
            options: Options::default(),
        }
    }

    /// Adds a schema file, or a directory searched recursively for `*.toml` files.
    pub fn schema(mut self, path: impl Into<PathBuf>) -> Self {
        self.schemas.push(path.into());
        self
    }

    /// Writes the output to `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The name of the generated file (default `dynamate_models.rs`, which
    /// `dynamate::include_models!()` includes; with another name, include it with
    /// `include!(concat!(env!("OUT_DIR"), "/<name>"))`).
    pub fn output_file(mut self, name: impl Into<String>) -> Self {
        self.output_file = name.into();
        self
    }

    /// Whether to print `cargo:rerun-if-changed` lines (on by default; turn off outside build.rs).
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Self {
        self.emit_rerun = emit;
        self
    }

    /// Adds an attribute, such as `#[derive(serde::Serialize)]`, to the generated types that
    /// `path` matches (see [the path rules](Builder#paths-of-type_attribute-and-field_attribute)).
    pub fn type_attribute(mut self, path: impl Into<String>, attribute: impl Into<String>) -> Self {
        self.options
            .type_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// Adds an attribute, such as `#[serde(rename = "id")]`, to the generated fields (and status
    /// variants) that `path` matches (see
    /// [the path rules](Builder#paths-of-type_attribute-and-field_attribute)).
    pub fn field_attribute(
        mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> Self {
        self.options
            .field_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// The path generated code names the runtime crate by (default `::dynamate`), for a crate
    /// that renames the dependency or re-exports it: `.runtime_path("::my_db::dynamate")`.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.options.runtime_path = path.into();
        self
    }

    /// Whether generated items carry doc comments (on by default). Schema `doc` texts and the
    /// generated explanations are dropped when off; a crate with `#![deny(missing_docs)]`
    /// needs them.
    pub fn doc_comments(mut self, on: bool) -> Self {
        self.options.doc_comments = on;
        self
    }

    /// Validates the schemas without generating code.
    pub fn check(&self) -> Result<Summary, Error> {
        let files = find_schema_files(&self.schemas)?;
        crate::check(load(&files)?)
    }

    /// Validates the schemas and returns the generated code without writing it.
    pub fn generate(&self) -> Result<String, Error> {
        let files = find_schema_files(&self.schemas)?;
        self.generate_files(&files)
    }

    fn generate_files(&self, files: &[PathBuf]) -> Result<String, Error> {
        crate::generate_with(load(files)?, &self.options)
    }

    /// Validates the schemas and writes the output file into [`Builder::out_dir`] or `OUT_DIR`.
    /// The file is rewritten only when its content changes, so an unchanged schema does not
    /// trigger recompilation.
    pub fn compile(&self) -> Result<(), Error> {
        self.write().map(|_| ())
    }

    /// [`Builder::compile`], telling where the file is and whether it was rewritten.
    pub(crate) fn write(&self) -> Result<(PathBuf, bool), Error> {
        if self.emit_rerun {
            // Directories too, so a schema file added to one re-runs the build script.
            for path in &self.schemas {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        let files = find_schema_files(&self.schemas)?;
        if self.emit_rerun {
            for file in &files {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
        let code = self.generate_files(&files)?;
        let target = self.target()?;
        let written = write_if_changed(&target, &code)?;
        Ok((target, written))
    }

    /// The output file's path.
    pub(crate) fn target(&self) -> Result<PathBuf, Error> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or_else(|| {
                Error::io(
                    "$OUT_DIR",
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "OUT_DIR is not set: call Builder::compile from build.rs, or set Builder::out_dir",
                    ),
                )
            })?,
        };
        Ok(out_dir.join(&self.output_file))
    }
}

/// Writes `content` unless the file already holds exactly that; returns whether it wrote.
fn write_if_changed(path: &Path, content: &str) -> Result<bool, Error> {
    if std::fs::read_to_string(path).is_ok_and(|existing| existing == content) {
        return Ok(false);
    }
    let io = |source| Error::io(path, source);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, content).map_err(io)?;
    Ok(true)
}

/// Expands files and directories (searched recursively for `*.toml`) into a sorted list of
/// schema files, so output does not depend on directory listing order.
fn find_schema_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files)?;
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        let listed: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(ErrorKind::NoSchemas(listed.join(", ")).into());
    }
    Ok(files)
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), Error> {
    let io = |source| Error::io(path, source);
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
fn load(files: &[PathBuf]) -> Result<Vec<(String, String)>, Error> {
    files
        .iter()
        .map(|path| {
            std::fs::read_to_string(path)
                .map(|text| (path.display().to_string(), text))
                .map_err(|source| Error::io(path, source))
        })
        .collect()
}
