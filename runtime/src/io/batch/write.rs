//! Batch writes: a stream of puts and deletes, sent chunk by chunk with a bounded window in
//! flight, unprocessed writes retried, leftovers returned typed.

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, PutRequest, WriteRequest};
use futures::stream::{self, BoxStream, StreamExt};

use super::{DEFAULT_IN_FLIGHT, WRITE_CHUNK, check_distinct};
use crate::io::client::Client;
use crate::io::error::Error;
use crate::io::ops::{built, check_item_size};
use crate::io::retry::{RetryPolicy, transient};
use crate::io::telemetry::{CapacityDetail, Measured, Operation, measured_operation};
use crate::item::model::{Item, Model, ModelKey, canonical_key_bytes};

const OPERATION: &str = "BatchWriteItem";

/// One write of a batch: a put of a model (owned, or borrowed as `&M`) or a delete by key.
#[derive(Debug, Clone, PartialEq)]
pub enum Write<T, K> {
    /// Puts the item (unconditionally: batch writes take no conditions, so versions are
    /// written as they are).
    Put(T),
    /// Deletes the item with this key.
    Delete(K),
}

/// Puts and deletes of model `M`, collected, for [`Client::batch_write`]. For a large or
/// unbounded input, stream it instead ([`Client::batch_put`], [`Client::batch_write_stream`]).
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

    /// Fails if two writes name one key: the batch is known as a whole, so it is checked as a
    /// whole.
    fn check(&self, table: &str) -> Result<(), Error> {
        let puts = self.puts.iter().map(|model| Ok(model.key().to_item()?));
        let deletes = self.deletes.iter().map(|key| Ok(key.to_item()?));
        check_distinct::<M>(table, OPERATION, puts.chain(deletes))
    }
}

/// The result of a batch write: what is still unwritten after the last attempt, and how many
/// writes were processed. `T` is how the puts were passed in (`M`, or `&M`).
#[derive(Debug)]
pub struct BatchWriteOutput<M: Model, T = M> {
    /// Puts not processed, as they were passed in.
    pub unprocessed_puts: Vec<T>,
    /// Deletes not processed.
    pub unprocessed_deletes: Vec<M::Key>,
    /// Unprocessed writes the server returned that match none of the writes as sent (a put
    /// whose key reads back differently, a delete key that does not parse as `M::Key`): kept
    /// rather than dropped, as DynamoDB returned them, ready to send again with the SDK.
    pub unprocessed_raw: Vec<WriteRequest>,
    /// Writes DynamoDB processed (puts and deletes).
    pub written: u64,
}

impl<M: Model, T> Default for BatchWriteOutput<M, T> {
    fn default() -> Self {
        BatchWriteOutput {
            unprocessed_puts: Vec::new(),
            unprocessed_deletes: Vec::new(),
            unprocessed_raw: Vec::new(),
            written: 0,
        }
    }
}

impl<M: Model, T> BatchWriteOutput<M, T> {
    /// Whether every write was processed.
    pub fn is_complete(&self) -> bool {
        self.unprocessed() == 0
    }

    /// Writes still unprocessed after the last attempt.
    pub fn unprocessed(&self) -> u64 {
        (self.unprocessed_puts.len() + self.unprocessed_deletes.len() + self.unprocessed_raw.len())
            as u64
    }

    fn append(&mut self, mut chunk: BatchWriteOutput<M, T>) {
        self.unprocessed_puts.append(&mut chunk.unprocessed_puts);
        self.unprocessed_deletes
            .append(&mut chunk.unprocessed_deletes);
        self.unprocessed_raw.append(&mut chunk.unprocessed_raw);
        self.written += chunk.written;
    }
}

/// How far a batch write has come: passed to its [`on_progress`](BatchWriteRun::on_progress)
/// callback, and emitted as a `tracing` event (target `dynamate::batch`, level `DEBUG`), after
/// each chunk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchProgress {
    /// Writes processed so far.
    pub written: u64,
    /// Writes given up on so far (unprocessed after the last attempt; in the output).
    pub unprocessed: u64,
    /// Chunks done.
    pub chunks: u64,
}

