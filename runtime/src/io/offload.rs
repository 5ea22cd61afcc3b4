//! S3 offload of large attributes: create-only uploads of content-addressed objects before the
//! item is written and verified fetches on read, through an [`ObjectStore`]. The
//! [sweep](crate::io::sweep) removes unreferenced objects.
//!
//! # Stored form
//!
//! An offloaded value is stored in S3 under `{prefix}/{table}/{attribute}/{sha256}` (`table` the
//! table's run-time name, with the [`Client`](crate::Client)'s table prefix and suffix; the SHA-256 of the
//! stored, i.e. compressed and/or encrypted, bytes, in lowercase hex), so identical values of
//! one table's attribute share one object. The item holds an `M` pointer
//! `{ s3: "s3://bucket/key", size: N, sha256: S }` (see [`crate::item::transform`]); values under an
//! attribute's offload threshold stay inline as `B`.
//!
//! # Writes ([`ObjectStore::upload`])
//!
//! [`Client::encode_item`](crate::Client::encode_item)(crate::Client::encode_item) uploads first and returns the item only when every object exists, so an
//! item never points at a missing object; if an upload fails the caller gets
//! [`OffloadError::Upload`] (or [`OffloadError::UploadConflict`]) and must not (and, through the
//! client, cannot) write the item.
//!
//! - A new value costs exactly one request: `PutObject` with `If-None-Match: *`. Objects larger
//!   than [`MULTIPART_THRESHOLD`] go through a multipart upload of [`PART_SIZE`] parts, equally
//!   create-only (`CompleteMultipartUpload` with `If-None-Match: *`), aborted on failure.
//! - Only "already exists" (HTTP 412 `PreconditionFailed`) means the value was stored before
//!   (deduplication). A 409 `ConditionalRequestConflict` means another write of the same key is in
//!   flight: the request is repeated, like one answered with a 5xx or throttling error or lost
//!   with its connection, under the client's [`crate::io::retry::RetryPolicy`] (capped, jittered
//!   exponential backoff; [`crate::ClientBuilder::retry_policy`]). A 409 on every attempt fails
//!   the write with [`OffloadError::UploadConflict`]; other errors with [`OffloadError::Upload`]. An existing object is then
//!   *refreshed*: copied onto itself (`CopyObject`, metadata `REPLACE`), which sets
//!   its `LastModified` to now. This second request is what makes deduplication safe against a
//!   concurrent [sweep](crate::io::sweep): see "Race safety" below. If the refresh finds the object gone
//!   (a sweep deleted it in between), the value is uploaded again.
//! - An unchanged value costs nothing: [`Client::encode_item_replacing`](crate::Client::encode_item_replacing) skips the objects the
//!   stored item already points at (the caller must condition its write on that stored item, for
//!   example with the version attribute, so the reference is never interrupted).
//! - All objects of an item, and of several items ([`Client::encode_items`](crate::Client::encode_items)), upload concurrently,
//!   at most [`MAX_CONCURRENT_REQUESTS`] at a time.
//! - Updates write a new pointer (a new value gets its own object); deletes remove the item only.
//!   Objects are never deleted inline, because another item may share them: the sweep removes them.
//!
//! # Reads ([`ObjectStore::fetch`])
//!
//! [`Client::decode_item`](crate::Client::decode_item) follows only pointers the attribute could have written
//! ([`crate::TransformContext::accepts_pointer`]): the attribute's bucket (after overrides) and a key
//! exactly `{prefix}/{table}/{attribute}/` followed by the SHA-256 the pointer records (or the
//! same under the declared table name, where earlier versions stored objects). Any other
//! pointer, such as one rewritten by someone who can write items but not read S3, to another
//! bucket, table or attribute, is [`OffloadError::ForeignPointer`] and nothing is fetched. It
//! then fetches the objects concurrently, checks size and SHA-256 and puts the bytes in place of
//! the pointer before decoding. A missing object is [`OffloadError::Missing`], a different one
//! [`OffloadError::Corrupted`]. The errors name the table, the item's primary key, the attribute
//! and the pointer's URI, and never anything about an object found (its size, hash or content).
//!
//! Reads that do not need the offloaded values skip S3 in one of two ways:
//! - leave the attributes out of the request (a `ProjectionExpression` without them): there is no
//!   pointer in the item, so nothing is fetched;
//! - read them but pass [`Offloaded::Skip`] to [`Client::decode_item_with`](crate::Client::decode_item_with): pointers are dropped
//!   unfetched. An optional offloaded field then reads as `None`; a required one fails with
//!   [`TransformError::NotFetched`] naming its URI
//!   (a model cannot hold a value it does not have). Operations expose this as a read option;
//!   [`Offloaded::Fetch`] is the default.
//!
//! # Tracing
//!
//! Each object an upload stores runs in an `offload.upload` span (`DEBUG`, target `dynamate`)
//! with `aws.s3.bucket`, `aws.s3.key`, `dynamate.offload.table`, `dynamate.offload.attribute`,
//! `dynamate.offload.size` and `dynamate.offload.created` (`false` when the object existed and
//! was only refreshed); each fetch in an `offload.fetch` span with the same location fields and
//! the pointer's size. Both record `error.type` on failure and are children of the operation's
//! span (see [`crate::io::telemetry`]).
//!
//! # Race safety of deduplication and sweep
//!
//! The sweep deletes an object only if (1) its `LastModified` is older than the grace period when
//! the sweep starts, (2) no item of a strongly consistent scan, started after the listing,
//! references it, and (3) a `HeadObject` right before the delete still shows it older than the
//! grace period (in a versioned bucket the delete then names the version seen by that `HeadObject`).
//!
//! Assumption (needed by any grace-period collector): a save writes its item within the grace
//! period after its S3 request. Then every object a save relies on has `LastModified` at or after
//! that request: a created object trivially, a deduplicated one because of the refresh. So an item
//! written after the scan started points at an object that is "young" from the save's S3 request
//! on, and the re-check (3) sees it young unless the refresh lands between that `HeadObject` and
//! the `DeleteObject` of the same object. In a versioned bucket even that cannot lose data: the
//! refresh made a new version and the delete removes only the old one. S3 has no delete
//! conditional on `LastModified` for general-purpose buckets, so in an unversioned bucket this
//! one-round-trip window remains; enable versioning (with a lifecycle rule expiring noncurrent
//! versions) to close it. Items written before the scan started are seen by the scan.
//!
//! Each table's objects are its own: object keys use the run-time table name, so environments
//! that share a bucket (`dev-urls`, `prod-urls`) never share objects, and a sweep for one table
//! lists and deletes only objects under that table's name. Objects that earlier versions stored
//! under the declared table name (shared by every environment) stay readable (see
//! [`crate::TransformContext::with_legacy_object_keys`]) but are never swept, since no single table
//! can tell whether another still references them.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::io::retry::RetryPolicy;
use crate::item::error::{CodecError, DecodeError, ValueError};
use crate::item::model::{Item, TableSchema};
use crate::item::transform::{Pointer, TransformContext, TransformError};

