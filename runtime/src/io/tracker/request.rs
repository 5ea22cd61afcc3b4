//! Conditional writes and SDK error mapping shared by the tracker's operations.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::error::TrackerError;
use super::item::Item;
use crate::io::client::Client;
use crate::io::error::Error;
use crate::item::expr::{Clauses, Placeholders, all, compare, is_in};

/// What a conditional update did.
pub(crate) enum Outcome {
    /// Applied; the item after the update when it was asked for (empty otherwise).
    Applied(Item),
    /// The condition failed; the item as it was (`None` when there is none).
    Rejected(Option<Item>),
}

/// A conditional UpdateItem: `SET`/`REMOVE` actions and `AND`-ed conditions, assembled by the
/// shared expression builder ([`Clauses`], [`Placeholders`]).
#[derive(Default)]
pub(crate) struct Update {
    placeholders: Placeholders,
    clauses: Clauses,
    conditions: Vec<String>,
}

impl Update {
    fn name(&mut self, attr: &str) -> String {
        self.placeholders.name(attr)
    }

    fn value(&mut self, value: AttributeValue) -> String {
        self.placeholders.value(value)
    }

    /// `SET attr = value`.
    pub(crate) fn set(mut self, attr: &str, value: AttributeValue) -> Self {
        let (name, value) = (self.name(attr), self.value(value));
        self.clauses.set.push(format!("{name} = {value}"));
        self
    }

    /// `SET attr = attr + 1` (the attribute must exist).
    pub(crate) fn increment(mut self, attr: &str) -> Self {
        let (name, one) = (self.name(attr), self.value(AttributeValue::N("1".into())));
        self.clauses.set.push(format!("{name} = {name} + {one}"));
        self
    }

    /// `REMOVE attr`.
    pub(crate) fn remove(mut self, attr: &str) -> Self {
        let name = self.name(attr);
        self.clauses.remove.push(name);
        self
    }

    /// Condition `attr = value`.
    pub(crate) fn when_eq(mut self, attr: &str, value: AttributeValue) -> Self {
        let (name, value) = (self.name(attr), self.value(value));
        self.conditions.push(compare(&name, "=", &value));
        self
    }

    /// Condition `attr < value`.
    pub(crate) fn when_before(mut self, attr: &str, value: AttributeValue) -> Self {
        let (name, value) = (self.name(attr), self.value(value));
        self.conditions.push(compare(&name, "<", &value));
        self
    }

    /// Condition `attr IN (values)` (`values` must not be empty).
    pub(crate) fn when_in(mut self, attr: &str, values: Vec<AttributeValue>) -> Self {
        let name = self.name(attr);
        let list: Vec<String> = values.into_iter().map(|v| self.value(v)).collect();
        self.conditions.push(is_in(&name, &list));
        self
    }

    /// Sends the update; with `return_new` the applied outcome carries the new item.
    pub(crate) async fn send(
        self,
        client: &Client,
        table: &str,
        key: Item,
        return_new: bool,
    ) -> Result<Outcome, TrackerError> {
        let returned = if return_new {
            ReturnValue::AllNew
        } else {
            ReturnValue::None
        };
        let (expression, condition) = (self.clauses.join(), all(self.conditions));
        let (names, values) = self.placeholders.into_maps();
        let result = client
            .dynamodb()
            .update_item()
            .table_name(table)
            .set_key(Some(key))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values(returned)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Outcome::Applied(output.attributes.unwrap_or_default())),
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    Ok(Outcome::Rejected(failed.item().cloned()))
                }
                _ => Err(Error::from_sdk("UpdateItem", table, error).into()),
            },
        }
    }
}
