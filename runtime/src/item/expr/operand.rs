//! Which codecs support which expression operations, and how operands are encoded.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Context, ExprError};
use crate::item::error::{CodecError, EncodeError};
use crate::item::model::{Field, role};
use crate::item::transform::{Encoded, PendingUpload};
use crate::primitives::codec::{
    Binary, BinarySet, Bool, Codec, Json, List, Map, Num, Number, NumberSet, Opt, Str, StringSet,
    Timestamp, Ttl,
};

/// Codecs whose attributes can be compared; `Operand` is the codec of the value compared with
/// (an optional attribute compares with a present value).
pub trait Compare: Codec {
    /// Codec of the operand.
    type Operand: Codec;
}

macro_rules! compare_self {
    ($($codec:ty),*) => {$(
        impl Compare for $codec {
            type Operand = Self;
        }
    )*};
}
compare_self!(Str, Binary, Bool, Timestamp, Ttl, StringSet, BinarySet);

impl<T: Number> Compare for Num<T> {
    type Operand = Self;
}
impl<T: Number + Ord> Compare for NumberSet<T> {
    type Operand = Self;
}
impl<T: serde::Serialize + serde::de::DeserializeOwned> Compare for Json<T> {
    type Operand = Self;
}
impl<C: Codec> Compare for List<C> {
    type Operand = Self;
}
impl<C: Codec> Compare for Map<C> {
    type Operand = Self;
}
impl<C: Compare> Compare for Opt<C> {
    type Operand = C::Operand;
}

/// Codecs whose values `contains` can look into: substrings of strings, elements of sets and
/// lists.
pub trait Contains: Codec {
    /// Codec of one element.
    type Element: Codec;
}

impl Contains for Str {
    type Element = Str;
}
impl Contains for StringSet {
    type Element = Str;
}
impl Contains for BinarySet {
    type Element = Binary;
}
impl<T: Number + Ord> Contains for NumberSet<T> {
    type Element = Num<T>;
}
impl<C: Codec> Contains for List<C> {
    type Element = C;
}
impl<C: Contains> Contains for Opt<C> {
    type Element = C::Element;
}

/// Codecs `begins_with` applies to (strings and binaries).
pub trait Prefix: Codec {}
impl Prefix for Str {}
impl Prefix for Binary {}

/// Set codecs, for `add_to_set` and `delete_from_set` updates.
pub trait SetCodec: Codec {}
impl SetCodec for StringSet {}
impl SetCodec for BinarySet {}
impl<T: Number + Ord> SetCodec for NumberSet<T> {}

/// Codecs of attributes an item may lack (optionals and sets), which `remove` may delete.
pub trait Removable: Codec {}
impl<C: Codec> Removable for Opt<C> {}
impl Removable for StringSet {}
impl Removable for BinarySet {}
impl<T: Number + Ord> Removable for NumberSet<T> {}

// The role traits below are what the compiler checks when an expression names an attribute.
// Each one is missing for exactly the roles it rules out, so a misuse fails on one bound whose
// message says what is wrong (tested by `tests/tests/compile_fail.rs`).

/// Roles of attributes that conditions and filters may name: not the table's keys, which go in
/// key conditions.
#[diagnostic::on_unimplemented(
    message = "a key attribute cannot be used in a filter or condition",
    label = "this is a key attribute (`{Self}`)",
    note = "select items by key with a key condition (`query` with the partition key's `eq` and \
            the sort key's `key()`), or address one item by its key (`get`, `delete`, \
            `Condition::item_exists()`)"
)]
pub trait Filterable {}
impl Filterable for role::Value {}
impl Filterable for role::Randomized {}
impl Filterable for role::Offloaded {}

/// Roles of attributes updates may change: not the table's keys.
#[diagnostic::on_unimplemented(
    message = "a key attribute cannot be updated; keys are immutable: delete the item and put \
               it again under the new key",
    label = "this is a key attribute (`{Self}`)",
    note = "to change a key, `delete` the item and `save` a copy under the new key (in one \
            transaction to make it atomic)"
)]
pub trait Updatable {}
impl Updatable for role::Value {}
impl Updatable for role::Randomized {}
impl Updatable for role::Offloaded {}

