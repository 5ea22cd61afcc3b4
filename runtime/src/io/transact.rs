//! Transactions: [`TransactWrite`] (puts, updates, deletes and condition checks across models,
//! all or nothing) and [`TransactGet`] (a consistent snapshot of several items).

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Get, Put, TransactGetItem, TransactWriteItem, Update as SdkUpdate,
};
use futures::future::BoxFuture;

use crate::io::client::Client;
use crate::io::error::{CancellationReason, Error};
use crate::io::ops::item::{prepare_put, prepare_update};
use crate::io::ops::{built, node, render_condition};
use crate::io::telemetry::{CapacityDetail, Measured, Operation, measured_operation};
use crate::item::expr::{Condition, Update};
use crate::item::model::{Item, Model, ModelKey};

/// DynamoDB's limit of actions per transaction.
pub const MAX_ACTIONS: usize = 100;

const WRITE: &str = "TransactWriteItems";
const GET: &str = "TransactGetItems";

/// One action, prepared lazily (puts upload offloaded attributes first).
type Action<'a> = BoxFuture<'a, Result<(TransactWriteItem, Item), Error>>;

/// An all-or-nothing write of up to 100 actions across models, from
/// [`Client::transact_write`]; await it.
///
/// If any condition fails, nothing is written and the error is
/// [`Error::TransactionCanceled`], whose `reasons` say which action failed and why.
#[must_use = "await the transaction to run it"]
pub struct TransactWrite<'a> {
    client: &'a Client,
    tables: Vec<String>,
    actions: Vec<Action<'a>>,
}

impl std::fmt::Debug for TransactWrite<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactWrite")
            .field("tables", &self.tables)
            .finish()
    }
}

impl<'a> TransactWrite<'a> {
    fn push<M: Model>(mut self, action: Action<'a>) -> Self {
        self.tables.push(self.client.table_name::<M>());
        self.actions.push(action);
        self
    }

    /// Puts `item` (conditioned on its version for versioned models).
    pub fn put<M: Model>(self, item: &'a M) -> Self {
        self.put_with(item, None, false)
    }

    /// Puts `item` if `condition` holds.
    pub fn put_if<M: Model>(self, item: &'a M, condition: Condition<M>) -> Self {
        self.put_with(item, Some(condition), false)
    }

    /// Puts `item` only if no item with its key exists.
    pub fn create<M: Model>(self, item: &'a M) -> Self {
        self.put_with(item, None, true)
    }

    fn put_with<M: Model>(
        self,
        item: &'a M,
        condition: Option<Condition<M>>,
        absent: bool,
    ) -> Self {
        let client = self.client;
        self.push::<M>(Box::pin(async move {
            let put = prepare_put(client, item, condition, absent).await?;
            let key = key_of::<M>(&put.item);
            let (names, values) = put.condition.placeholders.into_maps();
            let put = built(
                WRITE,
                &put.table,
                Put::builder()
                    .table_name(&put.table)
                    .set_item(Some(put.item))
                    .set_condition_expression(put.condition.expression)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .build(),
            )?;
            Ok((TransactWriteItem::builder().put(put).build(), key))
        }))
    }

    /// Applies `update` to the item with `key`.
    pub fn update<K: ModelKey>(self, key: &K, update: Update<K::Model>) -> Self {
        self.update_with(key, update, None)
    }

    /// Applies `update` if `condition` holds.
    pub fn update_if<K: ModelKey>(
        self,
        key: &K,
        update: Update<K::Model>,
        condition: Condition<K::Model>,
    ) -> Self {
        self.update_with(key, update, Some(condition))
    }