mod fetch;
mod upload;

pub use upload::{MULTIPART_THRESHOLD, PART_SIZE};

/// Concurrent S3 requests of one upload or fetch call (and of the sweep's deletions).
pub const MAX_CONCURRENT_REQUESTS: usize = 16;

/// What uploads and fetches of offloaded values need: the S3 client, the transform context
/// (bucket and prefix overrides, the table names in object keys), the retry policy and how many
/// requests may be in flight. Not the whole [`Client`](crate::Client), so this module does not
/// depend on it (the client depends on this module).
///
/// Low-level: every operation of [`Client`](crate::Client) uploads and fetches through one
/// ([`Client::object_store`](crate::Client::object_store)); use it directly only to move
/// objects outside an operation, as the benchmarks do.
#[derive(Debug, Clone, Copy)]
pub struct ObjectStore<'a> {
    s3: &'a aws_sdk_s3::Client,
    transforms: &'a TransformContext,
    retry_policy: RetryPolicy,
    concurrency: usize,
}

impl<'a> ObjectStore<'a> {
    /// Requests go through `s3`, object locations follow `transforms`, conflicting and
    /// transient failures of uploads are retried under `retry_policy`; at most
    /// [`MAX_CONCURRENT_REQUESTS`] objects are in flight.
    pub(crate) fn new(
        s3: &'a aws_sdk_s3::Client,
        transforms: &'a TransformContext,
        retry_policy: RetryPolicy,
    ) -> Self {
        ObjectStore {
            s3,
            transforms,
            retry_policy,
            concurrency: MAX_CONCURRENT_REQUESTS,
        }
    }

    /// At most `limit` objects in flight per call (1 moves one at a time).
    pub fn with_concurrency(self, limit: usize) -> Self {
        ObjectStore {
            concurrency: limit.max(1),
            ..self
        }
    }
}

