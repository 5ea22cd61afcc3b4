//! [`Client`]: the DynamoDB and S3 clients, table-name prefix/suffix per environment, and the
//! transform context (keyring, bucket overrides), shared by every operation.

use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::io::error::Error;
use crate::io::offload::{ObjectStore, Offloaded, not_fetched, stored_pointers};
use crate::io::retry::RetryPolicy;
use crate::item::model::{Item, ItemReader, ItemWriter, Model};
use crate::item::transform::{PendingUpload, TransformContext};

/// Entry point of every operation: wraps the AWS SDK's DynamoDB and S3 clients.
///
/// Cheap to clone (an `Arc` inside); share one per process. Made from an AWS configuration the
/// application loaded ([`Client::new`], [`Client::builder_from`]), from one dynamate loads
/// ([`Client::from_env`], [`Client::builder`]) or from SDK clients ([`Client::from_clients`]);
/// [`ClientBuilder`] says which settings come from where.
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
    /// A client from an AWS configuration the application loaded (and shares with its other AWS
    /// clients), with dynamate's default settings: no table prefix or suffix, no keyring. Region,
    /// credentials, endpoint, retries and timeouts are the configuration's own; see
    /// [`ClientBuilder`].
    ///
    /// ```no_run
    /// # async fn example() {
    /// let config = aws_config::load_defaults(aws_config::BehaviorVersion::v2026_01_12()).await;
    /// let client = dynamate::Client::new(&config);
    /// # }
    /// ```
    pub fn new(config: &SdkConfig) -> Client {
        let builder = ClientBuilder::default();
        let config = builder.apply_to(config);
        builder.build_with(&config)
    }

    /// A builder that loads the standard AWS configuration (environment, profiles,
    /// `AWS_ENDPOINT_URL`, region) when built, with dynamate's retry and timeout defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A builder that starts from `config`, an AWS configuration the application loaded: the
    /// SDK settings are the configuration's own (unless a builder setter overrides one), the
    /// table prefix and suffix, keyring and retry policy are the builder's. See
    /// [`ClientBuilder`].
    pub fn builder_from(config: &SdkConfig) -> ClientBuilder {
        ClientBuilder {
            sdk_config: Some(config.clone()),
            ..ClientBuilder::default()
        }
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
        if !uploads.is_empty() {
            self.object_store().upload(uploads).await?;
        }
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

/// Configures a [`Client`]: where the AWS configuration comes from, and dynamate's own settings.
///
/// Two starting points:
/// - [`Client::builder`] loads the standard AWS configuration when built (environment, shared
///   config and credentials files, profiles, container and instance credentials; see the
///   [crate docs](crate#aws-configuration) for which credential sources the cargo features
///   enable), with dynamate's defaults for what the builder does not set: 3 attempts per
///   request, a 3 s connect timeout and a 60 s operation timeout (the SDK's own defaults have
///   no operation timeout, so a server that accepts and never answers would hang a request).
/// - [`Client::builder_from`] starts from an [`SdkConfig`] the application already loaded, so a
///   service shares one configuration between dynamate and its other AWS clients. Region,
///   credentials, endpoint, retry and timeout settings, HTTP client and behavior version are
///   then the configuration's own; dynamate adds no defaults to them.
///
/// In both cases the SDK setters ([`endpoint_url`](Self::endpoint_url),
/// [`region`](Self::region), [`max_attempts`](Self::max_attempts),
/// [`connect_timeout`](Self::connect_timeout), [`operation_timeout`](Self::operation_timeout))
/// override what they name, for the DynamoDB and S3 clients only (credential providers already
/// built by a given configuration keep theirs). dynamate's own settings apply either way:
/// the table prefix and suffix, the transforms (keyring, bucket and prefix overrides) and the
/// [`RetryPolicy`] for what dynamate retries itself. S3 uses path-style addressing when the
/// final configuration has an endpoint URL (a local server).
///
/// ```no_run
/// # async fn example() {
/// let config = aws_config::defaults(aws_config::BehaviorVersion::v2026_01_12())
///     .region("eu-west-1")
///     .load()
///     .await;
/// let client = dynamate::Client::builder_from(&config)
///     .table_prefix("prod-")
///     .build()
///     .await;
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientBuilder {
    /// The configuration to start from; `None` loads the standard one.
    sdk_config: Option<SdkConfig>,
    endpoint_url: Option<String>,
    region: Option<String>,
    max_attempts: Option<u32>,
    connect_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    table_prefix: String,
    table_suffix: String,
    transforms: TransformContext,
    retry_policy: RetryPolicy,
}

/// Attempts per request when [`Client::builder`] loads the configuration.
const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Connect timeout when [`Client::builder`] loads the configuration.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Operation timeout (retries included) when [`Client::builder`] loads the configuration.
const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// The behavior version (the SDK's defaults for retries, timeouts, checksums...) of every
/// configuration dynamate loads, and of a given configuration that sets none. Chosen here, not
/// with the SDK crates' `behavior-version-latest` feature, so a dependency update never changes
/// the SDK's behavior unnoticed.
pub(crate) fn behavior_version() -> BehaviorVersion {
    BehaviorVersion::v2026_01_12()
}

impl ClientBuilder {
    /// Sends DynamoDB and S3 requests to `url` (a local server, for example); S3 then uses
    /// path-style addressing. Without it, the configuration's endpoint applies
    /// (`AWS_ENDPOINT_URL`, profiles, or the AWS defaults when loaded).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// The AWS region; without it, the configuration's (when loaded, the standard provider
    /// chain decides).
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

    /// Attempts per request, including the first (1 disables retries). Default: 3 when the
    /// configuration is loaded, the given configuration's otherwise.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// Time allowed to open a connection. Default: 3 s when the configuration is loaded, the
    /// given configuration's otherwise.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole operation, retries included. Default: 60 s when the
    /// configuration is loaded, the given configuration's otherwise.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// Builds the client: from the configuration given to [`Client::builder_from`], or else
    /// from the standard AWS configuration, loaded now.
    pub async fn build(self) -> Client {
        let config = match &self.sdk_config {
            Some(config) => self.apply_to(config),
            None => self.load().await,
        };
        self.build_with(&config)
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

    /// Loads the standard AWS configuration with this builder's SDK settings, and dynamate's
    /// defaults for those it does not set.
    async fn load(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(behavior_version())
            .http_client(http_client())
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .operation_timeout(self.operation_timeout.unwrap_or(DEFAULT_OPERATION_TIMEOUT))
                    .build(),
            );
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        loader.load().await
    }

    /// `config` with the SDK settings this builder sets (and dynamate's behavior version if
    /// `config` has none, which the SDK clients require).
    fn apply_to(&self, config: &SdkConfig) -> SdkConfig {
        let mut builder = config.to_builder();
        if config.behavior_version().is_none() {
            builder.set_behavior_version(Some(behavior_version()));
        }
        if let Some(url) = &self.endpoint_url {
            builder.set_endpoint_url(Some(url.clone()));
        }
        if let Some(region) = &self.region {
            builder.set_region(Region::new(region.clone()));
        }
        if let Some(attempts) = self.max_attempts {
            let retry = config
                .retry_config()
                .cloned()
                .unwrap_or_else(RetryConfig::standard);
            builder.set_retry_config(Some(retry.with_max_attempts(attempts)));
        }
        if self.connect_timeout.is_some() || self.operation_timeout.is_some() {
            let given = config.timeout_config();
            let mut timeouts = given.map_or_else(TimeoutConfig::builder, TimeoutConfig::to_builder);
            timeouts
                .set_connect_timeout(
                    self.connect_timeout
                        .or_else(|| given.and_then(TimeoutConfig::connect_timeout)),
                )
                .set_operation_timeout(
                    self.operation_timeout
                        .or_else(|| given.and_then(TimeoutConfig::operation_timeout)),
                );
            builder.set_timeout_config(Some(timeouts.build()));
        }
        builder.build()
    }

    /// The client with SDK clients made from `config` (S3 path-style when it has an endpoint
    /// URL).
    fn build_with(self, config: &SdkConfig) -> Client {
        let dynamodb = aws_sdk_dynamodb::Client::new(config);
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        let s3 = aws_sdk_s3::Client::from_conf(s3_config);
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
