//! Tracing and consumed capacity: the one place that builds the `tracing` span of every DynamoDB
//! operation (after OpenTelemetry's database semantic conventions), records what responses tell
//! (request id, consumed capacity, error type), and sums the capacity an operation consumed.
//!
//! # Spans
//!
//! Every operation of [`Client`] (item reads and writes, each query or scan page, batches,
//! transactions, table management, the tracker's requests) runs in one `INFO` span of target
//! `dynamate`, named after the DynamoDB operation (`PutItem`, `Query`, `BatchWriteItem`, ...),
//! with these fields:
//!
//! | field | value |
//! |---|---|
//! | `otel.name` | `"{operation} {table}"`, such as `PutItem test-orders` (the span name OpenTelemetry asks for; `tracing-opentelemetry` uses it) |
//! | `otel.kind` | `client` |
//! | `db.system.name` | `aws.dynamodb` |
//! | `db.operation.name` | the DynamoDB operation |
//! | `db.collection.name` | the table, with the client's prefix and suffix (operations on one table) |
//! | `aws.dynamodb.table_names` | the tables, comma-separated (transactions, which may span tables) |
//! | `aws.dynamodb.index_name` | the queried or scanned index |
//! | `cloud.region` | the DynamoDB client's region |
//! | `aws.request_id` | the request id of the last response (DynamoDB's `x-amzn-RequestId`) |
//! | `db.response.returned_rows` | items returned (queries, scans, batch reads) |
//! | `aws.dynamodb.consumed_capacity` | JSON of the summed [`ConsumedCapacity`], when it was requested |
//! | `error.type` | on failure: the DynamoDB error code (`ConditionalCheckFailedException`), the SDK's failure kind when no answer came (`timeout`, `dispatch_failure`, `response_error`, `construction_failure`), or else dynamate's error case (`InvalidRequest`, `Offload`, ...) |
//! | `otel.status_code` | `error` on failure |
//!
//! The AWS SDK's own spans (attempts, retries, HTTP) are children of it. Offload transfers and
//! tracker transitions have child spans of their own (see [`crate::io::offload`] and
//! [`crate::io::tracker`], and `docs/operations.md`).
//!
//! Without a subscriber (or with one that filters these spans out) the spans are disabled: no
//! field is formatted and nothing is allocated for them.
//!
//! # Consumed capacity
//!
//! Every item operation, batch and transaction has a `consumed_capacity(detail)` option that asks
//! DynamoDB for the capacity it consumed (`ReturnConsumedCapacity`) and makes the operation
//! return a [`Measured`] value; queries and scans take the same option and report it in
//! [`Page::consumed_capacity`](crate::io::ops::Page::consumed_capacity). Batches sum it over
//! every request they sent (retries included).

use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::sync::Mutex;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::types::{ConsumedCapacity as SdkCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use futures::future::BoxFuture;
use tracing::field::Empty;
use tracing::{Instrument, Span};

use crate::io::client::Client;
use crate::io::error::Error;

/// How much detail of the consumed capacity to ask DynamoDB for (`ReturnConsumedCapacity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityDetail {
    /// The total of the operation (`TOTAL`).
    Total,
    /// The total and each secondary index's share (`INDEXES`).
    Indexes,
}

impl CapacityDetail {
    fn to_sdk(self) -> ReturnConsumedCapacity {
        match self {
            CapacityDetail::Total => ReturnConsumedCapacity::Total,
            CapacityDetail::Indexes => ReturnConsumedCapacity::Indexes,
        }
    }
}

/// Capacity units an operation consumed, summed over its requests and tables.
///
/// DynamoDB reports `capacity_units` always, and read and write units where they apply; a unit
/// it did not report counts as 0.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsumedCapacity {
    /// Capacity units consumed (read and write).
    pub capacity_units: f64,
    /// Read capacity units consumed.
    pub read_units: f64,
    /// Write capacity units consumed.
    pub write_units: f64,
    /// Capacity units per secondary index (global and local) by index name, with
    /// [`CapacityDetail::Indexes`] only.
    pub indexes: BTreeMap<String, f64>,
}

