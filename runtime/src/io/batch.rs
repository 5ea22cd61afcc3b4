//! Batch reads and writes: chunked to DynamoDB's limits (100 keys per `BatchGetItem`, 25
//! writes per `BatchWriteItem`), with unprocessed items retried under the client's
//! [`RetryPolicy`] (capped, jittered exponential backoff, a cap on attempts). A chunk that is
//! throttled, answered with a 5xx or lost on the way (timeout, dropped connection) counts as
//! unprocessed as a whole, as batch reads and unconditional batch writes are safe to repeat.
//! What is still unprocessed after the last attempt comes back in the output, typed; nothing
//! is ever dropped. Any other error (missing table, invalid request) ends the batch as an
//! error.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::io::client::Client;
use crate::io::error::Error;
use crate::io::ops::{built, check_item_size};
use crate::io::retry::{RetryPolicy, transient};
use crate::io::telemetry::{CapacityDetail, Measured, Operation, measured_operation};
use crate::item::model::{Item, Model, ModelKey, canonical_key_bytes};

/// Keys per `BatchGetItem` request.
pub const GET_CHUNK: usize = 100;
/// Writes per `BatchWriteItem` request.
pub const WRITE_CHUNK: usize = 25;
/// Chunks in flight at once.
const CONCURRENCY: usize = 4;

/// The result of [`Client::batch_get`].
#[derive(Debug)]
pub struct BatchGetOutput<M: Model> {
    /// The items found (in no particular order; missing keys are simply absent).
    pub items: Vec<M>,
    /// Keys still unprocessed after the last attempt.
    pub unprocessed: Vec<M::Key>,
    /// Unprocessed keys the server returned that do not parse as `M::Key` (never expected
    /// from DynamoDB; kept rather than dropped), as DynamoDB returned them.
    pub unprocessed_raw: Vec<Item>,
}

impl<M: Model> BatchGetOutput<M> {
    /// Whether every key was read (found or absent).
    pub fn is_complete(&self) -> bool {
        self.unprocessed.is_empty() && self.unprocessed_raw.is_empty()
    }
}

/// A batch read, from [`Client::batch_get`]; await it.
#[must_use = "await the operation to run it"]
pub struct BatchGet<'a, M: Model> {
    client: &'a Client,
    keys: Vec<M::Key>,
    consistent: bool,
    retry: RetryPolicy,
}

impl<'a, M: Model> BatchGet<'a, M> {
    /// Strongly consistent reads.
    pub fn consistent_read(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Retry policy for unprocessed keys instead of the client's.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    async fn run(
        self,
        capacity: Option<CapacityDetail>,
    ) -> Result<Measured<BatchGetOutput<M>>, Error> {
        let client = self.client;
        let table = client.table_name::<M>();
        let op = &Operation::new(client, "BatchGetItem", &table, capacity);
        op.run(async move {
            let keys = key_items::<M>(&table, "BatchGetItem", &self.keys)?;
            let consistent = self.consistent;
            let progress = self
                .retry
                .run(keys, |pending| {
                    get_chunks(client, op, &table, consistent, pending)
                })
                .await?;
            op.returned_rows(progress.done.len());
            let mut items = Vec::with_capacity(progress.done.len());
            for item in progress.done {
                items.push(client.decode_item(item).await?);
            }
            let (mut unprocessed, mut unprocessed_raw) = (Vec::new(), Vec::new());
            for key in progress.left {
                match M::Key::from_item(&key) {
                    Ok(key) => unprocessed.push(key),
                    Err(_) => unprocessed_raw.push(key),
                }
            }
            Ok(BatchGetOutput {
                items,
                unprocessed,
                unprocessed_raw,
            })
        })
        .await
    }
}