    fn update_with<K: ModelKey>(
        self,
        key: &K,
        update: Update<K::Model>,
        condition: Option<Condition<K::Model>>,
    ) -> Self {
        let client = self.client;
        let key = key.clone();
        self.push::<K::Model>(Box::pin(async move {
            let prepared = prepare_update(client, &key, update, condition).await?;
            let key = prepared.key.clone();
            let (names, values) = prepared.placeholders.into_maps();
            let update = built(
                WRITE,
                &prepared.table,
                SdkUpdate::builder()
                    .table_name(&prepared.table)
                    .set_key(Some(prepared.key))
                    .update_expression(prepared.update)
                    .set_condition_expression(prepared.condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .build(),
            )?;
            Ok((TransactWriteItem::builder().update(update).build(), key))
        }))
    }

    /// Deletes the item with `key`.
    pub fn delete<K: ModelKey>(self, key: &K) -> Self {
        self.keyed(key, None, false)
    }

    /// Deletes the item with `key` if `condition` holds.
    pub fn delete_if<K: ModelKey>(self, key: &K, condition: Condition<K::Model>) -> Self {
        self.keyed(key, Some(condition), false)
    }

    /// Writes nothing to the item with `key`, but cancels the transaction unless `condition`
    /// holds for it.
    pub fn check<K: ModelKey>(self, key: &K, condition: Condition<K::Model>) -> Self {
        self.keyed(key, Some(condition), true)
    }

    /// A delete or a condition check.
    fn keyed<K: ModelKey>(
        self,
        key: &K,
        condition: Option<Condition<K::Model>>,
        check: bool,
    ) -> Self {
        let client = self.client;
        let key = key.clone();
        self.push::<K::Model>(Box::pin(async move {
            let table = client.table_name::<K::Model>();
            let key = key.to_item()?;
            let ctx = client.context::<K::Model>(WRITE, &table);
            let rendered = render_condition(&ctx, node(condition))?;
            let (names, values) = rendered.placeholders.into_maps();
            let action = if check {
                let check = ConditionCheck::builder()
                    .table_name(&table)
                    .set_key(Some(key.clone()))
                    .set_condition_expression(rendered.expression)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .build();
                TransactWriteItem::builder().condition_check(built(WRITE, &table, check)?)
            } else {
                let delete = Delete::builder()
                    .table_name(&table)
                    .set_key(Some(key.clone()))
                    .set_condition_expression(rendered.expression)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .build();
                TransactWriteItem::builder().delete(built(WRITE, &table, delete)?)
            };
            Ok((action.build(), key))
        }))
    }

    fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::invalid(WRITE, &self.tables.join(", "), reason)
    }

    async fn run(self, capacity: Option<CapacityDetail>) -> Result<Measured<()>, Error> {
        let op = &Operation::on_tables(self.client, WRITE, &self.tables, capacity);
        op.run(self.write(op)).await
    }

    async fn write(self, op: &Operation) -> Result<(), Error> {
        if self.actions.is_empty() {
            return Err(self.invalid("the transaction has no actions; add at least one"));
        }
        if self.actions.len() > MAX_ACTIONS {
            return Err(self.invalid(format!(
                "the transaction has {} actions; DynamoDB allows at most {MAX_ACTIONS}",
                self.actions.len()
            )));
        }
        let prepared = futures::future::try_join_all(self.actions).await?;
        let mut seen = std::collections::HashSet::new();
        for ((_, key), table) in prepared.iter().zip(&self.tables) {
            if !seen.insert((table, key_bytes(key))) {
                return Err(Error::invalid(
                    WRITE,
                    table,
                    format!(
                        "the transaction names the item {key:?} twice; DynamoDB allows one action per item"
                    ),
                ));
            }
        }
        let (items, keys): (Vec<_>, Vec<_>) = prepared.into_iter().unzip();
        let result = self
            .client
            .dynamodb()
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_return_consumed_capacity(op.return_capacity())
            .send()
            .await;
        op.response(&result);
        result
            .map(|_| ())
            .map_err(|error| cancellation(error, &self.tables, keys))
    }
}

/// The key attributes of a put item (for the duplicate check).
fn key_of<M: Model>(item: &Item) -> Item {
    let key = M::SCHEMA.key;
    std::iter::once(key.hash.name)
        .chain(key.range.map(|r| r.name))
        .filter_map(|name| item.get(name).map(|v| (name.to_string(), v.clone())))
        .collect()
}

/// Order-independent bytes of a key map.
fn key_bytes(key: &Item) -> Vec<u8> {
    let mut bytes = Vec::new();
    crate::primitives::codec::canonical::write(
        &aws_sdk_dynamodb::types::AttributeValue::M(key.clone()),
        &mut bytes,
    );
    bytes
}

