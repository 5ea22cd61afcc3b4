//! Queries through the status index: pages merged across shards by update time, counts,
//! resets and deletion of one use case's tasks.

use std::collections::{HashMap, VecDeque};

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, Select, WriteRequest};
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};

use super::error::TrackerError;
use super::item::{Item, Reader, STATUS_INDEX, Task, attr, status_key, timestamp};
use super::run::retry_now;
use super::{Status, Tracker};
use crate::io::client::Client;
use crate::io::error::Error;
use crate::io::ops::Cursor;
use crate::io::telemetry::{self, Operation};

/// Order of a query's results by update time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Least recently updated first.
    OldestFirst,
    /// Most recently updated first.
    NewestFirst,
}

/// One page request: order, a global limit, and where the previous page ended.
#[derive(Debug, Clone)]
pub struct TaskQuery {
    order: Order,
    limit: usize,
    cursor: Option<Cursor>,
}

impl TaskQuery {
    /// The `limit` least recently updated tasks (at least 1).
    pub fn oldest_first(limit: usize) -> Self {
        TaskQuery {
            order: Order::OldestFirst,
            limit: limit.max(1),
            cursor: None,
        }
    }

    /// The `limit` most recently updated tasks (at least 1).
    pub fn newest_first(limit: usize) -> Self {
        TaskQuery {
            order: Order::NewestFirst,
            ..Self::oldest_first(limit)
        }
    }

    /// Continues after the page that returned `cursor` (same query, same order).
    pub fn after(mut self, cursor: Cursor) -> Self {
        self.cursor = Some(cursor);
        self
    }
}

/// One page of tasks.
#[derive(Debug)]
pub struct TaskPage<T: Tracker> {
    /// The tasks, in the query's order.
    pub tasks: Vec<Task<T>>,
    /// Where to continue; `None` on the last page.
    pub cursor: Option<Cursor>,
}

/// How far a query read one index partition.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Position {
    Start,
    After { update_time: String, pk: String },
    Done,
}

/// Names in the cursor's map: the query it belongs to, one position per partition.
const QUERY: &str = "q";
const POSITIONS: &str = "p";

impl Position {
    /// `NULL` for the start, `BOOL` for the end, the item's index key after it.
    fn to_value(&self) -> AttributeValue {
        match self {
            Position::Start => AttributeValue::Null(true),
            Position::Done => AttributeValue::Bool(true),
            Position::After { update_time, pk } => AttributeValue::M(HashMap::from([
                (
                    attr::UPDATE_TIME.to_string(),
                    AttributeValue::S(update_time.clone()),
                ),
                (attr::PK.to_string(), AttributeValue::S(pk.clone())),
            ])),
        }
    }

    fn from_value(value: &AttributeValue) -> Option<Position> {
        Some(match value {
            AttributeValue::Null(true) => Position::Start,
            AttributeValue::Bool(true) => Position::Done,
            AttributeValue::M(key) => Position::After {
                update_time: key.get(attr::UPDATE_TIME)?.as_s().ok()?.clone(),
                pk: key.get(attr::PK)?.as_s().ok()?.clone(),
            },
            _ => return None,
        })
    }
}

/// The cursor (in the one cursor format of queries and scans) of `positions` in `query`.
fn encode_cursor(query: String, positions: &[Position]) -> Cursor {
    Cursor::from_key(HashMap::from([
        (QUERY.to_string(), AttributeValue::S(query)),
        (
            POSITIONS.to_string(),
            AttributeValue::L(positions.iter().map(Position::to_value).collect()),
        ),
    ]))
}

/// The positions `cursor` holds, checked to belong to `query` over `partitions` partitions.
fn decode_cursor(
    cursor: &Cursor,
    query: &str,
    partitions: usize,
) -> Result<Vec<Position>, TrackerError> {
    let invalid = |reason: &str| TrackerError::InvalidCursor {
        reason: reason.to_string(),
    };
    let state = cursor.key().ok_or_else(|| invalid("not a cursor"))?;
    let made_by = state.get(QUERY).and_then(|q| q.as_s().ok());
    let positions: Option<Vec<Position>> = match state.get(POSITIONS) {
        Some(AttributeValue::L(list)) => list.iter().map(Position::from_value).collect(),
        _ => None,
    };
    let (Some(made_by), Some(positions)) = (made_by, positions) else {
        return Err(invalid("not a cursor"));
    };
    if made_by != query || positions.len() != partitions {
        return Err(invalid(&format!("it was made by query `{made_by}`")));
    }
    Ok(positions)
}