/// Roles whose stored value is a function of the value alone: every role but
/// [`role::Randomized`], so comparisons and in-place updates can apply.
#[diagnostic::on_unimplemented(
    message = "an attribute encrypted in randomized mode cannot be compared in a filter or \
               condition, nor changed in place",
    label = "encrypted in randomized mode: equal plaintexts have different ciphertexts",
    note = "only `exists()`, `not_exists()` and `is_type()` apply to it in conditions, and \
            updates can only `set` or `remove` it; declare it `encrypt = \"deterministic\"` \
            to filter it by equality"
)]
pub trait Deterministic {}
impl Deterministic for role::HashKey {}
impl Deterministic for role::RangeKey {}
impl Deterministic for role::Value {}
impl Deterministic for role::Offloaded {}

/// Roles whose value is stored in the item itself: every role but [`role::Offloaded`].
#[diagnostic::on_unimplemented(
    message = "an attribute offloaded to S3 cannot be compared in a filter or condition, nor \
               changed in place",
    label = "offloaded to S3: the item holds a pointer to the object, not the value",
    note = "only `exists()`, `not_exists()` and `is_type()` apply to it in conditions, and \
            updates can only `set` or `remove` it"
)]
pub trait Inline {}
impl Inline for role::HashKey {}
impl Inline for role::RangeKey {}
impl Inline for role::Value {}
impl Inline for role::Randomized {}

/// Roles whose `eq` builds a [`Condition`](super::Condition): every role but
/// [`role::HashKey`], whose `eq` builds the key condition of a query.
pub trait ConditionEq {}
impl ConditionEq for role::RangeKey {}
impl ConditionEq for role::Value {}
impl ConditionEq for role::Randomized {}
impl ConditionEq for role::Offloaded {}

/// A value usable where a `T` is expected in an expression: `T` itself, or a borrowed form
/// (`&str` for `String`, `&[u8]` for `Vec<u8>`). Unlike `Into`, it keeps integer literals
/// unambiguous (`Product::MEDIUM.eq(0)` infers `i16`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a value of type `{T}` in an expression",
    label = "expected the attribute's type, `{T}`, or a borrowed form of it",
    note = "operands have the attribute's type: `&str` or `String` for strings, `&[u8]` or \
            `Vec<u8>` for bytes, the exact number type for numbers"
)]
pub trait IntoOperand<T> {
    /// Converts to the operand value.
    fn into_operand(self) -> T;
}

impl<T> IntoOperand<T> for T {
    fn into_operand(self) -> T {
        self
    }
}

impl IntoOperand<String> for &str {
    fn into_operand(self) -> String {
        self.to_string()
    }
}

impl IntoOperand<String> for &String {
    fn into_operand(self) -> String {
        self.clone()
    }
}

impl IntoOperand<Vec<u8>> for &[u8] {
    fn into_operand(self) -> Vec<u8> {
        self.to_vec()
    }
}

/// An optional attribute takes its value itself (`set(Product::IMAGE, bytes)`), as conditions
/// do; `Some(..)` and `None` still work through the impl for `T` itself. The two impls cannot
/// overlap: that would need a type equal to its own `Option`.
impl<T> IntoOperand<Option<T>> for T {
    fn into_operand(self) -> Option<T> {
        Some(self)
    }
}

impl IntoOperand<Option<String>> for &str {
    fn into_operand(self) -> Option<String> {
        Some(self.to_string())
    }
}

impl IntoOperand<Option<String>> for &String {
    fn into_operand(self) -> Option<String> {
        Some(self.clone())
    }
}

impl IntoOperand<Option<Vec<u8>>> for &[u8] {
    fn into_operand(self) -> Option<Vec<u8>> {
        Some(self.to_vec())
    }
}