/// The content type of every object (moto stores an empty body for a missing one, which the SDK
/// would send as `application/x-www-form-urlencoded`).
const CONTENT_TYPE: &str = "application/octet-stream";

/// Any error, as the cause of an [`OffloadError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Uploading, fetching or sweeping offloaded values failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OffloadError {
    /// An object could not be uploaded; the item was not written.
    #[error(
        "cannot upload attribute `{attribute}` of table `{table}` to {uri}, so the item was not \
         written. Check that the bucket exists (or override it with \
         `TransformContext::with_bucket_override`) and that the credentials allow s3:PutObject"
    )]
    Upload {
        /// Table name as declared in the schema.
        table: &'static str,
        /// Attribute.
        attribute: &'static str,
        /// `s3://bucket/key` of the object.
        uri: String,
        /// The S3 error.
        source: BoxError,
    },
    /// A create-only upload kept meeting a conflicting write of the same object (S3 answered
    /// 409 `ConditionalRequestConflict` to every attempt); the item was not written.
    #[error(
        "cannot upload attribute `{attribute}` of table `{table}` to {uri}, so the item was not \
         written: the upload conflicted with another write of the same object on all \
         {attempts} attempts (S3 answered 409 ConditionalRequestConflict). The conflict is \
         temporary: retry the write"
    )]
    UploadConflict {
        /// Table name as declared in the schema.
        table: &'static str,
        /// Attribute.
        attribute: &'static str,
        /// `s3://bucket/key` of the object.
        uri: String,
        /// Attempts made (see [`crate::ClientBuilder::retry_policy`]).
        attempts: u32,
        /// The last S3 error.
        source: BoxError,
    },
    /// An item points at an object that does not exist.
    #[error(
        "cannot read attribute `{attribute}` of item {item} in table `{table}`: {uri} does not \
         exist. dynamate never deletes a referenced object, so it was deleted by something else \
         (or the item was written without dynamate); restore it or rewrite the attribute"
    )]
    Missing {
        /// Table name as declared in the schema.
        table: &'static str,
        /// The item's primary key, such as `url = "https://example.com"`.
        item: String,
        /// Attribute.
        attribute: &'static str,
        /// `s3://bucket/key` of the object.
        uri: String,
    },
    /// An object's content does not match the pointer's size and SHA-256.
    #[error(transparent)]
    Corrupted(Box<Corruption>),
    /// An item's pointer is not one its attribute could have written (another bucket, another
    /// table's or attribute's prefix, a key not ending in the recorded hash); nothing was
    /// fetched.
    #[error(transparent)]
    ForeignPointer(Box<ForeignPointer>),
    /// An object could not be fetched.
    #[error(
        "cannot fetch attribute `{attribute}` of item {item} in table `{table}` from {uri}. \
         Check the endpoint and that the credentials allow s3:GetObject"
    )]
    Fetch {
        /// Table name as declared in the schema.
        table: &'static str,
        /// The item's primary key.
        item: String,
        /// Attribute.
        attribute: &'static str,
        /// `s3://bucket/key` of the object.
        uri: String,
        /// The S3 error.
        source: BoxError,
    },
    /// The stored pointer is malformed.
    #[error("cannot read attribute `{attribute}` of item {item} in table `{table}`")]
    BadPointer {
        /// Table name as declared in the schema.
        table: &'static str,
        /// The item's primary key.
        item: String,
        /// Attribute.
        attribute: &'static str,
        /// What is wrong with the pointer.
        source: TransformError,
    },
    /// [`Client::create_bucket_if_missing`](crate::Client::create_bucket_if_missing) could
    /// neither find nor create the bucket.
    #[error("cannot create the offload bucket `{bucket}`: {reason}")]
    CreateBucket {
        /// The bucket's name.
        bucket: String,
        /// What went wrong and what to check.
        reason: &'static str,
        /// The S3 error.
        source: BoxError,
    },
    /// A sweep step failed; nothing after it ran.
    #[error("sweep of {location} failed while {step}")]
    Sweep {
        /// The table or `s3://bucket/prefix` being worked on.
        location: String,
        /// What the sweep was doing, such as `listing objects`.
        step: &'static str,
        /// The underlying error.
        source: BoxError,
    },
}