/// What every request of one query shares.
struct Scope<'a> {
    client: &'a Client,
    table: String,
    order: Order,
    now: DateTime<Utc>,
}

/// Index partitions queried at once (a tracker may have 100 shards).
const MAX_CONCURRENT_QUERIES: usize = 16;

/// Runs `requests` with at most [`MAX_CONCURRENT_QUERIES`] in flight; the first error wins.
/// Results come in completion order.
async fn bounded<V, F>(requests: impl Iterator<Item = F>) -> Result<Vec<V>, TrackerError>
where
    F: std::future::Future<Output = Result<V, TrackerError>>,
{
    futures::stream::iter(requests)
        .buffer_unordered(MAX_CONCURRENT_QUERIES)
        .try_collect()
        .await
}

/// The base Query request of one index partition.
fn partition_request(client: &Client, table: &str, status_key: &str) -> QueryFluentBuilder {
    client
        .dynamodb()
        .query()
        .table_name(table)
        .index_name(STATUS_INDEX)
        .key_condition_expression("#sk = :sk")
        .expression_attribute_names("#sk", attr::STATUS_KEY)
        .expression_attribute_values(":sk", AttributeValue::S(status_key.to_string()))
}

/// The index partitions of `status` (`{use_case}#{status}#{shard}` for every shard).
fn partitions<T: Tracker>(status: T::Status) -> impl Iterator<Item = String> {
    (0..T::CONFIG.shards).map(move |shard| status_key(T::CONFIG.use_case, status.as_str(), shard))
}

/// Reading one index partition in order: fetched items not yet returned, and where to go on.
struct Stream {
    status_key: String,
    expired_only: bool,
    buffer: VecDeque<Item>,
    next: Option<Item>,
    exhausted: bool,
    position: Position,
}

impl Stream {
    fn new(status_key: String, expired_only: bool, position: Position) -> Self {
        let next = match &position {
            Position::After { update_time, pk } => Some(HashMap::from([
                (attr::PK.to_string(), AttributeValue::S(pk.clone())),
                (
                    attr::STATUS_KEY.to_string(),
                    AttributeValue::S(status_key.clone()),
                ),
                (
                    attr::UPDATE_TIME.to_string(),
                    AttributeValue::S(update_time.clone()),
                ),
            ])),
            Position::Start | Position::Done => None,
        };
        Stream {
            exhausted: position == Position::Done,
            status_key,
            expired_only,
            buffer: VecDeque::new(),
            next,
            position,
        }
    }

    /// Fetches until an item is buffered or the partition is exhausted (a filtered page can
    /// be empty and still have more).
    async fn refill(&mut self, scope: &Scope<'_>, limit: usize) -> Result<(), TrackerError> {
        while self.buffer.is_empty() && !self.exhausted {
            let mut request = partition_request(scope.client, &scope.table, &self.status_key)
                .scan_index_forward(scope.order == Order::OldestFirst)
                .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                .set_exclusive_start_key(self.next.take());
            if self.expired_only {
                request = request
                    .filter_expression("#lease < :now")
                    .expression_attribute_names("#lease", attr::LEASE)
                    .expression_attribute_values(":now", timestamp(scope.now));
            }
            let output = telemetry::request(scope.client, "Query", &scope.table, request.send())
                .await
                .map_err(|e| Error::from_sdk("Query", &scope.table, e))?;
            self.buffer.extend(output.items.unwrap_or_default());
            self.exhausted = output.last_evaluated_key.is_none();
            self.next = output.last_evaluated_key;
        }
        Ok(())
    }

    fn head_time(&self) -> Option<&str> {
        let head = self.buffer.front()?;
        head.get(attr::UPDATE_TIME)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
    }

