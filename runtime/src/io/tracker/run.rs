//! The state machine: creating tasks, taking and extending leases, recording outcomes.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeDelta, Utc};
use tracing::Instrument;

use super::error::{LeaseLost, Refusal, RunError, TaskRefused, TrackerError};
use super::item::{self, ErrorRecord, Item, Reader, Task, attr, history_with, timestamp};
use super::request::{Outcome, Transition, Update};
use super::{Status, Tracker};
use crate::io::client::Client;
use crate::io::error::Error;
use crate::io::ops::Created;
use crate::io::telemetry;

/// Longest lease a run-time override may ask for.
const MAX_LEASE: TimeDelta = TimeDelta::days(7);

/// How [`Tracker::run_with`] takes and finishes a task.
#[derive(Debug, Clone)]
pub struct RunOptions<S> {
    from: Vec<S>,
    succeed_as: Option<S>,
    lease: Option<Duration>,
}

impl<S: Status> Default for RunOptions<S> {
    fn default() -> Self {
        RunOptions {
            from: Vec::new(),
            succeed_as: None,
            lease: None,
        }
    }
}

impl<S: Status> RunOptions<S> {
    /// Startable from `pending` and `failed`, succeeding as `succeeded`, with the schema's
    /// `lease_seconds`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Startable only from `statuses` instead of `pending` and `failed` (a pipeline step
    /// starts from the status the previous step succeeded as). `in_progress` is never
    /// startable (an expired lease is always reclaimable); an empty list keeps the default.
    pub fn from(mut self, statuses: &[S]) -> Self {
        self.from = statuses
            .iter()
            .copied()
            .filter(|s| *s != S::IN_PROGRESS)
            .collect();
        self
    }

    /// The status a successful run leaves, such as a custom `partially_enriched` the next
    /// pipeline step starts from (default `succeeded`; `in_progress` is refused).
    pub fn succeed_as(mut self, status: S) -> Self {
        self.succeed_as = Some(status);
        self
    }

    /// Lease length instead of the schema's `lease_seconds` (at most 7 days).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    fn startable(&self) -> Vec<S> {
        if self.from.is_empty() {
            vec![S::PENDING, S::FAILED]
        } else {
            self.from.clone()
        }
    }

    fn success_status(&self) -> S {
        self.succeed_as.unwrap_or(S::SUCCEEDED)
    }

    fn lease_length(&self, lease_seconds: u32) -> TimeDelta {
        let configured = TimeDelta::seconds(i64::from(lease_seconds));
        self.lease
            .map_or(configured, |d| TimeDelta::from_std(d).unwrap_or(MAX_LEASE))
            .min(MAX_LEASE)
    }
}

/// What the work closure gets: the task as acquired, its fencing epoch, a way to replace the
/// data saved on success, and heartbeats. Cheap to clone.
pub struct TaskCtx<T: Tracker> {
    inner: Arc<CtxInner<T>>,
}

impl<T: Tracker> Clone for TaskCtx<T> {
    fn clone(&self) -> Self {
        TaskCtx {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: Tracker> std::fmt::Debug for TaskCtx<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskCtx")
            .field("task_id", &self.inner.task.task_id)
            .field("epoch", &self.inner.task.epoch)
            .finish_non_exhaustive()
    }
}

struct CtxInner<T: Tracker> {
    client: Client,
    table: String,
    task: Task<T>,
    lease: TimeDelta,
    lease_until: Mutex<DateTime<Utc>>,
    new_data: Mutex<Option<T::Data>>,
}

impl<T: Tracker> TaskCtx<T> {
    /// The task id.
    pub fn task_id(&self) -> &str {
        &self.inner.task.task_id
    }

    /// This lease's fencing epoch: it grows with every acquisition, so downstream systems can
    /// reject writes of workers that lost the task.
    pub fn epoch(&self) -> u64 {
        self.inner.task.epoch
    }

    /// The task's data as stored when the lease was taken.
    pub fn data(&self) -> &T::Data {
        &self.inner.task.data
    }

    /// The task as the acquisition left it (retries and error history of earlier attempts).
    pub fn task(&self) -> &Task<T> {
        &self.inner.task
    }

    /// Replaces the task's data when the run succeeds (discarded when it fails).
    pub fn set_data(&self, data: T::Data) {
        *lock(&self.inner.new_data) = Some(data);
    }

    /// When the lease ends unless extended.
    pub fn lease_expires_at(&self) -> DateTime<Utc> {
        *lock(&self.inner.lease_until)
    }

