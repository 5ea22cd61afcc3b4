//! Typed DynamoDB expressions: conditions and filters ([`Condition`]), update actions
//! ([`Update`]), key conditions of queries ([`HashCondition`], [`RangeCondition`]).
//!
//! Expressions are built from the attribute handles generated models expose (`Product::STOCK`;
//! here built as generated code builds them):
//!
//! ```
//! use dynamate::primitives::codec::{Num, Str};
//! use dynamate::item::expr::{Condition, Update};
//! use dynamate::item::model::role;
//! use dynamate::Attr;
//!
//! struct Product;
//! # use dynamate::__codegen::v1;
//! const NAME: Attr<Product, Str, role::Value> = /* generated */
//! #   v1::attr(v1::field("name"));
//! const STOCK: Attr<Product, Num<i32>, role::Value> = /* generated */
//! #   v1::attr(v1::field("stock"));
//!
//! let filter: Condition<Product> =
//!     NAME.begins_with("Blue") & STOCK.between(1, 100) & !NAME.eq("Blue whale");
//! let update: Update<Product> = Update::new().set(NAME, "Blue mug").increment(STOCK, 5);
//! ```
//!
//! So an attribute of another model, a value of the wrong type, a filter on a key attribute, an
//! update of a key attribute, or a comparison or in-place update on a randomized-encrypted or
//! offloaded attribute does not compile, and the compiler's first error says why (the role
//! traits [`Filterable`], [`Updatable`], [`Deterministic`], [`Inline`] and [`IntoOperand`] carry
//! the messages). The workspace's `tests/compile-fail/` checks each case against the exact
//! compiler output, for example:
//!
//! ```ignore
//! # use dynamate::{Attr, item::model::role, primitives::codec::Binary, item::expr::Condition};
//! # struct Archive;
//! const SECRET: Attr<Archive, Binary, role::Randomized> = /* generated */
//! #   dynamate::__codegen::v1::attr(dynamate::__codegen::v1::transformed("secret", false, dynamate::__codegen::v1::randomized("k"), None));
//! // error[E0277]: an attribute encrypted in randomized mode cannot be compared in a filter or
//! // condition, nor changed in place
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
pub use operand::{
    Compare, ConditionEq, Contains, Deterministic, Filterable, Inline, IntoOperand, Prefix,
    Removable, SetCodec, Updatable,
};
pub use update::Update;

pub(crate) use condition::{Node, all, compare, is_in};
pub(crate) use operand::Operand;
pub(crate) use placeholders::Placeholders;
pub(crate) use update::Clauses;

use crate::item::error::EncodeError;
use crate::item::model::TableSchema;
use crate::item::transform::TransformContext;

/// What rendering an expression needs: the table (for encoding operands and for errors) and the
/// transform context of the client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    /// The model's schema.
    pub schema: &'static TableSchema,
    /// Keyring and limits for operands on transformed attributes.
    pub transforms: &'a TransformContext,
    /// The DynamoDB operation, for errors.
    pub operation: &'static str,
    /// The resolved table name, for errors.
    pub table: &'a str,
}

impl Context<'_> {
    /// A client-side check failed.
    pub(crate) fn invalid(&self, reason: impl Into<String>) -> ExprError {
        ExprError::Invalid {
            operation: self.operation,
            table: self.table.to_string(),
            reason: reason.into(),
        }
    }
}

/// Why an expression could not be rendered. The I/O layer turns it into its
/// [`Error`](crate::Error) (`InvalidRequest` or `Encode`); it is its own type so that the item
/// layer does not depend on the I/O layer's error.
#[derive(Debug)]
pub(crate) enum ExprError {
    /// A client-side check failed; nothing was sent.
    Invalid {
        /// The DynamoDB operation.
        operation: &'static str,
        /// The resolved table name.
        table: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// An operand could not be converted to its stored form.
    Encode(EncodeError),
}

impl From<EncodeError> for ExprError {
    fn from(error: EncodeError) -> Self {
        ExprError::Encode(error)
    }
}