    /// Returns the head item and records the position after it.
    fn take(&mut self) -> Option<Item> {
        let item = self.buffer.pop_front()?;
        let text = |name: &str| {
            item.get(name)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        self.position = Position::After {
            update_time: text(attr::UPDATE_TIME),
            pk: text(attr::PK),
        };
        Some(item)
    }

    fn final_position(self) -> Position {
        if self.buffer.is_empty() && self.exhausted {
            Position::Done
        } else {
            self.position
        }
    }
}

/// The stream whose head comes next in `order` (ties: the first stream).
fn next_stream(streams: &[Stream], order: Order) -> Option<usize> {
    let mut best: Option<(usize, &str)> = None;
    for (index, stream) in streams.iter().enumerate() {
        let Some(time) = stream.head_time() else {
            continue;
        };
        let better = best.is_none_or(|(_, t)| match order {
            Order::OldestFirst => time < t,
            Order::NewestFirst => time > t,
        });
        if better {
            best = Some((index, time));
        }
    }
    best.map(|(index, _)| index)
}

/// One page of the tasks whose status is one of `statuses` (`true`: only those whose lease
/// expired), merged across every shard with one global limit.
pub(crate) async fn query_statuses<T: Tracker>(
    client: &Client,
    statuses: Vec<(T::Status, bool)>,
    query: TaskQuery,
) -> Result<TaskPage<T>, TrackerError> {
    let scope = Scope {
        client,
        table: client.resolve_table_name(T::CONFIG.table_name),
        order: query.order,
        now: Utc::now(),
    };
    let keys: Vec<(String, bool)> = statuses
        .iter()
        .flat_map(|&(status, expired)| partitions::<T>(status).map(move |key| (key, expired)))
        .collect();
    let fingerprint = format!(
        "{}:{}:{:?}",
        T::CONFIG.use_case,
        statuses
            .iter()
            .map(|(s, e)| format!("{}{}", s.as_str(), if *e { "(expired)" } else { "" }))
            .collect::<Vec<_>>()
            .join(","),
        query.order
    );
    let positions = match &query.cursor {
        Some(cursor) => decode_cursor(cursor, &fingerprint, keys.len())?,
        None => vec![Position::Start; keys.len()],
    };
    let mut streams: Vec<Stream> = keys
        .into_iter()
        .zip(positions)
        .map(|((key, expired), position)| Stream::new(key, expired, position))
        .collect();
    for chunk in streams.chunks_mut(MAX_CONCURRENT_QUERIES) {
        futures::future::try_join_all(chunk.iter_mut().map(|s| s.refill(&scope, query.limit)))
            .await?;
    }
    let mut tasks = Vec::new();
    while tasks.len() < query.limit {
        for stream in &mut streams {
            stream.refill(&scope, query.limit - tasks.len()).await?;
        }
        let Some(index) = next_stream(&streams, query.order) else {
            break;
        };
        let item = streams[index].take().expect("the chosen stream has a head");
        tasks.push(Reader::new(&item, &scope.table).task()?);
    }
    let positions: Vec<Position> = streams.into_iter().map(Stream::final_position).collect();
    let cursor = positions
        .iter()
        .any(|p| *p != Position::Done)
        .then(|| encode_cursor(fingerprint, &positions));
    Ok(TaskPage { tasks, cursor })
}

async fn count_partition(
    client: &Client,
    table: &str,
    status_key: String,
) -> Result<u64, TrackerError> {
    let (mut total, mut next) = (0u64, None);
    loop {
        let request = partition_request(client, table, &status_key)
            .select(Select::Count)
            .set_exclusive_start_key(next);
        let output = telemetry::request(client, "Query", table, request.send())
            .await
            .map_err(|e| Error::from_sdk("Query", table, e))?;
        total += u64::try_from(output.count).unwrap_or(0);
        next = output.last_evaluated_key;
        if next.is_none() {
            return Ok(total);
        }
    }
}

pub(crate) async fn count<T: Tracker>(
    client: &Client,
    status: T::Status,
) -> Result<u64, TrackerError> {
    let table = client.resolve_table_name(T::CONFIG.table_name);
    let counts =
        bounded(partitions::<T>(status).map(|key| count_partition(client, &table, key))).await?;
    Ok(counts.into_iter().sum())
}

pub(crate) async fn counts<T: Tracker>(
    client: &Client,
) -> Result<Vec<(T::Status, u64)>, TrackerError> {
    let mut counts = Vec::new();
    for &status in T::Status::ALL {
        counts.push((status, count::<T>(client, status).await?));
    }
    Ok(counts)
}

/// `(pk, task_id)` of every task in one index partition.
async fn partition_keys(
    client: &Client,
    table: &str,
    status_key: String,
) -> Result<Vec<(String, String)>, TrackerError> {
    let (mut keys, mut next) = (Vec::new(), None);
    loop {
        let request = partition_request(client, table, &status_key)
            .projection_expression("#pk, #tid")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#tid", attr::TASK_ID)
            .set_exclusive_start_key(next);
        let output = telemetry::request(client, "Query", table, request.send())
            .await
            .map_err(|e| Error::from_sdk("Query", table, e))?;
        for item in output.items.unwrap_or_default() {
            let text = |name: &str| {
                item.get(name)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default()
            };
            keys.push((text(attr::PK), text(attr::TASK_ID)));
        }
        next = output.last_evaluated_key;
        if next.is_none() {
            return Ok(keys);
        }
    }
}

async fn status_keys<T: Tracker>(
    client: &Client,
    table: &str,
    status: T::Status,
) -> Result<Vec<(String, String)>, TrackerError> {
    let lists =
        bounded(partitions::<T>(status).map(|key| partition_keys(client, table, key))).await?;
    Ok(lists.into_iter().flatten().collect())
}

pub(crate) async fn reset_ignored<T: Tracker>(client: &Client) -> Result<u64, TrackerError> {
    let table = client.resolve_table_name(T::CONFIG.table_name);
    let mut reset = 0;
    for (_, task_id) in status_keys::<T>(client, &table, T::Status::IGNORED).await? {
        match retry_now::<T>(client, &task_id).await {
            Ok(()) => reset += 1,
            // Changed since it was listed (retried or deleted meanwhile): nothing to reset.
            Err(TrackerError::Refused(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(reset)
}

/// Deletes the tasks with these `(pk, task_id)` keys through the batch path (chunks of 25,
/// unprocessed and throttled ones retried under the client's retry policy); returns how many
/// were deleted, or [`TrackerError::NotDeleted`] naming the tasks still there after the last
/// attempt.
async fn delete_keys(
    client: &Client,
    table: &str,
    keys: Vec<(String, String)>,
) -> Result<u64, TrackerError> {
    let requests: Vec<WriteRequest> = keys
        .iter()
        .map(|(pk, _)| {
            let key = HashMap::from([(attr::PK.to_string(), AttributeValue::S(pk.clone()))]);
            let delete = DeleteRequest::builder()
                .set_key(Some(key))
                .build()
                .expect("key is set");
            WriteRequest::builder().delete_request(delete).build()
        })
        .collect();
    let policy = client.retry_policy();
    let op = &Operation::new(client, "BatchWriteItem", table, None);
    let progress = op
        .run(policy.run(requests, |pending| {
            crate::io::batch::write_chunks(client, op, table, pending)
        }))
        .await?
        .value;
    if progress.left.is_empty() {
        return Ok(keys.len() as u64);
    }
    let task_ids: HashMap<String, String> = keys.into_iter().collect();
    let total = task_ids.len();
    let remaining: Vec<String> = progress
        .left
        .iter()
        .map(|request| {
            let pk = request
                .delete_request
                .as_ref()
                .and_then(|d| d.key.get(attr::PK))
                .and_then(|v| v.as_s().ok());
            match pk {
                Some(pk) => task_ids.get(pk).cloned().unwrap_or_else(|| pk.clone()),
                None => format!("{request:?}"),
            }
        })
        .collect();
    Err(TrackerError::NotDeleted {
        table: table.to_string(),
        deleted: (total - remaining.len().min(total)) as u64,
        attempts: progress.attempts,
        task_ids: remaining,
    })
}

pub(crate) async fn delete_all<T: Tracker>(client: &Client) -> Result<u64, TrackerError> {
    let table = client.resolve_table_name(T::CONFIG.table_name);
    let mut keys = Vec::new();
    for &status in T::Status::ALL {
        keys.extend(status_keys::<T>(client, &table, status).await?);
    }
    delete_keys(client, &table, keys).await
}
