//! Key rotation: re-encrypts a table's items under the primary version of their keys, so an old
//! key version can be retired. Values already under the primary version are left alone, except
//! randomized values that dynamate 0.1 bound to a number key's non-normal text (`1E+40`): those
//! are rewritten bound to the canonical key (see `docs/storage-formats.md`).
//!
//! Each rewritten item is conditioned on its rotated attributes still holding the values that
//! were read, so a concurrent write is never overwritten (it is counted instead: that writer
//! already encrypted under the primary version).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::io::client::Client;
use crate::io::error::Error;
use crate::item::model::{Field, Item, ItemReader, Model};
use crate::primitives::crypto::{Aad, Keyring};

const OPERATION: &str = "RotateKeys";

/// What [`Client::rotate_keys`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Items read.
    pub scanned: u64,
    /// Items re-encrypted under the primary key versions.
    pub rotated: u64,
    /// Items whose encrypted values were all under the primary versions already.
    pub up_to_date: u64,
    /// Items changed by another writer between read and rewrite (left as that writer wrote them).
    pub changed_concurrently: u64,
}

impl Client {
    /// Re-encrypts every item of model `M`'s table whose encrypted attributes are not under the
    /// primary version of their key (see [`crate::primitives::crypto::Keyring::with_primary`]).
    ///
    /// Run it after making a new key version primary; once it reports nothing left to rotate,
    /// the old version can be removed from the keyring.
    ///
    /// It also rewrites randomized values that dynamate 0.1 bound to the non-normal text of a
    /// number key (they stay readable, through a fallback; rewritten, they no longer need it).
    pub async fn rotate_keys<M: Model>(&self) -> Result<RotationReport, Error> {
        let table = self.table_name::<M>();
        let Some(keyring) = self.transforms().keyring() else {
            return Err(Error::invalid(
                OPERATION,
                &table,
                "no keyring is configured; build the client with `ClientBuilder::keyring`",
            ));
        };
        let mut report = RotationReport::default();
        let mut start_key = None;
        loop {
            let page = self
                .dynamodb()
                .scan()
                .table_name(&table)
                .consistent_read(true)
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| Error::from_sdk("Scan", &table, e))?;
            for item in page.items.unwrap_or_default() {
                report.scanned += 1;
                self.rotate_item::<M>(keyring, &table, item, &mut report)
                    .await?;
            }
            start_key = page.last_evaluated_key;
            if start_key.is_none() {
                return Ok(report);
            }
        }
    }

    async fn rotate_item<M: Model>(
        &self,
        keyring: &Keyring,
        table: &str,
        item: Item,
        report: &mut RotationReport,
    ) -> Result<(), Error> {
        let mut resolved = item.clone();
        self.object_store().fetch(M::SCHEMA, &mut resolved).await?;
        let mut stale = stale_fields::<M>(keyring, &resolved)?;
        let mut reader = ItemReader::new(M::SCHEMA, resolved, self.transforms());
        if stale.is_empty() && !reader.has_legacy_keys() {
            report.up_to_date += 1;
            return Ok(());
        }
        let model = M::read_item(&mut reader)?;
        if reader.used_legacy_key() {
            // Some randomized value is bound to dynamate 0.1's key text: rewrite them all, bound
            // to the canonical key.
            for field in randomized_fields::<M>(&item) {
                if !stale.contains(&field) {
                    stale.push(field);
                }
            }
        }
        if stale.is_empty() {
            report.up_to_date += 1;
            return Ok(());
        }
        let rewritten = self.encode_item(&model).await?;
        let (condition, names, values) = unchanged_condition(&stale, &item);
        let written = self
            .dynamodb()
            .put_item()
            .table_name(table)
            .set_item(Some(rewritten))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map_err(|e| Error::from_sdk("PutItem", table, e));
        match written {
            Ok(_) => report.rotated += 1,
            Err(Error::ConditionFailed { .. }) => report.changed_concurrently += 1,
            Err(other) => return Err(other),
        }
        Ok(())
    }
}

/// The encrypted fields of `item` (offloaded values already fetched) whose envelope is not under
/// the primary version of its key.
fn stale_fields<M: Model>(keyring: &Keyring, item: &Item) -> Result<Vec<&'static Field>, Error> {
    let mut stale = Vec::new();
    for field in M::SCHEMA.fields {
        let (Some(encrypt), Some(AttributeValue::B(envelope))) =
            (field.transform.encrypt, item.get(field.name))
        else {
            continue;
        };
        let aad = Aad::new(M::SCHEMA.table_name, field.name);
        let current = keyring
            .uses_primary_version(encrypt.key, &aad, envelope.as_ref())
            .map_err(|cause| crate::item::error::DecodeError {
                table: M::SCHEMA.table_name,
                attribute: field.name.to_string(),
                cause: crate::item::transform::TransformError::from(cause).into(),
            })?;
        if !current {
            stale.push(field);
        }
    }
    Ok(stale)
}

/// The randomized-encrypted fields `item` holds.
fn randomized_fields<M: Model>(item: &Item) -> impl Iterator<Item = &'static Field> + '_ {
    M::SCHEMA.fields.iter().filter(move |field| {
        field
            .transform
            .encrypt
            .is_some_and(|e| e.mode == crate::primitives::crypto::EncryptMode::Randomized)
            && item.contains_key(field.name)
    })
}

/// `#r0 = :r0 AND ...` over the stale fields' stored values as read.
fn unchanged_condition(
    stale: &[&Field],
    item: &Item,
) -> (
    String,
    HashMap<String, String>,
    HashMap<String, AttributeValue>,
) {
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    let clauses: Vec<String> = stale
        .iter()
        .enumerate()
        .map(|(i, field)| {
            names.insert(format!("#r{i}"), field.name.to_string());
            values.insert(format!(":r{i}"), item[field.name].clone());
            format!("#r{i} = :r{i}")
        })
        .collect();
    (clauses.join(" AND "), names, values)
}
