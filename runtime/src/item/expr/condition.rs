//! Conditions (of writes) and filters (of queries and scans).

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use super::operand::{
    Compare, ConditionEq, Contains, Deterministic, Filterable, Inline, IntoOperand, Operand, Prefix,
};
use super::{Context, ExprError, Placeholders};
use crate::item::model::{Attr, Model};
use crate::primitives::codec::Codec;

/// A typed condition on items of model `M`: the condition of a write, or the filter of a
/// query or scan. Build one from attribute handles and combine with [`Condition::and`] (`&`),
/// [`Condition::or`] (`|`) and `!` (see the [module docs](crate::item::expr) for an example).
#[must_use = "a condition does nothing until it is passed to an operation"]
pub struct Condition<M> {
    node: Node,
    _model: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Condition<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

/// DynamoDB attribute types, for [`Attr::is_type`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// String.
    S,
    /// String set.
    Ss,
    /// Number.
    N,
    /// Number set.
    Ns,
    /// Binary.
    B,
    /// Binary set.
    Bs,
    /// Boolean.
    Bool,
    /// Null.
    Null,
    /// List.
    L,
    /// Map.
    M,
}

impl AttrType {
    fn code(self) -> &'static str {
        match self {
            AttrType::S => "S",
            AttrType::Ss => "SS",
            AttrType::N => "N",
            AttrType::Ns => "NS",
            AttrType::B => "B",
            AttrType::Bs => "BS",
            AttrType::Bool => "BOOL",
            AttrType::Null => "NULL",
            AttrType::L => "L",
            AttrType::M => "M",
        }
    }
}

