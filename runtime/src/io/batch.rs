//! Batch reads and writes, streamed: chunked to DynamoDB's limits (100 keys per
//! `BatchGetItem`, 25 writes per `BatchWriteItem`), with a bounded number of chunks in flight
//! ([`DEFAULT_IN_FLIGHT`], or `in_flight(n)`), so memory is bounded by that window and not by
//! the size of the input: a batch of any size reads its input (an iterator or a stream, of
//! owned or borrowed models) one chunk at a time, encodes it, sends it and lets it go.
//!
//! Unprocessed items are retried under the client's [`RetryPolicy`] (capped, jittered
//! exponential backoff, a cap on attempts), chunk by chunk. A chunk that is throttled, answered
//! with a 5xx or lost on the way (timeout, dropped connection) counts as unprocessed as a
//! whole, as batch reads and unconditional batch writes are safe to repeat. What is still
//! unprocessed after the last attempt comes back in the output, typed; nothing is ever
//! dropped. Any other error (missing table, invalid request) ends the batch as an error; what
//! was written before it stays written.
//!
//! Offloaded attributes are uploaded while their chunk is encoded, inside the same window, and
//! a chunk is sent only once all its objects are stored: an item is never written before its
//! objects.
//!
//! [`RetryPolicy`]: crate::io::retry::RetryPolicy

mod get;
mod write;

pub use get::{BatchGet, BatchGetOutput};
pub(crate) use write::write_chunks;
pub use write::{BatchProgress, BatchWrite, BatchWriteOutput, BatchWriteRun, Write};

use std::collections::HashSet;

use crate::io::error::Error;
use crate::item::model::{Item, Model, canonical_key_bytes};

/// Keys per `BatchGetItem` request.
pub const GET_CHUNK: usize = 100;
/// Writes per `BatchWriteItem` request.
pub const WRITE_CHUNK: usize = 25;
/// Chunks in flight at once unless a batch sets `in_flight(n)`: 8 requests of 25 writes (or
/// 100 keys) keep one client's connection pool busy without queueing on it.
pub const DEFAULT_IN_FLIGHT: usize = 8;

/// Rejects a batch, given as a whole, that names one key twice (DynamoDB rejects duplicate
/// keys within one request, and two writes of one key in different chunks would land in no
/// defined order); `keys` are the key maps of every read or write.
fn check_distinct<M: Model>(
    table: &str,
    operation: &'static str,
    keys: impl IntoIterator<Item = Result<Item, Error>>,
) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for item in keys {
        let item = item?;
        if !seen.insert(canonical_key_bytes(M::SCHEMA, &item)) {
            return Err(Error::invalid(
                operation,
                table,
                format!(
                    "the batch holds the key {item:?} twice; DynamoDB rejects duplicate keys in a batch, so keep one per key"
                ),
            ));
        }
    }
    Ok(())
}
