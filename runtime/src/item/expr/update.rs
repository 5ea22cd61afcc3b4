//! Update expressions: typed `SET`, `REMOVE`, `ADD` and `DELETE` actions.

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use super::operand::{Deterministic, Inline, IntoOperand, Operand, Removable, SetCodec, Updatable};
use super::{Context, ExprError, Placeholders};
use crate::item::model::Attr;
use crate::item::transform::PendingUpload;
use crate::primitives::codec::{Codec, List, Num, Number};

/// Typed update actions on an item of model `M`, for `Client::update` and transactions (see
/// the [module docs](crate::item::expr) for an example).
///
/// Key attributes cannot be updated (no method accepts them; the compiler says why). Compressed, encrypted and
/// offloaded attributes can only be set whole or removed. On a model with a version attribute
/// every update also increments the version.
#[must_use = "an update does nothing until it is passed to an operation"]
pub struct Update<M> {
    actions: Vec<Action>,
    _model: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Update<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.actions).finish()
    }
}

impl<M> Default for Update<M> {
    fn default() -> Self {
        Update {
            actions: Vec::new(),
            _model: PhantomData,
        }
    }
}

#[derive(Debug)]
enum Action {
    /// `SET #a = :v` (or `REMOVE #a` when the value is absent).
    Set(Operand),
    /// `SET #a = if_not_exists(#a, :v)`.
    SetIfNotExists(Operand),
    /// `SET #a = #a + :v` or `SET #a = #a - :v`.
    Arithmetic(Operand, &'static str),
    /// `SET #a = list_append(#a, :v)` (or `list_append(:v, #a)` to prepend).
    ListAppend(Operand, bool),
    /// `REMOVE #a`.
    Remove(&'static str),
    /// `ADD #a :v`.
    Add(Operand),
    /// `DELETE #a :v`.
    Delete(Operand),
}

/// The actions of an update expression, one clause per keyword, joined in the order DynamoDB
/// documents them. Typed updates render into it, and so does the tracker's state machine, so
/// there is one place that assembles update expressions.
#[derive(Default)]
pub(crate) struct Clauses {
    /// `SET` actions (`#a = :v`, ...).
    pub(crate) set: Vec<String>,
    /// `REMOVE` actions (`#a`).
    pub(crate) remove: Vec<String>,
    /// `ADD` actions (`#a :v`).
    pub(crate) add: Vec<String>,
    /// `DELETE` actions (`#a :v`).
    pub(crate) delete: Vec<String>,
}

impl<M> Update<M> {
    /// No actions yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn with(mut self, action: Action) -> Self {
        self.actions.push(action);
        self
    }

    /// Sets the attribute to `value`; an absent optional (`None`) or empty set removes it.
    ///
    /// An optional attribute takes the value itself or an `Option`: `set(Product::IMAGE, bytes)`,
    /// `set(Product::IMAGE, Some(bytes))` and `set(Product::IMAGE, None)` all compile.
    pub fn set<C: Codec, R: Updatable>(
        self,
        attr: Attr<M, C, R>,
        value: impl IntoOperand<C::Value>,
    ) -> Self {
        self.with(Action::Set(Operand::new::<C>(
            attr.field(),
            &value.into_operand(),
        )))
    }

    /// Sets the attribute to `value` only if the item does not have it yet.
    pub fn set_if_not_exists<C: Codec, R: Updatable>(
        self,
        attr: Attr<M, C, R>,
        value: impl IntoOperand<C::Value>,
    ) -> Self {
        self.with(Action::SetIfNotExists(Operand::new::<C>(
            attr.field(),
            &value.into_operand(),
        )))
    }

    /// Removes an optional attribute or a set.
    pub fn remove<C: Removable, R: Updatable>(self, attr: Attr<M, C, R>) -> Self {
        self.with(Action::Remove(attr.name()))
    }

    /// Adds `by` to a number (`SET #a = #a + :by`; the attribute must exist).
    pub fn increment<T: Number, R: Updatable + Deterministic + Inline>(
        self,
        attr: Attr<M, Num<T>, R>,
        by: T,
    ) -> Self {
        self.with(Action::Arithmetic(
            Operand::new::<Num<T>>(attr.field(), &by),
            "+",
        ))
    }

    /// Subtracts `by` from a number (`SET #a = #a - :by`; the attribute must exist).
    pub fn decrement<T: Number, R: Updatable + Deterministic + Inline>(
        self,
        attr: Attr<M, Num<T>, R>,
        by: T,
    ) -> Self {
        self.with(Action::Arithmetic(
            Operand::new::<Num<T>>(attr.field(), &by),
            "-",
        ))
    }

    /// Adds `by` to a number, starting from 0 when the attribute is absent (`ADD`).
    pub fn add<T: Number, R: Updatable + Deterministic + Inline>(
        self,
        attr: Attr<M, Num<T>, R>,
        by: T,
    ) -> Self {
        self.with(Action::Add(Operand::new::<Num<T>>(attr.field(), &by)))
    }

    /// Adds the elements to a set, creating it when absent (`ADD`).
    pub fn add_to_set<C: SetCodec, R: Updatable + Deterministic + Inline>(
        self,
        attr: Attr<M, C, R>,
        elements: C::Value,
    ) -> Self {
        self.with(Action::Add(Operand::new::<C>(attr.field(), &elements)))
    }

    /// Removes the elements from a set (`DELETE`).
    pub fn delete_from_set<C: SetCodec, R: Updatable + Deterministic + Inline>(
        self,
        attr: Attr<M, C, R>,
        elements: C::Value,
    ) -> Self {
        self.with(Action::Delete(Operand::new::<C>(attr.field(), &elements)))
    }

    /// Appends `items` to a list.
    pub fn append<C: Codec, R: Updatable + Deterministic + Inline>(
        self,
        attr: Attr<M, List<C>, R>,
        items: Vec<C::Value>,
    ) -> Self {
        self.with(Action::ListAppend(
            Operand::new::<List<C>>(attr.field(), &items),
            false,
        ))
    }

    /// Inserts `items` at the front of a list.
    pub fn prepend<C: Codec, R: Updatable + Deterministic + Inline>(
        self,
        attr: Attr<M, List<C>, R>,
        items: Vec<C::Value>,
    ) -> Self {
        self.with(Action::ListAppend(
            Operand::new::<List<C>>(attr.field(), &items),
            true,
        ))
    }

    /// Whether no action was added.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Renders the update expression. `item_key` (canonical key bytes) is needed for
    /// randomized-encrypted attributes; offloaded values add their upload to `uploads`.
    pub(crate) fn render(
        self,
        ctx: &Context<'_>,
        ph: &mut Placeholders,
        item_key: &[u8],
        uploads: &mut Vec<PendingUpload>,
    ) -> Result<String, ExprError> {
        if self.actions.is_empty() {
            return Err(ctx.invalid("the update has no actions; add at least one"));
        }
        let mut clauses = Clauses::default();
        for action in self.actions {
            render_action(action, ctx, ph, item_key, uploads, &mut clauses)?;
        }
        if let Some(version) = ctx.schema.version_attribute {
            let name = ph.name(version);
            if clauses.mentions(&name) {
                return Err(ctx.invalid(format!(
                    "`{version}` is the optimistic-locking version: dynamate increments it on \
                     every update, so it cannot be changed directly"
                )));
            }
            clauses.add.push(format!(
                "{name} {}",
                ph.value(AttributeValue::N("1".into_operand()))
            ));
        }
        Ok(clauses.join())
    }
}

fn render_action(
    action: Action,
    ctx: &Context<'_>,
    ph: &mut Placeholders,
    item_key: &[u8],
    uploads: &mut Vec<PendingUpload>,
    clauses: &mut Clauses,
) -> Result<(), ExprError> {
    let mut value = |operand: Operand| -> Result<Option<String>, ExprError> {
        Ok(operand
            .stored_for_update(ctx, Some(item_key), uploads)?
            .map(|v| ph.value(v)))
    };
    match action {
        Action::Remove(name) => clauses.remove.push(ph.name(name)),
        Action::Set(operand) => {
            let name = operand.field().name;
            match value(operand)? {
                Some(v) => clauses.set.push(format!("{} = {v}", ph.name(name))),
                None => clauses.remove.push(ph.name(name)),
            }
        }
        Action::SetIfNotExists(operand) => {
            let name = operand.field().name;
            let v = present(ctx, name, value(operand)?)?;
            let name = ph.name(name);
            clauses
                .set
                .push(format!("{name} = if_not_exists({name}, {v})"));
        }
        Action::Arithmetic(operand, sign) => {
            let name = plain_name(ctx, &operand)?;
            let v = present(ctx, name, value(operand)?)?;
            let name = ph.name(name);
            clauses.set.push(format!("{name} = {name} {sign} {v}"));
        }
        Action::ListAppend(operand, prepend) => {
            let name = plain_name(ctx, &operand)?;
            let v = present(ctx, name, value(operand)?)?;
            let name = ph.name(name);
            let args = if prepend {
                format!("{v}, {name}")
            } else {
                format!("{name}, {v}")
            };
            clauses.set.push(format!("{name} = list_append({args})"));
        }
        Action::Add(operand) | Action::Delete(operand) if !operand.is_plain() => {
            plain_name(ctx, &operand)?;
        }
        Action::Add(operand) => {
            let name = operand.field().name;
            let v = present(ctx, name, value(operand)?)?;
            clauses.add.push(format!("{} {v}", ph.name(name)));
        }
        Action::Delete(operand) => {
            let name = operand.field().name;
            let v = present(ctx, name, value(operand)?)?;
            clauses.delete.push(format!("{} {v}", ph.name(name)));
        }
    }
    Ok(())
}

/// Arithmetic, list and set actions work on stored values, so the attribute must be plain.
fn plain_name(ctx: &Context<'_>, operand: &Operand) -> Result<&'static str, ExprError> {
    let name = operand.field().name;
    if operand.is_plain() {
        Ok(name)
    } else {
        Err(ctx.invalid(format!(
            "attribute `{name}` is compressed, encrypted or offloaded: it can only be set whole \
             (`set`) or removed"
        )))
    }
}

fn present(ctx: &Context<'_>, name: &str, value: Option<String>) -> Result<String, ExprError> {
    value.ok_or_else(|| {
        ctx.invalid(format!(
            "the value for `{name}` is empty (an empty set or list operand, or `None`); \
             DynamoDB cannot store it"
        ))
    })
}

impl Clauses {
    /// The update expression: `SET ... REMOVE ... ADD ... DELETE ...`, empty clauses left out.
    pub(crate) fn join(self) -> String {
        [
            ("SET", self.set),
            ("REMOVE", self.remove),
            ("ADD", self.add),
            ("DELETE", self.delete),
        ]
        .into_iter()
        .filter(|(_, parts)| !parts.is_empty())
        .map(|(keyword, parts)| format!("{keyword} {}", parts.join(", ")))
        .collect::<Vec<_>>()
        .join(" ")
    }

    fn mentions(&self, placeholder: &str) -> bool {
        [&self.set, &self.remove, &self.add, &self.delete]
            .into_iter()
            .flatten()
            .any(|part| {
                part.split(|c: char| !(c.is_alphanumeric() || c == '#'))
                    .any(|t| t == placeholder)
            })
    }
}
