//! The sweep: removes offloaded objects that no item references and that are older than a grace
//! period. Dry-run by default.
//!
//! Steps ([`SweepPlan::new`], then [`SweepPlan::execute`]):
//! 1. note the start time; list every object under each offloaded attribute's
//!    `{prefix}/{table}/{attribute}/`, `table` being the run-time table name (so a sweep for
//!    `dev-urls` never sees the objects of `prod-urls`, even in a shared bucket);
//! 2. scan the table (strongly consistent, paginated, projecting only the offloaded attributes)
//!    and collect the objects its pointers reference;
//! 3. the candidates are the listed objects that nothing references and whose `LastModified` is
//!    older than the grace period at the start;
//! 4. (not in a dry run) for each candidate, `HeadObject` again and delete it only if it is still
//!    that old, naming the version seen in a versioned bucket.
//!
//! Why this never removes an object a save relies on, including an old orphan that a concurrent
//! save deduplicates onto: see "Race safety" in the [offload module docs](crate::io::offload).
//!
//! Objects that earlier versions of dynamate stored under the table name *as declared* (one
//! namespace for every environment's table of that schema) are outside every run-time namespace,
//! so no sweep lists or deletes them: only all the tables together could tell whether one is
//! still referenced.
//!
//! ```no_run
//! # async fn example(client: &dynamate::Client) -> Result<(), dynamate::io::offload::OffloadError> {
//! use std::time::Duration;
//! use dynamate::io::sweep::{SweepOptions, SweepTarget, sweep};
//! # let schema: &'static dynamate::TableSchema = unimplemented!();
//! let target = SweepTarget::from_schema(client, schema);
//! let report = sweep(client, &target, SweepOptions {
//!     grace: Duration::from_secs(24 * 3600),
//!     dry_run: false,
//!     ..SweepOptions::default()
//! }).await?;
//! println!("{report}");
//! # Ok(())
//! # }
//! ```

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use futures::{StreamExt, TryStreamExt, stream};

use crate::io::client::Client;
use crate::io::offload::{BoxError, MAX_CONCURRENT_REQUESTS, OffloadError, http_status};
use crate::item::model::{Model, TableSchema};
use crate::item::transform::{Pointer, object_prefix};

/// Where one offloaded attribute's objects live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffloadedAttribute {
    /// DynamoDB attribute name.
    pub name: String,
    /// Bucket (after run-time overrides).
    pub bucket: String,
    /// Key prefix (after run-time overrides; may be empty).
    pub prefix: String,
}

/// What a sweep works on: one table and its offloaded attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepTarget {
    /// DynamoDB table to scan for references, with the client's run-time prefix and suffix:
    /// also the table name in the keys of the objects swept.
    pub table: String,
    /// The offloaded attributes.
    pub attributes: Vec<OffloadedAttribute>,
}

impl SweepTarget {
    /// The offloaded attributes of `schema`, with the client's table name and bucket and prefix
    /// overrides.
    pub fn from_schema(client: &Client, schema: &TableSchema) -> Self {
        let attributes = schema
            .fields
            .iter()
            .filter_map(|field| {
                let offload = field.transform.offload.as_ref()?;
                Some(OffloadedAttribute {
                    name: field.name.to_string(),
                    bucket: client.transforms().bucket_for(offload).to_string(),
                    prefix: client.transforms().prefix_for(offload).to_string(),
                })
            })
            .collect();
        SweepTarget {
            table: client.resolve_table_name(schema.table_name),
            attributes,
        }
    }

    /// [`SweepTarget::from_schema`] of model `M`.
    pub fn for_model<M: Model>(client: &Client) -> Self {
        Self::from_schema(client, M::SCHEMA)
    }

    fn object_prefix(&self, attribute: &OffloadedAttribute) -> String {
        object_prefix(&attribute.prefix, &self.table, &attribute.name)
    }
}

/// What a sweep reports while it runs, to the callback of [`SweepOptions::progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SweepEvent {
    /// Objects listed so far (after each page of the listing).
    Listed {
        /// Objects listed under every offloaded attribute's prefix so far.
        objects: u64,
    },
    /// Items scanned so far (every thousand items, and once at the end of the scan).
    Scanned {
        /// Items of the table seen so far.
        items: u64,
    },
    /// Steps 1-3 are done: this many objects are unreferenced and old enough to delete.
    Planned {
        /// The candidates found.
        candidates: u64,
    },
    /// Step 4 starts: each candidate is checked again and deleted if still old.
    Deleting {
        /// Candidates to check.
        total: u64,
    },
    /// One more candidate was checked (and deleted, or kept because it changed meanwhile).
    Checked {
        /// Candidates checked so far.
        done: u64,
        /// Candidates to check.
        total: u64,
    },
    /// The sweep (or the dry run) is over.
    Finished,
}

