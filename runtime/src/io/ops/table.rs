//! Table management: create (keys, indexes, billing, TTL), delete, exists, describe.

use std::future::IntoFuture;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection as SdkProjection, ProjectionType, ProvisionedThroughput,
    ScalarAttributeType, TableDescription, TableStatus, TimeToLiveSpecification,
};
use futures::future::BoxFuture;

use super::built;
use crate::io::client::Client;
use crate::io::error::Error;
use crate::item::model::{
    Billing, IndexKind, IndexSchema, KeyAttribute, KeySchema, Model, Projection, ScalarType,
    Throughput,
};

const CREATE: &str = "CreateTable";

/// Creation of model `M`'s table, from [`Client::create_table`]; await it.
///
/// By default it waits until the table and its indexes are `ACTIVE` (up to the timeout) and
/// enables time-to-live when the schema has a `ttl` attribute.
#[must_use = "await the operation to run it"]
pub struct CreateTable<'a, M> {
    client: &'a Client,
    wait: bool,
    ttl: bool,
    timeout: Duration,
    _model: std::marker::PhantomData<fn() -> M>,
}

impl<'a, M: Model> CreateTable<'a, M> {
    /// Returns as soon as DynamoDB accepted the request (unless TTL must be enabled, which
    /// needs an active table).
    pub fn no_wait(mut self) -> Self {
        self.wait = false;
        self
    }

    /// Does not enable time-to-live even if the schema has a `ttl` attribute (for servers
    /// without the TTL API, or when TTL is managed elsewhere).
    pub fn without_ttl(mut self) -> Self {
        self.ttl = false;
        self
    }

    /// How long to wait for the table to become active (default 120 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn run(self) -> Result<(), Error> {
        let client = self.client;
        let table = client.table_name::<M>();
        let schema = M::SCHEMA;
        let mut request = client
            .dynamodb()
            .create_table()
            .table_name(&table)
            .set_attribute_definitions(Some(attribute_definitions(schema.key, schema.indexes)))
            .set_key_schema(Some(key_schema(&table, schema.key)?));
        for index in schema.indexes {
            let key = key_schema(&table, index.key)?;
            let projection = projection(index.projection);
            request = match index.kind {
                IndexKind::Global => request.global_secondary_indexes(built(
                    CREATE,
                    &table,
                    GlobalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(Some(key))
                        .projection(projection)
                        .set_provisioned_throughput(index_throughput(schema.billing, index))
                        .build(),
                )?),
                IndexKind::Local => request.local_secondary_indexes(built(
                    CREATE,
                    &table,
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
        request
            .send()
            .await
            .map_err(|e| Error::from_sdk(CREATE, &table, e))?;
        let ttl = schema.ttl_attribute.filter(|_| self.ttl);
        if self.wait || ttl.is_some() {
            wait_until_active(client, &table, self.timeout).await?;
        }
        if let Some(attribute) = ttl {
            enable_ttl(client, &table, attribute).await?;
        }
        Ok(())
    }
}

impl<'a, M: Model> IntoFuture for CreateTable<'a, M> {
    type Output = Result<(), Error>;
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

/// Polls until the table and its global indexes are `ACTIVE`.
/// Waits until `table` and its global indexes are `ACTIVE` (tables are created asynchronously).
pub(crate) async fn wait_until_active(
    client: &Client,
    table: &str,
    timeout: Duration,
) -> Result<(), Error> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let description = describe(client, table).await?;
        let indexes_active = description
            .global_secondary_indexes()
            .iter()
            .all(|i| i.index_status() == Some(&IndexStatus::Active));
        if description.table_status() == Some(&TableStatus::Active) && indexes_active {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::Service {
                operation: "DescribeTable",
                table: table.to_string(),
                source: format!(
                    "the table did not become ACTIVE within {timeout:?}; raise \
                     `CreateTable::timeout` or check the table in the console"
                )
                .into(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
    let output = client
        .dynamodb()
        .describe_table()
        .table_name(table)
        .send()
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
            wait: true,
            ttl: true,
            timeout: Duration::from_secs(120),
            _model: std::marker::PhantomData,
        }
    }

    /// Deletes model `M`'s table and every item in it.
    pub async fn delete_table<M: Model>(&self) -> Result<(), Error> {
        let table = self.table_name::<M>();
        self.dynamodb()
            .delete_table()
            .table_name(&table)
            .send()
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
