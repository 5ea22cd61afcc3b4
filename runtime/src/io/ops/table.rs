//! Table management: create (keys, indexes, billing, TTL), delete, exists, describe.

use std::future::IntoFuture;
use std::time::Duration;

use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::describe_table::{DescribeTableError, DescribeTableOutput};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection as SdkProjection, ProjectionType, ProvisionedThroughput,
    ScalarAttributeType, TableDescription, TableStatus, TimeToLiveSpecification,
};
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
use aws_smithy_runtime::client::waiters::{AcceptorState, WaiterOrchestrator};
use aws_smithy_runtime_api::client::waiters::error::WaiterError;
use futures::future::BoxFuture;

use super::built;
use crate::io::client::Client;
use crate::io::error::{BoxError, Error};
use crate::io::telemetry::{self, Operation};
use crate::item::model::{
    Billing, IndexKind, IndexSchema, KeyAttribute, KeySchema, Model, Projection, ScalarType,
    TableSchema, Throughput,
};

const CREATE: &str = "CreateTable";

/// Whether a create call made something new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// It was created.
    New,
    /// It already existed; nothing changed.
    AlreadyExists,
}

/// Creation of model `M`'s table, from [`Client::create_table`]; await it for [`Created::New`],
/// or [`Created::AlreadyExists`] when a table of that name with the same key exists (a quick
/// skip; a different key is [`Error::KeyMismatch`]).
///
/// By default it waits until the table and its indexes are `ACTIVE` (up to the timeout) and
/// enables time-to-live when the schema has a `ttl` attribute.
#[must_use = "await the operation to run it"]
pub struct CreateTable<'a, M> {
    client: &'a Client,
    options: CreateOptions,
    _model: std::marker::PhantomData<fn() -> M>,
}

/// How [`create`] creates a table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CreateOptions {
    /// Wait until the table and its global indexes are active.
    pub wait: bool,
    /// Enable time-to-live when the schema has a `ttl` attribute.
    pub ttl: bool,
    /// How long to wait.
    pub timeout: Duration,
}

impl Default for CreateOptions {
    fn default() -> Self {
        CreateOptions {
            wait: true,
            ttl: true,
            timeout: Duration::from_secs(120),
        }
    }
}

impl<'a, M: Model> CreateTable<'a, M> {
    /// Returns as soon as DynamoDB accepted the request (unless TTL must be enabled, which
    /// needs an active table).
    pub fn no_wait(mut self) -> Self {
        self.options.wait = false;
        self
    }

    /// Does not enable time-to-live even if the schema has a `ttl` attribute (for servers
    /// without the TTL API, or when TTL is managed elsewhere).
    pub fn without_ttl(mut self) -> Self {
        self.options.ttl = false;
        self
    }

    /// How long to wait for the table to become active (default 120 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout;
        self
    }

    async fn run(self) -> Result<Created, Error> {
        let table = self.client.table_name::<M>();
        create(self.client, M::SCHEMA, &table, self.options).await
    }
}

/// Creates `table` as `schema` describes it (keys, indexes with their projections, billing,
/// TTL): the one create-table path of model tables and the tracker's task tables.
pub(crate) async fn create(
    client: &Client,
    schema: &TableSchema,
    table: &str,
    options: CreateOptions,
) -> Result<Created, Error> {
    let op = &Operation::new(client, CREATE, table, None);
    let created = op
        .run(create_in(client, op, schema, table, options))
        .await?;
    Ok(created.value)
}

async fn create_in(
    client: &Client,
    op: &Operation,
    schema: &TableSchema,
    table: &str,
    options: CreateOptions,
) -> Result<Created, Error> {
    let mut request = client
        .dynamodb()
        .create_table()
        .table_name(table)
        .set_attribute_definitions(Some(attribute_definitions(schema.key, schema.indexes)))
        .set_key_schema(Some(key_schema(table, schema.key)?));
    for index in schema.indexes {
        let key = key_schema(table, index.key)?;
        let projection = projection(index.projection);
        request = match index.kind {
            IndexKind::Global => request.global_secondary_indexes(built(
                CREATE,
                table,
                GlobalSecondaryIndex::builder()
                    .index_name(index.name)
                    .set_key_schema(Some(key))
                    .projection(projection)
                    .set_provisioned_throughput(index_throughput(schema.billing, index))
                    .build(),
            )?),
            IndexKind::Local => request.local_secondary_indexes(built(
                CREATE,
                table,
                LocalSecondaryIndex::builder()
                    .index_name(index.name)
                    .set_key_schema(Some(key))
                    .projection(projection)
                    .build(),
            )?),
        };
    }
    request = match schema.billing {
        Billing::PayPerRequest => request.billing_mode(BillingMode::PayPerRequest),
        Billing::Provisioned(t) => request
            .billing_mode(BillingMode::Provisioned)
            .provisioned_throughput(throughput(t)),
    };
    let result = request.send().await;
    op.response(&result);
    let created = match result {
        Ok(_) => Created::New,
        // A quick skip when the table exists, as long as its key is the schema's: items
        // written with another key would be unreadable.
        Err(error)
            if matches!(
                error.as_service_error(),
                Some(CreateTableError::ResourceInUseException(_))
            ) =>
        {
            ensure_same_key(client, schema.key, table).await?;
            Created::AlreadyExists
        }
        Err(error) => return Err(Error::from_sdk(CREATE, table, error)),
    };
    // An existing table may still be being created by whoever created it.
    let ttl = schema
        .ttl_attribute
        .filter(|_| options.ttl && created == Created::New);
    if options.wait || ttl.is_some() {
        wait_until_active(client, table, options.timeout).await?;
    }
    if let Some(attribute) = ttl {
        enable_ttl(client, table, attribute).await?;
    }
    Ok(created)
}

