//! Creating the task table.

use std::time::Duration;

use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ProvisionedThroughput, ScalarAttributeType,
};

use super::Tracker;
use super::error::TrackerError;
use super::item::{STATUS_INDEX, attr};
use super::request::request_error;
use crate::io::client::Client;
use crate::item::model::Billing;

/// Whether a create call made something new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// It was created.
    New,
    /// It already existed; nothing changed.
    AlreadyExists,
}

/// How long [`create_table`] waits for the table to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("name and key type are set")
}

fn string_attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("name and type are set")
}

fn throughput(billing: Billing) -> Option<ProvisionedThroughput> {
    match billing {
        Billing::PayPerRequest => None,
        Billing::Provisioned(t) => Some(
            ProvisionedThroughput::builder()
                .read_capacity_units(t.read)
                .write_capacity_units(t.write)
                .build()
                .expect("capacities are set"),
        ),
    }
}

fn status_index(billing: Billing) -> GlobalSecondaryIndex {
    GlobalSecondaryIndex::builder()
        .index_name(STATUS_INDEX)
        .key_schema(key(attr::STATUS_KEY, KeyType::Hash))
        .key_schema(key(attr::UPDATE_TIME, KeyType::Range))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .set_provisioned_throughput(throughput(billing))
        .build()
        .expect("name, keys and projection are set")
}

pub(crate) async fn create_table<T: Tracker>(client: &Client) -> Result<Created, TrackerError> {
    let table = client.resolve_table_name(T::CONFIG.table_name);
    let billing = T::CONFIG.billing;
    let mode = match billing {
        Billing::PayPerRequest => BillingMode::PayPerRequest,
        Billing::Provisioned(_) => BillingMode::Provisioned,
    };
    let result = client
        .dynamodb()
        .create_table()
        .table_name(&table)
        .key_schema(key(attr::PK, KeyType::Hash))
        .attribute_definitions(string_attribute(attr::PK))
        .attribute_definitions(string_attribute(attr::STATUS_KEY))
        .attribute_definitions(string_attribute(attr::UPDATE_TIME))
        .global_secondary_indexes(status_index(billing))
        .billing_mode(mode)
        .set_provisioned_throughput(throughput(billing))
        .send()
        .await;
    let created = match result {
        Ok(_) => Created::New,
        Err(error) => match error.as_service_error() {
            Some(CreateTableError::ResourceInUseException(_)) => Created::AlreadyExists,
            _ => return Err(request_error("CreateTable", &table, error)),
        },
    };
    wait_until_active(client, &table).await?;
    Ok(created)
}

async fn wait_until_active(client: &Client, table: &str) -> Result<(), TrackerError> {
    crate::io::ops::table::wait_until_active(client, table, ACTIVE_TIMEOUT)
        .await
        .map_err(|e| request_error("DescribeTable", table, e))
}
