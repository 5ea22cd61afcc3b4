//! [`Client`]: the DynamoDB and S3 clients, table-name prefix/suffix per environment, and the
//! transform context (keyring, bucket overrides), shared by every operation.

use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;

use crate::io::error::Error;
use crate::io::offload::{ObjectStore, Offloaded, not_fetched, stored_pointers};
use crate::io::retry::RetryPolicy;
use crate::item::model::{Item, ItemReader, ItemWriter, Model};
use crate::item::transform::{PendingUpload, TransformContext};

/// Entry point of every operation: wraps the AWS SDK's DynamoDB and S3 clients.
///
/// Cheap to clone (an `Arc` inside); share one per process.
///
/// ```no_run
/// # async fn example() {
/// let client = dynamate::Client::builder()
///     .endpoint_url("http://127.0.0.1:8000")
///     .table_prefix("test-")
///     .build()
///     .await;
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dynamodb: aws_sdk_dynamodb::Client,
    s3: aws_sdk_s3::Client,
    /// With the table prefix and suffix, which offloaded objects' keys use too.
    transforms: TransformContext,
    retry_policy: RetryPolicy,
}

impl Client {
    /// A builder reading the standard AWS configuration (environment, profiles, `AWS_ENDPOINT_URL`,
    /// region) with dynamate's retry and timeout defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client from the standard AWS configuration with default settings.
    pub async fn from_env() -> Client {
        Self::builder().build().await
    }

    /// A client around SDK clients the application already has.
    pub fn from_clients(dynamodb: aws_sdk_dynamodb::Client, s3: aws_sdk_s3::Client) -> Client {
        ClientBuilder::default().wrap(dynamodb, s3)
    }

    /// The DynamoDB client.
    pub fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        &self.inner.dynamodb
    }

    /// The S3 client (path-style addressing when an endpoint URL is set).
    pub fn s3(&self) -> &aws_sdk_s3::Client {
        &self.inner.s3
    }

    /// The transform context: keyring, decompression limit, bucket and prefix overrides, and
    /// this client's table prefix and suffix (which offloaded objects' keys use).
    pub fn transforms(&self) -> &TransformContext {
        &self.inner.transforms
    }

    /// The policy for what dynamate retries itself (unprocessed batch items, throttled batch
    /// chunks, the tracker's batch deletes, S3 uploads of offloaded values); see
    /// [`ClientBuilder::retry_policy`].
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry_policy
    }

    /// The DynamoDB table name of model `M` with this client's prefix and suffix.
    pub fn table_name<M: Model>(&self) -> String {
        self.resolve_table_name(M::SCHEMA.table_name)
    }

    /// Low-level: converts a model to the item to write, uploading its offloaded attributes first
    /// (so the item never points at a missing object). Every write operation goes through here;
    /// call it only to write an item with the SDK yourself.
    pub async fn encode_item<M: Model>(&self, model: &M) -> Result<Item, Error> {
        let (item, uploads) = self.encode_parts(model)?;
        self.object_store().upload(uploads).await?;
        Ok(item)
    }

    /// Low-level: converts an item read from DynamoDB to a model, fetching and verifying its
    /// offloaded attributes. Every read operation goes through here; call it only for items
    /// read with the SDK yourself.
    pub async fn decode_item<M: Model>(&self, mut item: Item) -> Result<M, Error> {
        self.object_store().fetch(M::SCHEMA, &mut item).await?;
        Ok(M::read_item(&mut ItemReader::new(
            M::SCHEMA,
            item,
            self.transforms(),
        ))?)
    }

    /// Low-level: `declared` (a table name as a schema declares it) with this client's prefix
    /// and suffix; [`Client::table_name`] does this for a model.
    pub fn resolve_table_name(&self, declared: &str) -> String {
        self.inner.transforms.table_name(declared)
    }

    /// Low-level: the S3 client and settings (transforms, retry policy) that uploads and fetches
    /// of offloaded values use; every write and read of this client goes through it.
    pub fn object_store(&self) -> ObjectStore<'_> {
        ObjectStore::new(self.s3(), self.transforms(), self.retry_policy())
    }
}

impl Client {
    /// Like [`Client::encode_item`] for an item that replaces `stored` (the item as it is in the
    /// table): values `stored` already points at are not uploaded again, so an unchanged value
    /// costs no S3 request.
    ///
    /// Condition the write on `stored` (the version attribute, or a condition on the old
    /// pointers): the skipped objects are safe from the sweep only because the item keeps
    /// referencing them without interruption.
    pub async fn encode_item_replacing<M: Model>(
        &self,
        model: &M,
        stored: &Item,
    ) -> Result<Item, Error> {
        let (item, mut uploads) = self.encode_parts(model)?;
        let unchanged = stored_pointers(M::SCHEMA, stored)?;
        uploads.retain(|upload| {
            !unchanged.iter().any(|(attribute, pointer)| {
                *attribute == upload.attribute
                    && pointer.bucket == upload.bucket
                    && pointer.key == upload.key
            })
        });
        self.object_store().upload(uploads).await?;
        Ok(item)
    }

    /// Converts several models to items, uploading the offloaded attributes of all of them
    /// concurrently first (for batch writes and transactions).
    pub async fn encode_items<M: Model>(&self, models: &[M]) -> Result<Vec<Item>, Error> {
        let mut items = Vec::with_capacity(models.len());
        let mut uploads = Vec::new();
        for model in models {
            let (item, pending) = self.encode_parts(model)?;
            items.push(item);
            uploads.push(pending);
        }
        self.object_store().upload_many(uploads).await?;
        Ok(items)
    }