measured_operation!(['a, M: Model] BatchGet<'a, M> => BatchGetOutput<M>);

/// The key maps of `keys`, rejecting duplicates (DynamoDB rejects them within one request).
fn key_items<M: Model>(
    table: &str,
    operation: &'static str,
    keys: &[M::Key],
) -> Result<Vec<Item>, Error> {
    let mut seen = HashSet::new();
    keys.iter()
        .map(|key| {
            let item = key.to_item()?;
            if !seen.insert(canonical_key_bytes(M::SCHEMA, &item)) {
                return Err(Error::invalid(
                    operation,
                    table,
                    format!("the batch holds the key {item:?} twice; DynamoDB rejects duplicate keys in a batch, so remove one"),
                ));
            }
            Ok(item)
        })
        .collect()
}

/// One attempt: every pending key, in chunks of 100; chunks that failed transiently (see
/// [`transient`]) stay pending.
async fn get_chunks(
    client: &Client,
    op: &Operation,
    table: &str,
    consistent: bool,
    pending: Vec<Item>,
) -> Result<(Vec<Item>, Vec<Item>), Error> {
    let chunks: Vec<Vec<Item>> = pending.chunks(GET_CHUNK).map(<[Item]>::to_vec).collect();
    let results: Vec<(Vec<Item>, Vec<Item>)> = stream::iter(chunks)
        .map(|chunk| get_chunk(client, op, table, consistent, chunk))
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok(results
        .into_iter()
        .fold((Vec::new(), Vec::new()), |mut acc, (found, left)| {
            acc.0.extend(found);
            acc.1.extend(left);
            acc
        }))
}

async fn get_chunk(
    client: &Client,
    op: &Operation,
    table: &str,
    consistent: bool,
    chunk: Vec<Item>,
) -> Result<(Vec<Item>, Vec<Item>), Error> {
    let request = built(
        "BatchGetItem",
        table,
        KeysAndAttributes::builder()
            .set_keys(Some(chunk.clone()))
            .consistent_read(consistent)
            .build(),
    )?;
    let sent = client
        .dynamodb()
        .batch_get_item()
        .request_items(table, request)
        .set_return_consumed_capacity(op.return_capacity())
        .send()
        .await;
    op.response(&sent);
    let mut output = match sent {
        Ok(output) => output,
        Err(error) if transient(&error) => return Ok((Vec::new(), chunk)),
        Err(error) => return Err(Error::from_sdk("BatchGetItem", table, error)),
    };
    let found = output
        .responses
        .as_mut()
        .and_then(|r| r.remove(table))
        .unwrap_or_default();
    let left = output
        .unprocessed_keys
        .as_mut()
        .and_then(|u| u.remove(table))
        .map(|k| k.keys)
        .unwrap_or_default();
    Ok((found, left))
}

/// Puts and deletes of model `M` for [`Client::batch_write`].
#[derive(Debug)]
pub struct BatchWrite<M: Model> {
    puts: Vec<M>,
    deletes: Vec<M::Key>,
}

impl<M: Model> Default for BatchWrite<M> {
    fn default() -> Self {
        BatchWrite {
            puts: Vec::new(),
            deletes: Vec::new(),
        }
    }
}

impl<M: Model> BatchWrite<M> {
    /// No writes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts `item` (unconditionally: batch writes take no conditions, so versions are written
    /// as they are).
    pub fn put(mut self, item: M) -> Self {
        self.puts.push(item);
        self
    }

    /// Puts every item.
    pub fn put_all(mut self, items: impl IntoIterator<Item = M>) -> Self {
        self.puts.extend(items);
        self
    }

    /// Deletes the item with `key`.
    pub fn delete(mut self, key: M::Key) -> Self {
        self.deletes.push(key);
        self
    }
}

/// The result of [`Client::batch_write`]: what is still unwritten after the last attempt.
#[derive(Debug)]
pub struct BatchWriteOutput<M: Model> {
    /// Puts not processed, as they were passed in.
    pub unprocessed_puts: Vec<M>,
    /// Deletes not processed.
    pub unprocessed_deletes: Vec<M::Key>,
    /// Unprocessed writes the server returned that match none of the writes as sent (a put
    /// whose key reads back differently, a delete key that does not parse as `M::Key`): kept
    /// rather than dropped, as DynamoDB returned them, ready to send again with the SDK.
    pub unprocessed_raw: Vec<WriteRequest>,
}

impl<M: Model> BatchWriteOutput<M> {
    /// Whether every write was processed.
    pub fn is_complete(&self) -> bool {
        self.unprocessed_puts.is_empty()
            && self.unprocessed_deletes.is_empty()
            && self.unprocessed_raw.is_empty()
    }

    /// Sorts the server's leftovers into typed puts and deletes; `puts` holds the puts as
    /// sent, by canonical key. A leftover that matches nothing is kept raw.
    fn sort(mut puts: HashMap<Vec<u8>, M>, left: Vec<WriteRequest>) -> Self {
        let mut output = BatchWriteOutput {
            unprocessed_puts: Vec::new(),
            unprocessed_deletes: Vec::new(),
            unprocessed_raw: Vec::new(),
        };
        for request in left {
            match (&request.put_request, &request.delete_request) {
                (Some(put), None) => {
                    if let Some(model) = puts.remove(&canonical_key_bytes(M::SCHEMA, &put.item)) {
                        output.unprocessed_puts.push(model);
                        continue;
                    }
                }
                (None, Some(delete)) => {
                    if let Ok(key) = M::Key::from_item(&delete.key) {
                        output.unprocessed_deletes.push(key);
                        continue;
                    }
                }
                _ => {}
            }
            output.unprocessed_raw.push(request);
        }
        output
    }
}

/// A batch write, from [`Client::batch_write`]; await it.
#[must_use = "await the operation to run it"]
pub struct BatchWriteRun<'a, M: Model> {
    client: &'a Client,
    writes: BatchWrite<M>,
    retry: RetryPolicy,
}