/// The tree of a condition, untyped.
#[derive(Debug)]
pub(crate) enum Node {
    /// `#a op :v` (`=`, `<>`, `<`, `<=`, `>`, `>=`).
    Compare { op: &'static str, operand: Operand },
    /// `#a BETWEEN :lo AND :hi`.
    Between { low: Operand, high: Operand },
    /// `#a IN (:v0, :v1, ...)`.
    In {
        name: &'static str,
        operands: Vec<Operand>,
    },
    /// `function(#a, :v)`: `begins_with` or `contains`.
    Function {
        function: &'static str,
        operand: Operand,
    },
    /// `size(#a) op :n`.
    Size {
        name: &'static str,
        op: &'static str,
        size: u64,
    },
    /// `attribute_exists(#a)` or `attribute_not_exists(#a)`.
    Exists { name: &'static str, exists: bool },
    /// `attribute_type(#a, :t)`.
    Type { name: &'static str, ty: AttrType },
    /// `(a) AND (b)`.
    And(Box<Node>, Box<Node>),
    /// `(a) OR (b)`.
    Or(Box<Node>, Box<Node>),
    /// `NOT (a)`.
    Not(Box<Node>),
}

/// `#a op :v`, from placeholders. The typed conditions and the tracker's conditional writes
/// render comparisons here, so there is one condition syntax.
pub(crate) fn compare(name: &str, op: &str, value: &str) -> String {
    format!("{name} {op} {value}")
}

/// `#a IN (:v1, :v2)`, from placeholders.
pub(crate) fn is_in(name: &str, values: &[String]) -> String {
    format!("{name} IN ({})", values.join(", "))
}

/// `(a) AND (b) AND ...`: every condition must hold.
pub(crate) fn all(conditions: impl IntoIterator<Item = String>) -> String {
    conditions
        .into_iter()
        .map(|c| format!("({c})"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

impl Node {
    /// Renders the expression, registering placeholders.
    pub(crate) fn render(
        self,
        ctx: &Context<'_>,
        ph: &mut Placeholders,
    ) -> Result<String, ExprError> {
        Ok(match self {
            Node::Compare { op, operand } => {
                equality_only(ctx, &operand, op == "=" || op == "<>")?;
                let name = ph.name(operand.field().name);
                compare(&name, op, &ph.value(operand.compared(ctx)?))
            }
            Node::Between { low, high } => {
                equality_only(ctx, &low, false)?;
                let name = ph.name(low.field().name);
                let low = ph.value(low.compared(ctx)?);
                format!("{name} BETWEEN {low} AND {}", ph.value(high.compared(ctx)?))
            }
            Node::In { name, operands } => {
                if operands.is_empty() || operands.len() > 100 {
                    return Err(ctx.invalid(format!(
                        "`is_in` on `{name}` needs 1 to 100 values, got {}",
                        operands.len()
                    )));
                }
                let name = ph.name(name);
                let values = operands
                    .into_iter()
                    .map(|o| o.compared(ctx).map(|v| ph.value(v)))
                    .collect::<Result<Vec<_>, _>>()?;
                is_in(&name, &values)
            }
            Node::Function { function, operand } => {
                equality_only(ctx, &operand, false)?;
                let name = ph.name(operand.field().name);
                format!("{function}({name}, {})", ph.value(operand.compared(ctx)?))
            }
            Node::Size { name, op, size } => {
                let name = ph.name(name);
                let size = ph.value(AttributeValue::N(size.to_string()));
                format!("size({name}) {op} {size}")
            }
            Node::Exists { name, exists } => {
                let function = if exists {
                    "attribute_exists"
                } else {
                    "attribute_not_exists"
                };
                format!("{function}({})", ph.name(name))
            }
            Node::Type { name, ty } => {
                let name = ph.name(name);
                let ty = ph.value(AttributeValue::S(ty.code().to_string()));
                format!("attribute_type({name}, {ty})")
            }
            Node::And(a, b) => all([a.render(ctx, ph)?, b.render(ctx, ph)?]),
            Node::Or(a, b) => format!("({}) OR ({})", a.render(ctx, ph)?, b.render(ctx, ph)?),
            Node::Not(a) => format!("NOT ({})", a.render(ctx, ph)?),
        })
    }

    /// Every attribute name the condition mentions.
    pub(crate) fn names(&self, out: &mut Vec<&'static str>) {
        match self {
            Node::Compare { operand, .. } | Node::Function { operand, .. } => {
                out.push(operand.field().name)
            }
            Node::Between { low, .. } => out.push(low.field().name),
            Node::In { name, .. }
            | Node::Size { name, .. }
            | Node::Exists { name, .. }
            | Node::Type { name, .. } => out.push(name),
            Node::And(a, b) | Node::Or(a, b) => {
                a.names(out);
                b.names(out);
            }
            Node::Not(a) => a.names(out),
        }
    }
}

/// Compressed or encrypted attributes store bytes that do not order or contain like their
/// values: only equality is meaningful.
fn equality_only(ctx: &Context<'_>, operand: &Operand, is_equality: bool) -> Result<(), ExprError> {
    if is_equality || operand.is_plain() {
        return Ok(());
    }
    Err(ctx.invalid(format!(
        "attribute `{}` is compressed or encrypted, so only `eq`, `ne`, `is_in` and existence \
         checks apply to it (its stored bytes do not order like its values)",
        operand.field().name
    )))
}

impl<M> Condition<M> {
    pub(crate) fn from_node(node: Node) -> Self {
        Condition {
            node,
            _model: PhantomData,
        }
    }

    pub(crate) fn into_node(self) -> Node {
        self.node
    }

    /// Every attribute name the condition mentions.
    pub(crate) fn names(&self, out: &mut Vec<&'static str>) {
        self.node.names(out);
    }

    /// Both conditions hold.
    pub fn and(self, other: Condition<M>) -> Condition<M> {
        Self::from_node(Node::And(Box::new(self.node), Box::new(other.node)))
    }

    /// At least one condition holds.
    pub fn or(self, other: Condition<M>) -> Condition<M> {
        Self::from_node(Node::Or(Box::new(self.node), Box::new(other.node)))
    }
}

impl<M: Model> Condition<M> {
    /// The item exists (its partition key attribute is present).
    pub fn item_exists() -> Condition<M> {
        Self::from_node(Node::Exists {
            name: M::SCHEMA.key.hash.name,
            exists: true,
        })
    }

    /// No item with this key exists.
    pub fn item_not_exists() -> Condition<M> {
        Self::from_node(Node::Exists {
            name: M::SCHEMA.key.hash.name,
            exists: false,
        })
    }
}

impl<M> std::ops::Not for Condition<M> {
    type Output = Condition<M>;

    /// The condition does not hold.
    fn not(self) -> Condition<M> {
        Self::from_node(Node::Not(Box::new(self.node)))
    }
}

impl<M> std::ops::BitAnd for Condition<M> {
    type Output = Condition<M>;

    /// Same as [`Condition::and`].
    fn bitand(self, other: Condition<M>) -> Condition<M> {
        self.and(other)
    }
}

impl<M> std::ops::BitOr for Condition<M> {
    type Output = Condition<M>;

    /// Same as [`Condition::or`].
    fn bitor(self, other: Condition<M>) -> Condition<M> {
        self.or(other)
    }
}

/// The value an operand of a comparison on an attribute with codec `C` has.
type OperandOf<C> = <<C as Compare>::Operand as Codec>::Value;

// The role bounds sit on the methods, not on the impl, so that a misuse (a key attribute in a
// filter, a comparison on a randomized or offloaded attribute) finds the method and fails on
// the bound whose message says what is wrong (see `operand.rs`).

/// `eq` on every role but the partition key (whose `eq` builds a key condition).
impl<M, C, R: ConditionEq> Attr<M, C, R> {
    /// The attribute equals `value`.
    pub fn eq(&self, value: impl IntoOperand<OperandOf<C>>) -> Condition<M>
    where
        C: Compare,
        R: Filterable + Deterministic + Inline,
    {
        self.compare("=", value)
    }
}

impl<M, C, R> Attr<M, C, R> {
    fn operand(&self, value: impl IntoOperand<OperandOf<C>>) -> Operand
    where
        C: Compare,
    {
        Operand::new::<C::Operand>(self.field(), &value.into_operand())
    }

    fn compare(&self, op: &'static str, value: impl IntoOperand<OperandOf<C>>) -> Condition<M>
    where
        C: Compare,
    {
        Condition::from_node(Node::Compare {
            op,
            operand: self.operand(value),
        })
    }

    /// The attribute differs from `value` (or is absent).
    pub fn ne(&self, value: impl IntoOperand<OperandOf<C>>) -> Condition<M>
    where
        C: Compare,
        R: Filterable + Deterministic + Inline,
    {
        self.compare("<>", value)
    }

    /// The attribute is less than `value`.
    pub fn lt(&self, value: impl IntoOperand<OperandOf<C>>) -> Condition<M>
    where
        C: Compare,
        R: Filterable + Deterministic + Inline,
    {
        self.compare("<", value)
    }

    /// The attribute is at most `value`.
    pub fn le(&self, value: impl IntoOperand<OperandOf<C>>) -> Condition<M>
    where
        C: Compare,
        R: Filterable + Deterministic + Inline,
    {
        self.compare("<=", value)
    }

    /// The attribute is greater than `value`.
    pub fn gt(&self, value: impl IntoOperand<OperandOf<C>>) -> Condition<M>
    where
        C: Compare,
        R: Filterable + Deterministic + Inline,
    {
        self.compare(">", value)
    }

    /// The attribute is at least `value`.
    pub fn ge(&self, value: impl IntoOperand<OperandOf<C>>) -> Condition<M>
    where
        C: Compare,
        R: Filterable + Deterministic + Inline,
    {
        self.compare(">=", value)
    }

    /// `low <= attribute <= high`.
    pub fn between(
        &self,
        low: impl IntoOperand<OperandOf<C>>,
        high: impl IntoOperand<OperandOf<C>>,
    ) -> Condition<M>
    where
        C: Compare,
        R: Filterable + Deterministic + Inline,
    {
        Condition::from_node(Node::Between {
            low: self.operand(low),
            high: self.operand(high),
        })
    }

    /// The attribute equals one of `values` (1 to 100 of them).
    pub fn is_in<V: IntoOperand<OperandOf<C>>>(
        &self,
        values: impl IntoIterator<Item = V>,
    ) -> Condition<M>
    where
        C: Compare,
        R: Filterable + Deterministic + Inline,
    {
        Condition::from_node(Node::In {
            name: self.name(),
            operands: values.into_iter().map(|v| self.operand(v)).collect(),
        })
    }

    /// The attribute starts with `prefix` (strings and binaries).
    pub fn begins_with(&self, prefix: impl IntoOperand<OperandOf<C>>) -> Condition<M>
    where
        C: Compare,
        C::Operand: Prefix,
        R: Filterable + Deterministic + Inline,
    {
        Condition::from_node(Node::Function {
            function: "begins_with",
            operand: self.operand(prefix),
        })
    }

    /// The attribute (a string, set or list) contains `element`.
    pub fn contains(
        &self,
        element: impl IntoOperand<<<C as Contains>::Element as Codec>::Value>,
    ) -> Condition<M>
    where
        C: Contains,
        R: Filterable + Deterministic + Inline,
    {
        Condition::from_node(Node::Function {
            function: "contains",
            operand: Operand::new::<C::Element>(self.field(), &element.into_operand()),
        })
    }

    /// The size of the attribute (string length, binary length, number of elements), to compare
    /// with a number.
    pub fn size(&self) -> Size<M>
    where
        R: Filterable + Deterministic + Inline,
    {
        Size {
            name: self.name(),
            _model: PhantomData,
        }
    }

    /// The item has this attribute.
    pub fn exists(&self) -> Condition<M>
    where
        R: Filterable,
    {
        Condition::from_node(Node::Exists {
            name: self.name(),
            exists: true,
        })
    }

    /// The item does not have this attribute.
    pub fn not_exists(&self) -> Condition<M>
    where
        R: Filterable,
    {
        Condition::from_node(Node::Exists {
            name: self.name(),
            exists: false,
        })
    }

    /// The attribute is stored with DynamoDB type `ty`.
    pub fn is_type(&self, ty: AttrType) -> Condition<M>
    where
        R: Filterable,
    {
        Condition::from_node(Node::Type {
            name: self.name(),
            ty,
        })
    }
}

/// The size of an attribute, from [`Attr::size`].
#[derive(Debug, Clone, Copy)]
pub struct Size<M> {
    name: &'static str,
    _model: PhantomData<fn() -> M>,
}

impl<M> Size<M> {
    fn compare(self, op: &'static str, size: u64) -> Condition<M> {
        Condition::from_node(Node::Size {
            name: self.name,
            op,
            size,
        })
    }

    /// The size is `size`.
    pub fn eq(self, size: u64) -> Condition<M> {
        self.compare("=", size)
    }

    /// The size is not `size`.
    pub fn ne(self, size: u64) -> Condition<M> {
        self.compare("<>", size)
    }

    /// The size is below `size`.
    pub fn lt(self, size: u64) -> Condition<M> {
        self.compare("<", size)
    }

    /// The size is at most `size`.
    pub fn le(self, size: u64) -> Condition<M> {
        self.compare("<=", size)
    }

    /// The size is above `size`.
    pub fn gt(self, size: u64) -> Condition<M> {
        self.compare(">", size)
    }

    /// The size is at least `size`.
    pub fn ge(self, size: u64) -> Condition<M> {
        self.compare(">=", size)
    }
}
