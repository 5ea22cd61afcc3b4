//! Root keys held in AWS KMS (cargo feature `kms`), after the AWS Database Encryption SDK's KMS
//! keyring: each version of a named root key is a 32-byte *data key* that KMS generated under a
//! KMS key and returned wrapped (encrypted). The application stores the wrapped key, which is
//! not secret, in its configuration; at startup [`KmsKeyring::load`] unwraps every version once
//! with KMS `Decrypt` and returns an ordinary [`Keyring`], which holds the plaintext keys and
//! derives per-attribute keys from them without any further KMS request.
//!
//! An *encryption context* binds each data key to its use: KMS authenticates it together with
//! the wrapped key, so a key generated for one name or version, or for another application's
//! context, does not unwrap in another place ([`KmsError::WrongContext`]). It holds
//! [`CONTEXT_KEY_NAME`] and [`CONTEXT_VERSION`] plus the entries set with
//! [`KmsKeyring::with_context`]; KMS records it in CloudTrail and IAM policies can condition on
//! it (`kms:EncryptionContext:dynamate:key-name`).
//!
//! Rotation adds a version: [`KmsKeyring::generate`] a new data key as version N+1, store it,
//! and load it beside the old ones. The highest version encrypts; every loaded version
//! decrypts (see [`Keyring`] for pinning the primary version during a rolling deploy, and
//! [`crate::Client::rotate_keys`] for re-encrypting old values).
//!
//! ```no_run
//! use dynamate::io::kms::{KmsKeyring, WrappedKey};
//!
//! # async fn example(config: aws_config::SdkConfig) -> Result<(), Box<dyn std::error::Error>> {
//! let kms = KmsKeyring::from_conf(&config).with_context("app", "billing")?;
//!
//! // Once, when provisioning: a new data key, wrapped; store `wrapped.to_string()`.
//! let entry = kms.generate("archive", 1, "alias/dynamate-archive").await?;
//! let stored: String = entry.wrapped.to_string();
//!
//! // At every start: unwrap (one KMS Decrypt per version) into a keyring.
//! let wrapped: WrappedKey = stored.parse()?;
//! let keyring = kms
//!     .with_key("archive", 1, "alias/dynamate-archive", wrapped)
//!     .load()
//!     .await?;
//! let client = dynamate::Client::builder().keyring(keyring).build().await;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use base64ct::{Base64, Encoding};
use zeroize::Zeroizing;

use crate::io::error::BoxError;
use crate::primitives::crypto::{CryptoError, KeyId, Keyring, ROOT_KEY_LEN, RootKey};

/// Encryption-context entry naming the root key a data key is for.
pub const CONTEXT_KEY_NAME: &str = "dynamate:key-name";

/// Encryption-context entry holding the root key version a data key is for (decimal).
pub const CONTEXT_VERSION: &str = "dynamate:version";

/// Encryption-context keys starting with this prefix are dynamate's own;
/// [`KmsKeyring::with_context`] refuses them.
pub const RESERVED_CONTEXT_PREFIX: &str = "dynamate:";

/// The longest ciphertext blob KMS returns, in bytes; longer input is not a wrapped key.
pub const MAX_WRAPPED_KEY_LEN: usize = 6144;

/// A data key wrapped by KMS: the `CiphertextBlob` that KMS returned when it generated the key.
///
/// It is encrypted under a KMS key and is not secret (it is useless without `kms:Decrypt` on
/// that key), so it can live in the application's configuration. It converts to and from
/// standard base64 text with [`Display`](fmt::Display) and [`FromStr`], and (de)serializes with
/// serde as that text. `Debug` shows only its length.
///
/// ```
/// use dynamate::io::kms::WrappedKey;
///
/// let wrapped: WrappedKey = "AQIDBA==".parse()?;
/// assert_eq!(wrapped.as_bytes(), [1, 2, 3, 4]);
/// assert_eq!(wrapped.to_string(), "AQIDBA==");
/// assert_eq!(format!("{wrapped:?}"), "WrappedKey(4 bytes)");
/// assert!("not base64!".parse::<WrappedKey>().is_err());
/// assert!("".parse::<WrappedKey>().is_err());
/// # Ok::<(), dynamate::io::kms::ParseWrappedKeyError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WrappedKey(Vec<u8>);