/// What [`OffloadError::Corrupted`] reports (boxed, so that every `Result` carrying the error
/// stays small). Only what the item's pointer says: nothing about the object found, which the
/// item's writer may not be allowed to know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot read attribute `{attribute}` of item {item} in table `{table}`: the object {uri} does \
     not match its pointer ({expected_size} bytes with SHA-256 {expected_sha256}). It was \
     changed outside dynamate; restore it or rewrite the attribute"
)]
pub struct Corruption {
    /// Table name as declared in the schema.
    pub table: &'static str,
    /// The item's primary key.
    pub item: String,
    /// Attribute.
    pub attribute: &'static str,
    /// `s3://bucket/key` of the object.
    pub uri: String,
    /// Size recorded in the pointer.
    pub expected_size: u64,
    /// SHA-256 recorded in the pointer.
    pub expected_sha256: String,
}

/// What [`OffloadError::ForeignPointer`] reports: the pointer and where the attribute's objects
/// are, nothing about any object (none was fetched).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot read attribute `{attribute}` of item {item} in table `{table}`: its pointer {uri} is \
     not one this attribute writes, so it was not followed (the attribute's objects are \
     {expected}<the SHA-256 the pointer records>). The item was changed outside dynamate, or \
     written with another bucket, prefix or table name; check the client's overrides and table \
     prefix, or rewrite the attribute"
)]
pub struct ForeignPointer {
    /// Table name as declared in the schema.
    pub table: &'static str,
    /// The item's primary key.
    pub item: String,
    /// Attribute.
    pub attribute: &'static str,
    /// The `s3://bucket/key` the pointer names.
    pub uri: String,
    /// `s3://bucket/prefix/` under which this attribute stores its objects.
    pub expected: String,
}

/// The HTTP status of a failed SDK request, if a response arrived.
pub(crate) fn http_status<E>(error: &SdkError<E, HttpResponse>) -> Option<u16> {
    error
        .raw_response()
        .map(|response| response.status().as_u16())
}

/// What a read does with offloaded attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Offloaded {
    /// Fetch and verify every offloaded value the item points at (the default).
    #[default]
    Fetch,
    /// Do not touch S3: optional offloaded fields read as `None`, required ones fail with
    /// [`TransformError::NotFetched`].
    Skip,
}

/// The offloaded attributes of `item` that hold a pointer (not an inline value), in schema order.
pub(crate) fn stored_pointers(
    schema: &'static TableSchema,
    item: &Item,
) -> Result<Vec<(&'static str, Pointer)>, OffloadError> {
    let offloaded = schema
        .fields
        .iter()
        .filter(|field| field.transform.offload.is_some());
    let mut pointers = Vec::new();
    for field in offloaded {
        match item.get(field.name).and_then(Pointer::from_stored) {
            None => {}
            Some(Ok(pointer)) => pointers.push((field.name, pointer)),
            Some(Err(source)) => {
                return Err(OffloadError::BadPointer {
                    table: schema.table_name,
                    item: describe_key(schema, item),
                    attribute: field.name,
                    source,
                });
            }
        }
    }
    Ok(pointers)
}

/// The item's primary key for messages: `url = "https://example.com"`.
fn describe_key(schema: &TableSchema, item: &Item) -> String {
    let names = std::iter::once(schema.key.hash.name).chain(schema.key.range.map(|r| r.name));
    names
        .map(|name| match item.get(name) {
            Some(AttributeValue::S(s)) => format!("{name} = {s:?}"),
            Some(AttributeValue::N(n)) => format!("{name} = {n}"),
            Some(AttributeValue::B(b)) => format!("{name} = <{} bytes>", b.as_ref().len()),
            Some(_) | None => format!("{name} = <missing>"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A required attribute that was skipped reads as missing; say that it was not fetched instead.
pub(crate) fn not_fetched(error: DecodeError, skipped: &[(&'static str, Pointer)]) -> DecodeError {
    let pointer = skipped
        .iter()
        .find(|(attribute, _)| *attribute == error.attribute);
    match (pointer, &error.cause) {
        (Some((_, pointer)), CodecError::Value(ValueError::Missing)) => DecodeError {
            cause: TransformError::NotFetched { uri: pointer.uri() }.into(),
            ..error
        },
        _ => error,
    }
}

/// Replaces one pointer of `item` by the fetched bytes.
fn put_bytes(item: &mut Item, attribute: &str, bytes: Vec<u8>) {
    item.insert(attribute.to_string(), AttributeValue::B(Blob::new(bytes)));
}
