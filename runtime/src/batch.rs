//! Batch reads and writes: chunked to DynamoDB's limits (100 keys per `BatchGetItem`, 25
//! writes per `BatchWriteItem`), with unprocessed items retried under capped, jittered
//! exponential backoff. What is still unprocessed after the retry budget comes back as typed
//! values, never as a bare error.

use std::collections::{HashMap, HashSet};
use std::future::{Future, IntoFuture};
use std::time::Duration;

use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use futures::future::BoxFuture;
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::client::Client;
use crate::error::Error;
use crate::model::{Item, Model, ModelKey, canonical_key_bytes};
use crate::ops::{built, check_item_size};

/// Keys per `BatchGetItem` request.
pub const GET_CHUNK: usize = 100;
/// Writes per `BatchWriteItem` request.
pub const WRITE_CHUNK: usize = 25;
/// Chunks in flight at once.
const CONCURRENCY: usize = 4;

/// How unprocessed items are retried: attempt `n` (from 0) waits a random time between 0 and
/// `min(max_delay, base_delay * 2^n)` ("full jitter").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchRetry {
    /// Attempts in total, the first included (at least 1).
    pub max_attempts: u32,
    /// Cap of the first backoff.
    pub base_delay: Duration,
    /// Cap of every backoff.
    pub max_delay: Duration,
}

impl Default for BatchRetry {
    fn default() -> Self {
        BatchRetry {
            max_attempts: 8,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl BatchRetry {
    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::random_range(0..=millis))
    }

    /// Runs `attempt` on `pending` until nothing is left or the budget is spent; returns what
    /// each attempt produced and what is still pending.
    async fn run<T, O, F, Fut>(
        &self,
        mut pending: Vec<T>,
        mut attempt: F,
    ) -> Result<(Vec<O>, Vec<T>), Error>
    where
        F: FnMut(Vec<T>) -> Fut,
        Fut: Future<Output = Result<(Vec<O>, Vec<T>), Error>>,
    {
        let mut done = Vec::new();
        for n in 0..self.max_attempts.max(1) {
            if pending.is_empty() {
                break;
            }
            if n > 0 {
                tokio::time::sleep(self.backoff(n - 1)).await;
            }
            let (out, left) = attempt(pending).await?;
            done.extend(out);
            pending = left;
        }
        Ok((done, pending))
    }
}

/// The result of [`Client::batch_get`].
#[derive(Debug)]
pub struct BatchGetOutput<M: Model> {
    /// The items found (in no particular order; missing keys are simply absent).
    pub items: Vec<M>,
    /// Keys still unprocessed after the retry budget.
    pub unprocessed: Vec<M::Key>,
}

/// A batch read, from [`Client::batch_get`]; await it.
#[must_use = "await the operation to run it"]
pub struct BatchGet<'a, M: Model> {
    client: &'a Client,
    keys: Vec<M::Key>,
    consistent: bool,
    retry: BatchRetry,
}