impl WrappedKey {
    /// A wrapped key from the raw ciphertext blob.
    ///
    /// ```
    /// use dynamate::io::kms::WrappedKey;
    ///
    /// let wrapped = WrappedKey::from_bytes(vec![1, 2, 3, 4])?;
    /// assert_eq!(wrapped.to_string(), "AQIDBA==");
    /// assert!(WrappedKey::from_bytes(Vec::new()).is_err());
    /// # Ok::<(), dynamate::io::kms::ParseWrappedKeyError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ParseWrappedKeyError`] if `bytes` is empty or longer than [`MAX_WRAPPED_KEY_LEN`].
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self, ParseWrappedKeyError> {
        let bytes = bytes.into();
        if bytes.is_empty() || bytes.len() > MAX_WRAPPED_KEY_LEN {
            return Err(ParseWrappedKeyError {
                reason: format!(
                    "a KMS ciphertext blob is 1 to {MAX_WRAPPED_KEY_LEN} bytes, got {}",
                    bytes.len()
                ),
            });
        }
        Ok(WrappedKey(bytes))
    }

    /// The raw ciphertext blob.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Base64::encode_string(&self.0))
    }
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WrappedKey({} bytes)", self.0.len())
    }
}

impl FromStr for WrappedKey {
    type Err = ParseWrappedKeyError;

    /// Parses standard base64 (with padding; surrounding whitespace is ignored).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let bytes = Base64::decode_vec(text).map_err(|_| ParseWrappedKeyError {
            reason: format!(
                "the text ({} characters) is not standard base64 with padding",
                text.len()
            ),
        })?;
        WrappedKey::from_bytes(bytes)
    }
}

impl serde::Serialize for WrappedKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for WrappedKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Text that is not a [`WrappedKey`]. The text itself is not echoed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid wrapped key: {reason}; expected the base64 text that `WrappedKey`'s Display wrote"
)]
pub struct ParseWrappedKeyError {
    reason: String,
}

/// One version of a named root key, wrapped by KMS: what the application's configuration
/// holds per key version. [`KmsKeyring::generate`] returns one; it (de)serializes with serde,
/// the wrapped key as base64 text.
///
/// ```
/// use dynamate::io::kms::WrappedRootKey;
///
/// let json = r#"{"name":"archive","version":1,"kms_key_id":"alias/app","wrapped":"AQIDBA=="}"#;
/// let entry: WrappedRootKey = serde_json::from_str(json)?;
/// assert_eq!((entry.name.as_str(), entry.version), ("archive", 1));
/// assert_eq!(serde_json::to_string(&entry)?, json);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WrappedRootKey {
    /// The key's name in the keyring (the schema's `key`).
    pub name: String,
    /// The key version.
    pub version: u32,
    /// The KMS key it is wrapped under: key id, key ARN, alias name (`alias/..`) or alias ARN.
    pub kms_key_id: String,
    /// The data key, wrapped.
    pub wrapped: WrappedKey,
}

impl WrappedRootKey {
    fn id(&self) -> KeyId {
        KeyId {
            name: self.name.clone(),
            version: self.version,
        }
    }
}

/// Loads root keys whose data keys are wrapped by AWS KMS into a [`Keyring`].
///
/// Configure it with the KMS client, the encryption-context entries of the application, and
/// the wrapped version of each key ([`KmsKeyring::with_key`]); [`KmsKeyring::load`] unwraps
/// them. See the [module documentation](self) for the whole flow.
///
/// The caller needs `kms:GenerateDataKeyWithoutPlaintext` to [generate](KmsKeyring::generate)
/// keys and `kms:Decrypt` to [load](KmsKeyring::load) them. Loaded keys can be restricted to one
/// direction with [`Keyring::read_only`] or [`Keyring::write_only`].
#[derive(Debug, Clone)]
pub struct KmsKeyring {
    client: aws_sdk_kms::Client,
    context: Vec<(String, String)>,
    keys: Vec<WrappedRootKey>,
}