type ProgressFn<'a> = Box<dyn Fn(BatchProgress) + Send + Sync + 'a>;

/// A batch write, from [`Client::batch_write`], [`Client::batch_put`] or
/// [`Client::batch_write_stream`]; await it. `T` is how puts are passed in (`M`, or `&M`).
#[must_use = "await the operation to run it"]
pub struct BatchWriteRun<'a, M: Model, T = M> {
    client: Client,
    writes: BoxStream<'a, Result<Write<T, M::Key>, Error>>,
    retry: RetryPolicy,
    in_flight: usize,
    on_progress: Option<ProgressFn<'a>>,
}

impl<M: Model, T> std::fmt::Debug for BatchWriteRun<'_, M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchWriteRun")
            .field("retry", &self.retry)
            .field("in_flight", &self.in_flight)
            .finish_non_exhaustive()
    }
}

impl<'a, M: Model, T: AsRef<M> + Send + Sync + 'a> BatchWriteRun<'a, M, T> {
    pub(crate) fn new(
        client: &Client,
        writes: BoxStream<'a, Result<Write<T, M::Key>, Error>>,
    ) -> Self {
        BatchWriteRun {
            client: client.clone(),
            writes,
            retry: client.retry_policy(),
            in_flight: DEFAULT_IN_FLIGHT,
            on_progress: None,
        }
    }

    /// Retry policy for unprocessed writes instead of the client's.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// At most `chunks` requests (of 25 writes each) in flight at once, each with its items
    /// encoded and its offloaded values uploaded (default [`DEFAULT_IN_FLIGHT`]; 0 counts as
    /// 1). Memory grows with this window, not with the input.
    ///
    /// [`DEFAULT_IN_FLIGHT`]: super::DEFAULT_IN_FLIGHT
    pub fn in_flight(mut self, chunks: usize) -> Self {
        self.in_flight = chunks.max(1);
        self
    }

    /// Calls `report` after each chunk with the totals so far (the same figures go to
    /// `tracing` as events).
    pub fn on_progress(mut self, report: impl Fn(BatchProgress) + Send + Sync + 'a) -> Self {
        self.on_progress = Some(Box::new(report));
        self
    }

    async fn run(
        self,
        capacity: Option<CapacityDetail>,
    ) -> Result<Measured<BatchWriteOutput<M, T>>, Error> {
        let client = self.client.clone();
        let table = client.table_name::<M>();
        let op = &Operation::new(&client, OPERATION, &table, capacity);
        op.run(self.write_all(op, &table)).await
    }

    async fn write_all(self, op: &Operation, table: &str) -> Result<BatchWriteOutput<M, T>, Error> {
        let (client, retry) = (&self.client, self.retry);
        let mut chunks = self
            .writes
            .chunks(WRITE_CHUNK)
            .map(|writes| {
                let chunk = Chunk::<M, T> {
                    client,
                    op,
                    table,
                    writes: Vec::with_capacity(writes.len()),
                };
                chunk.write(writes, retry)
            })
            .buffer_unordered(self.in_flight);
        let mut output = BatchWriteOutput::default();
        let mut progress = BatchProgress::default();
        while let Some(done) = chunks.next().await {
            output.append(done?);
            progress = BatchProgress {
                written: output.written,
                unprocessed: output.unprocessed(),
                chunks: progress.chunks + 1,
            };
            tracing::debug!(
                target: "dynamate::batch",
                written = progress.written,
                unprocessed = progress.unprocessed,
                chunks = progress.chunks,
                "batch write progress"
            );
            if let Some(report) = &self.on_progress {
                report(progress);
            }
        }
        Ok(output)
    }
}

