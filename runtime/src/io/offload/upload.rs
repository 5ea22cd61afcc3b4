//! Create-only uploads: one `PutObject` (`If-None-Match: *`) per new value, a refresh by
//! `CopyObject` for a deduplicated one, multipart for large objects.

use std::collections::HashSet;
use std::future::Future;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, MetadataDirective};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tracing::Instrument;
use tracing::field::Empty;

use super::{BoxError, CONTENT_TYPE, ObjectStore, OffloadError, http_status};
use crate::io::retry::RetryPolicy;
use crate::item::transform::PendingUpload;

/// Objects larger than this many bytes are uploaded in parts.
pub const MULTIPART_THRESHOLD: usize = 8 * 1024 * 1024;

/// Size of every part of a multipart upload but the last.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// Parts of one multipart upload sent at a time.
const CONCURRENT_PARTS: usize = 4;

impl ObjectStore<'_> {
    /// Uploads every pending object (create-only, at most [`ObjectStore::with_concurrency`]
    /// at a time); the item may be written only after this succeeds.
    ///
    /// Every started upload runs to its end even when another one fails, so a failed multipart
    /// upload is always aborted; the first error is returned.
    pub async fn upload(&self, uploads: Vec<PendingUpload>) -> Result<(), OffloadError> {
        let mut seen = HashSet::new();
        let unique = uploads
            .into_iter()
            .filter(|upload| seen.insert((upload.bucket.clone(), upload.key.clone())));
        let results: Vec<_> = stream::iter(unique)
            .map(|upload| upload_one(self.s3, &self.retry_policy, upload))
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        results.into_iter().collect()
    }

    /// Uploads the pending objects of several items at once; none of the items may be written
    /// unless this succeeds.
    pub(crate) async fn upload_many(
        &self,
        uploads: Vec<Vec<PendingUpload>>,
    ) -> Result<(), OffloadError> {
        self.upload(uploads.into_iter().flatten().collect()).await
    }
}

async fn upload_one(
    s3: &aws_sdk_s3::Client,
    policy: &RetryPolicy,
    upload: PendingUpload,
) -> Result<(), OffloadError> {
    let uri = upload.uri();
    let (table, attribute) = (upload.table, upload.attribute);
    let object = Object {
        bucket: upload.bucket,
        key: upload.key,
        bytes: Bytes::from(upload.bytes),
    };
    let span = tracing::debug_span!(
        target: "dynamate",
        "offload.upload",
        aws.s3.bucket = object.bucket.as_str(),
        aws.s3.key = object.key.as_str(),
        dynamate.offload.table = table,
        dynamate.offload.attribute = attribute,
        dynamate.offload.size = object.bytes.len(),
        dynamate.offload.created = Empty,
        error.type = Empty,
    );
    let result = ensure_fresh(s3, policy, &object)
        .instrument(span.clone())
        .await;
    match &result {
        Ok(created) => span.record("dynamate.offload.created", created),
        Err(failed) => span.record("error.type", failed.kind.as_str()),
    };
    result.map(drop).map_err(|failed| match failed.kind {
        Kind::Conflict => OffloadError::UploadConflict {
            table,
            attribute,
            uri,
            attempts: failed.attempts,
            source: failed.error,
        },
        Kind::Transient | Kind::Fatal => OffloadError::Upload {
            table,
            attribute,
            uri,
            source: failed.error,
        },
    })
}

/// One object to store.
struct Object {
    bucket: String,
    key: String,
    bytes: Bytes,
}

impl Object {
    fn is_large(&self) -> bool {
        self.bytes.len() > MULTIPART_THRESHOLD
    }
}

/// What a create-only write found.
enum Created {
    /// The object did not exist and was written.
    New,
    /// The object existed already (412 to the create-only write).
    Existing,
}

/// A failed S3 request (the last one, when retried), classified.
#[derive(Debug)]
struct Failed {
    kind: Kind,
    error: BoxError,
    /// Attempts made (set by [`retried`]).
    attempts: u32,
}

/// Whether a failed request is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 409: a conflicting write to the same key is in flight; repeat it.
    Conflict,
    /// 5xx, throttling, a timeout or a failed connection; repeat it.
    Transient,
    /// Anything else (no such bucket, access denied, ...): repeating cannot help.
    Fatal,
}

impl Kind {
    /// The value of `error.type` on the upload's span.
    fn as_str(self) -> &'static str {
        match self {
            Kind::Conflict => "conflict",
            Kind::Transient => "transient",
            Kind::Fatal => "fatal",
        }
    }
}

impl Failed {
    fn fatal(error: impl Into<BoxError>) -> Self {
        Failed {
            kind: Kind::Fatal,
            error: error.into(),
            attempts: 1,
        }
    }
}

impl<E> From<SdkError<E, HttpResponse>> for Failed
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn from(error: SdkError<E, HttpResponse>) -> Self {
        let kind = if http_status(&error) == Some(409) {
            Kind::Conflict
        } else if crate::io::retry::transient(&error) {
            Kind::Transient
        } else {
            Kind::Fatal
        };
        Failed {
            kind,
            error: error.into(),
            attempts: 1,
        }
    }
}

/// Runs `request` under `policy`, repeating conflicts and transient failures.
async fn retried<T, F, Fut>(policy: &RetryPolicy, mut request: F) -> Result<T, Failed>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failed>>,
{
    let mut attempts = 0;
    let attempt = || {
        attempts += 1;
        request()
    };
    let result = policy
        .retry(attempt, |failed: &Failed| failed.kind != Kind::Fatal)
        .await;
    result.map_err(|failed| Failed { attempts, ..failed })
}