impl KmsKeyring {
    /// A KMS keyring sending its requests through `client`, with no keys and no context
    /// entries of its own.
    ///
    /// ```no_run
    /// # async fn example(config: aws_config::SdkConfig) {
    /// let kms = dynamate::io::kms::KmsKeyring::new(aws_sdk_kms::Client::new(&config));
    /// # let _ = kms;
    /// # }
    /// ```
    pub fn new(client: aws_sdk_kms::Client) -> Self {
        KmsKeyring {
            client,
            context: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// A KMS keyring whose client is built from `config`, the `SdkConfig` the DynamoDB client is
    /// built from (region, credentials, endpoint, retry and timeout settings). When `config`
    /// has no HTTP client, dynamate's own is used (HTTPS with the `https` feature), as for
    /// [`crate::Client`]; without a behavior version, the one [`crate::Client`] uses.
    ///
    /// ```no_run
    /// # async fn example() {
    /// let config = aws_config::defaults(aws_config::BehaviorVersion::v2026_01_12()).load().await;
    /// let kms = dynamate::io::kms::KmsKeyring::from_conf(&config);
    /// # let _ = kms;
    /// # }
    /// ```
    pub fn from_conf(config: &aws_config::SdkConfig) -> Self {
        let mut builder = aws_sdk_kms::config::Builder::from(config);
        if config.http_client().is_none() {
            builder = builder.http_client(crate::io::client::http_client());
        }
        if config.behavior_version().is_none() {
            builder = builder.behavior_version(crate::io::client::behavior_version());
        }
        Self::new(aws_sdk_kms::Client::from_conf(builder.build()))
    }

    /// The KMS client (for KMS calls of the application's own, such as `DescribeKey`).
    pub fn client(&self) -> &aws_sdk_kms::Client {
        &self.client
    }

    /// Adds an entry to the encryption context of every data key this keyring generates and
    /// loads (an application or environment name, for example). Keys must be generated and
    /// loaded with the same entries. Setting a key again replaces its value.
    ///
    /// ```
    /// use dynamate::io::kms::{KmsError, KmsKeyring};
    /// # let client = aws_sdk_kms::Client::from_conf(
    /// #     aws_sdk_kms::Config::builder()
    /// #         .behavior_version(aws_sdk_kms::config::BehaviorVersion::v2026_01_12())
    /// #         .build(),
    /// # );
    ///
    /// let kms = KmsKeyring::new(client).with_context("app", "billing")?;
    /// let context = kms.encryption_context("archive", 2);
    /// assert_eq!(context["app"], "billing");
    /// assert_eq!(context["dynamate:key-name"], "archive");
    /// assert_eq!(context["dynamate:version"], "2");
    /// assert!(matches!(
    ///     kms.with_context("dynamate:version", "9"),
    ///     Err(KmsError::InvalidConfig { .. })
    /// ));
    /// # Ok::<(), KmsError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`KmsError::InvalidConfig`] if `key` is empty or starts with
    /// [`RESERVED_CONTEXT_PREFIX`].
    pub fn with_context(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, KmsError> {
        let (key, value) = (key.into(), value.into());
        if key.is_empty() || key.starts_with(RESERVED_CONTEXT_PREFIX) {
            return Err(KmsError::InvalidConfig {
                reason: format!(
                    "encryption-context key `{key}` is not allowed: keys must be non-empty and \
                     must not start with `{RESERVED_CONTEXT_PREFIX}` (dynamate sets \
                     `{CONTEXT_KEY_NAME}` and `{CONTEXT_VERSION}` itself)"
                ),
            });
        }
        match self.context.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.context.push((key, value)),
        }
        Ok(self)
    }

    /// Adds version `version` of root key `name`, wrapped under KMS key `kms_key_id` (key id,
    /// key ARN, alias name or alias ARN), to the keys [`KmsKeyring::load`] unwraps.
    ///
    /// ```
    /// use dynamate::io::kms::KmsKeyring;
    ///
    /// # let client = aws_sdk_kms::Client::from_conf(
    /// #     aws_sdk_kms::Config::builder()
    /// #         .behavior_version(aws_sdk_kms::config::BehaviorVersion::v2026_01_12())
    /// #         .build(),
    /// # );
    /// let kms = KmsKeyring::new(client)
    ///     .with_key("archive", 1, "alias/app", "AQIDBA==".parse()?)
    ///     .with_key("archive", 2, "alias/app", "BQYHCA==".parse()?);
    /// let versions: Vec<u32> = kms.entries().iter().map(|entry| entry.version).collect();
    /// assert_eq!(versions, [1, 2]);
    /// # Ok::<(), dynamate::io::kms::ParseWrappedKeyError>(())
    /// ```
    pub fn with_key(
        self,
        name: impl Into<String>,
        version: u32,
        kms_key_id: impl Into<String>,
        wrapped: WrappedKey,
    ) -> Self {
        self.with_entry(WrappedRootKey {
            name: name.into(),
            version,
            kms_key_id: kms_key_id.into(),
            wrapped,
        })
    }

    /// Adds a key version read from configuration. See [`KmsKeyring::with_key`].
    ///
    /// ```no_run
    /// # async fn example(client: aws_sdk_kms::Client, config_text: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// use dynamate::io::kms::{KmsKeyring, WrappedRootKey};
    ///
    /// let entries: Vec<WrappedRootKey> = serde_json::from_str(config_text)?;
    /// let keyring = entries
    ///     .into_iter()
    ///     .fold(KmsKeyring::new(client), KmsKeyring::with_entry)
    ///     .load()
    ///     .await?;
    /// # let _ = keyring;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_entry(mut self, entry: WrappedRootKey) -> Self {
        self.keys.push(entry);
        self
    }

    /// The key versions configured so far.
    pub fn entries(&self) -> &[WrappedRootKey] {
        &self.keys
    }

    /// The encryption context of version `version` of key `name`: [`CONTEXT_KEY_NAME`],
    /// [`CONTEXT_VERSION`] and the entries of [`KmsKeyring::with_context`]. This is what
    /// [`KmsKeyring::generate`] and [`KmsKeyring::load`] send, and what IAM conditions such as
    /// `kms:EncryptionContext:dynamate:key-name` see.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use dynamate::io::kms::KmsKeyring;
    ///
    /// # let client = aws_sdk_kms::Client::from_conf(
    /// #     aws_sdk_kms::Config::builder()
    /// #         .behavior_version(aws_sdk_kms::config::BehaviorVersion::v2026_01_12())
    /// #         .build(),
    /// # );
    /// let kms = KmsKeyring::new(client).with_context("env", "prod")?;
    /// let expected: HashMap<String, String> = [
    ///     ("dynamate:key-name", "archive"),
    ///     ("dynamate:version", "3"),
    ///     ("env", "prod"),
    /// ]
    /// .into_iter()
    /// .map(|(k, v)| (k.to_owned(), v.to_owned()))
    /// .collect();
    /// assert_eq!(kms.encryption_context("archive", 3), expected);
    /// # Ok::<(), dynamate::io::kms::KmsError>(())
    /// ```
    pub fn encryption_context(&self, name: &str, version: u32) -> HashMap<String, String> {
        let mut context: HashMap<String, String> = self.context.iter().cloned().collect();
        context.insert(CONTEXT_KEY_NAME.to_owned(), name.to_owned());
        context.insert(CONTEXT_VERSION.to_owned(), version.to_string());
        context
    }

    /// Has KMS generate a new 256-bit data key for version `version` of root key `name` under
    /// KMS key `kms_key_id`, bound to its [encryption context](KmsKeyring::encryption_context),
    /// and returns it wrapped, ready to store. To rotate, generate the next version and load
    /// it beside the old ones.
    ///
    /// It calls `GenerateDataKeyWithoutPlaintext` (`KeySpec` `AES_256`): the plaintext key
    /// never reaches the machine that provisions it; [`KmsKeyring::load`] unwraps it where it
    /// is used.
    ///
    /// ```no_run
    /// # async fn example(kms: dynamate::io::kms::KmsKeyring) -> Result<(), dynamate::io::kms::KmsError> {
    /// // Rotation: version 3 beside versions 1 and 2 already in the configuration.
    /// let entry = kms.generate("archive", 3, "alias/app").await?;
    /// println!("archive v3 = {}", entry.wrapped); // base64, for the configuration
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`KmsError::NotFound`], [`KmsError::AccessDenied`], [`KmsError::KeyDisabled`] or
    /// [`KmsError::Request`], naming the key version and the KMS key.
    pub async fn generate(
        &self,
        name: &str,
        version: u32,
        kms_key_id: &str,
    ) -> Result<WrappedRootKey, KmsError> {
        const OPERATION: &str = "GenerateDataKeyWithoutPlaintext";
        let key = KeyId {
            name: name.to_owned(),
            version,
        };
        let output = self
            .client
            .generate_data_key_without_plaintext()
            .key_id(kms_key_id)
            .key_spec(DataKeySpec::Aes256)
            .set_encryption_context(Some(self.encryption_context(name, version)))
            .send()
            .await
            .map_err(|error| KmsError::from_sdk(error, OPERATION, &key, kms_key_id))?;
        let blob = output.ciphertext_blob.map(Blob::into_inner);
        let wrapped = blob
            .and_then(|bytes| WrappedKey::from_bytes(bytes).ok())
            .ok_or_else(|| KmsError::Request {
                operation: OPERATION,
                key,
                kms_key_id: kms_key_id.to_owned(),
                code: None,
                source: "the answer holds no ciphertext blob".into(),
            })?;
        Ok(WrappedRootKey {
            name: name.to_owned(),
            version,
            kms_key_id: kms_key_id.to_owned(),
            wrapped,
        })
    }