/// Fails with [`Error::KeyMismatch`] unless the existing `table` has the primary key `key`.
async fn ensure_same_key(client: &Client, key: KeySchema, table: &str) -> Result<(), Error> {
    let request = client.dynamodb().describe_table().table_name(table);
    let description = telemetry::request(client, "DescribeTable", table, request.send())
        .await
        .map_err(|e| Error::from_sdk("DescribeTable", table, e))?;
    let described = description
        .table
        .unwrap_or_else(|| TableDescription::builder().build());
    let scalar_of = |name: &str| {
        described
            .attribute_definitions()
            .iter()
            .find(|d| d.attribute_name() == name)
            .map_or("?", |d| d.attribute_type().as_str())
            .to_string()
    };
    let part = |element: &KeySchemaElement| {
        let role = if *element.key_type() == KeyType::Hash {
            "hash"
        } else {
            "range"
        };
        let name = element.attribute_name();
        format!("{role} `{name}` ({})", scalar_of(name))
    };
    let found = described
        .key_schema()
        .iter()
        .map(part)
        .collect::<Vec<_>>()
        .join(", ");
    let expected = describe_key(key);
    if found == expected {
        return Ok(());
    }
    Err(Error::KeyMismatch {
        operation: CREATE,
        table: table.to_string(),
        expected,
        found,
    })
}

/// ``hash `id` (S), range `at` (N)``: a key as [`Error::KeyMismatch`] names it.
fn describe_key(key: KeySchema) -> String {
    let scalar = |attr: KeyAttribute| match attr.scalar {
        ScalarType::S => "S",
        ScalarType::N => "N",
        ScalarType::B => "B",
    };
    let hash = format!("hash `{}` ({})", key.hash.name, scalar(key.hash));
    match key.range {
        None => hash,
        Some(range) => format!("{hash}, range `{}` ({})", range.name, scalar(range)),
    }
}

impl<'a, M: Model> IntoFuture for CreateTable<'a, M> {
    type Output = Result<Created, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Every key attribute of the table and its indexes, once each.
fn attribute_definitions(key: KeySchema, indexes: &[IndexSchema]) -> Vec<AttributeDefinition> {
    let mut seen: Vec<KeyAttribute> = Vec::new();
    let all = std::iter::once(key).chain(indexes.iter().map(|i| i.key));
    for attr in all.flat_map(|k| std::iter::once(k.hash).chain(k.range)) {
        if !seen.iter().any(|s| s.name == attr.name) {
            seen.push(attr);
        }
    }
    seen.into_iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(a.name)
                .attribute_type(match a.scalar {
                    ScalarType::S => ScalarAttributeType::S,
                    ScalarType::N => ScalarAttributeType::N,
                    ScalarType::B => ScalarAttributeType::B,
                })
                .build()
                .expect("name and type are set")
        })
        .collect()
}

fn key_schema(table: &str, key: KeySchema) -> Result<Vec<KeySchemaElement>, Error> {
    let hash = (key.hash.name, KeyType::Hash);
    let range = key.range.map(|r| (r.name, KeyType::Range));
    std::iter::once(hash)
        .chain(range)
        .map(|(name, key_type)| {
            built(
                CREATE,
                table,
                KeySchemaElement::builder()
                    .attribute_name(name)
                    .key_type(key_type)
                    .build(),
            )
        })
        .collect()
}

fn projection(projection: Projection) -> SdkProjection {
    match projection {
        Projection::All => SdkProjection::builder()
            .projection_type(ProjectionType::All)
            .build(),
        Projection::KeysOnly => SdkProjection::builder()
            .projection_type(ProjectionType::KeysOnly)
            .build(),
        Projection::Include(names) => SdkProjection::builder()
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(names.iter().map(|n| n.to_string()).collect()))
            .build(),
    }
}

fn throughput(t: Throughput) -> ProvisionedThroughput {
    ProvisionedThroughput::builder()
        .read_capacity_units(t.read)
        .write_capacity_units(t.write)
        .build()
        .expect("both capacities are set")
}

/// A global index's own capacity, or the table's, on a provisioned table.
fn index_throughput(billing: Billing, index: &IndexSchema) -> Option<ProvisionedThroughput> {
    match billing {
        Billing::PayPerRequest => None,
        Billing::Provisioned(table) => Some(throughput(index.throughput.unwrap_or(table))),
    }
}