impl ConsumedCapacity {
    /// Adds `other` to this total.
    pub fn add(&mut self, other: &ConsumedCapacity) {
        self.capacity_units += other.capacity_units;
        self.read_units += other.read_units;
        self.write_units += other.write_units;
        for (index, units) in &other.indexes {
            *self.indexes.entry(index.clone()).or_default() += units;
        }
    }

    /// The sum of what DynamoDB reported; `None` when it reported nothing.
    fn of<'a>(reported: impl IntoIterator<Item = &'a SdkCapacity>) -> Option<ConsumedCapacity> {
        reported
            .into_iter()
            .map(|sdk| {
                let indexes = sdk
                    .global_secondary_indexes()
                    .into_iter()
                    .chain(sdk.local_secondary_indexes())
                    .flatten()
                    .map(|(name, c)| (name.clone(), c.capacity_units().unwrap_or(0.0)))
                    .collect();
                ConsumedCapacity {
                    capacity_units: sdk.capacity_units().unwrap_or(0.0),
                    read_units: sdk.read_capacity_units().unwrap_or(0.0),
                    write_units: sdk.write_capacity_units().unwrap_or(0.0),
                    indexes,
                }
            })
            .reduce(|mut total, one| {
                total.add(&one);
                total
            })
    }

    /// The value of the span field: JSON in DynamoDB's names.
    fn to_json(&self) -> String {
        let mut json = serde_json::json!({
            "CapacityUnits": self.capacity_units,
            "ReadCapacityUnits": self.read_units,
            "WriteCapacityUnits": self.write_units,
        });
        if !self.indexes.is_empty() {
            json["Indexes"] = serde_json::json!(self.indexes);
        }
        json.to_string()
    }
}

/// An operation's result with the capacity it consumed, from an operation's
/// `consumed_capacity(detail)` option.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured<T> {
    /// What the operation returns without the option.
    pub value: T,
    /// The capacity consumed, summed over the operation's requests; `None` when DynamoDB
    /// reported none (it always does when asked; some local servers do not).
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// An operation that returns [`Measured`], from its `consumed_capacity(detail)` option; await it.
#[must_use = "await the operation to run it"]
pub struct WithCapacity<'a, T> {
    future: BoxFuture<'a, Result<Measured<T>, Error>>,
}

impl<T> std::fmt::Debug for WithCapacity<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithCapacity").finish_non_exhaustive()
    }
}

impl<'a, T> WithCapacity<'a, T> {
    pub(crate) fn new(
        future: impl Future<Output = Result<Measured<T>, Error>> + Send + 'a,
    ) -> Self {
        WithCapacity {
            future: Box::pin(future),
        }
    }
}

impl<'a, T> IntoFuture for WithCapacity<'a, T> {
    type Output = Result<Measured<T>, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        self.future
    }
}

/// The `consumed_capacity` option and `IntoFuture` of an operation builder whose `run(self,
/// Option<CapacityDetail>)` returns `Result<Measured<$output>, Error>`.
macro_rules! measured_operation {
    ([$($generics:tt)*] $builder:ty => $output:ty) => {
        impl<$($generics)*> $builder {
            /// Asks DynamoDB for the capacity the operation consumes and returns it with the
            /// result (summed over every request it sends).
            pub fn consumed_capacity(
                self,
                detail: $crate::io::telemetry::CapacityDetail,
            ) -> $crate::io::telemetry::WithCapacity<'a, $output> {
                $crate::io::telemetry::WithCapacity::new(self.run(Some(detail)))
            }
        }

        impl<$($generics)*> ::std::future::IntoFuture for $builder {
            type Output = Result<$output, $crate::io::error::Error>;
            type IntoFuture = ::futures::future::BoxFuture<'a, Self::Output>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(async move { self.run(None).await.map(|measured| measured.value) })
            }
        }
    };
}
pub(crate) use measured_operation;

/// A DynamoDB response's request id and consumed capacity.
pub(crate) trait Response: RequestId {
    /// The consumed capacity it reports (one entry per table).
    fn consumed(&self) -> &[SdkCapacity];
}

