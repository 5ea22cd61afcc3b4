//! Batch reads: keys from a list or a stream, 100 per request with a bounded window in flight,
//! unprocessed keys retried, results collected or streamed chunk by chunk.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::KeysAndAttributes;
use futures::stream::{self, BoxStream, StreamExt};

use super::{DEFAULT_IN_FLIGHT, GET_CHUNK, check_distinct};
use crate::io::client::Client;
use crate::io::error::Error;
use crate::io::ops::built;
use crate::io::retry::{RetryPolicy, transient};
use crate::io::telemetry::{CapacityDetail, Measured, Operation, measured_operation};
use crate::item::model::{Item, Model, ModelKey, canonical_key_bytes};

const OPERATION: &str = "BatchGetItem";

/// The result of a batch read (or of one chunk of it, from [`BatchGet::stream`]).
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

impl<M: Model> Default for BatchGetOutput<M> {
    fn default() -> Self {
        BatchGetOutput {
            items: Vec::new(),
            unprocessed: Vec::new(),
            unprocessed_raw: Vec::new(),
        }
    }
}

impl<M: Model> BatchGetOutput<M> {
    /// Whether every key was read (found or absent).
    pub fn is_complete(&self) -> bool {
        self.unprocessed.is_empty() && self.unprocessed_raw.is_empty()
    }

    fn append(&mut self, mut chunk: BatchGetOutput<M>) {
        self.items.append(&mut chunk.items);
        self.unprocessed.append(&mut chunk.unprocessed);
        self.unprocessed_raw.append(&mut chunk.unprocessed_raw);
    }
}

/// A batch read, from [`Client::batch_get`] or [`Client::batch_get_stream`]: await it for
/// everything at once, or [`stream`](BatchGet::stream) it chunk by chunk.
#[must_use = "await or stream the operation to run it"]
pub struct BatchGet<'a, M: Model> {
    client: Client,
    keys: BoxStream<'a, Result<M::Key, Error>>,
    consistent: bool,
    retry: RetryPolicy,
    in_flight: usize,
}

impl<M: Model> std::fmt::Debug for BatchGet<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchGet")
            .field("consistent", &self.consistent)
            .field("retry", &self.retry)
            .field("in_flight", &self.in_flight)
            .finish_non_exhaustive()
    }
}

impl<'a, M: Model> BatchGet<'a, M> {
    fn new(client: &Client, keys: BoxStream<'a, Result<M::Key, Error>>) -> Self {
        BatchGet {
            client: client.clone(),
            keys,
            consistent: false,
            retry: client.retry_policy(),
            in_flight: DEFAULT_IN_FLIGHT,
        }
    }

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

    /// At most `chunks` requests (of 100 keys each) in flight at once (default
    /// [`DEFAULT_IN_FLIGHT`]; 0 counts as 1). Memory grows with this window, not with the
    /// number of keys.
    ///
    /// [`DEFAULT_IN_FLIGHT`]: super::DEFAULT_IN_FLIGHT
    pub fn in_flight(mut self, chunks: usize) -> Self {
        self.in_flight = chunks.max(1);
        self
    }

    /// The results chunk by chunk (up to 100 keys each, in no particular order), as they
    /// come: each chunk is read in a span of its own and let go once yielded, so memory
    /// stays bounded by the window however many keys there are. The first error ends the
    /// stream.
    pub fn stream(self) -> BoxStream<'a, Result<BatchGetOutput<M>, Error>> {
        let Self {
            client,
            keys,
            consistent,
            retry,
            in_flight,
        } = self;
        let table = client.table_name::<M>();
        keys.chunks(GET_CHUNK)
            .map(move |keys| {
                let (client, table) = (client.clone(), table.clone());
                async move {
                    let op = &Operation::new(&client, OPERATION, &table, None);
                    let chunk = op
                        .run(async {
                            let chunk = read_chunk(&client, op, &table, consistent, retry, keys);
                            let chunk = chunk.await?;
                            op.returned_rows(chunk.items.len());
                            Ok(chunk)
                        })
                        .await?;
                    Ok(chunk.value)
                }
            })
            .buffer_unordered(in_flight)
            .boxed()
    }

    async fn run(
        self,
        capacity: Option<CapacityDetail>,
    ) -> Result<Measured<BatchGetOutput<M>>, Error> {
        let client = self.client.clone();
        let table = client.table_name::<M>();
        let op = &Operation::new(&client, OPERATION, &table, capacity);
        let (consistent, retry) = (self.consistent, self.retry);
        op.run(async {
            let mut chunks = self
                .keys
                .chunks(GET_CHUNK)
                .map(|keys| read_chunk(&client, op, &table, consistent, retry, keys))
                .buffer_unordered(self.in_flight);
            let mut output = BatchGetOutput::default();
            while let Some(chunk) = chunks.next().await {
                output.append(chunk?);
            }
            op.returned_rows(output.items.len());
            Ok(output)
        })
        .await
    }
}

