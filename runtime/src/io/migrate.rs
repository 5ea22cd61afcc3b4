//! Migration off pynamodb_mate's formats: rewrites the values of attributes declared
//! `pynamodb_mate = "migrate"` that are still in pynamodb_mate's format (gzip, AES-ECB, AES-CTR)
//! into dynamate's own (snappy, AES-SIV envelopes), so the option can then be dropped.
//!
//! Each rewrite is one `UpdateItem` that sets only the migrated attributes, conditioned on each
//! of them still holding the legacy value that was read: a concurrent write is never
//! overwritten (it is counted instead: that writer already wrote dynamate's format, as
//! `migrate` attributes do). The scan is resumable from the cursor of the last page done.

#[cfg(feature = "cli")]
mod command;

#[cfg(feature = "cli")]
pub use command::{CommandError, command};

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::io::client::Client;
use crate::io::error::Error;
use crate::io::ops::Cursor;
use crate::item::model::{Field, Item, ItemReader, Model};
use crate::item::transform::{PynamodbMate, is_pynamodb_mate_value};

const OPERATION: &str = "MigratePynamodbMate";

/// How [`Client::migrate_pynamodb_mate`] runs.
#[derive(Debug, Clone, Default)]
pub struct MigrationOptions {
    /// Count what would be rewritten, write nothing.
    pub dry_run: bool,
    /// Resume after this position (a [`MigrationReport::next`] of an earlier run).
    pub start: Option<Cursor>,
    /// Stop after this many scan pages (`None`: the whole table); [`MigrationReport::next`] then
    /// tells where to resume.
    pub max_pages: Option<u32>,
    /// Items read per scan page (`None`: DynamoDB's 1 MB pages).
    pub page_size: Option<i32>,
}

/// What [`Client::migrate_pynamodb_mate`] did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Items read.
    pub scanned: u64,
    /// Items whose legacy values were rewritten in dynamate's format (or would be).
    pub migrated: u64,
    /// Legacy attribute values rewritten (or that would be).
    pub values: u64,
    /// Items with no value left in pynamodb_mate's format.
    pub up_to_date: u64,
    /// Items changed by another writer between read and rewrite (left as that writer wrote them).
    pub changed_concurrently: u64,
    /// Where to resume (`None`: the scan reached the end of the table).
    pub next: Option<Cursor>,
}

impl Client {
    /// Rewrites the `pynamodb_mate = "migrate"` attributes of model `M`'s items that still hold
    /// pynamodb_mate's format into dynamate's. Run it once no Python service writes the table any
    /// more (until then, new legacy values keep appearing); when a full run reports nothing
    /// migrated, remove `pynamodb_mate` from the schema. Attributes declared `"shared"` are left
    /// alone.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for a cursor this operation did not produce; a value that does not
    /// decode (wrong password, corrupt bytes) stops the run with its decode error, after the
    /// items before it were migrated (resume with the cursor of the last report, or fix the
    /// item).
    pub async fn migrate_pynamodb_mate<M: Model>(
        &self,
        options: &MigrationOptions,
    ) -> Result<MigrationReport, Error> {
        self.migrate_pynamodb_mate_reporting::<M>(options, |_| {})
            .await
    }

    /// [`Client::migrate_pynamodb_mate`], calling `on_page` with the totals so far after each
    /// scan page (for a progress display; the same totals go to `tracing` as `INFO` events of
    /// target `dynamate::migrate`). `command` (feature `cli`) shows them as a progress bar.
    pub async fn migrate_pynamodb_mate_reporting<M: Model>(
        &self,
        options: &MigrationOptions,
        mut on_page: impl FnMut(&MigrationReport),
    ) -> Result<MigrationReport, Error> {
        let table = self.table_name::<M>();
        let mut start_key = match &options.start {
            None => None,
            Some(cursor) => Some(cursor.key().ok_or_else(|| {
                Error::invalid(
                    OPERATION,
                    &table,
                    "the cursor is not one a migration report produced; pass `next` unchanged",
                )
            })?),
        };
        let mut report = MigrationReport::default();
        let mut pages = 0u32;
        loop {
            let page = self
                .dynamodb()
                .scan()
                .table_name(&table)
                .consistent_read(true)
                .set_limit(options.page_size)
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| Error::from_sdk("Scan", &table, e))?;
            for item in page.items.unwrap_or_default() {
                report.scanned += 1;
                self.migrate_item::<M>(&table, item, options.dry_run, &mut report)
                    .await?;
            }
            pages += 1;
            tracing::info!(
                target: "dynamate::migrate",
                table = %table,
                pages,
                scanned = report.scanned,
                migrated = report.migrated,
                changed_concurrently = report.changed_concurrently,
                "migration progress"
            );
            on_page(&report);
            start_key = page.last_evaluated_key;
            match &start_key {
                None => return Ok(report),
                Some(key) if options.max_pages.is_some_and(|max| pages >= max) => {
                    report.next = Some(Cursor::from_key(key.clone()));
                    return Ok(report);
                }
                Some(_) => {}
            }
        }
    }

    async fn migrate_item<M: Model>(
        &self,
        table: &str,
        item: Item,
        dry_run: bool,
        report: &mut MigrationReport,
    ) -> Result<(), Error> {
        let legacy = legacy_fields::<M>(&item);
        if legacy.is_empty() {
            report.up_to_date += 1;
            return Ok(());
        }
        report.migrated += 1;
        report.values += legacy.len() as u64;
        if dry_run {
            return Ok(());
        }
        let mut resolved = item.clone();
        self.object_store().fetch(M::SCHEMA, &mut resolved).await?;
        let model = M::read_item(&mut ItemReader::new(M::SCHEMA, resolved, self.transforms()))?;
        let rewritten = self.encode_item(&model).await?;
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut sets = Vec::new();
        let mut conditions = Vec::new();
        for (i, field) in legacy.iter().enumerate() {
            names.insert(format!("#m{i}"), field.name.to_string());
            values.insert(format!(":old{i}"), item[field.name].clone());
            values.insert(format!(":new{i}"), rewritten[field.name].clone());
            sets.push(format!("#m{i} = :new{i}"));
            conditions.push(format!("#m{i} = :old{i}"));
        }
        let key_schema = M::SCHEMA.key;
        let key: Item = std::iter::once(key_schema.hash.name)
            .chain(key_schema.range.map(|range| range.name))
            .filter_map(|name| Some((name.to_string(), item.get(name)?.clone())))
            .collect();
        let written = self
            .dynamodb()
            .update_item()
            .table_name(table)
            .set_key(Some(key))
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(conditions.join(" AND "))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map_err(|e| Error::from_sdk("UpdateItem", table, e));
        match written {
            Ok(_) => {}
            Err(Error::ConditionFailed { .. }) => {
                report.migrated -= 1;
                report.values -= legacy.len() as u64;
                report.changed_concurrently += 1;
            }
            Err(other) => return Err(other),
        }
        Ok(())
    }
}

/// The `migrate` fields of `item` whose stored value is in one of pynamodb_mate's formats.
fn legacy_fields<M: Model>(item: &Item) -> Vec<&'static Field> {
    M::SCHEMA
        .fields
        .iter()
        .filter(|field| {
            field.transform.pynamodb_mate == Some(PynamodbMate::Migrate)
                && matches!(item.get(field.name), Some(AttributeValue::B(stored))
                    if is_pynamodb_mate_value(&field.transform, M::SCHEMA.table_name, field.name, stored.as_ref()))
        })
        .collect()
}
