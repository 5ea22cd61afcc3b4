//! Conditional writes and SDK error mapping shared by the tracker's operations.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use tracing::Instrument;
use tracing::field::Empty;

use super::error::TrackerError;
use super::item::{Item, attr};
use crate::io::client::Client;
use crate::io::error::Error;
use crate::io::telemetry;
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
        let request = client
            .dynamodb()
            .update_item()
            .table_name(table)
            .set_key(Some(key))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values(returned)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        let result = telemetry::request(client, "UpdateItem", table, request.send()).await;
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

/// A status transition: traced as a `tracker.transition` span around its conditional update.
pub(crate) struct Transition<'a> {
    /// The tracker's use case.
    pub use_case: &'static str,
    /// The task.
    pub task_id: &'a str,
    /// The fencing epoch when known before the update (an acquisition's new epoch is read
    /// from the updated item).
    pub epoch: Option<u64>,
    /// The statuses the update is conditioned on.
    pub from: &'a [&'static str],
    /// The status it sets.
    pub to: &'static str,
}

impl Transition<'_> {
    fn span(&self) -> tracing::Span {
        let span = tracing::info_span!(
            target: "dynamate",
            "tracker.transition",
            dynamate.tracker.use_case = self.use_case,
            dynamate.tracker.task_id = self.task_id,
            dynamate.tracker.epoch = self.epoch,
            dynamate.tracker.status.from = Empty,
            dynamate.tracker.status.to = self.to,
            dynamate.tracker.outcome = Empty,
            error.type = Empty,
        );
        if !span.is_disabled() {
            span.record("dynamate.tracker.status.from", self.from.join("|").as_str());
        }
        span
    }
}

impl Update {
    /// [`Update::send`] of a status transition, in its span: records whether it was applied
    /// or rejected, and the epoch the updated item holds.
    pub(crate) async fn send_transition(
        self,
        client: &Client,
        table: &str,
        key: Item,
        return_new: bool,
        transition: Transition<'_>,
    ) -> Result<Outcome, TrackerError> {
        let span = transition.span();
        let outcome = self
            .send(client, table, key, return_new)
            .instrument(span.clone())
            .await;
        match &outcome {
            Ok(Outcome::Applied(item)) => {
                span.record("dynamate.tracker.outcome", "applied");
                let epoch = item.get(attr::EPOCH).and_then(|v| v.as_n().ok());
                if let Some(epoch) = epoch.and_then(|n| n.parse::<u64>().ok()) {
                    span.record("dynamate.tracker.epoch", epoch);
                }
            }
            Ok(Outcome::Rejected(_)) => {
                span.record("dynamate.tracker.outcome", "rejected");
            }
            Err(_) => {
                span.record("dynamate.tracker.outcome", "failed");
                span.record("error.type", "TrackerError");
            }
        }
        outcome
    }
}