measured_operation!(['a, M: Model] BatchGet<'a, M> => BatchGetOutput<M>);

/// Reads one chunk of keys (a key repeated within it is read once), retrying unprocessed keys,
/// and decodes what was found.
async fn read_chunk<M: Model>(
    client: &Client,
    op: &Operation,
    table: &str,
    consistent: bool,
    retry: RetryPolicy,
    keys: Vec<Result<M::Key, Error>>,
) -> Result<BatchGetOutput<M>, Error> {
    let mut items = Vec::with_capacity(keys.len());
    let mut seen = HashSet::with_capacity(keys.len());
    for key in keys {
        let item = key?.to_item()?;
        if seen.insert(canonical_key_bytes(M::SCHEMA, &item)) {
            items.push(item);
        }
    }
    let progress = retry
        .run(items, |pending| {
            get_request(client, op, table, consistent, pending)
        })
        .await?;
    let mut output = BatchGetOutput {
        items: Vec::with_capacity(progress.done.len()),
        ..BatchGetOutput::default()
    };
    for item in progress.done {
        output.items.push(client.decode_item(item).await?);
    }
    for key in progress.left {
        match M::Key::from_item(&key) {
            Ok(key) => output.unprocessed.push(key),
            Err(_) => output.unprocessed_raw.push(key),
        }
    }
    Ok(output)
}

/// One request for up to 100 keys; the keys of a request that failed transiently (see
/// [`transient`]) stay pending.
async fn get_request(
    client: &Client,
    op: &Operation,
    table: &str,
    consistent: bool,
    pending: Vec<Item>,
) -> Result<(Vec<Item>, Vec<Item>), Error> {
    let request = built(
        OPERATION,
        table,
        KeysAndAttributes::builder()
            .set_keys(Some(pending.clone()))
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
        Err(error) if transient(&error) => return Ok((Vec::new(), pending)),
        Err(error) => return Err(Error::from_sdk(OPERATION, table, error)),
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

impl Client {
    /// Reads the items with `keys`, collected: 100 per request, a bounded window in flight,
    /// unprocessed keys retried under [`Client::retry_policy`]. A key named twice is rejected
    /// (`Error::InvalidRequest`) before anything is sent.
    pub fn batch_get<K: ModelKey>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> BatchGet<'static, K::Model> {
        let keys: Vec<K> = keys.into_iter().collect();
        let table = self.table_name::<K::Model>();
        let checked = check_distinct::<K::Model>(
            &table,
            OPERATION,
            keys.iter().map(|key| Ok(key.to_item()?)),
        );
        let keys = match checked {
            Ok(()) => stream::iter(keys.into_iter().map(Ok)).boxed(),
            Err(error) => stream::once(async { Err(error) }).boxed(),
        };
        BatchGet::new(self, keys)
    }

    /// Reads the items with the keys of a stream, as it yields them: 100 per request, a
    /// bounded window in flight, so memory stays bounded however long the stream is. A key
    /// repeated within one chunk of 100 is read once. Await the result for every item at
    /// once, or [`stream`](BatchGet::stream) it chunk by chunk.
    ///
    /// ```no_run
    /// # use dynamate::{Client, Model, ModelKey};
    /// # use futures::{StreamExt, TryStreamExt};
    /// # async fn example<K: ModelKey>(client: &Client, keys: Vec<K>) -> Result<(), dynamate::Error> {
    /// let mut chunks = client.batch_get_stream(futures::stream::iter(keys)).stream();
    /// while let Some(chunk) = chunks.try_next().await? {
    ///     for item in chunk.items { /* ... */ }
    ///     assert!(chunk.unprocessed.is_empty());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn batch_get_stream<'a, K: ModelKey>(
        &self,
        keys: impl futures::Stream<Item = K> + Send + 'a,
    ) -> BatchGet<'a, K::Model> {
        BatchGet::new(self, keys.map(Ok).boxed())
    }
}