/// Turns a cancelled transaction into [`Error::TransactionCanceled`] with per-action reasons.
fn cancellation(
    error: aws_sdk_dynamodb::error::SdkError<
        TransactWriteItemsError,
        aws_smithy_runtime_api::http::Response,
    >,
    tables: &[String],
    keys: Vec<Item>,
) -> Error {
    let reasons = match error.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => cancelled
            .cancellation_reasons()
            .iter()
            .zip(keys)
            .enumerate()
            .map(|(index, (reason, key))| CancellationReason {
                index,
                table: tables.get(index).cloned().unwrap_or_default(),
                key,
                code: reason.code.clone().filter(|c| c != "None"),
                message: reason.message.clone(),
            })
            .collect(),
        _ => return Error::from_sdk(WRITE, &tables.join(", "), error),
    };
    Error::TransactionCanceled {
        reasons,
        source: Box::new(error),
    }
}

/// A consistent read of up to 100 items across models, from [`Client::transact_get`]; await
/// it for [`TransactItems`].
#[must_use = "await the transaction to run it"]
pub struct TransactGet<'a> {
    client: &'a Client,
    gets: Vec<Result<(String, Item), Error>>,
}

impl std::fmt::Debug for TransactGet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactGet")
            .field("gets", &self.gets.len())
            .finish()
    }
}

impl<'a> TransactGet<'a> {
    /// Reads the item with `key`; its result is at the same position in [`TransactItems`].
    pub fn get<K: ModelKey>(mut self, key: &K) -> Self {
        let table = self.client.table_name::<K::Model>();
        self.gets
            .push(key.to_item().map(|k| (table, k)).map_err(Error::from));
        self
    }

    async fn run(self, capacity: Option<CapacityDetail>) -> Result<Measured<TransactItems>, Error> {
        let tables: Vec<String> = self
            .gets
            .iter()
            .filter_map(|get| get.as_ref().ok().map(|(table, _)| table.clone()))
            .collect();
        let op = &Operation::on_tables(self.client, GET, &tables, capacity);
        op.run(self.read(op)).await
    }

    async fn read(self, op: &Operation) -> Result<TransactItems, Error> {
        let gets = self.gets.into_iter().collect::<Result<Vec<_>, _>>()?;
        if gets.is_empty() || gets.len() > MAX_ACTIONS {
            return Err(Error::invalid(
                GET,
                "(none)",
                format!(
                    "a read transaction needs 1 to {MAX_ACTIONS} items, got {}",
                    gets.len()
                ),
            ));
        }
        let tables: Vec<String> = gets.iter().map(|(t, _)| t.clone()).collect();
        let items = gets
            .into_iter()
            .map(|(table, key)| {
                built(
                    GET,
                    &table,
                    Get::builder().table_name(&table).set_key(Some(key)).build(),
                )
                .map(|get| TransactGetItem::builder().get(get).build())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = self
            .client
            .dynamodb()
            .transact_get_items()
            .set_transact_items(Some(items))
            .set_return_consumed_capacity(op.return_capacity())
            .send()
            .await;
        op.response(&output);
        let output = output.map_err(|e| Error::from_sdk(GET, &tables.join(", "), e))?;
        let items = output
            .responses
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.item.filter(|i| !i.is_empty()))
            .collect();
        Ok(TransactItems {
            client: self.client.clone(),
            tables,
            items,
        })
    }
}

measured_operation!(['a] TransactGet<'a> => TransactItems);

/// The items a [`TransactGet`] read, by position.
#[derive(Debug)]
pub struct TransactItems {
    client: Client,
    tables: Vec<String>,
    items: Vec<Option<Item>>,
}

impl TransactItems {
    /// Takes the item at `index` (the position of its `get`) as model `M`; `None` if it does
    /// not exist or was taken already.
    pub async fn take<M: Model>(&mut self, index: usize) -> Result<Option<M>, Error> {
        let table = self.client.table_name::<M>();
        if self.tables.get(index) != Some(&table) {
            return Err(Error::invalid(
                "TransactGetItems",
                &table,
                format!(
                    "item {index} was not read from `{table}`; take it as the model it was read as"
                ),
            ));
        }
        match self.items.get_mut(index).and_then(Option::take) {
            Some(item) => Ok(Some(self.client.decode_item(item).await?)),
            None => Ok(None),
        }
    }
}

measured_operation!(['a] TransactWrite<'a> => ());

impl Client {
    /// An empty write transaction; add actions, then await it.
    pub fn transact_write(&self) -> TransactWrite<'_> {
        TransactWrite {
            client: self,
            tables: Vec::new(),
            actions: Vec::new(),
        }
    }

    /// An empty read transaction; add gets, then await it.
    pub fn transact_get(&self) -> TransactGet<'_> {
        TransactGet {
            client: self,
            gets: Vec::new(),
        }
    }
}