/// Makes sure the object exists with a `LastModified` from now on; `true` when this call
/// created it, `false` when it existed (deduplicated).
///
/// A new small value: one create-only `PutObject`. An existing one: that request plus a refresh.
/// A large value is refreshed first (one request, no transfer if it exists) and uploaded in parts
/// only if missing. Each request is repeated under `policy` on a 409, a 5xx, throttling or a
/// failed connection; only a 412 means that the object exists.
async fn ensure_fresh(
    s3: &aws_sdk_s3::Client,
    policy: &RetryPolicy,
    object: &Object,
) -> Result<bool, Failed> {
    let refresh = || retried(policy, || refresh(s3, object));
    let create = || retried(policy, || create(s3, object));
    if object.is_large() && refresh().await? {
        return Ok(false);
    }
    match create().await? {
        Created::New => Ok(true),
        Created::Existing if refresh().await? => Ok(false),
        // Deleted between the two requests (a sweep): store it again. "Existing" now means a
        // concurrent writer has just created it, which is as fresh as our own write.
        Created::Existing => create().await.map(|again| matches!(again, Created::New)),
    }
}

async fn create(s3: &aws_sdk_s3::Client, object: &Object) -> Result<Created, Failed> {
    if object.is_large() {
        create_multipart(s3, object).await
    } else {
        let result = s3
            .put_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .if_none_match("*")
            .content_type(CONTENT_TYPE)
            .body(ByteStream::from(object.bytes.clone()))
            .send()
            .await;
        created(result)
    }
}

/// The outcome of a create-only write: only 412 means "exists"; a 409 is a conflicting write in
/// flight, never taken for success.
fn created<T, E>(result: Result<T, SdkError<E, HttpResponse>>) -> Result<Created, Failed>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(Created::New),
        Err(error) if http_status(&error) == Some(412) => Ok(Created::Existing),
        Err(error) => Err(error.into()),
    }
}

/// Copies the object onto itself so its `LastModified` is now; `false` if it does not exist.
async fn refresh(s3: &aws_sdk_s3::Client, object: &Object) -> Result<bool, Failed> {
    let result = s3
        .copy_object()
        .bucket(&object.bucket)
        .key(&object.key)
        .copy_source(copy_source(&object.bucket, &object.key))
        .metadata_directive(MetadataDirective::Replace)
        .content_type(CONTENT_TYPE)
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(error) if http_status(&error) == Some(404) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// What `x-amz-copy-source` percent-encodes in a key: all but RFC 3986's unreserved
/// characters and `/`.
const COPY_SOURCE_KEY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// `bucket/key` for `x-amz-copy-source`, percent-encoded except for `/`.
fn copy_source(bucket: &str, key: &str) -> String {
    format!("{bucket}/{}", utf8_percent_encode(key, COPY_SOURCE_KEY))
}

/// A create-only multipart upload; aborted unless it completes with a new object.
async fn create_multipart(s3: &aws_sdk_s3::Client, object: &Object) -> Result<Created, Failed> {
    let upload_id = s3
        .create_multipart_upload()
        .bucket(&object.bucket)
        .key(&object.key)
        .content_type(CONTENT_TYPE)
        .send()
        .await?
        .upload_id
        .ok_or_else(|| Failed::fatal("CreateMultipartUpload returned no upload id"))?;
    let result = send_parts(s3, object, &upload_id).await;
    if !matches!(result, Ok(Created::New)) {
        // Best effort: the upload failed or was not needed; a bucket lifecycle rule
        // (AbortIncompleteMultipartUpload) catches what this misses.
        let _ = s3
            .abort_multipart_upload()
            .bucket(&object.bucket)
            .key(&object.key)
            .upload_id(&upload_id)
            .send()
            .await;
    }
    result
}

async fn send_parts(
    s3: &aws_sdk_s3::Client,
    object: &Object,
    upload_id: &str,
) -> Result<Created, Failed> {
    let chunks = (0..object.bytes.len()).step_by(PART_SIZE).map(|start| {
        object
            .bytes
            .slice(start..(start + PART_SIZE).min(object.bytes.len()))
    });
    let parts: Vec<CompletedPart> = stream::iter(chunks.zip(1..))
        .map(|(chunk, number)| async move {
            let part = s3
                .upload_part()
                .bucket(&object.bucket)
                .key(&object.key)
                .upload_id(upload_id)
                .part_number(number)
                .body(ByteStream::from(chunk))
                .send()
                .await?;
            Ok::<_, Failed>(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(part.e_tag)
                    .build(),
            )
        })
        .buffered(CONCURRENT_PARTS)
        .try_collect()
        .await?;
    let result = s3
        .complete_multipart_upload()
        .bucket(&object.bucket)
        .key(&object.key)
        .upload_id(upload_id)
        .if_none_match("*")
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await;
    created(result)
}

#[cfg(test)]
mod tests {
    use super::copy_source;

    #[test]
    fn copy_source_encodes_all_but_slashes() {
        assert_eq!(copy_source("b", "p/t/a/ab12"), "b/p/t/a/ab12");
        assert_eq!(copy_source("b", "a b/é"), "b/a%20b/%C3%A9");
    }
}
