//! The status-tracker pattern: one item per task in a table several trackers share, a lease
//! taken by one conditional update, fencing epochs, retries, a bounded error history and
//! queries by status through a sharded index.
//!
//! A `[tracker.Name]` schema section generates a unit struct `Name` implementing [`Tracker`]
//! and a status enum `NameStatus` implementing [`Status`]. Every operation is a provided
//! method of [`Tracker`], so with the trait in scope:
//!
//! ```ignore
//! use dynamate::io::tracker::Tracker;
//!
//! Ingest::create_table(&client).await?;
//! Ingest::create(&client, "t-1", serde_json::json!({ "url": "https://example.com" })).await?;
//! let output = Ingest::run(&client, "t-1", |ctx| async move {
//!     let url = ctx.data()["url"].as_str().unwrap_or_default().to_owned();
//!     Ok::<_, std::io::Error>(format!("fetched {url}"))
//! })
//! .await?;
//! ```
//!
//! The item layout, the state machine and the query semantics are described in
//! `docs/tracker.md`.
//!
//! # Tracing
//!
//! Every request is an operation span (see [`crate::io::telemetry`]). A run is a `tracker.run`
//! span (`dynamate.tracker.use_case`, `dynamate.tracker.task_id`, `dynamate.tracker.epoch`,
//! `dynamate.tracker.outcome`) around the work closure, and each status change a
//! `tracker.transition` span around its conditional update, with the task, the fencing epoch,
//! `dynamate.tracker.status.from` (the statuses the update is conditioned on, `|`-separated),
//! `dynamate.tracker.status.to` and `dynamate.tracker.outcome` (`applied`, `rejected`,
//! `failed`).

use std::future::Future;

use crate::io::client::Client;
use crate::item::model::{Billing, TableSchema};

mod error;
mod item;
mod query;
mod request;
mod run;
mod table;

pub use crate::io::ops::Created;
pub use error::{LeaseLost, Refusal, RunError, TaskRefused, TrackerError};
pub use item::{ErrorRecord, FORMAT_VERSION, STATUS_INDEX, Task, shard_of};
pub use query::{Order, TaskPage, TaskQuery};
pub use run::{RunOptions, TaskCtx};

/// A tracker's status enum (built-in statuses plus the schema's custom ones).
pub trait Status: Copy + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static {
    /// Every status, built-in first.
    const ALL: &'static [Self];
    /// Created, not started yet.
    const PENDING: Self;
    /// Leased by a worker.
    const IN_PROGRESS: Self;
    /// The last attempt failed; it will be retried.
    const FAILED: Self;
    /// Done.
    const SUCCEEDED: Self;
    /// Failed `max_retry` times; no longer retried.
    const IGNORED: Self;

    /// The stored name, such as `in_progress`.
    fn as_str(&self) -> &'static str;

    /// The status with this stored name.
    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == text)
    }
}

/// Settings of one tracker, generated from the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackerConfig {
    /// Rust type name.
    pub type_name: &'static str,
    /// DynamoDB table holding the tasks (several trackers may share it).
    pub table_name: &'static str,
    /// Use case stored with every task; separates trackers sharing a table.
    pub use_case: &'static str,
    /// Failed attempts after which a task is ignored.
    pub max_retry: u32,
    /// How long a worker's lease lasts without a heartbeat.
    pub lease_seconds: u32,
    /// Shards of the status index's partition key.
    pub shards: u32,
    /// Error history entries kept per task.
    pub max_errors: u32,
    /// Billing of the task table.
    pub billing: Billing,
}