    /// Extends the lease by its length from now (conditioned on this epoch); returns the new
    /// end, or [`TrackerError::LeaseLost`] when another worker took the task over.
    pub async fn heartbeat(&self) -> Result<DateTime<Utc>, TrackerError> {
        let until = Utc::now() + self.inner.lease;
        self.fenced_write(Update::default().set(attr::LEASE, timestamp(until)), None)
            .await?;
        *lock(&self.inner.lease_until) = until;
        Ok(until)
    }

    /// Sends `update` conditioned on this lease; a rejection is [`LeaseLost`], unless the task
    /// is at this epoch in `finished`, the status this update sets: then an earlier attempt of
    /// the same request applied it (the SDK retries after timeouts and 5xx), as nobody else
    /// moves a task out of `in_progress` without changing its epoch.
    async fn fenced_write(
        &self,
        update: Update,
        finished: Option<T::Status>,
    ) -> Result<(), TrackerError> {
        let inner = &self.inner;
        let update = update
            .when_eq(attr::EPOCH, number(inner.task.epoch))
            .when_eq(attr::STATUS, status_value(T::Status::IN_PROGRESS));
        let key = item::key_of::<T>(&inner.task.task_id);
        let outcome = match finished {
            Some(to) => {
                let transition = Transition {
                    use_case: T::CONFIG.use_case,
                    task_id: &inner.task.task_id,
                    epoch: Some(inner.task.epoch),
                    from: &[T::Status::IN_PROGRESS.as_str()],
                    to: to.as_str(),
                };
                update
                    .send_transition(&inner.client, &inner.table, key, false, transition)
                    .await?
            }
            None => update.send(&inner.client, &inner.table, key, false).await?,
        };
        let Outcome::Rejected(current) = outcome else {
            return Ok(());
        };
        let lost = self.lease_lost(current.as_ref())?;
        let applied_before = lost.current_epoch == Some(lost.epoch)
            && finished.is_some_and(|s| lost.current_status.as_deref() == Some(s.as_str()));
        if applied_before {
            Ok(())
        } else {
            Err(lost.into())
        }
    }

    fn lease_lost(&self, current: Option<&Item>) -> Result<LeaseLost, TrackerError> {
        let (current_epoch, current_status) = match current {
            Some(item) => {
                let reader = Reader::new(item, &self.inner.table);
                (
                    Some(reader.epoch()?),
                    Some(reader.status_text()?.to_string()),
                )
            }
            None => (None, None),
        };
        Ok(LeaseLost {
            use_case: T::CONFIG.use_case,
            task_id: self.inner.task.task_id.clone(),
            epoch: self.inner.task.epoch,
            current_epoch,
            current_status,
        })
    }

    /// Records success: `status`, the output, the new data if any, retries reset.
    async fn succeed(&self, output: String, status: T::Status) -> Result<(), TrackerError> {
        let task_id = self.task_id();
        let mut update = transition::<T>(task_id, status, Utc::now())
            .set(attr::OUTPUT, AttributeValue::S(output))
            .set(attr::RETRIES, number(0))
            .remove(attr::LEASE);
        if let Some(data) = lock(&self.inner.new_data).take() {
            update = update.set(
                attr::DATA,
                AttributeValue::S(json(task_id, "task data", &data)?),
            );
        }
        self.fenced_write(update, Some(status)).await
    }