/// Waits until `table` and its global indexes are `ACTIVE` (tables are created
/// asynchronously), polling with the SDK's waiter orchestrator (jittered exponential backoff
/// from 1 s to 5 s, a bound on the total wait).
///
/// Not the generated `wait_until_table_exists`, for two reasons: its acceptor checks the table
/// status only, while a global index can still be `CREATING` when the table is `ACTIVE` (and
/// queries of it fail until then: the tracker queries its status index right after creating
/// it); and it polls at least 20 s apart, so a table a local server activates in half a second
/// would take 20 s to create.
pub(crate) async fn wait_until_active(
    client: &Client,
    table: &str,
    timeout: Duration,
) -> Result<(), Error> {
    let db = client.dynamodb();
    let config = db.config();
    let service = |source: BoxError| Error::Service {
        operation: "DescribeTable",
        table: table.to_string(),
        source,
    };
    // A client built from a bare `Config` has neither; the SDK's own waiters then use the
    // defaults these are.
    let sleep = config
        .sleep_impl()
        .unwrap_or_else(|| SharedAsyncSleep::new(TokioSleep::new()));
    let time = config.time_source().unwrap_or_default();
    let waiter = WaiterOrchestrator::builder()
        // The orchestrator counts whole seconds (a shorter delay would be 0: no wait at all).
        .min_delay(Duration::from_secs(1))
        .max_delay(Duration::from_secs(5))
        .max_wait(timeout)
        .time_source(time)
        .sleep_impl(sleep)
        .acceptor(
            |result: Result<&DescribeTableOutput, &DescribeTableError>| match result {
                Ok(output) if output.table().is_some_and(is_active) => AcceptorState::Success,
                Ok(_) | Err(DescribeTableError::ResourceNotFoundException(_)) => {
                    AcceptorState::Retry
                }
                Err(_) => AcceptorState::NoAcceptorsMatched,
            },
        )
        .operation(|| db.describe_table().table_name(table).send())
        .build();
    match waiter.orchestrate().await {
        Ok(_) => Ok(()),
        Err(WaiterError::OperationFailed(failed)) => {
            Err(Error::from_sdk("DescribeTable", table, failed.into_error()))
        }
        Err(WaiterError::ExceededMaxWait(_)) => Err(service(
            format!(
                "the table did not become ACTIVE within {timeout:?}; raise \
                 `CreateTable::timeout` or check the table in the console"
            )
            .into(),
        )),
        Err(other) => Err(service(Box::new(other))),
    }
}

/// Whether the table and every global index are `ACTIVE`.
fn is_active(table: &TableDescription) -> bool {
    table.table_status() == Some(&TableStatus::Active)
        && table
            .global_secondary_indexes()
            .iter()
            .all(|i| i.index_status() == Some(&IndexStatus::Active))
}

async fn enable_ttl(client: &Client, table: &str, attribute: &str) -> Result<(), Error> {
    let specification = built(
        "UpdateTimeToLive",
        table,
        TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(attribute)
            .build(),
    )?;
    client
        .dynamodb()
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(specification)
        .send()
        .await
        .map_err(|e| Error::from_sdk("UpdateTimeToLive", table, e))?;
    Ok(())
}

async fn describe(client: &Client, table: &str) -> Result<TableDescription, Error> {
    let request = client.dynamodb().describe_table().table_name(table);
    let output = telemetry::request(client, "DescribeTable", table, request.send())
        .await
        .map_err(|e| Error::from_sdk("DescribeTable", table, e))?;
    output.table.ok_or_else(|| Error::NotFound {
        operation: "DescribeTable",
        table: table.to_string(),
        what: "the table",
        hint: "create it with `Client::create_table`",
        source: None,
    })
}

impl Client {
    /// Creates model `M`'s table: keys, every index with its projection, billing mode, and TTL
    /// when the schema has a `ttl` attribute. Waits until it is active unless told not to.
    pub fn create_table<M: Model>(&self) -> CreateTable<'_, M> {
        CreateTable {
            client: self,
            options: CreateOptions::default(),
            _model: std::marker::PhantomData,
        }
    }

    /// Deletes model `M`'s table and every item in it.
    pub async fn delete_table<M: Model>(&self) -> Result<(), Error> {
        let table = self.table_name::<M>();
        let request = self.dynamodb().delete_table().table_name(&table);
        telemetry::request(self, "DeleteTable", &table, request.send())
            .await
            .map_err(|e| Error::from_sdk("DeleteTable", &table, e))?;
        Ok(())
    }

    /// Whether model `M`'s table exists.
    pub async fn table_exists<M: Model>(&self) -> Result<bool, Error> {
        match describe(self, &self.table_name::<M>()).await {
            Ok(_) => Ok(true),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// DynamoDB's description of model `M`'s table (status, indexes, item count...).
    pub async fn describe_table<M: Model>(&self) -> Result<TableDescription, Error> {
        describe(self, &self.table_name::<M>()).await
    }
}
