//! [`Builder`]: generation from a crate's `build.rs`.

use std::path::PathBuf;

use crate::{Error, OUTPUT_FILE};

/// Generates models from `build.rs`, like `prost_build::Config`.
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), dynamate_codegen::Error> {
///     dynamate_codegen::Builder::new().schema("schemas").compile()
/// }
/// ```
///
/// and in the crate: `dynamate::include_models!();`
#[derive(Debug, Default, Clone)]
pub struct Builder {
    schemas: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    emit_rerun: bool,
}

impl Builder {
    /// A builder with no schemas, writing to `OUT_DIR`, printing `cargo:rerun-if-changed`.
    pub fn new() -> Self {
        Builder {
            schemas: Vec::new(),
            out_dir: None,
            emit_rerun: true,
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

    /// Whether to print `cargo:rerun-if-changed` lines (on by default; turn off outside build.rs).
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Self {
        self.emit_rerun = emit;
        self
    }

    /// Validates the schemas and writes `dynamate_models.rs`. The file is rewritten only when its
    /// content changes, so an unchanged schema does not trigger recompilation.
    pub fn compile(self) -> Result<(), Error> {
        if self.emit_rerun {
            // Directories too, so a schema file added to one re-runs the build script.
            for path in &self.schemas {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        let files = crate::find_schema_files(&self.schemas)?;
        if self.emit_rerun {
            for file in &files {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
        let code = crate::generate(crate::load(&files)?)?;
        let out_dir = match self.out_dir {
            Some(dir) => dir,
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or_else(|| Error::Io {
                path: PathBuf::from("$OUT_DIR"),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "OUT_DIR is not set: call Builder::compile from build.rs, or set Builder::out_dir",
                ),
            })?,
        };
        write_if_changed(&out_dir.join(OUTPUT_FILE), &code)
    }
}

/// Writes `content` unless the file already holds exactly that.
pub(crate) fn write_if_changed(path: &std::path::Path, content: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|existing| existing == content) {
        return Ok(());
    }
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, content).map_err(io)
}