    /// Records a failure: one more retry, the error in the history, `failed` or `ignored`.
    /// Returns the retries and whether the task is now ignored.
    async fn fail(
        &self,
        error: &(dyn std::error::Error + Send + Sync + 'static),
    ) -> Result<(u32, bool), TrackerError> {
        let task = &self.inner.task;
        let now = Utc::now();
        let record = ErrorRecord::of(error, now, task.epoch);
        let (retries, ignored) = (task.retries + 1, task.retries + 1 >= T::CONFIG.max_retry);
        let status = if ignored {
            T::Status::IGNORED
        } else {
            T::Status::FAILED
        };
        let update = transition::<T>(&task.task_id, status, now)
            .set(attr::RETRIES, number(retries.into()))
            .set(
                attr::ERRORS,
                history_with(&task.errors, record, T::CONFIG.max_errors),
            )
            .remove(attr::LEASE);
        self.fenced_write(update, Some(status)).await?;
        Ok((retries, ignored))
    }
}

/// Locks a mutex, recovering the value if a holder panicked (the values are plain data).
fn lock<V>(mutex: &Mutex<V>) -> std::sync::MutexGuard<'_, V> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

pub(crate) fn status_value<S: Status>(status: S) -> AttributeValue {
    AttributeValue::S(status.as_str().to_string())
}

fn json<V: serde::Serialize>(
    task_id: &str,
    what: &'static str,
    value: &V,
) -> Result<String, TrackerError> {
    serde_json::to_string(value).map_err(|source| TrackerError::Json {
        what,
        task_id: task_id.to_string(),
        source,
    })
}

/// An update moving the task to `status` at `now` (status, index partition, update time).
pub(crate) fn transition<T: Tracker>(
    task_id: &str,
    status: T::Status,
    now: DateTime<Utc>,
) -> Update {
    Update::default()
        .set(attr::STATUS, status_value(status))
        .set(attr::STATUS_KEY, item::status_key_of::<T>(task_id, status))
        .set(attr::UPDATE_TIME, timestamp(now))
}

fn check_task_id(task_id: &str) -> Result<(), TrackerError> {
    if task_id.is_empty() {
        return Err(TrackerError::EmptyTaskId);
    }
    Ok(())
}

pub(crate) async fn create<T: Tracker>(
    client: &Client,
    task_id: &str,
    data: T::Data,
    status: T::Status,
) -> Result<Created, TrackerError> {
    check_task_id(task_id)?;
    if status == T::Status::IN_PROGRESS {
        return Err(TrackerError::InvalidStatus {
            status: status.as_str(),
            reason: "a task is created without a lease; create it `pending` (or a custom status) and `run` it",
        });
    }
    let table = client.resolve_table_name(T::CONFIG.table_name);
    let item = item::new_item::<T>(task_id, &data, status, Utc::now())?;
    let request = client
        .dynamodb()
        .put_item()
        .table_name(&table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#pk)")
        .expression_attribute_names("#pk", attr::PK);
    let result = telemetry::request(client, "PutItem", &table, request.send()).await;
    match result {
        Ok(_) => Ok(Created::New),
        Err(error) => match error.as_service_error() {
            Some(PutItemError::ConditionalCheckFailedException(_)) => Ok(Created::AlreadyExists),
            _ => Err(Error::from_sdk("PutItem", &table, error).into()),
        },
    }
}

pub(crate) async fn get<T: Tracker>(
    client: &Client,
    task_id: &str,
) -> Result<Option<Task<T>>, TrackerError> {
    check_task_id(task_id)?;
    let table = client.resolve_table_name(T::CONFIG.table_name);
    let request = client
        .dynamodb()
        .get_item()
        .table_name(&table)
        .set_key(Some(item::key_of::<T>(task_id)))
        .consistent_read(true);
    let output = telemetry::request(client, "GetItem", &table, request.send())
        .await
        .map_err(|e| Error::from_sdk("GetItem", &table, e))?;
    output
        .item
        .map(|item| Reader::new(&item, &table).task())
        .transpose()
}

/// Why a task in `current` (as the rejected condition returned it) cannot be started.
fn refusal<T: Tracker>(
    current: Option<&Item>,
    table: &str,
    accepted: &[T::Status],
    now: DateTime<Utc>,
) -> Result<Refusal, TrackerError> {
    let Some(item) = current else {
        return Ok(Refusal::NotFound);
    };
    let reader = Reader::new(item, table);
    let status = reader.status_text()?;
    Ok(if status == T::Status::IN_PROGRESS.as_str() {
        Refusal::Leased {
            until: reader.lease()?.unwrap_or(now),
            epoch: reader.epoch()?,
        }
    } else if status == T::Status::SUCCEEDED.as_str() {
        Refusal::Succeeded
    } else if status == T::Status::IGNORED.as_str() {
        Refusal::Ignored {
            retries: reader.retries()?,
        }
    } else {
        Refusal::NotStartable {
            status: status.to_string(),
            accepted: accepted.iter().map(|s| s.as_str()).collect(),
        }
    })
}

pub(crate) fn refused<T: Tracker>(
    action: &'static str,
    task_id: &str,
    reason: Refusal,
) -> TrackerError {
    TaskRefused {
        action,
        use_case: T::CONFIG.use_case,
        task_id: task_id.to_string(),
        reason,
    }
    .into()
}

/// One attempt to take the lease.
struct Acquire<'a, T: Tracker> {
    client: &'a Client,
    table: &'a str,
    task_id: &'a str,
    startable: Vec<T::Status>,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
}

impl<T: Tracker> Acquire<'_, T> {
    /// The update that makes the task `in_progress` under a new lease and epoch.
    fn take_lease(&self) -> Update {
        transition::<T>(self.task_id, T::Status::IN_PROGRESS, self.now)
            .set(attr::LEASE, timestamp(self.until))
            .increment(attr::EPOCH)
    }

