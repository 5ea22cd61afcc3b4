//! Single-item operations: save/create, get, delete, refresh and update.

use super::{all_of, check_item_size, lock_version, node, render_condition};
use crate::io::client::Client;
use crate::io::error::Error;
use crate::io::telemetry::{CapacityDetail, Measured, Operation, measured_operation};
use crate::item::expr::{Condition, Context, Node, Placeholders, Update};
use crate::item::model::{Attr, Item, Model, ModelKey, canonical_key_bytes};

/// A put of one item, from [`Client::save`] or [`Client::create`]; await it.
#[must_use = "await the operation to run it"]
pub struct Save<'a, M: Model> {
    client: &'a Client,
    item: &'a mut M,
    condition: Option<Condition<M>>,
    only_if_absent: bool,
}

/// A put, prepared: the item to write, its condition, and the version it will have.
pub(crate) struct PreparedPut {
    pub table: String,
    pub item: Item,
    pub condition: super::Rendered,
    /// The version written and whether the version check is the only condition.
    pub version: Option<(u64, bool)>,
}

/// Encodes `model` (uploading offloaded attributes), checks its size and builds the condition:
/// the caller's, `attribute_not_exists` for creates, and the version check.
pub(crate) async fn prepare_put<M: Model>(
    client: &Client,
    model: &M,
    condition: Option<Condition<M>>,
    only_if_absent: bool,
) -> Result<PreparedPut, Error> {
    let table = client.table_name::<M>();
    let mut item = client.encode_item(model).await?;
    check_item_size(&table, &item)?;
    let only_version = condition.is_none() && !only_if_absent;
    // A create is conditioned on absence alone: whatever version the new item holds.
    let (version_check, version) = match lock_version(model, &mut item) {
        Some((check, next)) => (
            (!only_if_absent).then_some(check),
            Some((next, only_version)),
        ),
        None => (None, None),
    };
    let absent = only_if_absent.then(|| Node::Exists {
        name: M::SCHEMA.key.hash.name,
        exists: false,
    });
    let ctx = client.context::<M>("PutItem", &table);
    let condition = render_condition(&ctx, all_of([node(condition), absent, version_check]))?;
    Ok(PreparedPut {
        table,
        item,
        condition,
        version,
    })
}

/// A failed conditional put caused only by the version check is a version conflict.
pub(crate) fn version_conflict(error: Error, version: Option<(u64, bool)>) -> Error {
    match (error, version) {
        (
            Error::ConditionFailed {
                operation,
                table,
                source,
            },
            Some((next, true)),
        ) => Error::VersionConflict {
            operation,
            table,
            expected: next - 1,
            source,
        },
        (error, _) => error,
    }
}

impl<'a, M: Model> Save<'a, M> {
    /// Writes only if `condition` holds for the stored item.
    pub fn condition(mut self, condition: Condition<M>) -> Self {
        self.condition = Some(condition);
        self
    }

    async fn run(self, capacity: Option<CapacityDetail>) -> Result<Measured<()>, Error> {
        let client = self.client;
        let op = &Operation::new(client, "PutItem", &client.table_name::<M>(), capacity);
        op.run(async move {
            let put = prepare_put(client, &*self.item, self.condition, self.only_if_absent).await?;
            let (names, values) = put.condition.placeholders.into_maps();
            let result = client
                .dynamodb()
                .put_item()
                .table_name(&put.table)
                .set_item(Some(put.item))
                .set_condition_expression(put.condition.expression)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .set_return_consumed_capacity(op.return_capacity())
                .send()
                .await;
            op.response(&result);
            result.map_err(|e| {
                version_conflict(Error::from_sdk("PutItem", &put.table, e), put.version)
            })?;
            if let Some((next, _)) = put.version {
                self.item.set_version(next);
            }
            Ok(())
        })
        .await
    }
}

measured_operation!(['a, M: Model] Save<'a, M> => ());

/// A read of one item, from [`Client::get`]; await it for `Option<M>`.
#[must_use = "await the operation to run it"]
pub struct Get<'a, M: Model> {
    client: &'a Client,
    key: M::Key,
    consistent: bool,
    projection: Vec<&'static str>,
}

