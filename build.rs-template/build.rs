//! Copy this file into your crate as `build.rs`, add `dynamate-codegen` to
//! `[build-dependencies]` and `dynamate` to `[dependencies]`, put your schemas in `schemas/`,
//! and write `dynamate::include_models!();` in your crate.
//!
//! Cargo re-runs it only when a schema file (or the `schemas/` directory) changes, and the
//! generated file is rewritten only when its content changes, so an unchanged schema costs a
//! no-op rebuild.

fn main() -> Result<(), dynamate_codegen::Error> {
    dynamate_codegen::Builder::new().schema("schemas").compile()
}