macro_rules! responses {
    (one: $($om:ident::$one:ident),*; many: $($mm:ident::$many:ident),*; none: $($nm:ident::$none:ident),*) => {
        $(impl Response for aws_sdk_dynamodb::operation::$om::$one {
            fn consumed(&self) -> &[SdkCapacity] {
                self.consumed_capacity.as_slice()
            }
        })*
        $(impl Response for aws_sdk_dynamodb::operation::$mm::$many {
            fn consumed(&self) -> &[SdkCapacity] {
                self.consumed_capacity.as_deref().unwrap_or_default()
            }
        })*
        $(impl Response for aws_sdk_dynamodb::operation::$nm::$none {
            fn consumed(&self) -> &[SdkCapacity] {
                &[]
            }
        })*
    };
}

responses! {
    one: put_item::PutItemOutput, get_item::GetItemOutput, delete_item::DeleteItemOutput,
        update_item::UpdateItemOutput, query::QueryOutput, scan::ScanOutput;
    many: batch_get_item::BatchGetItemOutput, batch_write_item::BatchWriteItemOutput,
        transact_write_items::TransactWriteItemsOutput,
        transact_get_items::TransactGetItemsOutput;
    none: create_table::CreateTableOutput, delete_table::DeleteTableOutput,
        describe_table::DescribeTableOutput
}

/// The span of one operation and what its responses reported: consumed capacity (summed) and
/// the error code of the last failed request.
pub(crate) struct Operation {
    span: Span,
    capacity: Option<CapacityDetail>,
    reported: Mutex<Reported>,
}

#[derive(Default)]
struct Reported {
    consumed: Option<ConsumedCapacity>,
    error: Option<String>,
}

/// The span of a DynamoDB operation; every field but the first four is recorded later.
macro_rules! db_span {
    (@span $span_name:expr, $operation:expr, $region:expr) => {
        tracing::info_span!(
            target: "dynamate",
            $span_name,
            otel.name = Empty,
            otel.kind = "client",
            db.system.name = "aws.dynamodb",
            db.operation.name = $operation,
            cloud.region = $region,
            db.collection.name = Empty,
            aws.dynamodb.table_names = Empty,
            aws.dynamodb.index_name = Empty,
            aws.request_id = Empty,
            db.response.returned_rows = Empty,
            aws.dynamodb.consumed_capacity = Empty,
            error.type = Empty,
            otel.status_code = Empty,
        )
    };
    ($name:expr, $region:expr, [$($operation:literal),*]) => {
        match $name {
            $($operation => db_span!(@span $operation, $operation, $region),)*
            other => db_span!(@span "DynamoDB", other, $region),
        }
    };
}

impl Operation {
    /// The span of `operation` (`PutItem`, ...) on `table`, asking for consumed capacity when
    /// `capacity` is set.
    pub(crate) fn new(
        client: &Client,
        operation: &'static str,
        table: &str,
        capacity: Option<CapacityDetail>,
    ) -> Operation {
        let op = Self::unnamed(client, operation, capacity);
        if !op.span.is_disabled() {
            op.span.record("db.collection.name", table);
            op.span
                .record("otel.name", format!("{operation} {table}").as_str());
        }
        op
    }

    /// The span of `operation` on several tables (a transaction).
    pub(crate) fn on_tables(
        client: &Client,
        operation: &'static str,
        tables: &[String],
        capacity: Option<CapacityDetail>,
    ) -> Operation {
        let mut distinct: Vec<&str> = tables.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if let [table] = distinct[..] {
            return Self::new(client, operation, table, capacity);
        }
        let op = Self::unnamed(client, operation, capacity);
        if !op.span.is_disabled() {
            op.span
                .record("aws.dynamodb.table_names", distinct.join(",").as_str());
            op.span.record("otel.name", operation);
        }
        op
    }