/// Items between two [`SweepEvent::Scanned`] reports.
const SCANNED_EVERY: u64 = 1000;

/// Where a sweep reports its progress: nowhere (the default), or a callback that receives each
/// [`SweepEvent`] (a terminal progress bar, log lines, metrics). The callback may run on
/// several tasks at once; keep it short.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<dyn Fn(SweepEvent) + Send + Sync>>);

impl Progress {
    /// No progress reports.
    pub fn none() -> Self {
        Progress(None)
    }

    /// Calls `report` with each event.
    pub fn new(report: impl Fn(SweepEvent) + Send + Sync + 'static) -> Self {
        Progress(Some(Arc::new(report)))
    }

    fn report(&self, event: SweepEvent) {
        if let Some(report) = &self.0 {
            report(event);
        }
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(<callback>)"
        } else {
            "Progress(none)"
        })
    }
}

/// How a sweep runs.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Objects modified more recently than this are kept even when unreferenced (a save may be
    /// between its upload and its item write). Default: 24 hours.
    pub grace: Duration,
    /// Report what would be deleted without deleting anything. Default: `true`.
    pub dry_run: bool,
    /// Where progress is reported. Default: [`Progress::none`].
    pub progress: Progress,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            grace: Duration::from_secs(24 * 3600),
            dry_run: true,
            progress: Progress::none(),
        }
    }
}

/// What a sweep found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Whether this was a dry run (nothing deleted).
    pub dry_run: bool,
    /// Objects listed under the attributes' prefixes.
    pub scanned: u64,
    /// Items read from the table.
    pub items: u64,
    /// Listed objects some item references.
    pub referenced: u64,
    /// Unreferenced objects kept because they are younger than the grace period.
    pub recent: u64,
    /// Unreferenced objects older than the grace period: the candidates for deletion.
    pub unreferenced: u64,
    /// Total size of the candidates in bytes.
    pub unreferenced_bytes: u64,
    /// Candidates kept because they changed (were refreshed by a save, or vanished) before
    /// their deletion.
    pub changed: u64,
    /// Objects deleted.
    pub deleted: u64,
    /// Bytes freed by the deletions.
    pub bytes_freed: u64,
}

impl fmt::Display for SweepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} objects scanned, {} items read, {} referenced, {} recent (within the grace \
             period), {} unreferenced ({} bytes); ",
            self.scanned,
            self.items,
            self.referenced,
            self.recent,
            self.unreferenced,
            self.unreferenced_bytes,
        )?;
        if self.dry_run {
            write!(f, "dry run: nothing deleted")
        } else {
            write!(
                f,
                "{} deleted ({} bytes freed), {} kept because they changed meanwhile",
                self.deleted, self.bytes_freed, self.changed
            )
        }
    }
}

/// Sweeps `target`: a dry run by default ([`SweepOptions::dry_run`]).
pub async fn sweep(
    client: &Client,
    target: &SweepTarget,
    options: SweepOptions,
) -> Result<SweepReport, OffloadError> {
    let dry_run = options.dry_run;
    let plan = SweepPlan::new(client, target, options).await?;
    if dry_run {
        Ok(plan.into_report())
    } else {
        plan.execute(client).await
    }
}

/// [`sweep`] of the table of model `M`.
pub async fn sweep_model<M: Model>(
    client: &Client,
    options: SweepOptions,
) -> Result<SweepReport, OffloadError> {
    sweep(client, &SweepTarget::for_model::<M>(client), options).await
}

/// An unreferenced object old enough to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Bucket.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Size in bytes when listed.
    pub size: u64,
}

/// Steps 1-3 of a sweep done: the candidates are known, nothing is deleted yet.
#[derive(Debug)]
pub struct SweepPlan {
    cutoff: Cutoff,
    candidates: Vec<Candidate>,
    report: SweepReport,
    progress: Progress,
}