impl<'a, M: Model> BatchWriteRun<'a, M> {
    /// Retry policy for unprocessed writes instead of the client's.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    async fn run(
        self,
        capacity: Option<CapacityDetail>,
    ) -> Result<Measured<BatchWriteOutput<M>>, Error> {
        let client = self.client;
        let table = client.table_name::<M>();
        let op = &Operation::new(client, "BatchWriteItem", &table, capacity);
        op.run(self.write(op, &table)).await
    }

    async fn write(self, op: &Operation, table: &str) -> Result<BatchWriteOutput<M>, Error> {
        let client = self.client;
        let table = table.to_string();
        let operation = "BatchWriteItem";
        let delete_keys = key_items::<M>(&table, operation, &self.writes.deletes)?;
        let mut requests = Vec::with_capacity(self.writes.puts.len() + delete_keys.len());
        let mut by_key: HashMap<Vec<u8>, M> = HashMap::new();
        for model in self.writes.puts {
            let item = client.encode_item(&model).await?;
            check_item_size(&table, &item)?;
            by_key.insert(canonical_key_bytes(M::SCHEMA, &item), model);
            requests.push(
                WriteRequest::builder()
                    .put_request(built(
                        operation,
                        &table,
                        PutRequest::builder().set_item(Some(item)).build(),
                    )?)
                    .build(),
            );
        }
        for key in delete_keys {
            requests.push(
                WriteRequest::builder()
                    .delete_request(built(
                        operation,
                        &table,
                        DeleteRequest::builder().set_key(Some(key)).build(),
                    )?)
                    .build(),
            );
        }
        let mut keys: Vec<Vec<u8>> = requests.iter().map(|r| write_key::<M>(r)).collect();
        keys.sort();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            return Err(Error::invalid(
                operation,
                &table,
                "the batch writes one key twice; DynamoDB rejects duplicate keys in a batch, so keep one write per key",
            ));
        }
        let progress = self
            .retry
            .run(requests, |pending| {
                write_chunks(client, op, &table, pending)
            })
            .await?;
        Ok(BatchWriteOutput::sort(by_key, progress.left))
    }
}

/// The canonical key of a write request.
fn write_key<M: Model>(request: &WriteRequest) -> Vec<u8> {
    let item = match (&request.put_request, &request.delete_request) {
        (Some(put), _) => &put.item,
        (None, Some(delete)) => &delete.key,
        (None, None) => return Vec::new(),
    };
    canonical_key_bytes(M::SCHEMA, item)
}

/// One attempt of a batch write: every pending request, in chunks of 25; chunks that failed
/// transiently stay pending with what the server left unprocessed. Shared with the tracker.
pub(crate) async fn write_chunks(
    client: &Client,
    op: &Operation,
    table: &str,
    pending: Vec<WriteRequest>,
) -> Result<(Vec<()>, Vec<WriteRequest>), Error> {
    let chunks: Vec<Vec<WriteRequest>> = pending
        .chunks(WRITE_CHUNK)
        .map(<[WriteRequest]>::to_vec)
        .collect();
    let left: Vec<Vec<WriteRequest>> = stream::iter(chunks)
        .map(|chunk| write_chunk(client, op, table, chunk))
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok((Vec::new(), left.into_iter().flatten().collect()))
}

async fn write_chunk(
    client: &Client,
    op: &Operation,
    table: &str,
    chunk: Vec<WriteRequest>,
) -> Result<Vec<WriteRequest>, Error> {
    let sent = client
        .dynamodb()
        .batch_write_item()
        .request_items(table, chunk.clone())
        .set_return_consumed_capacity(op.return_capacity())
        .send()
        .await;
    op.response(&sent);
    match sent {
        Ok(mut output) => Ok(output
            .unprocessed_items
            .as_mut()
            .and_then(|u| u.remove(table))
            .unwrap_or_default()),
        Err(error) if transient(&error) => Ok(chunk),
        Err(error) => Err(Error::from_sdk("BatchWriteItem", table, error)),
    }
}

measured_operation!(['a, M: Model] BatchWriteRun<'a, M> => BatchWriteOutput<M>);

impl Client {
    /// Reads the items with `keys`, 100 per request, retrying unprocessed keys under
    /// [`Client::retry_policy`].
    pub fn batch_get<K: ModelKey>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> BatchGet<'_, K::Model> {
        BatchGet {
            client: self,
            keys: keys.into_iter().collect(),
            consistent: false,
            retry: self.retry_policy(),
        }
    }

    /// Runs `writes`, 25 per request, retrying unprocessed ones under
    /// [`Client::retry_policy`]; the output holds what is still unwritten after the last
    /// attempt.
    pub fn batch_write<M: Model>(&self, writes: BatchWrite<M>) -> BatchWriteRun<'_, M> {
        BatchWriteRun {
            client: self,
            writes,
            retry: self.retry_policy(),
        }
    }
}