    fn unnamed(
        client: &Client,
        operation: &'static str,
        capacity: Option<CapacityDetail>,
    ) -> Operation {
        let region = client.dynamodb().config().region().map(|r| r.as_ref());
        let span = db_span!(
            operation,
            region,
            [
                "GetItem",
                "PutItem",
                "UpdateItem",
                "DeleteItem",
                "Query",
                "Scan",
                "BatchGetItem",
                "BatchWriteItem",
                "TransactWriteItems",
                "TransactGetItems",
                "CreateTable",
                "DeleteTable",
                "DescribeTable"
            ]
        );
        Operation {
            span,
            capacity,
            reported: Mutex::new(Reported::default()),
        }
    }

    /// What to send as `ReturnConsumedCapacity`.
    pub(crate) fn return_capacity(&self) -> Option<ReturnConsumedCapacity> {
        self.capacity.map(CapacityDetail::to_sdk)
    }

    /// Records what a response tells: its request id, the capacity it reports, and for a
    /// failure its error code (reported on the span if the operation fails).
    pub(crate) fn response<O, E>(&self, result: &Result<O, SdkError<E, HttpResponse>>)
    where
        O: Response,
        E: ProvideErrorMetadata,
    {
        let request_id = match result {
            Ok(output) => output.request_id(),
            Err(error) => error.request_id(),
        };
        if let Some(id) = request_id {
            self.span.record("aws.request_id", id);
        }
        let mut reported = lock(&self.reported);
        match result {
            Ok(output) => {
                if let Some(consumed) = ConsumedCapacity::of(output.consumed()) {
                    reported
                        .consumed
                        .get_or_insert_with(ConsumedCapacity::default)
                        .add(&consumed);
                }
            }
            Err(error) => reported.error = Some(sdk_error_type(error)),
        }
    }

    /// Records the number of items a response returned.
    pub(crate) fn returned_rows(&self, rows: usize) {
        self.span.record("db.response.returned_rows", rows);
    }

    /// Records the queried or scanned index.
    pub(crate) fn index(&self, index: Option<&str>) {
        if let Some(index) = index {
            self.span.record("aws.dynamodb.index_name", index);
        }
    }

    /// Runs `work` in the span and records its outcome: the consumed capacity, or the error
    /// type.
    pub(crate) async fn run<T>(
        &self,
        work: impl Future<Output = Result<T, Error>>,
    ) -> Result<Measured<T>, Error> {
        let result = work.instrument(self.span.clone()).await;
        let reported = std::mem::take(&mut *lock(&self.reported));
        if let Some(consumed) = &reported.consumed
            && !self.span.is_disabled()
        {
            self.span.record(
                "aws.dynamodb.consumed_capacity",
                consumed.to_json().as_str(),
            );
        }
        match result {
            Ok(value) => Ok(Measured {
                value,
                consumed_capacity: reported.consumed,
            }),
            Err(error) => {
                let from_service = reported.error.filter(|_| is_service_error(&error));
                match &from_service {
                    Some(code) => self.span.record("error.type", code.as_str()),
                    None => self.span.record("error.type", error_case(&error)),
                };
                self.span.record("otel.status_code", "error");
                Err(error)
            }
        }
    }
}

/// Sends one DynamoDB request (`send`, the SDK's unpolled `send()` future) in a span of its
/// own and returns the SDK's result for the caller to map; a failure (a rejected condition
/// included) is recorded as the span's error.
///
/// Boxed: the tracker's futures nest several requests, and an unboxed chain of them grows a
/// type deep enough to exceed the compiler's recursion limit where a caller spawns it.
pub(crate) fn request<'a, O, E>(
    client: &Client,
    operation: &'static str,
    table: &str,
    send: impl Future<Output = Result<O, SdkError<E, HttpResponse>>> + Send + 'a,
) -> BoxFuture<'a, Result<O, SdkError<E, HttpResponse>>>
where
    O: Response + Send + 'a,
    E: ProvideErrorMetadata + Send + 'a,
{
    let op = Operation::new(client, operation, table, None);
    Box::pin(async move {
        let result = send.instrument(op.span.clone()).await;
        op.response(&result);
        if let Err(error) = &result {
            op.span.record("error.type", sdk_error_type(error).as_str());
            op.span.record("otel.status_code", "error");
        }
        result
    })
}