measured_operation!(['a, M: Model, T: AsRef<M> + Send + Sync + 'a] BatchWriteRun<'a, M, T> => BatchWriteOutput<M, T>);

/// A write of a chunk still to do: its position in the chunk (`None` for a request the server
/// returned that matches no write of the chunk) and the request to send, when there is one;
/// without one, the write is encoded again (after a request that was lost on the way).
struct Pending {
    index: Option<usize>,
    request: Option<WriteRequest>,
}

/// One chunk of up to 25 writes, with the writes as passed in: kept to encode again after a
/// lost request and to return leftovers typed.
struct Chunk<'c, M: Model, T> {
    client: &'c Client,
    op: &'c Operation,
    table: &'c str,
    writes: Vec<Write<T, M::Key>>,
}

impl<M: Model, T: AsRef<M>> Chunk<'_, M, T> {
    /// Encodes the writes (uploading offloaded values), sends them in runs of distinct keys
    /// (two writes of one key within a chunk go out in input order, in separate requests) and
    /// retries what is unprocessed.
    async fn write(
        mut self,
        writes: Vec<Result<Write<T, M::Key>, Error>>,
        retry: RetryPolicy,
    ) -> Result<BatchWriteOutput<M, T>, Error> {
        let mut first = Vec::with_capacity(writes.len());
        for write in writes {
            let write = write?;
            let request = self.request(&write).await?;
            self.writes.push(write);
            first.push(request);
        }
        let mut left = Vec::new();
        let mut run: Vec<Pending> = Vec::new();
        for (index, request) in first.into_iter().enumerate() {
            let key = key_values::<M>(&request);
            let repeats = run.iter().any(|p| {
                p.request
                    .as_ref()
                    .is_some_and(|r| key_values::<M>(r) == key)
            });
            if repeats {
                left.extend(self.send_run(std::mem::take(&mut run), retry).await?);
            }
            run.push(Pending {
                index: Some(index),
                request: Some(request),
            });
        }
        left.extend(self.send_run(run, retry).await?);
        Ok(self.leftovers(left))
    }

    /// The request of one write: the put's item encoded (its offloaded values stored first) or
    /// the delete's key.
    async fn request(&self, write: &Write<T, M::Key>) -> Result<WriteRequest, Error> {
        let table = self.table;
        Ok(match write {
            Write::Put(model) => {
                let item = self.client.encode_item(model.as_ref()).await?;
                check_item_size(table, &item)?;
                let put = PutRequest::builder().set_item(Some(item)).build();
                WriteRequest::builder()
                    .put_request(built(OPERATION, table, put)?)
                    .build()
            }
            Write::Delete(key) => {
                let delete = DeleteRequest::builder()
                    .set_key(Some(key.to_item()?))
                    .build();
                WriteRequest::builder()
                    .delete_request(built(OPERATION, table, delete)?)
                    .build()
            }
        })
    }

    /// Sends a run of writes with distinct keys, retrying unprocessed ones; returns what is
    /// left after the last attempt.
    async fn send_run(&self, run: Vec<Pending>, retry: RetryPolicy) -> Result<Vec<Pending>, Error> {
        Ok(retry.run(run, |pending| self.attempt(pending)).await?.left)
    }

    /// One request with every pending write of a run.
    async fn attempt(&self, pending: Vec<Pending>) -> Result<(Vec<()>, Vec<Pending>), Error> {
        let mut requests = Vec::with_capacity(pending.len());
        // What to retry if the request is lost: writes of the chunk are encoded again, a
        // returned request that matches none is kept as a copy (never expected).
        let mut resend = Vec::with_capacity(pending.len());
        for Pending { index, request } in pending {
            let request = match (request, index) {
                (Some(request), _) => request,
                (None, Some(index)) => self.request(&self.writes[index]).await?,
                (None, None) => continue,
            };
            resend.push(Pending {
                index,
                request: index.is_none().then(|| request.clone()),
            });
            requests.push(request);
        }
        let sent = self
            .client
            .dynamodb()
            .batch_write_item()
            .request_items(self.table, requests)
            .set_return_consumed_capacity(self.op.return_capacity())
            .send()
            .await;
        self.op.response(&sent);
        match sent {
            Ok(mut output) => {
                let unprocessed = output
                    .unprocessed_items
                    .as_mut()
                    .and_then(|u| u.remove(self.table))
                    .unwrap_or_default();
                Ok((Vec::new(), self.matched(&resend, unprocessed)))
            }
            Err(error) if transient(&error) => Ok((Vec::new(), resend)),
            Err(error) => Err(Error::from_sdk(OPERATION, self.table, error)),
        }
    }

    /// The unprocessed requests the server returned, each matched to the write of the run
    /// with its key.
    fn matched(&self, run: &[Pending], unprocessed: Vec<WriteRequest>) -> Vec<Pending> {
        // Canonical keys (numbers normalised), computed only when something is unprocessed.
        let keys: Vec<(usize, Vec<u8>)> = if unprocessed.is_empty() {
            Vec::new()
        } else {
            run.iter()
                .filter_map(|p| p.index)
                .map(|i| (i, self.canonical_key(i)))
                .collect()
        };
        unprocessed
            .into_iter()
            .map(|request| {
                let key = request_key::<M>(&request);
                let index = keys.iter().find(|(_, k)| *k == key).map(|(i, _)| *i);
                Pending {
                    index,
                    request: Some(request),
                }
            })
            .collect()
    }

    /// The canonical key of write `index` (empty, so matching nothing, if it does not encode).
    fn canonical_key(&self, index: usize) -> Vec<u8> {
        let key = match &self.writes[index] {
            Write::Put(model) => model.as_ref().key().to_item(),
            Write::Delete(key) => key.to_item(),
        };
        key.map(|item| canonical_key_bytes(M::SCHEMA, &item))
            .unwrap_or_default()
    }

    /// The output of the chunk: every write not in `left` was processed; those in `left` come
    /// back as they were passed in.
    fn leftovers(self, left: Vec<Pending>) -> BatchWriteOutput<M, T> {
        let mut output = BatchWriteOutput {
            written: (self.writes.len() - left.iter().filter(|p| p.index.is_some()).count()) as u64,
            ..BatchWriteOutput::default()
        };
        let mut writes: Vec<Option<Write<T, M::Key>>> = self.writes.into_iter().map(Some).collect();
        for Pending { index, request } in left {
            match index.and_then(|i| writes[i].take()) {
                Some(Write::Put(model)) => output.unprocessed_puts.push(model),
                Some(Write::Delete(key)) => output.unprocessed_deletes.push(key),
                None => output.unprocessed_raw.extend(request),
            }
        }
        output
    }
}

