//! Example crate.
