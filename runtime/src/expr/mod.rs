//! Typed DynamoDB expressions: conditions and filters ([`Condition`]), update actions
//! ([`Update`]), key conditions of queries ([`HashCondition`], [`RangeCondition`]).
//!
//! Expressions are built from the attribute handles generated models expose (`Product::STOCK`),
//! so an attribute of another model, a value of the wrong type, a filter on a key attribute or a
//! comparison on a randomized-encrypted attribute does not compile:
//!
//! ```compile_fail
//! # use dynamate::{Attr, model::role, codec::Str, expr::Condition};
//! # struct Product;
//! const SKU: Attr<Product, Str, role::RangeKey> = Attr::new(dynamate::Field::plain("sku"));
//! // A key attribute cannot be filtered on: use a key condition (`query`) instead.
//! let filter: Condition<Product> = SKU.exists();
//! ```
//!
//! ```compile_fail
//! # use dynamate::{Attr, model::role, codec::Bytes, expr::Condition};
//! # struct Archive;
//! const SECRET: Attr<Archive, Bytes, role::Sealed> = Attr::new(dynamate::Field::plain("secret"));
//! // Randomized ciphertexts differ for equal plaintexts: equality can never match.
//! let filter: Condition<Archive> = SECRET.eq(vec![1, 2, 3]);
//! ```
//!
//! Attribute names and values always go through placeholders (`#n0`, `:v0`), so reserved words
//! such as `name` or `status` need no care. Operands on compressed or deterministically encrypted
//! attributes are encoded through the same pipeline as stored values (the caller writes the
//! plaintext); such attributes support equality (`eq`, `ne`, `is_in`) and existence checks only,
//! since their stored bytes do not order like their values.

mod condition;
mod key_condition;
mod operand;
mod placeholders;
mod update;

pub use condition::{AttrType, Condition, Size};
pub use key_condition::{HashCondition, IndexRange, RangeCondition};
pub use operand::{Compare, Contains, Filterable, IntoOperand, Prefix, Removable, SetCodec};
pub use update::Update;

pub(crate) use condition::Node;
pub(crate) use operand::Operand;
pub(crate) use placeholders::Placeholders;

use crate::error::Error;
use crate::model::TableSchema;
use crate::transform::Transforms;

/// What rendering an expression needs: the table (for encoding operands and for errors) and the
/// transform context of the client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    /// The model's schema.
    pub schema: &'static TableSchema,
    /// Keyring and limits for operands on transformed attributes.
    pub transforms: &'a Transforms,
    /// The DynamoDB operation, for errors.
    pub operation: &'static str,
    /// The resolved table name, for errors.
    pub table: &'a str,
}

impl Context<'_> {
    /// A client-side check failed.
    pub(crate) fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::invalid(self.operation, self.table, reason)
    }
}