/// The item or key map a write request names.
fn request_item(request: &WriteRequest) -> Option<&Item> {
    match (&request.put_request, &request.delete_request) {
        (Some(put), _) => Some(&put.item),
        (None, Some(delete)) => Some(&delete.key),
        (None, None) => None,
    }
}

/// The canonical key of a write request (as the server returned it).
fn request_key<M: Model>(request: &WriteRequest) -> Vec<u8> {
    request_item(request)
        .map(|item| canonical_key_bytes(M::SCHEMA, item))
        .unwrap_or_default()
}

/// The key attribute values of a request this batch encoded, compared as they are: dynamate
/// writes numbers in normal form, so equal keys are equal values (no copy on the hot path).
fn key_values<M: Model>(request: &WriteRequest) -> [Option<&AttributeValue>; 2] {
    let key = M::SCHEMA.key;
    let item = request_item(request);
    let value = |name: &str| item.and_then(|item| item.get(name));
    [
        value(key.hash.name),
        key.range.and_then(|range| value(range.name)),
    ]
}

/// One attempt of a batch write of raw requests (the tracker's deletes): every pending
/// request, in chunks of 25 moved into their requests, 4 in flight; chunks that failed
/// transiently stay pending, with what the server left unprocessed.
pub(crate) async fn write_chunks(
    client: &Client,
    op: &Operation,
    table: &str,
    pending: Vec<WriteRequest>,
) -> Result<(Vec<()>, Vec<WriteRequest>), Error> {
    let mut chunks = Vec::with_capacity(pending.len().div_ceil(WRITE_CHUNK));
    let mut requests = pending.into_iter().peekable();
    while requests.peek().is_some() {
        chunks.push(requests.by_ref().take(WRITE_CHUNK).collect::<Vec<_>>());
    }
    let left: Vec<Vec<WriteRequest>> = stream::iter(chunks)
        .map(|chunk| write_raw_chunk(client, op, table, chunk))
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    Ok((Vec::new(), left.into_iter().flatten().collect()))
}