impl<'a, M: Model> BatchGet<'a, M> {
    /// Strongly consistent reads.
    pub fn consistent_read(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Retry policy for unprocessed keys.
    pub fn retry(mut self, retry: BatchRetry) -> Self {
        self.retry = retry;
        self
    }

    async fn run(self) -> Result<BatchGetOutput<M>, Error> {
        let client = self.client;
        let table = client.table_name::<M>();
        let keys = key_items::<M>(&table, "BatchGetItem", &self.keys)?;
        let consistent = self.consistent;
        let (found, left) = self
            .retry
            .run(keys, |pending| {
                get_chunks(client, &table, consistent, pending)
            })
            .await?;
        let mut items = Vec::with_capacity(found.len());
        for item in found {
            items.push(client.decode_item(item).await?);
        }
        let unprocessed = left
            .iter()
            .map(M::Key::from_item)
            .collect::<Result<_, _>>()?;
        Ok(BatchGetOutput { items, unprocessed })
    }
}

impl<'a, M: Model> IntoFuture for BatchGet<'a, M> {
    type Output = Result<BatchGetOutput<M>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

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

/// One attempt: every pending key, in chunks of 100; throttled chunks stay pending.
async fn get_chunks(
    client: &Client,
    table: &str,
    consistent: bool,
    pending: Vec<Item>,
) -> Result<(Vec<Item>, Vec<Item>), Error> {
    let chunks: Vec<Vec<Item>> = pending.chunks(GET_CHUNK).map(<[Item]>::to_vec).collect();
    let results: Vec<(Vec<Item>, Vec<Item>)> = stream::iter(chunks)
        .map(|chunk| get_chunk(client, table, consistent, chunk))
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
        .send()
        .await;
    let mut output = match sent.map_err(|e| Error::from_sdk("BatchGetItem", table, e)) {
        Ok(output) => output,
        Err(Error::Throttled { .. }) => return Ok((Vec::new(), chunk)),
        Err(error) => return Err(error),
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

/// The result of [`Client::batch_write`]: what is still unwritten after the retry budget.
#[derive(Debug)]
pub struct BatchWriteOutput<M: Model> {
    /// Puts not processed.
    pub unprocessed_puts: Vec<M>,
    /// Deletes not processed.
    pub unprocessed_deletes: Vec<M::Key>,
}

impl<M: Model> BatchWriteOutput<M> {
    /// Whether every write was processed.
    pub fn is_complete(&self) -> bool {
        self.unprocessed_puts.is_empty() && self.unprocessed_deletes.is_empty()
    }
}

/// A batch write, from [`Client::batch_write`]; await it.
#[must_use = "await the operation to run it"]
pub struct BatchWriteRun<'a, M: Model> {
    client: &'a Client,
    writes: BatchWrite<M>,
    retry: BatchRetry,
}

impl<'a, M: Model> BatchWriteRun<'a, M> {
    /// Retry policy for unprocessed writes.
    pub fn retry(mut self, retry: BatchRetry) -> Self {
        self.retry = retry;
        self
    }

    async fn run(self) -> Result<BatchWriteOutput<M>, Error> {
        let client = self.client;
        let table = client.table_name::<M>();
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
        let (_, left) = self
            .retry
            .run(requests, |pending| write_chunks(client, &table, pending))
            .await?;
        let mut output = BatchWriteOutput {
            unprocessed_puts: Vec::new(),
            unprocessed_deletes: Vec::new(),
        };
        for request in left {
            if let Some(delete) = request.delete_request {
                output
                    .unprocessed_deletes
                    .push(M::Key::from_item(&delete.key)?);
            } else if let Some(model) = by_key.remove(&write_key::<M>(&request)) {
                output.unprocessed_puts.push(model);
            }
        }
        Ok(output)
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

async fn write_chunks(
    client: &Client,
    table: &str,
    pending: Vec<WriteRequest>,
) -> Result<(Vec<()>, Vec<WriteRequest>), Error> {
    let chunks: Vec<Vec<WriteRequest>> = pending
        .chunks(WRITE_CHUNK)
        .map(<[WriteRequest]>::to_vec)
        .collect();
    let left: Vec<Vec<WriteRequest>> = stream::iter(chunks)
        .map(|chunk| write_chunk(client, table, chunk))
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok((Vec::new(), left.into_iter().flatten().collect()))
}

async fn write_chunk(
    client: &Client,
    table: &str,
    chunk: Vec<WriteRequest>,
) -> Result<Vec<WriteRequest>, Error> {
    let sent = client
        .dynamodb()
        .batch_write_item()
        .request_items(table, chunk.clone())
        .send()
        .await;
    match sent.map_err(|e| Error::from_sdk("BatchWriteItem", table, e)) {
        Ok(mut output) => Ok(output
            .unprocessed_items
            .as_mut()
            .and_then(|u| u.remove(table))
            .unwrap_or_default()),
        Err(Error::Throttled { .. }) => Ok(chunk),
        Err(error) => Err(error),
    }
}

impl<'a, M: Model> IntoFuture for BatchWriteRun<'a, M> {
    type Output = Result<BatchWriteOutput<M>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

impl Client {
    /// Reads the items with `keys`, 100 per request, retrying unprocessed keys.
    pub fn batch_get<K: ModelKey>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> BatchGet<'_, K::Model> {
        BatchGet {
            client: self,
            keys: keys.into_iter().collect(),
            consistent: false,
            retry: BatchRetry::default(),
        }
    }

    /// Runs `writes`, 25 per request, retrying unprocessed ones; the output holds what is
    /// still unwritten after the retry budget.
    pub fn batch_write<M: Model>(&self, writes: BatchWrite<M>) -> BatchWriteRun<'_, M> {
        BatchWriteRun {
            client: self,
            writes,
            retry: BatchRetry::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: BatchRetry = BatchRetry {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
    };

    #[test]
    fn backoff_is_capped_and_grows() {
        for attempt in 0..40 {
            let cap = QUICK
                .base_delay
                .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
                .min(QUICK.max_delay);
            assert!(QUICK.backoff(attempt) <= cap);
        }
    }

    #[tokio::test]
    async fn leftovers_come_back_after_the_budget() {
        let mut attempts = 0;
        let (done, left) = QUICK
            .run(vec![1, 2, 3], |pending: Vec<i32>| {
                attempts += 1;
                // Each attempt processes the first pending element only.
                async move { Ok((pending[..1].to_vec(), pending[1..].to_vec())) }
            })
            .await
            .unwrap();
        assert_eq!(attempts, 3);
        assert_eq!(done, [1, 2, 3]);
        assert!(left.is_empty());

        let (done, left) = QUICK
            .run(vec![1, 2, 3, 4, 5], |pending: Vec<i32>| async move {
                Ok((pending[..1].to_vec(), pending[1..].to_vec()))
            })
            .await
            .unwrap();
        assert_eq!((done, left), (vec![1, 2, 3], vec![4, 5]));
    }
}