    /// One conditional update from a startable status; an expired lease is reclaimed.
    async fn run(self) -> Result<Task<T>, TrackerError> {
        let startable = self.startable.iter().map(|s| status_value(*s)).collect();
        let update = self.take_lease().when_in(attr::STATUS, startable);
        let from: Vec<&'static str> = self.startable.iter().map(|s| s.as_str()).collect();
        match self.send(update, &from, T::Status::IN_PROGRESS).await? {
            Outcome::Applied(item) => Reader::new(&item, self.table).task(),
            Outcome::Rejected(Some(current)) if self.expired(&current)? => {
                self.reclaim(&current).await
            }
            Outcome::Rejected(current) => Err(self.refuse(current.as_ref())?),
        }
    }

    /// Sends the transition from `from` to `to` (returning the new item).
    async fn send(
        &self,
        update: Update,
        from: &[&'static str],
        to: T::Status,
    ) -> Result<Outcome, TrackerError> {
        let key = item::key_of::<T>(self.task_id);
        let transition = Transition {
            use_case: T::CONFIG.use_case,
            task_id: self.task_id,
            epoch: None,
            from,
            to: to.as_str(),
        };
        update
            .send_transition(self.client, self.table, key, true, transition)
            .await
    }

    fn refuse(&self, current: Option<&Item>) -> Result<TrackerError, TrackerError> {
        let reason = refusal::<T>(current, self.table, &self.startable, self.now)?;
        Ok(refused::<T>("start", self.task_id, reason))
    }

    fn expired(&self, current: &Item) -> Result<bool, TrackerError> {
        let reader = Reader::new(current, self.table);
        Ok(reader.status_text()? == T::Status::IN_PROGRESS.as_str()
            && reader.lease()?.is_some_and(|until| until < self.now))
    }

    /// Takes over an `in_progress` task whose lease expired. The crashed attempt counts as a
    /// failure; when that reaches `max_retry` the task becomes ignored instead.
    async fn reclaim(&self, current: &Item) -> Result<Task<T>, TrackerError> {
        let stale: Task<T> = Reader::new(current, self.table).task()?;
        let retries = stale.retries + 1;
        let record = ErrorRecord {
            message: format!(
                "lease expired at {} before the worker of epoch {} finished (crashed or stalled worker)",
                stale
                    .lease_expires_at
                    .map_or_else(|| "?".to_string(), |t| t.to_rfc3339()),
                stale.epoch
            ),
            chain: Vec::new(),
            time: self.now,
            epoch: stale.epoch,
        };
        let fenced = |update: Update| {
            update
                .when_eq(attr::STATUS, status_value(T::Status::IN_PROGRESS))
                .when_eq(attr::EPOCH, number(stale.epoch))
                .when_before(attr::LEASE, timestamp(self.now))
                .set(attr::RETRIES, number(retries.into()))
                .set(
                    attr::ERRORS,
                    history_with(&stale.errors, record.clone(), T::CONFIG.max_errors),
                )
        };
        if retries >= T::CONFIG.max_retry {
            let ignore = transition::<T>(self.task_id, T::Status::IGNORED, self.now)
                .increment(attr::EPOCH)
                .remove(attr::LEASE);
            let from = [T::Status::IN_PROGRESS.as_str()];
            return match self.send(fenced(ignore), &from, T::Status::IGNORED).await? {
                Outcome::Applied(_) => Err(refused::<T>(
                    "start",
                    self.task_id,
                    Refusal::Ignored { retries },
                )),
                Outcome::Rejected(current) => Err(self.refuse(current.as_ref())?),
            };
        }
        let from = [T::Status::IN_PROGRESS.as_str()];
        match self
            .send(fenced(self.take_lease()), &from, T::Status::IN_PROGRESS)
            .await?
        {
            Outcome::Applied(item) => Reader::new(&item, self.table).task(),
            Outcome::Rejected(current) => Err(self.refuse(current.as_ref())?),
        }
    }
}

pub(crate) async fn run<T, F, Fut, O, E>(
    client: &Client,
    task_id: &str,
    options: RunOptions<T::Status>,
    work: F,
) -> Result<O, RunError<E>>
where
    T: Tracker,
    F: FnOnce(TaskCtx<T>) -> Fut + Send,
    Fut: Future<Output = Result<O, E>> + Send,
    O: serde::Serialize + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    let span = tracing::info_span!(
        target: "dynamate",
        "tracker.run",
        dynamate.tracker.use_case = T::CONFIG.use_case,
        dynamate.tracker.task_id = task_id,
        dynamate.tracker.epoch = tracing::field::Empty,
        dynamate.tracker.outcome = tracing::field::Empty,
    );
    let result = run_task::<T, F, Fut, O, E>(client, task_id, options, work)
        .instrument(span.clone())
        .await;
    let outcome = match &result {
        Ok(_) => "succeeded",
        Err(RunError::Start(_)) => "not_started",
        Err(RunError::Task { .. }) => "failed",
        Err(RunError::Record { .. }) => "not_recorded",
    };
    span.record("dynamate.tracker.outcome", outcome);
    result
}

async fn run_task<T, F, Fut, O, E>(
    client: &Client,
    task_id: &str,
    options: RunOptions<T::Status>,
    work: F,
) -> Result<O, RunError<E>>
where
    T: Tracker,
    F: FnOnce(TaskCtx<T>) -> Fut + Send,
    Fut: Future<Output = Result<O, E>> + Send,
    O: serde::Serialize + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    let ctx = start::<T>(client, task_id, &options)
        .await
        .map_err(RunError::Start)?;
    tracing::Span::current().record("dynamate.tracker.epoch", ctx.epoch());
    match work(ctx.clone()).await {
        Ok(output) => {
            let recorded = match json(task_id, "task output", &output) {
                Ok(text) => ctx.succeed(text, options.success_status()).await,
                Err(error) => Err(error),
            };
            recorded.map_err(|source| RunError::Record {
                source,
                error: None,
            })?;
            Ok(output)
        }
        Err(error) => match ctx.fail(&error).await {
            Ok((retries, ignored)) => Err(RunError::Task {
                error,
                retries,
                ignored,
            }),
            Err(source) => Err(RunError::Record {
                source,
                error: Some(error),
            }),
        },
    }
}

