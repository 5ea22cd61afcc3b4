//! [`enum@Error`], the error of every dynamate operation, and [`Report`], which prints an error
//! with all its sources. Built on the item layer's value errors ([`crate::item::error`]) and on
//! [`OffloadError`].

use thiserror::Error;

use crate::io::offload::OffloadError;
use crate::item::error::{DecodeError, EncodeError};
use crate::item::expr::ExprError;
use crate::item::model::Item;

/// The boxed underlying error an [`enum@Error`] keeps as its source (usually the AWS SDK's).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error of every dynamate operation: what was done, on which table, and why.
///
/// Every case that wraps a failure keeps the underlying error (usually the AWS SDK's) as its
/// [`std::error::Error::source`]. Each error's `Display` describes its own layer only, so print
/// the whole chain (the server's error code and message included) with [`Report`], or with your
/// error-reporting crate's chain formatting (`anyhow`'s `{:#}`, `eyre`). Match on the cases an
/// application handles:
///
/// ```
/// fn explain(error: &dynamate::Error) -> &'static str {
///     match error {
///         dynamate::Error::ConditionFailed { .. } => "someone else changed it first",
///         dynamate::Error::VersionConflict { .. } => "stale copy: re-read and retry",
///         dynamate::Error::NotFound { .. } => "no such table or item",
///         dynamate::Error::Throttled { .. } => "slow down",
///         _ => "other failure",
///     }
/// }
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A model could not be converted to an item (boxed: it is the largest case).
    #[error(transparent)]
    Encode(Box<EncodeError>),
    /// An item could not be converted to a model (boxed: it is the largest case).
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// Uploading or fetching an offloaded attribute failed.
    #[error(transparent)]
    Offload(#[from] OffloadError),
    /// The write's condition expression evaluated to false (the item was not written).
    #[error(
        "{operation} on table `{table}`: the condition failed, so nothing was written; \
         re-read the item and decide again"
    )]
    ConditionFailed {
        /// The operation, such as `PutItem`.
        operation: &'static str,
        /// DynamoDB table name (with the client's prefix and suffix).
        table: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
    /// Optimistic locking: the item's version is no longer the one this copy was read with.
    #[error(
        "{operation} on table `{table}`: the item is not at version {expected} any more (another \
         writer saved it first); re-read it with `refresh` or `get`, reapply the change and save again"
    )]
    VersionConflict {
        /// The operation, such as `PutItem`.
        operation: &'static str,
        /// DynamoDB table name.
        table: String,
        /// The version this copy was read with.
        expected: u64,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
    /// The table (or, for `refresh`, the item) does not exist.
    #[error("{operation} on table `{table}`: {what} does not exist; {hint}")]
    NotFound {
        /// The operation, such as `Query`.
        operation: &'static str,
        /// DynamoDB table name.
        table: String,
        /// `the table` or `the item`.
        what: &'static str,
        /// How to fix it.
        hint: &'static str,
        /// The SDK error, if the server reported it.
        #[source]
        source: Option<BoxError>,
    },
    /// DynamoDB throttled the request after the client's retries.
    #[error(
        "{operation} on table `{table}` was throttled; retry later, raise the table's capacity, \
         or allow more attempts with `ClientBuilder::max_attempts`"
    )]
    Throttled {
        /// The operation.
        operation: &'static str,
        /// DynamoDB table name.
        table: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
    /// A transaction was cancelled; `reasons` has one entry per action, in request order.
    #[error("TransactWriteItems was cancelled: {}", describe_reasons(reasons))]
    TransactionCanceled {
        /// Why each action failed (`code` is `None` for actions that did not fail).
        reasons: Vec<CancellationReason>,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
    /// The item is larger than DynamoDB's 400 KB item limit (checked before sending).
    #[error(
        "the item for table `{table}` is {size} bytes, over DynamoDB's 400 KB limit; largest \
         attributes: {}; declare them `compress = true` or `offload = \"s3\"` in the schema",
        largest.iter().map(|(name, size)| format!("`{name}` ({size} bytes)")).collect::<Vec<_>>().join(", ")
    )]
    ItemTooLarge {
        /// DynamoDB table name.
        table: String,
        /// Size of the item as DynamoDB counts it (names plus values).
        size: usize,
        /// The largest attributes and their sizes, largest first.
        largest: Vec<(String, usize)>,
    },
    /// `create_table` found a table of that name whose primary key differs from the schema's.
    #[error(
        "{operation} on table `{table}`: the table exists with key {found}, but the schema \
         declares {expected}; delete or rename the existing table, or give the schema another \
         `table_name`"
    )]
    KeyMismatch {
        /// The operation.
        operation: &'static str,
        /// DynamoDB table name.
        table: String,
        /// The key the schema declares, e.g. ``hash `id` (S), range `at` (N)``.
        expected: String,
        /// The key of the existing table, in the same form.
        found: String,
    },
    /// The request is invalid and was not sent (a client-side check).
    #[error("{operation} on table `{table}`: {reason}")]
    InvalidRequest {
        /// The operation.
        operation: &'static str,
        /// DynamoDB table name.
        table: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Any other failure of a DynamoDB request (network, validation, server error).
    #[error("{operation} on table `{table}` failed")]
    Service {
        /// The operation.
        operation: &'static str,
        /// DynamoDB table name.
        table: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
}

impl From<EncodeError> for Error {
    fn from(error: EncodeError) -> Self {
        Error::Encode(Box::new(error))
    }
}

impl From<DecodeError> for Error {
    fn from(error: DecodeError) -> Self {
        Error::Decode(Box::new(error))
    }
}

impl From<ExprError> for Error {
    fn from(error: ExprError) -> Self {
        match error {
            ExprError::Invalid {
                operation,
                table,
                reason,
            } => Error::InvalidRequest {
                operation,
                table,
                reason,
            },
            ExprError::Encode(error) => error.into(),
        }
    }
}

/// Why one action of a cancelled transaction failed.
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    /// Position of the action in the transaction.
    pub index: usize,
    /// DynamoDB table of the action.
    pub table: String,
    /// Primary key of the item the action was on.
    pub key: Item,
    /// `ConditionalCheckFailed`, `TransactionConflict`, ...; `None` when this action was fine.
    pub code: Option<String>,
    /// DynamoDB's message, if any.
    pub message: Option<String>,
}