async fn write_raw_chunk(
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
        Err(error) => Err(Error::from_sdk(OPERATION, table, error)),
    }
}

impl Client {
    /// Runs `writes`, collected, 25 per request, retrying unprocessed ones under
    /// [`Client::retry_policy`]; the output holds what is still unwritten after the last
    /// attempt. Two writes of one key are rejected (`Error::InvalidRequest`) before anything is
    /// sent.
    pub fn batch_write<M: Model>(&self, writes: BatchWrite<M>) -> BatchWriteRun<'static, M> {
        let table = self.table_name::<M>();
        let stream = match writes.check(&table) {
            Err(error) => stream::once(async { Err(error) }).boxed(),
            Ok(()) => {
                let puts = writes.puts.into_iter().map(Write::Put);
                let deletes = writes.deletes.into_iter().map(Write::Delete);
                stream::iter(puts.chain(deletes).map(Ok)).boxed()
            }
        };
        BatchWriteRun::new(self, stream)
    }

    /// Puts every item of `items`, owned (`Vec<M>`, any iterator of `M`) or borrowed (`&[M]`,
    /// any iterator of `&M`), streamed: 25 per request, a bounded window of requests in flight
    /// ([`BatchWriteRun::in_flight`]), unprocessed ones retried under
    /// [`Client::retry_policy`]. Memory is bounded by the window, not by the number of items.
    ///
    /// Items are read as the window frees up, so an iterator that produces them lazily is
    /// never held in memory as a whole. Two puts of one key within one chunk of 25 are sent in
    /// order in separate requests; in different chunks they land in no defined order.
    ///
    /// ```no_run
    /// # use dynamate::{Client, Model};
    /// # async fn example<M: Model + std::fmt::Debug>(client: &Client, items: Vec<M>) -> Result<(), dynamate::Error> {
    /// let written = client.batch_put(&items).await?; // borrowed; `items` stays yours
    /// assert!(written.is_complete(), "unwritten: {:?}", written.unprocessed_puts);
    /// # Ok(()) }
    /// ```
    pub fn batch_put<'a, M: Model, T: AsRef<M> + Send + Sync + 'a>(
        &self,
        items: impl IntoIterator<Item = T, IntoIter: Send + 'a>,
    ) -> BatchWriteRun<'a, M, T> {
        let writes = items.into_iter().map(|item| Ok(Write::Put(item)));
        BatchWriteRun::new(self, stream::iter(writes).boxed())
    }

    /// Runs the puts and deletes of a stream, as [`Client::batch_put`] does puts.
    pub fn batch_write_stream<'a, M: Model, T: AsRef<M> + Send + Sync + 'a>(
        &self,
        writes: impl futures::Stream<Item = Write<T, M::Key>> + Send + 'a,
    ) -> BatchWriteRun<'a, M, T> {
        BatchWriteRun::new(self, writes.map(Ok).boxed())
    }
}

impl<'a, M: Model> BatchWriteRun<'a, M> {
    /// Deletes the items with the keys of `keys`, a stream that may fail (the keys of a query or
    /// scan); its first error ends the batch.
    pub(crate) fn delete_keys(client: &Client, keys: BoxStream<'a, Result<M::Key, Error>>) -> Self {
        BatchWriteRun::new(client, keys.map(|key| key.map(Write::Delete)).boxed())
    }
}
