//! Layer 2: the item layer, built on the [primitives](crate::primitives) and free of I/O. Table,
//! field and index descriptors, the item reader and writer, the transform pipeline, typed
//! expressions, and the errors of single values.

pub mod error;
pub mod expr;
pub mod index;
pub mod model;
pub mod transform;
