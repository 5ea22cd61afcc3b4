//! The models generated from `schemas/`, compiled as a user crate compiles them, with the
//! named Rust types the schemas refer to. The workspace's integration tests live in `tests/`.
//!
//! Typed expressions refuse what DynamoDB could never answer. A filter on a randomized-encrypted
//! attribute does not compile (equal plaintexts have different ciphertexts); the compile tests
//! in `tests/compile-fail/` check that, and that the compiler's message says so:
//!
//! ```ignore
//! use dynamate_tests::Archive;
//! // error[E0277]: an attribute encrypted in randomized mode cannot be compared in a filter or
//! // condition, nor changed in place
//! let filter = Archive::SECRET_BINARY.eq(b"a secret image".to_vec());
//! ```
//!
//! while the deterministic one does:
//!
//! ```
//! use dynamate_tests::Archive;
//! let filter = Archive::SECRET_MESSAGE.eq("attack at 2PM tomorrow!");
//! ```
#![deny(warnings)]

use serde::{Deserialize, Serialize};

pub mod faults;
pub mod fixtures;
pub mod support;

dynamate::include_models!();

/// `Product.dimensions` (catalog.toml): a json attribute with a named Rust type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimensions {
    /// Width in millimetres.
    pub width_mm: u32,
    /// Height in millimetres.
    pub height_mm: u32,
    /// Free-form note.
    pub note: Option<String>,
}

/// Task data of the `Enrich` tracker (tasks.toml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichInput {
    /// Document to enrich.
    pub document_id: String,
    /// Enrichment steps to run.
    pub steps: Vec<String>,
}