    /// Converts an item read from DynamoDB to a model; with [`Offloaded::Skip`] no S3 request
    /// is made (see the [offload module](crate::io::offload) for what skipped fields read as).
    pub async fn decode_item_with<M: Model>(
        &self,
        mut item: Item,
        offloaded: Offloaded,
    ) -> Result<M, Error> {
        match offloaded {
            Offloaded::Fetch => self.decode_item(item).await,
            Offloaded::Skip => {
                let skipped = stored_pointers(M::SCHEMA, &item)?;
                for (attribute, _) in &skipped {
                    item.remove(*attribute);
                }
                let reader = &mut ItemReader::new(M::SCHEMA, item, self.transforms());
                M::read_item(reader).map_err(|error| not_fetched(error, &skipped).into())
            }
        }
    }

    /// The item and the objects to upload before writing it.
    pub(crate) fn encode_parts<M: Model>(
        &self,
        model: &M,
    ) -> Result<(Item, Vec<PendingUpload>), Error> {
        let mut writer = ItemWriter::new(M::SCHEMA, self.transforms());
        model.write_item(&mut writer)?;
        Ok(writer.into_parts())
    }
}

/// Configures a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    endpoint_url: Option<String>,
    region: Option<String>,
    table_prefix: String,
    table_suffix: String,
    transforms: TransformContext,
    retry_policy: RetryPolicy,
    max_attempts: u32,
    connect_timeout: Duration,
    operation_timeout: Duration,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            endpoint_url: None,
            region: None,
            table_prefix: String::new(),
            table_suffix: String::new(),
            transforms: TransformContext::new(),
            retry_policy: RetryPolicy::default(),
            // The SDK's own defaults have no read or operation timeout, so a server that
            // accepts and never answers would hang a request forever.
            max_attempts: 3,
            connect_timeout: Duration::from_secs(3),
            operation_timeout: Duration::from_secs(60),
        }
    }
}

impl ClientBuilder {
    /// Sends DynamoDB and S3 requests to `url` (a local server, for example); S3 then uses
    /// path-style addressing. Without it, `AWS_ENDPOINT_URL` and the AWS defaults apply.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// The AWS region; without it, the standard provider chain decides.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Prepends `prefix` to every table name (per environment, per test). Offloaded objects are
    /// stored under the table name with its prefix, so each environment's objects (and sweeps)
    /// are its own.
    pub fn table_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.table_prefix = prefix.into();
        self
    }

    /// Appends `suffix` to every table name (and so to the table name in object keys).
    pub fn table_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.table_suffix = suffix.into();
        self
    }

    /// The transform context (keyring, decompression limit, bucket and prefix overrides); its
    /// table names take this builder's table prefix and suffix.
    pub fn transforms(mut self, transforms: TransformContext) -> Self {
        self.transforms = transforms;
        self
    }

    /// Uses `keyring` for encrypted attributes.
    pub fn keyring(mut self, keyring: crate::primitives::crypto::Keyring) -> Self {
        self.transforms = self.transforms.with_keyring(keyring);
        self
    }

    /// The policy for what dynamate retries itself, on top of the SDK's attempts per request:
    /// unprocessed batch items and keys, throttled or failed (5xx, dropped) batch chunks, the
    /// tracker's batch deletes and S3 uploads of offloaded values (409 conflicts, 5xx).
    /// Default [`RetryPolicy::default`]: 8 attempts, backoff from 50 ms capped at 5 s. Batch
    /// operations can override it per call with `.retry(..)`.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Attempts per request, including the first (default 3; 1 disables retries).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Time allowed to open a connection (default 3 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for a whole operation, retries included (default 60 s).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// Loads the AWS configuration and builds the client.
    pub async fn build(self) -> Client {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client())
            .retry_config(RetryConfig::standard().with_max_attempts(self.max_attempts))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(self.connect_timeout)
                    .operation_timeout(self.operation_timeout)
                    .build(),
            );
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(region) = &self.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        let config = loader.load().await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        let s3_config = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        let s3 = aws_sdk_s3::Client::from_conf(s3_config);
        self.wrap(dynamodb, s3)
    }

    /// A client around SDK clients the application already has, with this builder's table
    /// prefix, suffix and transforms (endpoint, region, retry and timeout settings are the SDK
    /// clients' own).
    pub fn build_from_clients(
        self,
        dynamodb: aws_sdk_dynamodb::Client,
        s3: aws_sdk_s3::Client,
    ) -> Client {
        self.wrap(dynamodb, s3)
    }

    fn wrap(self, dynamodb: aws_sdk_dynamodb::Client, s3: aws_sdk_s3::Client) -> Client {
        Client {
            inner: Arc::new(Inner {
                dynamodb,
                s3,
                transforms: self
                    .transforms
                    .with_table_affixes(self.table_prefix, self.table_suffix),
                retry_policy: self.retry_policy,
            }),
        }
    }
}

/// The HTTP client: HTTPS (rustls with ring) with the `https` feature, plain HTTP otherwise
/// (enough for local servers, and it keeps test builds small).
pub(crate) fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    #[cfg(feature = "https")]
    {
        use aws_smithy_http_client::tls;
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https()
    }
    #[cfg(not(feature = "https"))]
    {
        aws_smithy_http_client::Builder::new().build_http()
    }
}
