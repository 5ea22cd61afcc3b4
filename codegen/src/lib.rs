//! # dynamate-codegen
//!
//! Compiles dynamate TOML table schemas into typed Rust models for Amazon DynamoDB. The pipeline
//! is: TOML text -> parsed schema with spans -> validated model -> handlebars templates -> `syn`
//! -> `prettyplease`. Every mistake in a schema is reported at its file, line and column, with
//! the offending snippet and how to fix it (see [`Error`]).
//!
//! Three ways in, one core:
//! - from `build.rs` with [`Builder`], configured like `prost_build::Config` (output in
//!   `OUT_DIR`, included with `dynamate::include_models!()`);
//! - the `dynamate-codegen` CLI (feature `cli`): `generate`, `check` and `diff`;
//! - the functions [`generate`] and [`check`] on in-memory text, with the default options.
//!
//! # Features
//! - `fancy`: diagnostics with the schema snippet drawn under the message (miette's graphical
//!   report). Without it a diagnostic shows the message, the location, the labels and the help
//!   as plain lines, which is what cargo prints from a failing build script anyway.
//! - `cli`: the `dynamate-codegen` binary (clap; implies `fancy`). `build.rs` users leave both
//!   off: `cargo install dynamate-codegen --features cli` installs the command.
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
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
mod diagnostics;
mod docs;
mod error;
mod model;
mod names;
mod render;
mod schema;
mod types;
mod validate;

pub use builder::Builder;
pub use error::Error;

/// Default name of the generated file, in `OUT_DIR` or the CLI's `--out` directory.
pub const OUTPUT_FILE: &str = "dynamate_models.rs";

/// The schema type names, for the workspace's random-schema tests; not part of the API.
#[doc(hidden)]
pub const __TYPE_NAMES: &[&str] = &types::TYPE_NAMES;

/// What the checked schemas define.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// The schema files, by the names diagnostics use.
    pub files: Vec<String>,
    /// Rust type names of the tables' models.
    pub tables: Vec<String>,
    /// Rust type names of the status trackers.
    pub trackers: Vec<String>,
}

/// Validates schema texts, given as (file name for diagnostics, text), and renders the Rust
/// source of their models with the default [`Builder`] options.
pub fn generate(files: Vec<(String, String)>) -> Result<String, Error> {
    generate_with(files, &render::Options::default())
}

pub(crate) fn generate_with(
    files: Vec<(String, String)>,
    options: &render::Options,
) -> Result<String, Error> {
    let schema = validate::validate(files).map_err(error::ErrorKind::Schema)?;
    render::render(&schema, options)
}

/// Validates schema texts, given as (file name for diagnostics, text), without rendering.
pub fn check(files: Vec<(String, String)>) -> Result<Summary, Error> {
    let schema = validate::validate(files).map_err(error::ErrorKind::Schema)?;
    Ok(Summary {
        files: schema.sources,
        tables: schema.tables.into_iter().map(|t| t.name).collect(),
        trackers: schema.trackers.into_iter().map(|t| t.name).collect(),
    })
}