impl SweepPlan {
    /// Lists the objects, scans the table and picks the candidates.
    pub async fn new(
        client: &Client,
        target: &SweepTarget,
        options: SweepOptions,
    ) -> Result<SweepPlan, OffloadError> {
        let cutoff = Cutoff::new(options.grace);
        let progress = options.progress;
        let listed = list_objects(client, target, &progress).await?;
        let references = scan_references(client, target, &progress).await?;
        let mut report = SweepReport {
            dry_run: options.dry_run,
            scanned: listed.len() as u64,
            items: references.items,
            ..SweepReport::default()
        };
        let mut candidates = Vec::new();
        for object in listed {
            let id = (
                object.candidate.bucket.clone(),
                object.candidate.key.clone(),
            );
            if references.objects.contains(&id) {
                report.referenced += 1;
            } else if !cutoff.is_old(object.last_modified) {
                report.recent += 1;
            } else {
                report.unreferenced += 1;
                report.unreferenced_bytes += object.candidate.size;
                candidates.push(object.candidate);
            }
        }
        progress.report(SweepEvent::Planned {
            candidates: candidates.len() as u64,
        });
        Ok(SweepPlan {
            cutoff,
            candidates,
            report,
            progress,
        })
    }

    /// The objects step 4 would delete.
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }

    /// What a dry run reports: the candidates found, nothing deleted.
    pub fn into_report(self) -> SweepReport {
        self.progress.report(SweepEvent::Finished);
        self.report
    }

    /// Step 4: re-checks and deletes each candidate.
    pub async fn execute(self, client: &Client) -> Result<SweepReport, OffloadError> {
        let SweepPlan {
            cutoff,
            candidates,
            mut report,
            progress,
        } = self;
        report.dry_run = false;
        let total = candidates.len() as u64;
        progress.report(SweepEvent::Deleting { total });
        let done = AtomicU64::new(0);
        let outcomes: Vec<Deletion> = stream::iter(&candidates)
            .map(|candidate| async {
                let outcome = delete_if_old(client.s3(), cutoff, candidate).await;
                progress.report(SweepEvent::Checked {
                    done: done.fetch_add(1, Ordering::Relaxed) + 1,
                    total,
                });
                outcome.map_err(|source| OffloadError::Sweep {
                    location: format!("s3://{}/{}", candidate.bucket, candidate.key),
                    step: "deleting an unreferenced object",
                    source,
                })
            })
            .buffer_unordered(MAX_CONCURRENT_REQUESTS)
            .try_collect()
            .await?;
        for outcome in outcomes {
            match outcome {
                Deletion::Deleted(bytes) => {
                    report.deleted += 1;
                    report.bytes_freed += bytes;
                }
                Deletion::Changed => report.changed += 1,
            }
        }
        progress.report(SweepEvent::Finished);
        Ok(report)
    }
}

/// The grace-period boundary, at whole seconds (S3 reports `LastModified` truncated to seconds).
#[derive(Debug, Clone, Copy)]
struct Cutoff {
    /// Unix seconds; an object is old if its true modification time is before this.
    seconds: i64,
}

impl Cutoff {
    fn new(grace: Duration) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let seconds = now.saturating_sub(grace).as_secs();
        Cutoff {
            seconds: i64::try_from(seconds).unwrap_or(i64::MAX),
        }
    }

    /// Whether an object last modified at `last_modified` (possibly truncated to the second) is
    /// older than the cutoff; `false` when the time is unknown.
    fn is_old(self, last_modified: Option<aws_smithy_types::DateTime>) -> bool {
        last_modified.is_some_and(|time| time.secs() < self.seconds)
    }
}

/// A listed object.
struct Listed {
    candidate: Candidate,
    last_modified: Option<aws_smithy_types::DateTime>,
}

async fn list_objects(
    client: &Client,
    target: &SweepTarget,
    progress: &Progress,
) -> Result<Vec<Listed>, OffloadError> {
    let mut listed = Vec::new();
    for attribute in &target.attributes {
        let prefix = target.object_prefix(attribute);
        let mut pages = client
            .s3()
            .list_objects_v2()
            .bucket(&attribute.bucket)
            .prefix(&prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| OffloadError::Sweep {
                location: format!("s3://{}/{prefix}", attribute.bucket),
                step: "listing objects",
                source: error.into(),
            })?;
            listed.extend(
                page.contents
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|object| {
                        Some(Listed {
                            candidate: Candidate {
                                bucket: attribute.bucket.clone(),
                                key: object.key?,
                                size: object.size.map_or(0, |size| size.max(0) as u64),
                            },
                            last_modified: object.last_modified,
                        })
                    }),
            );
            progress.report(SweepEvent::Listed {
                objects: listed.len() as u64,
            });
        }
    }
    Ok(listed)
}

