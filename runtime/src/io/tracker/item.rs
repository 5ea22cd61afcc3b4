//! The stored task item, format version 1 (see `docs/tracker.md`).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, Utc};

use super::error::TrackerError;
use super::{Status, Tracker};
use crate::item::model::Field;

/// Version of the task item format, stored in every item as `v`.
pub const FORMAT_VERSION: u32 = 1;

/// Name of the global secondary index on (`status_key`, `update_time`).
pub const STATUS_INDEX: &str = "status_index";

/// Attribute names of the task item.
pub(crate) mod attr {
    /// Primary key: `{use_case}#{task_id}`.
    pub const PK: &str = "pk";
    /// Index partition key: `{use_case}#{status}#{shard}`.
    pub const STATUS_KEY: &str = "status_key";
    pub const USE_CASE: &str = "use_case";
    pub const TASK_ID: &str = "task_id";
    pub const STATUS: &str = "status";
    pub const DATA: &str = "data";
    pub const OUTPUT: &str = "output";
    pub const CREATE_TIME: &str = "create_time";
    /// Index sort key.
    pub const UPDATE_TIME: &str = "update_time";
    pub const RETRIES: &str = "retries";
    pub const ERRORS: &str = "errors";
    pub const LEASE: &str = "lease_expires_at";
    pub const EPOCH: &str = "epoch";
    pub const VERSION: &str = "v";
}

/// Every attribute of the task item, the key first, for the table's description.
pub(crate) const FIELDS: &[Field] = &[
    Field::plain(attr::PK),
    Field::plain(attr::STATUS_KEY),
    Field::plain(attr::USE_CASE),
    Field::plain(attr::TASK_ID),
    Field::plain(attr::STATUS),
    Field::plain(attr::DATA),
    Field::plain(attr::OUTPUT),
    Field::plain(attr::CREATE_TIME),
    Field::plain(attr::UPDATE_TIME),
    Field::plain(attr::RETRIES),
    Field::plain(attr::ERRORS),
    Field::plain(attr::LEASE),
    Field::plain(attr::EPOCH),
    Field::plain(attr::VERSION),
];

/// A DynamoDB item.
pub(crate) type Item = HashMap<String, AttributeValue>;

/// The shard of `task_id` in the status index: FNV-1a (64 bit) of its UTF-8 bytes modulo
/// `shards`. Stable across processes, platforms and versions: it is part of the stored format.
pub fn shard_of(task_id: &str, shards: u32) -> u32 {
    let hash = task_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    (hash % u64::from(shards.max(1))) as u32
}

/// Primary key value of a task.
pub(crate) fn task_key(use_case: &str, task_id: &str) -> String {
    format!("{use_case}#{task_id}")
}

/// Index partition key value of a task with `status` in `shard`.
pub(crate) fn status_key(use_case: &str, status: &str, shard: u32) -> String {
    format!("{use_case}#{status}#{shard}")
}

/// The status index partition of `task_id` of tracker `T` with `status`.
pub(crate) fn status_key_of<T: Tracker>(task_id: &str, status: T::Status) -> AttributeValue {
    let shard = shard_of(task_id, T::CONFIG.shards);
    AttributeValue::S(status_key(T::CONFIG.use_case, status.as_str(), shard))
}