/// Validates the options and takes the lease.
async fn start<T: Tracker>(
    client: &Client,
    task_id: &str,
    options: &RunOptions<T::Status>,
) -> Result<TaskCtx<T>, TrackerError> {
    check_task_id(task_id)?;
    let success = options.success_status();
    if success == T::Status::IN_PROGRESS {
        return Err(TrackerError::InvalidStatus {
            status: success.as_str(),
            reason: "a successful run must leave the task in a finished status such as `succeeded` or a custom one",
        });
    }
    let table = client.resolve_table_name(T::CONFIG.table_name);
    let lease = options.lease_length(T::CONFIG.lease_seconds);
    let now = Utc::now();
    let acquire = Acquire::<T> {
        client,
        table: &table,
        task_id,
        startable: options.startable(),
        now,
        until: now + lease,
    };
    let task = acquire.run().await?;
    let until = task.lease_expires_at.unwrap_or(now + lease);
    Ok(TaskCtx {
        inner: Arc::new(CtxInner {
            client: client.clone(),
            table,
            task,
            lease,
            lease_until: Mutex::new(until),
            new_data: Mutex::new(None),
        }),
    })
}

pub(crate) async fn retry_now<T: Tracker>(
    client: &Client,
    task_id: &str,
) -> Result<(), TrackerError> {
    check_task_id(task_id)?;
    let table = client.resolve_table_name(T::CONFIG.table_name);
    let accepted = [T::Status::FAILED, T::Status::IGNORED];
    let now = Utc::now();
    let update = transition::<T>(task_id, T::Status::PENDING, now)
        .set(attr::RETRIES, number(0))
        .when_in(
            attr::STATUS,
            accepted.iter().map(|s| status_value(*s)).collect(),
        );
    let from: Vec<&'static str> = accepted.iter().map(|s| s.as_str()).collect();
    let transition = Transition {
        use_case: T::CONFIG.use_case,
        task_id,
        epoch: None,
        from: &from,
        to: T::Status::PENDING.as_str(),
    };
    match update
        .send_transition(
            client,
            &table,
            item::key_of::<T>(task_id),
            false,
            transition,
        )
        .await?
    {
        Outcome::Applied(_) => Ok(()),
        Outcome::Rejected(current) => {
            let reason = refusal::<T>(current.as_ref(), &table, &accepted, now)?;
            Err(refused::<T>("retry", task_id, reason))
        }
    }
}
