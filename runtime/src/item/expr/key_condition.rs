//! Key conditions of queries: partition key equality plus an optional sort key condition.

use std::marker::PhantomData;

use super::operand::{Compare, IntoOperand, Operand, Prefix};
use super::{Context, ExprError, Placeholders};
use crate::item::index::Index;
use crate::item::model::{Attr, Field, role};
use crate::primitives::codec::Codec;

/// `partition key = value`, on the table or on an index: what every query starts from.
///
/// Built with `Model::HASH_KEY_ATTR.eq(value)` for the table, `Model::INDEX.key(value)` for an
/// index.
#[must_use = "a key condition does nothing until it is passed to `Client::query`"]
pub struct HashCondition<M> {
    pub(crate) index: Option<&'static str>,
    operand: Operand,
    _model: PhantomData<fn() -> M>,
}

/// A sort key condition of a query (`eq`, `lt`, `le`, `gt`, `ge`, `between`, `begins_with`).
#[must_use = "a key condition does nothing until it is passed to `Query::range`"]
pub struct RangeCondition<M> {
    pub(crate) index: Option<&'static str>,
    op: &'static str,
    operands: Vec<Operand>,
    _model: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for HashCondition<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashCondition")
            .field("index", &self.index)
            .field("operand", &self.operand)
            .finish()
    }
}

impl<M> std::fmt::Debug for RangeCondition<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RangeCondition")
            .field("index", &self.index)
            .field("op", &self.op)
            .field("operands", &self.operands)
            .finish()
    }
}

impl<M> HashCondition<M> {
    pub(crate) fn new(index: Option<&'static str>, operand: Operand) -> Self {
        HashCondition {
            index,
            operand,
            _model: PhantomData,
        }
    }

    /// Renders `#k = :v`.
    pub(crate) fn render(
        self,
        ctx: &Context<'_>,
        ph: &mut Placeholders,
    ) -> Result<String, ExprError> {
        let name = ph.name(self.operand.field().name);
        Ok(format!(
            "{name} = {}",
            ph.value(self.operand.compared(ctx)?)
        ))
    }
}

impl<M> RangeCondition<M> {
    /// Name of the sort key attribute.
    pub(crate) fn name(&self) -> &'static str {
        self.operands[0].field().name
    }

    /// Renders the sort key condition.
    pub(crate) fn render(
        self,
        ctx: &Context<'_>,
        ph: &mut Placeholders,
    ) -> Result<String, ExprError> {
        let name = ph.name(self.name());
        let values = self
            .operands
            .into_iter()
            .map(|o| o.compared(ctx).map(|v| ph.value(v)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(match (self.op, values.as_slice()) {
            ("BETWEEN", [low, high]) => format!("{name} BETWEEN {low} AND {high}"),
            ("begins_with", [prefix]) => format!("begins_with({name}, {prefix})"),
            (op, [value]) => format!("{name} {op} {value}"),
            _ => unreachable!("range conditions are built with one or two operands"),
        })
    }
}

/// The value of an operand compared with an attribute of codec `C`.
type OperandOf<C> = <<C as Compare>::Operand as Codec>::Value;

/// The sort key of a table or index, as a source of [`RangeCondition`]s.
pub struct IndexRange<M, C> {
    index: Option<&'static str>,
    field: Field,
    _marker: PhantomData<fn() -> (M, C)>,
}

impl<M, C> std::fmt::Debug for IndexRange<M, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexRange")
            .field("index", &self.index)
            .field("attribute", &self.field.name)
            .finish()
    }
}

impl<M, C> IndexRange<M, C> {
    pub(crate) fn new(index: Option<&'static str>, field: Field) -> Self {
        IndexRange {
            index,
            field,
            _marker: PhantomData,
        }
    }
}

