//! Setup of offload buckets: [`Client::create_bucket_if_missing`] and
//! [`Client::create_offload_buckets`], the S3 counterparts of `create_table`. Optional: without
//! them the bucket of every offloaded attribute must exist before the first write.

use aws_sdk_s3::operation::create_bucket::CreateBucketError;
use aws_sdk_s3::operation::head_bucket::HeadBucketError;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};

use super::table::Created;
use crate::io::client::Client;
use crate::io::error::Error;
use crate::io::offload::{OffloadError, http_status};
use crate::item::model::Model;

/// The region whose buckets are created without a `LocationConstraint` (S3 rejects it there).
const DEFAULT_REGION: &str = "us-east-1";

impl Client {
    /// Creates the S3 bucket `bucket` unless it exists: [`Created::New`], or
    /// [`Created::AlreadyExists`] when this account already has it (a quick skip, like
    /// [`Client::create_table`]'s; nothing about the bucket changes).
    ///
    /// It checks with `HeadBucket` first, so it needs only `s3:ListBucket` for an existing
    /// bucket, and `s3:CreateBucket` to create one. A new bucket is created in the S3 client's
    /// region (a `LocationConstraint` outside `us-east-1`) with S3's defaults (private, no
    /// versioning); configure versioning and lifecycle rules yourself (see the
    /// [sweep](crate::io::sweep) for why versioning helps). A bucket that exists but that these
    /// credentials may not use (`HeadBucket` 403, such as a name another account owns) and
    /// every other failure are [`OffloadError::CreateBucket`].
    pub async fn create_bucket_if_missing(&self, bucket: &str) -> Result<Created, Error> {
        let failed = |reason: &'static str, source| OffloadError::CreateBucket {
            bucket: bucket.to_string(),
            reason,
            source,
        };
        match self.s3().head_bucket().bucket(bucket).send().await {
            Ok(_) => return Ok(Created::AlreadyExists),
            Err(error)
                if matches!(error.as_service_error(), Some(HeadBucketError::NotFound(_))) => {}
            Err(error) if http_status(&error) == Some(403) => {
                return Err(failed(
                    "it exists, but these credentials may not use it (another AWS account \
                     owns the name, or s3:ListBucket is not allowed)",
                    error.into(),
                )
                .into());
            }
            Err(error) => {
                return Err(failed("HeadBucket failed", error.into()).into());
            }
        }
        let region = self.s3().config().region().map(|r| r.as_ref().to_string());
        let configuration = region
            .filter(|region| region != DEFAULT_REGION)
            .map(|region| {
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_str()))
                    .build()
            });
        let request = self
            .s3()
            .create_bucket()
            .bucket(bucket)
            .set_create_bucket_configuration(configuration);
        match request.send().await {
            Ok(_) => Ok(Created::New),
            // Created by someone else of this account since the HeadBucket.
            Err(error)
                if matches!(
                    error.as_service_error(),
                    Some(CreateBucketError::BucketAlreadyOwnedByYou(_))
                ) =>
            {
                Ok(Created::AlreadyExists)
            }
            Err(error)
                if matches!(
                    error.as_service_error(),
                    Some(CreateBucketError::BucketAlreadyExists(_))
                ) =>
            {
                Err(failed(
                    "another AWS account owns a bucket of that name (bucket names are global); \
                     choose another name, or map the schema's bucket to one with \
                     `TransformContext::with_bucket_override`",
                    error.into(),
                )
                .into())
            }
            Err(error) => Err(failed(
                "check the name against S3's naming rules, the region, and that the \
                 credentials allow s3:CreateBucket",
                error.into(),
            )
            .into()),
        }
    }

    /// Creates each bucket model `M`'s offloaded attributes use (after this client's bucket
    /// overrides) unless it exists, with [`Client::create_bucket_if_missing`]: one entry per
    /// distinct bucket, in attribute order. Empty for a model without offloaded attributes.
    pub async fn create_offload_buckets<M: Model>(&self) -> Result<Vec<(String, Created)>, Error> {
        let mut buckets: Vec<&str> = Vec::new();
        for field in M::SCHEMA.fields {
            if let Some(offload) = &field.transform.offload {
                let bucket = self.transforms().bucket_for(offload);
                if !buckets.contains(&bucket) {
                    buckets.push(bucket);
                }
            }
        }
        let mut created = Vec::with_capacity(buckets.len());
        for bucket in buckets {
            created.push((
                bucket.to_string(),
                self.create_bucket_if_missing(bucket).await?,
            ));
        }
        Ok(created)
    }
}