fn describe_reasons(reasons: &[CancellationReason]) -> String {
    let failed: Vec<String> = reasons
        .iter()
        .filter_map(|r| {
            let code = r.code.as_deref().filter(|c| *c != "None")?;
            Some(format!(
                "action {} on `{}` item {}: {code}{}",
                r.index,
                r.table,
                describe_key(&r.key),
                r.message
                    .as_deref()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            ))
        })
        .collect();
    if failed.is_empty() {
        "no reason given".to_string()
    } else {
        failed.join("; ")
    }
}

/// `{name=value, ...}` of a key, sorted by name, for messages.
fn describe_key(key: &Item) -> String {
    let mut parts: Vec<String> = key
        .iter()
        .map(|(name, value)| match value {
            aws_sdk_dynamodb::types::AttributeValue::S(s) => format!("{name}={s:?}"),
            aws_sdk_dynamodb::types::AttributeValue::N(n) => format!("{name}={n}"),
            other => format!("{name}={other:?}"),
        })
        .collect();
    parts.sort();
    format!("{{{}}}", parts.join(", "))
}

/// An error and all its sources on one line, outermost first, separated by `: `.
///
/// dynamate's errors describe one layer each in `Display` and keep the rest in
/// [`std::error::Error::source`]; `Report` prints the whole chain, as a log line or a CLI's
/// message would want it:
///
/// ```
/// let error = std::io::Error::other("disk full");
/// assert_eq!(dynamate::Report(&error).to_string(), "disk full");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Report<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl Error {
    /// Classifies a failed DynamoDB request by its error code.
    pub(crate) fn from_sdk<E>(
        operation: &'static str,
        table: &str,
        error: aws_sdk_dynamodb::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
    ) -> Error
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
    {
        use aws_sdk_dynamodb::error::ProvideErrorMetadata;
        let table = table.to_string();
        let code = error.code().map(str::to_owned);
        let source: BoxError = Box::new(error);
        match code.as_deref() {
            Some("ConditionalCheckFailedException") => Error::ConditionFailed {
                operation,
                table,
                source,
            },
            Some(
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded",
            ) => Error::Throttled {
                operation,
                table,
                source,
            },
            Some("ResourceNotFoundException") => Error::NotFound {
                operation,
                table,
                what: "the table",
                hint: "create it with `Client::create_table` (check the client's table prefix and suffix)",
                source: Some(source),
            },
            _ => Error::Service {
                operation,
                table,
                source,
            },
        }
    }

    /// A client-side check failed.
    pub(crate) fn invalid(
        operation: &'static str,
        table: &str,
        reason: impl Into<String>,
    ) -> Error {
        Error::InvalidRequest {
            operation,
            table: table.to_string(),
            reason: reason.into(),
        }
    }
}