/// A generated tracker type. Every operation is a provided method; bring the trait into scope
/// (`use dynamate::io::tracker::Tracker;`) and call them on the generated type, e.g.
/// `Ingest::run(&client, "t-1", |ctx| async move { ... })`.
pub trait Tracker: Send + Sync + Sized + 'static {
    /// The status enum.
    type Status: Status;
    /// Task data.
    type Data: serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug + Send + Sync;
    /// Settings from the schema.
    const CONFIG: &'static TrackerConfig;
    /// The task table, described like any model's table: primary key `pk`, the status index
    /// on (`status_key`, `update_time`), billing from [`Tracker::CONFIG`]. Derived from the
    /// configuration; not meant to be overridden.
    const SCHEMA: &'static TableSchema = &table::schema(Self::CONFIG);

    /// Creates the task table (primary key `pk`, the status index, billing from the schema) and
    /// waits until it is active. Trackers sharing a table may all call it: an existing table is
    /// [`Created::AlreadyExists`].
    fn create_table(client: &Client) -> impl Future<Output = Result<Created, TrackerError>> + Send {
        table::create_table::<Self>(client)
    }

    /// Creates a `pending` task; idempotent: when the task exists nothing changes and the
    /// answer is [`Created::AlreadyExists`].
    fn create(
        client: &Client,
        task_id: &str,
        data: Self::Data,
    ) -> impl Future<Output = Result<Created, TrackerError>> + Send {
        run::create::<Self>(client, task_id, data, Self::Status::PENDING)
    }

    /// Like [`Tracker::create`] with another initial status, such as a custom
    /// `waiting_for_ingest`.
    fn create_as(
        client: &Client,
        task_id: &str,
        data: Self::Data,
        status: Self::Status,
    ) -> impl Future<Output = Result<Created, TrackerError>> + Send {
        run::create::<Self>(client, task_id, data, status)
    }

    /// Reads a task (strongly consistent); `None` when it does not exist.
    fn get(
        client: &Client,
        task_id: &str,
    ) -> impl Future<Output = Result<Option<Task<Self>>, TrackerError>> + Send {
        run::get::<Self>(client, task_id)
    }

    /// Runs `work` on a `pending` or `failed` task under a lease and records the outcome: see
    /// [`Tracker::run_with`].
    fn run<F, Fut, O, E>(
        client: &Client,
        task_id: &str,
        work: F,
    ) -> impl Future<Output = Result<O, RunError<E>>> + Send
    where
        F: FnOnce(TaskCtx<Self>) -> Fut + Send,
        Fut: Future<Output = Result<O, E>> + Send,
        O: serde::Serialize + Send,
        E: std::error::Error + Send + Sync + 'static,
    {
        run::run::<Self, F, Fut, O, E>(client, task_id, RunOptions::new(), work)
    }

    /// Like [`Tracker::run`], startable only from `from` (for example a custom status a
    /// previous pipeline step left).
    fn run_from<F, Fut, O, E>(
        client: &Client,
        task_id: &str,
        from: &[Self::Status],
        work: F,
    ) -> impl Future<Output = Result<O, RunError<E>>> + Send
    where
        F: FnOnce(TaskCtx<Self>) -> Fut + Send,
        Fut: Future<Output = Result<O, E>> + Send,
        O: serde::Serialize + Send,
        E: std::error::Error + Send + Sync + 'static,
    {
        run::run::<Self, F, Fut, O, E>(client, task_id, RunOptions::new().from(from), work)
    }

    /// Takes the lease with one conditional update, runs `work`, and records its outcome
    /// with one more: `Ok(output)` makes the task succeeded (or `options`' success status)
    /// with the output and the data set through [`TaskCtx::set_data`] saved and the retry
    /// count reset; `Err(error)` counts a retry, appends the error to the history and makes
    /// the task failed, or ignored once the retries reach `max_retry`, and is returned as
    /// [`RunError::Task`]. An expired `in_progress` task is reclaimed, which counts as a
    /// failed attempt. Every write after the acquisition is conditioned on the lease's
    /// fencing epoch ([`RunError::Record`] with [`TrackerError::LeaseLost`] when another
    /// worker took the task over).
    fn run_with<F, Fut, O, E>(
        client: &Client,
        task_id: &str,
        options: RunOptions<Self::Status>,
        work: F,
    ) -> impl Future<Output = Result<O, RunError<E>>> + Send
    where
        F: FnOnce(TaskCtx<Self>) -> Fut + Send,
        Fut: Future<Output = Result<O, E>> + Send,
        O: serde::Serialize + Send,
        E: std::error::Error + Send + Sync + 'static,
    {
        run::run::<Self, F, Fut, O, E>(client, task_id, options, work)
    }

    /// Tasks with `status`, merged across the index shards by update time, one page of at
    /// most `query`'s limit.
    fn query(
        client: &Client,
        status: Self::Status,
        query: TaskQuery,
    ) -> impl Future<Output = Result<TaskPage<Self>, TrackerError>> + Send {
        query::query_statuses::<Self>(client, vec![(status, false)], query)
    }

    /// Tasks that still need work: `pending`, `failed`, and `in_progress` ones whose lease
    /// expired (crashed workers), merged by update time.
    fn unfinished(
        client: &Client,
        query: TaskQuery,
    ) -> impl Future<Output = Result<TaskPage<Self>, TrackerError>> + Send {
        let statuses = vec![
            (Self::Status::PENDING, false),
            (Self::Status::FAILED, false),
            (Self::Status::IN_PROGRESS, true),
        ];
        query::query_statuses::<Self>(client, statuses, query)
    }

    /// How many tasks of this use case have `status`.
    fn count(
        client: &Client,
        status: Self::Status,
    ) -> impl Future<Output = Result<u64, TrackerError>> + Send {
        query::count::<Self>(client, status)
    }

    /// How many tasks of this use case have each status, in [`Status::ALL`] order.
    fn counts(
        client: &Client,
    ) -> impl Future<Output = Result<Vec<(Self::Status, u64)>, TrackerError>> + Send {
        query::counts::<Self>(client)
    }

    /// Makes a `failed` or `ignored` task `pending` again with its retry count reset (the
    /// error history is kept).
    fn retry_now(
        client: &Client,
        task_id: &str,
    ) -> impl Future<Output = Result<(), TrackerError>> + Send {
        run::retry_now::<Self>(client, task_id)
    }

    /// [`Tracker::retry_now`] for every `ignored` task; returns how many were reset.
    fn reset_ignored(client: &Client) -> impl Future<Output = Result<u64, TrackerError>> + Send {
        query::reset_ignored::<Self>(client)
    }

    /// Deletes every task of this use case (whatever its status, leased ones included) and
    /// no other; returns how many.
    fn delete_all(client: &Client) -> impl Future<Output = Result<u64, TrackerError>> + Send {
        query::delete_all::<Self>(client)
    }
}