impl<'a, M: Model> Get<'a, M> {
    /// Strongly consistent read.
    pub fn consistent_read(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Reads only this attribute (call once per attribute; key attributes are always read).
    /// The model must still decode: leave out only optional attributes and those with defaults.
    pub fn project<C, R>(mut self, attr: Attr<M, C, R>) -> Self {
        self.projection.push(attr.name());
        self
    }

    async fn run(self, capacity: Option<CapacityDetail>) -> Result<Measured<Option<M>>, Error> {
        let table = self.client.table_name::<M>();
        let op = &Operation::new(self.client, "GetItem", &table, capacity);
        op.run(async move {
            let key = self.key.to_item()?;
            let mut placeholders = Placeholders::default();
            let projection = projection_expression::<M>(&self.projection, &mut placeholders);
            let (names, _) = placeholders.into_maps();
            let result = self
                .client
                .dynamodb()
                .get_item()
                .table_name(&table)
                .set_key(Some(key))
                .consistent_read(self.consistent)
                .set_projection_expression(projection)
                .set_expression_attribute_names(names)
                .set_return_consumed_capacity(op.return_capacity())
                .send()
                .await;
            op.response(&result);
            let output = result.map_err(|e| Error::from_sdk("GetItem", &table, e))?;
            op.returned_rows(usize::from(output.item.is_some()));
            match output.item {
                Some(item) => Ok(Some(self.client.decode_item(item).await?)),
                None => Ok(None),
            }
        })
        .await
    }
}

/// `#n0, #n1, ...` of the projected attributes plus the table's key attributes; `None` when
/// nothing is projected (every attribute is read).
pub(crate) fn projection_expression<M: Model>(
    projected: &[&'static str],
    placeholders: &mut Placeholders,
) -> Option<String> {
    if projected.is_empty() {
        return None;
    }
    let key = M::SCHEMA.key;
    let keys = std::iter::once(key.hash.name).chain(key.range.map(|r| r.name));
    let mut seen = std::collections::HashSet::new();
    let names: Vec<String> = keys
        .chain(projected.iter().copied())
        .filter(|n| seen.insert(*n))
        .map(|n| placeholders.name(n))
        .collect();
    Some(names.join(", "))
}

measured_operation!(['a, M: Model] Get<'a, M> => Option<M>);

/// A delete of one item, from [`Client::delete`]; await it.
#[must_use = "await the operation to run it"]
pub struct Delete<'a, M: Model> {
    client: &'a Client,
    key: M::Key,
    condition: Option<Condition<M>>,
}

impl<'a, M: Model> Delete<'a, M> {
    /// Deletes only if `condition` holds for the stored item.
    pub fn condition(mut self, condition: Condition<M>) -> Self {
        self.condition = Some(condition);
        self
    }

    async fn run(self, capacity: Option<CapacityDetail>) -> Result<Measured<()>, Error> {
        let table = self.client.table_name::<M>();
        let op = &Operation::new(self.client, "DeleteItem", &table, capacity);
        op.run(async move {
            let ctx = self.client.context::<M>("DeleteItem", &table);
            let condition = render_condition(&ctx, node(self.condition))?;
            let (names, values) = condition.placeholders.into_maps();
            let result = self
                .client
                .dynamodb()
                .delete_item()
                .table_name(&table)
                .set_key(Some(self.key.to_item()?))
                .set_condition_expression(condition.expression)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .set_return_consumed_capacity(op.return_capacity())
                .send()
                .await;
            op.response(&result);
            result.map_err(|e| Error::from_sdk("DeleteItem", &table, e))?;
            Ok(())
        })
        .await
    }
}

measured_operation!(['a, M: Model] Delete<'a, M> => ());

/// An update of one item, from [`Client::update`]; await it for the item as updated.
#[must_use = "await the operation to run it"]
pub struct UpdateItem<'a, M: Model> {
    client: &'a Client,
    key: M::Key,
    update: Update<M>,
    condition: Option<Condition<M>>,
}

/// An update, prepared: key, expressions and placeholders (offloaded values already uploaded).
pub(crate) struct PreparedUpdate {
    pub table: String,
    pub key: Item,
    pub update: String,
    pub condition: Option<String>,
    pub placeholders: Placeholders,
}

pub(crate) async fn prepare_update<M: Model>(
    client: &Client,
    key: &M::Key,
    update: Update<M>,
    condition: Option<Condition<M>>,
) -> Result<PreparedUpdate, Error> {
    let table = client.table_name::<M>();
    let key = key.to_item()?;
    let mut uploads = Vec::new();
    let mut placeholders = Placeholders::default();
    let (expression, condition) = {
        let ctx: Context<'_> = client.context::<M>("UpdateItem", &table);
        let item_key = canonical_key_bytes(M::SCHEMA, &key);
        let expression = update.render(&ctx, &mut placeholders, &item_key, &mut uploads)?;
        let condition = node(condition)
            .map(|n| n.render(&ctx, &mut placeholders))
            .transpose()?;
        (expression, condition)
    };
    client.object_store().upload(uploads).await?;
    Ok(PreparedUpdate {
        table,
        key,
        update: expression,
        condition,
        placeholders,
    })
}

impl<'a, M: Model> UpdateItem<'a, M> {
    /// Updates only if `condition` holds for the stored item (for example
    /// [`Condition::item_exists`], so an update never creates an item).
    pub fn condition(mut self, condition: Condition<M>) -> Self {
        self.condition = Some(condition);
        self
    }

    async fn run(self, capacity: Option<CapacityDetail>) -> Result<Measured<M>, Error> {
        let client = self.client;
        let op = &Operation::new(client, "UpdateItem", &client.table_name::<M>(), capacity);
        op.run(async move {
            let prepared = prepare_update(client, &self.key, self.update, self.condition).await?;
            let table = prepared.table;
            let (names, values) = prepared.placeholders.into_maps();
            let result = client
                .dynamodb()
                .update_item()
                .table_name(&table)
                .set_key(Some(prepared.key))
                .update_expression(prepared.update)
                .set_condition_expression(prepared.condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
                .set_return_consumed_capacity(op.return_capacity())
                .send()
                .await;
            op.response(&result);
            let output = result.map_err(|e| Error::from_sdk("UpdateItem", &table, e))?;
            client
                .decode_item(output.attributes.unwrap_or_default())
                .await
        })
        .await
    }
}

measured_operation!(['a, M: Model] UpdateItem<'a, M> => M);

impl Client {
    /// Writes `item`, replacing any stored item with its key. On a versioned model the write is
    /// conditioned on the stored version and bumps `item`'s version (see [`crate::io::ops`]).
    pub fn save<'a, M: Model>(&'a self, item: &'a mut M) -> Save<'a, M> {
        Save {
            client: self,
            item,
            condition: None,
            only_if_absent: false,
        }
    }

    /// Writes `item` only if no item with its key exists; otherwise fails with
    /// [`Error::ConditionFailed`].
    pub fn create<'a, M: Model>(&'a self, item: &'a mut M) -> Save<'a, M> {
        Save {
            only_if_absent: true,
            ..self.save(item)
        }
    }

    /// Reads the item with `key`: `None` if there is none.
    pub fn get<K: ModelKey>(&self, key: &K) -> Get<'_, K::Model> {
        Get {
            client: self,
            key: key.clone(),
            consistent: false,
            projection: Vec::new(),
        }
    }

    /// Deletes the item with `key` (deleting a missing item succeeds).
    pub fn delete<K: ModelKey>(&self, key: &K) -> Delete<'_, K::Model> {
        Delete {
            client: self,
            key: key.clone(),
            condition: None,
        }
    }

    /// Deletes the item with `key` if it exists; `true` if it did.
    pub async fn delete_if_exists<K: ModelKey>(&self, key: &K) -> Result<bool, Error> {
        match self.delete(key).condition(Condition::item_exists()).await {
            Ok(()) => Ok(true),
            Err(Error::ConditionFailed { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Re-reads `item` (strongly consistent); [`Error::NotFound`] if it was deleted.
    pub async fn refresh<M: Model>(&self, item: &mut M) -> Result<(), Error> {
        let key = item.key();
        match self.get(&key).consistent_read().await? {
            Some(fresh) => {
                *item = fresh;
                Ok(())
            }
            None => Err(Error::NotFound {
                operation: "GetItem",
                table: self.table_name::<M>(),
                what: "the item",
                hint: "it was deleted since it was read",
                source: None,
            }),
        }
    }

    /// Applies `update` to the item with `key` and returns the item as updated. Like DynamoDB,
    /// an update of a missing item creates it; add [`Condition::item_exists`] to prevent that.
    pub fn update<K: ModelKey>(
        &self,
        key: &K,
        update: Update<K::Model>,
    ) -> UpdateItem<'_, K::Model> {
        UpdateItem {
            client: self,
            key: key.clone(),
            update,
            condition: None,
        }
    }
}