/// Stored form of a time: RFC 3339 UTC with microseconds, fixed width, so strings sort in
/// time order (the index sort key and lease comparisons rely on it).
pub(crate) fn timestamp(time: DateTime<Utc>) -> AttributeValue {
    AttributeValue::S(time.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// The primary key map of a task.
pub(crate) fn key_of<T: Tracker>(task_id: &str) -> Item {
    HashMap::from([(
        attr::PK.to_string(),
        AttributeValue::S(task_key(T::CONFIG.use_case, task_id)),
    )])
}

/// One failed attempt in a task's error history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    /// The error's message (its `Display`).
    pub message: String,
    /// Messages of its `source()` chain, outermost first.
    pub chain: Vec<String>,
    /// When the attempt failed.
    pub time: DateTime<Utc>,
    /// Fencing epoch of the failed attempt.
    pub epoch: u64,
}

impl ErrorRecord {
    /// The record of `error` (message and `source()` chain).
    pub(crate) fn of(
        error: &(dyn std::error::Error + 'static),
        time: DateTime<Utc>,
        epoch: u64,
    ) -> Self {
        let chain = std::iter::successors(error.source(), |e| e.source())
            .map(|e| e.to_string())
            .collect();
        ErrorRecord {
            message: error.to_string(),
            chain,
            time,
            epoch,
        }
    }

    fn to_value(&self) -> AttributeValue {
        AttributeValue::M(HashMap::from([
            (
                "message".to_string(),
                AttributeValue::S(self.message.clone()),
            ),
            (
                "chain".to_string(),
                AttributeValue::L(self.chain.iter().cloned().map(AttributeValue::S).collect()),
            ),
            ("time".to_string(), timestamp(self.time)),
            (
                "epoch".to_string(),
                AttributeValue::N(self.epoch.to_string()),
            ),
        ]))
    }
}

/// `history` plus `record`, keeping the newest `max` entries, as a DynamoDB list.
pub(crate) fn history_with(
    history: &[ErrorRecord],
    record: ErrorRecord,
    max: u32,
) -> AttributeValue {
    let skip = (history.len() + 1).saturating_sub(max as usize);
    let values = history
        .iter()
        .chain(std::iter::once(&record))
        .skip(skip)
        .map(ErrorRecord::to_value)
        .collect();
    AttributeValue::L(values)
}

/// A task as stored.
#[derive(Debug)]
pub struct Task<T: Tracker> {
    /// The task id (unique within the use case).
    pub task_id: String,
    /// Current status.
    pub status: T::Status,
    /// Task data.
    pub data: T::Data,
    /// Output of the last successful run, as JSON.
    pub output: Option<serde_json::Value>,
    /// When the task was created.
    pub create_time: DateTime<Utc>,
    /// Time of the last status transition.
    pub update_time: DateTime<Utc>,
    /// Failed attempts since the last success or reset.
    pub retries: u32,
    /// The newest failed attempts, oldest first (at most `max_errors`).
    pub errors: Vec<ErrorRecord>,
    /// End of the current lease while `in_progress`.
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// Fencing epoch: how many times the task was acquired.
    pub epoch: u64,
}

impl<T: Tracker> Task<T> {
    /// The output decoded as `O`.
    pub fn output_as<O: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Option<O>, serde_json::Error> {
        self.output.clone().map(serde_json::from_value).transpose()
    }

    /// Whether the task is `in_progress` with a lease that ended before `now`.
    pub fn lease_expired(&self, now: DateTime<Utc>) -> bool {
        self.status == T::Status::IN_PROGRESS && self.lease_expires_at.is_some_and(|t| t < now)
    }
}

/// The item of a new task.
pub(crate) fn new_item<T: Tracker>(
    task_id: &str,
    data: &T::Data,
    status: T::Status,
    now: DateTime<Utc>,
) -> Result<Item, TrackerError> {
    let config = T::CONFIG;
    let data = serde_json::to_string(data).map_err(|source| TrackerError::Json {
        what: "task data",
        task_id: task_id.to_string(),
        source,
    })?;
    let mut item = key_of::<T>(task_id);
    item.extend([
        (
            attr::STATUS_KEY.to_string(),
            status_key_of::<T>(task_id, status),
        ),
        (
            attr::USE_CASE.to_string(),
            AttributeValue::S(config.use_case.to_string()),
        ),
        (
            attr::TASK_ID.to_string(),
            AttributeValue::S(task_id.to_string()),
        ),
        (
            attr::STATUS.to_string(),
            AttributeValue::S(status.as_str().to_string()),
        ),
        (attr::DATA.to_string(), AttributeValue::S(data)),
        (attr::CREATE_TIME.to_string(), timestamp(now)),
        (attr::UPDATE_TIME.to_string(), timestamp(now)),
        (attr::RETRIES.to_string(), AttributeValue::N("0".into())),
        (attr::ERRORS.to_string(), AttributeValue::L(Vec::new())),
        (attr::EPOCH.to_string(), AttributeValue::N("0".into())),
        (
            attr::VERSION.to_string(),
            AttributeValue::N(FORMAT_VERSION.to_string()),
        ),
    ]);
    Ok(item)
}

/// Reads attributes of one item, naming the task in every error.
pub(crate) struct Reader<'a> {
    item: &'a Item,
    table: &'a str,
    task_id: String,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(item: &'a Item, table: &'a str) -> Self {
        let task_id = match item.get(attr::TASK_ID) {
            Some(AttributeValue::S(id)) => id.clone(),
            _ => format!("(unknown, pk {:?})", item.get(attr::PK)),
        };
        Reader {
            item,
            table,
            task_id,
        }
    }

    fn corrupt(&self, reason: String) -> TrackerError {
        TrackerError::Corrupt {
            table: self.table.to_string(),
            task_id: self.task_id.clone(),
            reason,
        }
    }

    fn string(&self, name: &str) -> Result<&'a str, TrackerError> {
        match self.item.get(name) {
            Some(AttributeValue::S(s)) => Ok(s),
            other => Err(self.corrupt(format!(
                "attribute `{name}` should be a string, found {other:?}"
            ))),
        }
    }

    fn number<N: std::str::FromStr>(&self, name: &str) -> Result<N, TrackerError> {
        match self.item.get(name) {
            Some(AttributeValue::N(n)) => n
                .parse()
                .map_err(|_| self.corrupt(format!("attribute `{name}` is not a valid count: {n}"))),
            other => Err(self.corrupt(format!(
                "attribute `{name}` should be a number, found {other:?}"
            ))),
        }
    }

    fn time(&self, name: &str) -> Result<DateTime<Utc>, TrackerError> {
        let text = self.string(name)?;
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                self.corrupt(format!(
                    "attribute `{name}` is not an RFC 3339 time ({e}): {text}"
                ))
            })
    }

    fn json<V: serde::de::DeserializeOwned>(&self, name: &str) -> Result<V, TrackerError> {
        serde_json::from_str(self.string(name)?).map_err(|e| {
            self.corrupt(format!(
                "attribute `{name}` does not decode as the tracker's type ({e}); did the schema's `data` type change?"
            ))
        })
    }

    pub(crate) fn status<S: Status>(&self) -> Result<S, TrackerError> {
        let text = self.string(attr::STATUS)?;
        S::parse(text).ok_or_else(|| {
            self.corrupt(format!(
                "unknown status `{text}`; was a custom status removed from the schema?"
            ))
        })
    }

    /// The raw status text (any status, known to this tracker or not).
    pub(crate) fn status_text(&self) -> Result<&'a str, TrackerError> {
        self.string(attr::STATUS)
    }

    pub(crate) fn epoch(&self) -> Result<u64, TrackerError> {
        self.number(attr::EPOCH)
    }

    pub(crate) fn retries(&self) -> Result<u32, TrackerError> {
        self.number(attr::RETRIES)
    }

    pub(crate) fn lease(&self) -> Result<Option<DateTime<Utc>>, TrackerError> {
        self.item
            .get(attr::LEASE)
            .map(|_| self.time(attr::LEASE))
            .transpose()
    }

    fn errors(&self) -> Result<Vec<ErrorRecord>, TrackerError> {
        let Some(AttributeValue::L(entries)) = self.item.get(attr::ERRORS) else {
            return Err(self.corrupt(format!("attribute `{}` should be a list", attr::ERRORS)));
        };
        entries
            .iter()
            .map(|entry| self.error_record(entry))
            .collect()
    }

    fn error_record(&self, entry: &AttributeValue) -> Result<ErrorRecord, TrackerError> {
        let AttributeValue::M(map) = entry else {
            return Err(self.corrupt("an error history entry is not a map".into()));
        };
        let entry = Reader {
            item: map,
            table: self.table,
            task_id: self.task_id.clone(),
        };
        let chain = match map.get("chain") {
            Some(AttributeValue::L(chain)) => chain
                .iter()
                .map(|c| {
                    c.as_s()
                        .cloned()
                        .map_err(|_| self.corrupt("an error chain entry is not a string".into()))
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(self.corrupt("an error history entry has no `chain` list".into())),
        };
        Ok(ErrorRecord {
            message: entry.string("message")?.to_string(),
            chain,
            time: entry.time("time")?,
            epoch: entry.number("epoch")?,
        })
    }

    /// The whole task.
    pub(crate) fn task<T: Tracker>(&self) -> Result<Task<T>, TrackerError> {
        let version: u32 = self.number(attr::VERSION)?;
        if version != FORMAT_VERSION {
            return Err(self.corrupt(format!(
                "item format version {version} is not supported (this dynamate reads version {FORMAT_VERSION}); upgrade dynamate"
            )));
        }
        Ok(Task {
            task_id: self.string(attr::TASK_ID)?.to_string(),
            status: self.status()?,
            data: self.json(attr::DATA)?,
            output: self
                .item
                .get(attr::OUTPUT)
                .map(|_| self.json(attr::OUTPUT))
                .transpose()?,
            create_time: self.time(attr::CREATE_TIME)?,
            update_time: self.time(attr::UPDATE_TIME)?,
            retries: self.retries()?,
            errors: self.errors()?,
            lease_expires_at: self.lease()?,
            epoch: self.epoch()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_hash_is_pinned() {
        // FNV-1a 64 test vectors: "" -> cbf29ce484222325, "a" -> af63dc4c8601ec8c.
        assert_eq!(
            shard_of("", u32::MAX),
            (0xcbf2_9ce4_8422_2325_u64 % u64::from(u32::MAX)) as u32
        );
        assert_eq!(
            shard_of("a", u32::MAX),
            (0xaf63_dc4c_8601_ec8c_u64 % u64::from(u32::MAX)) as u32
        );
        assert_eq!(shard_of("t-1", 1), 0);
    }

    #[test]
    fn timestamps_sort_as_strings() {
        let early = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        let late = early + chrono::Duration::microseconds(1);
        let (AttributeValue::S(a), AttributeValue::S(b)) = (timestamp(early), timestamp(late))
        else {
            unreachable!()
        };
        assert_eq!(a, "2026-01-02T03:04:05.000000Z");
        assert!(a < b);
    }

    #[test]
    fn history_keeps_the_newest_entries() {
        let time = Utc::now();
        let record = |n: u64| ErrorRecord {
            message: format!("e{n}"),
            chain: vec![],
            time,
            epoch: n,
        };
        let history: Vec<_> = (0..3).map(record).collect();
        let AttributeValue::L(list) = history_with(&history, record(3), 3) else {
            unreachable!()
        };
        let epochs: Vec<_> = list
            .iter()
            .map(|v| v.as_m().unwrap()["epoch"].as_n().unwrap().clone())
            .collect();
        assert_eq!(epochs, ["1", "2", "3"]);
    }
}