/// The objects the table's items point at.
struct References {
    items: u64,
    objects: HashSet<(String, String)>,
}

async fn scan_references(
    client: &Client,
    target: &SweepTarget,
    progress: &Progress,
) -> Result<References, OffloadError> {
    let mut references = References {
        items: 0,
        objects: HashSet::new(),
    };
    let mut scan = client
        .dynamodb()
        .scan()
        .table_name(&target.table)
        .consistent_read(true);
    let mut projection = Vec::new();
    for (index, attribute) in target.attributes.iter().enumerate() {
        let placeholder = format!("#a{index}");
        scan = scan.expression_attribute_names(&placeholder, &attribute.name);
        projection.push(placeholder);
    }
    let mut items = scan
        .projection_expression(projection.join(", "))
        .into_paginator()
        .items()
        .send();
    while let Some(item) = items.next().await {
        let item = item.map_err(|error| OffloadError::Sweep {
            location: format!("table `{}`", target.table),
            step: "scanning for references",
            source: error.into(),
        })?;
        references.items += 1;
        references.objects.extend(
            item.values()
                .filter_map(pointer_of)
                .map(|p| (p.bucket, p.key)),
        );
        if references.items.is_multiple_of(SCANNED_EVERY) {
            progress.report(SweepEvent::Scanned {
                items: references.items,
            });
        }
    }
    if !references.items.is_multiple_of(SCANNED_EVERY) || references.items == 0 {
        progress.report(SweepEvent::Scanned {
            items: references.items,
        });
    }
    Ok(references)
}

/// The pointer a stored value holds; malformed pointers reference nothing.
fn pointer_of(value: &AttributeValue) -> Option<Pointer> {
    Pointer::from_stored(value).and_then(Result::ok)
}

enum Deletion {
    Deleted(u64),
    Changed,
}

/// Deletes `candidate` if a fresh `HeadObject` still shows it older than the cutoff.
async fn delete_if_old(
    s3: &aws_sdk_s3::Client,
    cutoff: Cutoff,
    candidate: &Candidate,
) -> Result<Deletion, BoxError> {
    let head = match s3
        .head_object()
        .bucket(&candidate.bucket)
        .key(&candidate.key)
        .send()
        .await
    {
        Ok(head) => head,
        Err(error) if http_status(&error) == Some(404) => return Ok(Deletion::Changed),
        Err(error) => return Err(error.into()),
    };
    if !cutoff.is_old(head.last_modified) {
        return Ok(Deletion::Changed);
    }
    // In a versioned bucket, delete exactly the version checked: a refresh made after the check
    // is a newer version and survives.
    let version = head.version_id.filter(|version| version != "null");
    s3.delete_object()
        .bucket(&candidate.bucket)
        .key(&candidate.key)
        .set_version_id(version)
        .send()
        .await?;
    let size = head
        .content_length
        .map_or(candidate.size, |n| n.max(0) as u64);
    Ok(Deletion::Deleted(size))
}

#[cfg(test)]
mod tests {
    use super::Cutoff;
    use aws_smithy_types::DateTime;

    #[test]
    fn old_means_older_than_the_cutoff_even_with_truncated_seconds() {
        let cutoff = Cutoff { seconds: 1_000 };
        // Reported 999: modified in [999, 1000), before the cutoff.
        assert!(cutoff.is_old(Some(DateTime::from_secs(999))));
        // Reported 1000: maybe 1000.9, after the cutoff.
        assert!(!cutoff.is_old(Some(DateTime::from_secs(1_000))));
        assert!(!cutoff.is_old(Some(DateTime::from_secs(1_001))));
        assert!(!cutoff.is_old(None));
    }

    #[test]
    fn a_zero_grace_period_cuts_at_now() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let cutoff = Cutoff::new(std::time::Duration::ZERO);
        assert!((now..=now + 1).contains(&cutoff.seconds));
        let day = Cutoff::new(std::time::Duration::from_secs(86_400));
        assert!((cutoff.seconds - day.seconds - 86_400).abs() <= 1);
    }
}
