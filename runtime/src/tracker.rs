//! The status-tracker pattern: typed task statuses and tracker configuration generated from
//! `[tracker.Name]` schema sections.

use crate::model::Billing;

/// A tracker's status enum (built-in statuses plus the schema's custom ones).
pub trait Status: Copy + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static {
    /// Every status, built-in first.
    const ALL: &'static [Self];

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

/// A generated tracker type.
pub trait Tracker: Send + Sync + 'static {
    /// The status enum.
    type Status: Status;
    /// Task data.
    type Data: serde::Serialize + serde::de::DeserializeOwned + Send + Sync;
    /// Settings from the schema.
    const CONFIG: &'static TrackerConfig;
}