/// A typed value as far as it can be encoded without the client: plain attributes are encoded
/// at once; transformed ones are serialized, then compressed/encrypted when rendered.
#[derive(Debug)]
pub(crate) struct Operand {
    field: Field,
    stored: Result<Stored, CodecError>,
}

#[derive(Debug)]
enum Stored {
    Value(AttributeValue),
    Serialized(Vec<u8>),
    /// An absent optional or an empty set: DynamoDB cannot hold it.
    Absent,
}

impl Operand {
    /// Encodes `value` of attribute `field` with codec `C`.
    pub(crate) fn new<C: Codec>(field: Field, value: &C::Value) -> Operand {
        let stored = if field.transform.is_none() {
            C::encode(value).map(|v| v.map_or(Stored::Absent, Stored::Value))
        } else if C::is_absent(value) {
            Ok(Stored::Absent)
        } else {
            crate::item::transform::serialize::<C>(&field.transform, value).map(Stored::Serialized)
        };
        Operand {
            field,
            stored: stored.map_err(CodecError::from),
        }
    }

    /// The attribute this operand belongs to.
    pub(crate) fn field(&self) -> Field {
        self.field
    }

    /// Whether the attribute is stored as-is (no compression, encryption or offload).
    pub(crate) fn is_plain(&self) -> bool {
        self.field.transform.is_none()
    }

    /// The value to compare the stored attribute with.
    pub(crate) fn compared(self, ctx: &Context<'_>) -> Result<AttributeValue, ExprError> {
        let name = self.field.name;
        match self.stored(ctx, None)? {
            Some(Encoded::Inline(value)) => Ok(value),
            Some(Encoded::Offloaded { .. }) => Err(ctx.invalid(format!(
                "attribute `{name}` is offloaded to S3, so its stored value cannot be compared"
            ))),
            None => Err(ctx.invalid(format!(
                "cannot compare attribute `{name}` with an empty set or absent value; \
                 use `not_exists()` to test for absence"
            ))),
        }
    }

    /// The stored form of the value (`None` for an absent one); `item_key` is needed by
    /// randomized encryption.
    pub(crate) fn stored(
        self,
        ctx: &Context<'_>,
        item_key: Option<&[u8]>,
    ) -> Result<Option<Encoded>, ExprError> {
        let field = self.field;
        let encoded = self.stored.and_then(|stored| match stored {
            Stored::Value(value) => Ok(Some(Encoded::Inline(value))),
            Stored::Absent => Ok(None),
            Stored::Serialized(bytes) => ctx
                .transforms
                .encode_bytes(
                    ctx.schema.table_name,
                    field.name,
                    &field.transform,
                    item_key,
                    bytes,
                )
                .map(Some),
        });
        encoded.map_err(|cause| {
            ExprError::from(EncodeError {
                table: ctx.schema.table_name,
                attribute: field.name.to_string(),
                cause,
            })
        })
    }

    /// The value to store with an update; offloaded values add their upload to `uploads`.
    pub(crate) fn stored_for_update(
        self,
        ctx: &Context<'_>,
        item_key: Option<&[u8]>,
        uploads: &mut Vec<PendingUpload>,
    ) -> Result<Option<AttributeValue>, ExprError> {
        Ok(match self.stored(ctx, item_key)? {
            None => None,
            Some(Encoded::Inline(value)) => Some(value),
            Some(Encoded::Offloaded { pointer, upload }) => {
                uploads.push(upload);
                Some(pointer)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::IntoOperand;

    fn optional<T>(value: impl IntoOperand<Option<T>>) -> Option<T> {
        value.into_operand()
    }

    #[test]
    fn an_optional_operand_takes_a_plain_value_some_or_none() {
        assert_eq!(optional::<String>("a"), Some("a".to_string()));
        assert_eq!(optional::<String>(&"b".to_string()), Some("b".to_string()));
        assert_eq!(optional::<Vec<u8>>(&[1u8][..]), Some(vec![1]));
        assert_eq!(optional::<i16>(5), Some(5));
        assert_eq!(optional::<i16>(Some(6)), Some(6));
        assert_eq!(optional::<i16>(None), None);
    }
}