    /// Unwraps every configured key version (one KMS `Decrypt` each, concurrently, with the
    /// KMS key id and the encryption context) and returns a keyring holding them. Call it once
    /// at startup and share the keyring: it caches the keys, so encrypting and decrypting
    /// attributes makes no KMS request.
    ///
    /// ```no_run
    /// # async fn example(kms: dynamate::io::kms::KmsKeyring) -> Result<(), Box<dyn std::error::Error>> {
    /// let keyring = kms.load().await?;
    /// // A reporting service: it may decrypt, never encrypt.
    /// let client = dynamate::Client::builder().keyring(keyring.read_only()).build().await;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The first failure, naming the key version and the KMS key:
    /// [`KmsError::NotFound`] (no such KMS key), [`KmsError::AccessDenied`] (no `kms:Decrypt`),
    /// [`KmsError::KeyDisabled`], [`KmsError::WrongContext`] (generated for another name,
    /// version or context, or corrupt), [`KmsError::WrongKmsKey`], [`KmsError::BadDataKey`],
    /// [`KmsError::Request`]; or [`KmsError::Keyring`] if a key version is configured twice.
    pub async fn load(&self) -> Result<Keyring, KmsError> {
        self.load_into(Keyring::new()).await
    }

    /// Like [`KmsKeyring::load`], adding the keys to `keyring` (which may hold raw, file or
    /// passphrase keys of other names or versions).
    ///
    /// ```no_run
    /// # async fn example(kms: dynamate::io::kms::KmsKeyring) -> Result<(), Box<dyn std::error::Error>> {
    /// use dynamate::primitives::crypto::{Keyring, RootKey};
    ///
    /// let local = Keyring::new().with_key("cache", 1, RootKey::from_env("CACHE_KEY")?)?;
    /// let keyring = kms.load_into(local).await?; // KMS keys and the environment's key
    /// # let _ = keyring;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`KmsKeyring::load`].
    pub async fn load_into(&self, mut keyring: Keyring) -> Result<Keyring, KmsError> {
        let unwrapped =
            futures::future::try_join_all(self.keys.iter().map(|entry| self.unwrap(entry))).await?;
        for (entry, root) in self.keys.iter().zip(unwrapped) {
            keyring.add_key(&entry.name, entry.version, root)?;
        }
        Ok(keyring)
    }

