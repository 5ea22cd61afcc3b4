//! A minimal crate that uses dynamate exactly as a user would: `build.rs` compiles
//! `schemas/*.toml`, and this line includes the generated models.
#![deny(warnings)]

dynamate::include_models!();
