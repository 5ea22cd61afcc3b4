//! Errors of the tracker: why a task cannot start, a lost lease, failed requests.

use chrono::{DateTime, Utc};
use thiserror::Error;

/// Why a task cannot start (or be retried), read from the item the failed condition returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// There is no such task.
    NotFound,
    /// Another worker holds the lease.
    Leased {
        /// When the lease ends unless its holder extends it.
        until: DateTime<Utc>,
        /// Fencing epoch of the holder.
        epoch: u64,
    },
    /// The task already succeeded.
    Succeeded,
    /// The task failed `max_retry` times.
    Ignored {
        /// Failed attempts recorded.
        retries: u32,
    },
    /// The task's status is not one this call accepts.
    NotStartable {
        /// The task's status.
        status: String,
        /// Statuses the call accepts.
        accepted: Vec<&'static str>,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotFound => write!(f, "it does not exist; create it first"),
            Refusal::Leased { until, epoch } => write!(
                f,
                "another worker holds its lease (epoch {epoch}) until {until}; retry after that"
            ),
            Refusal::Succeeded => write!(f, "it already succeeded"),
            Refusal::Ignored { retries } => write!(
                f,
                "it is ignored after {retries} failed attempts; fix the cause and reset it with `retry_now` or `reset_ignored`"
            ),
            Refusal::NotStartable { status, accepted } => write!(
                f,
                "its status is `{status}`, and this call accepts only {}",
                accepted.join(", ")
            ),
        }
    }
}

/// A task could not be started or retried.
#[derive(Debug, Clone, Error)]
#[error("cannot {action} task `{task_id}` of use case `{use_case}`: {reason}")]
pub struct TaskRefused {
    /// What was attempted: `start` or `retry`.
    pub action: &'static str,
    /// Use case of the task.
    pub use_case: &'static str,
    /// The task id.
    pub task_id: String,
    /// Why.
    pub reason: Refusal,
}

/// A worker's write was rejected because its lease is no longer the task's current one.
#[derive(Debug, Clone, Error)]
#[error(
    "lost the lease on task `{task_id}` of use case `{use_case}`: this worker holds epoch {epoch}, the task {}; its result was not saved",
    match (current_epoch, current_status) {
        (Some(epoch), Some(status)) => format!("is now `{status}` at epoch {epoch} (another worker took it over after the lease expired; heartbeat more often or raise lease_seconds)"),
        _ => "was deleted".to_string(),
    }
)]
pub struct LeaseLost {
    /// Use case of the task.
    pub use_case: &'static str,
    /// The task id.
    pub task_id: String,
    /// This worker's fencing epoch.
    pub epoch: u64,
    /// The task's epoch now (`None` when the task was deleted).
    pub current_epoch: Option<u64>,
    /// The task's status now (`None` when the task was deleted).
    pub current_status: Option<String>,
}

/// The error of tracker operations.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TrackerError {
    /// The task could not be started or retried.
    #[error(transparent)]
    Refused(#[from] TaskRefused),
    /// The lease was taken over; the write was rejected.
    #[error(transparent)]
    LeaseLost(#[from] LeaseLost),
    /// A DynamoDB request failed, classified as every request is (throttled, table not
    /// found, other service errors).
    #[error(transparent)]
    Request(#[from] crate::io::error::Error),
    /// A stored task does not have the expected format.
    #[error(
        "task `{task_id}` in table `{table}` cannot be read: {reason}; was it written by another program?"
    )]
    Corrupt {
        /// The table.
        table: String,
        /// The task id.
        task_id: String,
        /// What is wrong.
        reason: String,
    },
    /// Task data or output could not be serialized as JSON.
    #[error("cannot serialize the {what} of task `{task_id}` as JSON")]
    Json {
        /// `task data` or `task output`.
        what: &'static str,
        /// The task id.
        task_id: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// A status cannot be used where it was given.
    #[error("status `{status}` cannot be used here: {reason}")]
    InvalidStatus {
        /// The status.
        status: &'static str,
        /// Why, and what to use instead.
        reason: &'static str,
    },
    /// The task id is empty (DynamoDB keys cannot be empty).
    #[error("a task id must not be empty")]
    EmptyTaskId,
    /// `delete_all` could not delete every task: DynamoDB left some unprocessed (or throttled
    /// the requests) through the last attempt of the client's retry policy.
    #[error(
        "{} task(s) of table `{table}` were not deleted after {attempts} attempts (DynamoDB left them unprocessed or throttled the requests; {deleted} were deleted): {}; run `delete_all` again later, raise the table's capacity, or allow more attempts with `ClientBuilder::retry_policy`",
        task_ids.len(),
        task_ids.join(", ")
    )]
    NotDeleted {
        /// The table.
        table: String,
        /// Tasks deleted before the attempts ran out.
        deleted: u64,
        /// Batch attempts made.
        attempts: u32,
        /// The tasks still there.
        task_ids: Vec<String>,
    },
    /// A query cursor does not belong to this query.
    #[error(
        "the cursor does not belong to this query ({reason}); pass the cursor of the previous page of the same query"
    )]
    InvalidCursor {
        /// What does not match.
        reason: String,
    },
}

/// The error of [`Tracker::run`](super::Tracker::run) and its variants.
#[derive(Debug, Error)]
pub enum RunError<E> {
    /// The task did not start; the work did not run.
    #[error("the task did not start")]
    Start(#[source] TrackerError),
    /// The work failed; the failure was recorded.
    #[error(
        "task failed (attempt {retries}, now {})",
        if *ignored { "ignored: no more retries" } else { "failed: it will be retried" }
    )]
    Task {
        /// The work's error.
        #[source]
        error: E,
        /// Failed attempts recorded, this one included.
        retries: u32,
        /// Whether the task reached `max_retry` and is now ignored.
        ignored: bool,
    },
    /// The work ran but its outcome was not recorded: the lease was lost
    /// ([`TrackerError::LeaseLost`]) or the request failed.
    #[error("the task's outcome was not recorded")]
    Record {
        /// Why.
        #[source]
        source: TrackerError,
        /// The work's error if it failed.
        error: Option<E>,
    },
}

impl<E> RunError<E> {
    /// Why the task did not start, if that is what happened.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            RunError::Start(TrackerError::Refused(refused)) => Some(&refused.reason),
            _ => None,
        }
    }

    /// The lost lease, if the outcome was rejected for that reason.
    pub fn lease_lost(&self) -> Option<&LeaseLost> {
        match self {
            RunError::Record {
                source: TrackerError::LeaseLost(lost),
                ..
            } => Some(lost),
            _ => None,
        }
    }
}
