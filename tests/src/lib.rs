//! The models generated from `schemas/`, compiled as a user crate compiles them, with the
//! named Rust types the schemas refer to. The workspace's integration tests live in `tests/`.
#![deny(warnings)]

use serde::{Deserialize, Serialize};

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