/// Locks a mutex, recovering the value if a holder panicked (plain data).
fn lock<V>(mutex: &Mutex<V>) -> std::sync::MutexGuard<'_, V> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The error code of a failed request, or the kind of failure when no answer came.
pub(crate) fn sdk_error_type<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata,
{
    let kind = match error {
        SdkError::ServiceError(service) => {
            return service.err().code().unwrap_or("service_error").to_string();
        }
        SdkError::ConstructionFailure(_) => "construction_failure",
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(_) => "dispatch_failure",
        SdkError::ResponseError(_) => "response_error",
        _ => "sdk_error",
    };
    kind.to_string()
}

/// Whether `error` is what DynamoDB (or the way to it) answered, so a request's error code
/// describes it.
fn is_service_error(error: &Error) -> bool {
    matches!(
        error,
        Error::ConditionFailed { .. }
            | Error::VersionConflict { .. }
            | Error::Throttled { .. }
            | Error::TransactionCanceled { .. }
            | Error::Service { .. }
            | Error::NotFound {
                source: Some(_),
                ..
            }
    )
}

/// The case of `error`, for `error.type` when no DynamoDB error code describes it.
fn error_case(error: &Error) -> &'static str {
    match error {
        Error::Encode(_) => "Encode",
        Error::Decode(_) => "Decode",
        Error::Offload(_) => "Offload",
        Error::ConditionFailed { .. } => "ConditionFailed",
        Error::VersionConflict { .. } => "VersionConflict",
        Error::NotFound { .. } => "NotFound",
        Error::Throttled { .. } => "Throttled",
        Error::TransactionCanceled { .. } => "TransactionCanceled",
        Error::ItemTooLarge { .. } => "ItemTooLarge",
        Error::KeyMismatch { .. } => "KeyMismatch",
        Error::InvalidRequest { .. } => "InvalidRequest",
        Error::Service { .. } => "Service",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdk(units: f64, read: Option<f64>, index: Option<(&str, f64)>) -> SdkCapacity {
        let mut builder = SdkCapacity::builder()
            .table_name("t")
            .capacity_units(units)
            .set_read_capacity_units(read);
        if let Some((name, units)) = index {
            builder = builder.global_secondary_indexes(
                name,
                aws_sdk_dynamodb::types::Capacity::builder()
                    .capacity_units(units)
                    .build(),
            );
        }
        builder.build()
    }

    #[test]
    fn capacity_sums_units_and_indexes() {
        let reported = [
            sdk(1.5, Some(1.5), Some(("by_customer", 0.5))),
            sdk(2.0, None, Some(("by_customer", 1.0))),
        ];
        let total = ConsumedCapacity::of(&reported).unwrap();
        assert_eq!(total.capacity_units, 3.5);
        assert_eq!(total.read_units, 1.5);
        assert_eq!(total.write_units, 0.0);
        assert_eq!(total.indexes["by_customer"], 1.5);
        assert_eq!(ConsumedCapacity::of(&[]), None);
    }

    #[test]
    fn capacity_json_uses_dynamodb_names() {
        let total = ConsumedCapacity::of(&[sdk(1.0, None, None)]).unwrap();
        assert_eq!(
            total.to_json(),
            r#"{"CapacityUnits":1.0,"ReadCapacityUnits":0.0,"WriteCapacityUnits":0.0}"#
        );
        let with_index = ConsumedCapacity::of(&[sdk(1.0, None, Some(("i", 0.5)))]).unwrap();
        let json: serde_json::Value = serde_json::from_str(&with_index.to_json()).unwrap();
        assert_eq!(json["Indexes"], serde_json::json!({ "i": 0.5 }));
    }

    #[test]
    fn details_map_to_the_sdk() {
        assert_eq!(
            CapacityDetail::Total.to_sdk(),
            ReturnConsumedCapacity::Total
        );
        assert_eq!(
            CapacityDetail::Indexes.to_sdk(),
            ReturnConsumedCapacity::Indexes
        );
    }
}