    /// One `Decrypt` of `entry`'s wrapped key, checked to be a root key.
    async fn unwrap(&self, entry: &WrappedRootKey) -> Result<RootKey, KmsError> {
        const OPERATION: &str = "Decrypt";
        let output = self
            .client
            .decrypt()
            .key_id(&entry.kms_key_id)
            .ciphertext_blob(Blob::new(entry.wrapped.as_bytes()))
            .set_encryption_context(Some(self.encryption_context(&entry.name, entry.version)))
            .send()
            .await
            .map_err(|error| {
                KmsError::from_sdk(error, OPERATION, &entry.id(), &entry.kms_key_id)
            })?;
        let plaintext = Zeroizing::new(output.plaintext.map(Blob::into_inner).unwrap_or_default());
        RootKey::from_bytes(&plaintext).map_err(|_| KmsError::BadDataKey {
            key: entry.id(),
            kms_key_id: entry.kms_key_id.clone(),
            len: plaintext.len(),
        })
    }
}

/// Why a KMS-backed key could not be generated or loaded. Each case names the key version
/// and the KMS key concerned and says what to do; none contains key material. The KMS error
/// (with its code and message) is the [`source`](std::error::Error::source): print the whole
/// chain with [`crate::Report`].
///
/// ```
/// use dynamate::io::kms::KmsError;
///
/// fn advice(error: &KmsError) -> &'static str {
///     match error {
///         KmsError::NotFound { .. } => "check the KMS key id, alias and region",
///         KmsError::AccessDenied { .. } | KmsError::KeyDisabled { .. } => "ask the key's owner",
///         KmsError::WrongContext { .. } => "configured under another name, version or context",
///         _ => "retry later",
///     }
/// }
/// # let _ = advice;
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KmsError {
    /// KMS knows no such key, ARN or alias (`NotFoundException`).
    #[error(
        "{operation} for key {key}: KMS key `{kms_key_id}` was not found (NotFoundException); \
         check the key id, ARN or alias and that the KMS client's region and account are the \
         key's"
    )]
    NotFound {
        /// The KMS operation.
        operation: &'static str,
        /// The root key name and version.
        key: KeyId,
        /// The KMS key id, ARN or alias configured.
        kms_key_id: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
    /// The caller may not use the KMS key (`AccessDeniedException`).
    #[error(
        "{operation} for key {key}: access to KMS key `{kms_key_id}` was denied \
         (AccessDeniedException); allow `kms:{operation}` on it in the caller's IAM policy and \
         the key policy (a service that only reads needs only `kms:Decrypt`)"
    )]
    AccessDenied {
        /// The KMS operation.
        operation: &'static str,
        /// The root key name and version.
        key: KeyId,
        /// The KMS key id, ARN or alias configured.
        kms_key_id: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
    /// The KMS key is disabled, pending deletion or otherwise unusable (`DisabledException`,
    /// `KMSInvalidStateException`, `KeyUnavailableException`).
    #[error(
        "{operation} for key {key}: KMS key `{kms_key_id}` is disabled or not usable ({code}); \
         enable it (EnableKey) or cancel its deletion; values under this key version cannot be \
         read until then"
    )]
    KeyDisabled {
        /// The KMS operation.
        operation: &'static str,
        /// The root key name and version.
        key: KeyId,
        /// The KMS key id, ARN or alias configured.
        kms_key_id: String,
        /// The KMS error code.
        code: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
    /// KMS refused to unwrap the data key (`InvalidCiphertextException`): the encryption
    /// context differs from the one it was generated with, or the wrapped key is corrupt.
    #[error(
        "{operation} for key {key}: KMS key `{kms_key_id}` refused to unwrap the data key \
         (InvalidCiphertextException): it was generated for another key name or version or \
         with other context entries, or the stored wrapped key is corrupt; configure it under \
         the name and version it was generated for, with the same `with_context` entries"
    )]
    WrongContext {
        /// The KMS operation.
        operation: &'static str,
        /// The root key name and version.
        key: KeyId,
        /// The KMS key id, ARN or alias configured.
        kms_key_id: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
    /// The data key was wrapped under another KMS key than the one configured
    /// (`IncorrectKeyException`).
    #[error(
        "{operation} for key {key}: the data key was not wrapped under KMS key `{kms_key_id}` \
         (IncorrectKeyException); configure the KMS key it was generated under"
    )]
    WrongKmsKey {
        /// The KMS operation.
        operation: &'static str,
        /// The root key name and version.
        key: KeyId,
        /// The KMS key id, ARN or alias configured.
        kms_key_id: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
    /// KMS unwrapped a data key that is not a 32-byte root key (the wrapped key was not made
    /// by [`KmsKeyring::generate`]). The unwrapped bytes are wiped, never kept.
    #[error(
        "Decrypt for key {key}: KMS key `{kms_key_id}` unwrapped {len} bytes, but a root key is \
         {ROOT_KEY_LEN} bytes (an AES_256 data key); generate the key with \
         `KmsKeyring::generate`"
    )]
    BadDataKey {
        /// The root key name and version.
        key: KeyId,
        /// The KMS key id, ARN or alias configured.
        kms_key_id: String,
        /// The length KMS returned.
        len: usize,
    },
    /// Any other failure of the request: throttling, a KMS internal error, the network, a
    /// timeout, an invalid request.
    #[error(
        "{operation} for key {key} under KMS key `{kms_key_id}` failed ({}); retry later, and \
         check the KMS endpoint, region and network",
        code.as_deref().unwrap_or("no KMS error code")
    )]
    Request {
        /// The KMS operation.
        operation: &'static str,
        /// The root key name and version.
        key: KeyId,
        /// The KMS key id, ARN or alias configured.
        kms_key_id: String,
        /// The KMS error code, if KMS answered with one.
        code: Option<String>,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
    /// The KMS keyring's own configuration is invalid (a reserved encryption-context key).
    #[error("invalid KMS keyring configuration: {reason}")]
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
    /// The unwrapped keys could not be added to the keyring (a key version configured twice,
    /// an invalid key name).
    #[error(transparent)]
    Keyring(#[from] CryptoError),
}

impl KmsError {
    /// The typed error for a failed KMS request, by the KMS error code.
    fn from_sdk<E, R>(
        error: SdkError<E, R>,
        operation: &'static str,
        key: &KeyId,
        kms_key_id: &str,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let code = error.code().map(str::to_owned);
        let (key, kms_key_id) = (key.clone(), kms_key_id.to_owned());
        let source: BoxError = Box::new(error);
        match code.as_deref() {
            Some("NotFoundException") => KmsError::NotFound {
                operation,
                key,
                kms_key_id,
                source,
            },
            Some("AccessDeniedException") => KmsError::AccessDenied {
                operation,
                key,
                kms_key_id,
                source,
            },
            Some(
                code @ ("DisabledException"
                | "KMSInvalidStateException"
                | "KeyUnavailableException"),
            ) => KmsError::KeyDisabled {
                operation,
                key,
                kms_key_id,
                code: code.to_owned(),
                source,
            },
            Some("InvalidCiphertextException") => KmsError::WrongContext {
                operation,
                key,
                kms_key_id,
                source,
            },
            Some("IncorrectKeyException") => KmsError::WrongKmsKey {
                operation,
                key,
                kms_key_id,
                source,
            },
            _ => KmsError::Request {
                operation,
                key,
                kms_key_id,
                code,
                source,
            },
        }
    }
}