impl<M, C: Compare> IndexRange<M, C> {
    fn condition(&self, op: &'static str, values: &[OperandOf<C>]) -> RangeCondition<M> {
        RangeCondition {
            index: self.index,
            op,
            operands: values
                .iter()
                .map(|v| Operand::new::<C::Operand>(self.field, v))
                .collect(),
            _model: PhantomData,
        }
    }

    /// Sort key equals `value`.
    pub fn eq(&self, value: impl IntoOperand<OperandOf<C>>) -> RangeCondition<M> {
        self.condition("=", &[value.into_operand()])
    }

    /// Sort key below `value`.
    pub fn lt(&self, value: impl IntoOperand<OperandOf<C>>) -> RangeCondition<M> {
        self.condition("<", &[value.into_operand()])
    }

    /// Sort key at most `value`.
    pub fn le(&self, value: impl IntoOperand<OperandOf<C>>) -> RangeCondition<M> {
        self.condition("<=", &[value.into_operand()])
    }

    /// Sort key above `value`.
    pub fn gt(&self, value: impl IntoOperand<OperandOf<C>>) -> RangeCondition<M> {
        self.condition(">", &[value.into_operand()])
    }

    /// Sort key at least `value`.
    pub fn ge(&self, value: impl IntoOperand<OperandOf<C>>) -> RangeCondition<M> {
        self.condition(">=", &[value.into_operand()])
    }

    /// `low <= sort key <= high`.
    pub fn between(
        &self,
        low: impl IntoOperand<OperandOf<C>>,
        high: impl IntoOperand<OperandOf<C>>,
    ) -> RangeCondition<M> {
        self.condition("BETWEEN", &[low.into_operand(), high.into_operand()])
    }

    /// Sort key starts with `prefix` (string and binary keys).
    pub fn begins_with(&self, prefix: impl IntoOperand<OperandOf<C>>) -> RangeCondition<M>
    where
        C::Operand: Prefix,
    {
        self.condition("begins_with", &[prefix.into_operand()])
    }
}

impl<M, C: Compare> Attr<M, C, role::HashKey> {
    /// The table's partition key equals `value`: the key condition of a query.
    pub fn eq(&self, value: impl IntoOperand<OperandOf<C>>) -> HashCondition<M> {
        HashCondition::new(
            None,
            Operand::new::<C::Operand>(self.field(), &value.into_operand()),
        )
    }
}

impl<M, C: Compare> Attr<M, C, role::RangeKey> {
    /// The table's sort key, to build a sort key condition:
    /// `Product::SKU.key().begins_with("A-")`.
    pub fn key(&self) -> IndexRange<M, C> {
        IndexRange::new(None, self.field())
    }
}

impl<M: crate::Model, H: Compare, R> Index<M, H, R> {
    /// The index's partition key equals `value`: the key condition of a query on the index.
    pub fn key(&self, value: impl IntoOperand<OperandOf<H>>) -> HashCondition<M> {
        // A handle naming no index of `M` yields a condition the query rejects: it names the
        // missing index, which the query looks up again.
        let hash = self.schema().map_or("", |schema| schema.key.hash.name);
        let field = field_of::<M>(hash);
        HashCondition::new(
            Some(self.name()),
            Operand::new::<H::Operand>(field, &value.into_operand()),
        )
    }
}

impl<M: crate::Model, H, R: Compare> Index<M, H, R> {
    /// The index's sort key, to build a sort key condition:
    /// `Product::BY_CATEGORY.range().between(low, high)`.
    pub fn range(&self) -> IndexRange<M, R> {
        let name = self
            .schema()
            .and_then(|schema| schema.key.range)
            .map_or("", |r| r.name);
        IndexRange::new(Some(self.name()), field_of::<M>(name))
    }
}

/// The declared field of attribute `name` (generated handles only name declared attributes).
fn field_of<M: crate::Model>(name: &'static str) -> Field {
    M::SCHEMA
        .fields
        .iter()
        .copied()
        .find(|f| f.name == name)
        .unwrap_or(Field::plain(name))
}
