//! `create_table` makes what each example schema declares: for every table and tracker in
//! `schemas/`, the full DescribeTable (billing mode and capacity, key schema and attribute
//! definitions, each global and local index with its keys, projection and capacity) and, on
//! moto, DescribeTimeToLive are compared with expectations written by hand from the TOML. Run on
//! moto and on dynalite (which has no TTL API, so TTL is checked on moto only).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::{
    KeySchemaElement, Projection, ProvisionedThroughputDescription, TableDescription,
    TimeToLiveStatus,
};
use dynamate::Model;
use dynamate::io::tracker::Tracker;
use dynamate_tests::support::{Server, client};
use dynamate_tests::{
    Archive, Counter, Enrich, Event, Ingest, Order, Product, Url, VaultCompressed,
    VaultDeterministic, VaultRandomized, VaultSealed,
};

/// A table as DynamoDB describes it, reduced to what a schema declares.
#[derive(Debug, Clone, PartialEq)]
struct Table {
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    billing: String,
    /// Read and write capacity (provisioned tables only).
    capacity: Option<(i64, i64)>,
    /// `(attribute, HASH|RANGE)`, hash first.
    key: Vec<(String, String)>,
    /// Attribute definitions: name to `S`, `N` or `B`.
    attributes: BTreeMap<String, String>,
    global: BTreeMap<String, Index>,
    local: BTreeMap<String, Index>,
    /// The TTL attribute, when TTL is enabled (or being enabled).
    ttl: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Index {
    key: Vec<(String, String)>,
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    projection: String,
    non_key: BTreeSet<String>,
    capacity: Option<(i64, i64)>,
}

fn key(elements: &[KeySchemaElement]) -> Vec<(String, String)> {
    elements
        .iter()
        .map(|e| {
            (
                e.attribute_name().to_string(),
                e.key_type().as_str().to_string(),
            )
        })
        .collect()
}

/// Capacity of a provisioned table or index; DynamoDB reports 0/0 (or nothing) otherwise.
fn capacity(t: Option<&ProvisionedThroughputDescription>) -> Option<(i64, i64)> {
    let t = t?;
    let pair = (t.read_capacity_units()?, t.write_capacity_units()?);
    (pair != (0, 0)).then_some(pair)
}

/// One index as described: its name and what a schema declares of it.
fn described_index(
    name: Option<&str>,
    key_schema: &[KeySchemaElement],
    p: Option<&Projection>,
    capacity: Option<(i64, i64)>,
) -> (String, Index) {
    let p = p.expect("every index has a projection");
    let index = Index {
        key: key(key_schema),
        projection: p
            .projection_type()
            .expect("projection type")
            .as_str()
            .to_string(),
        non_key: p.non_key_attributes().iter().cloned().collect(),
        capacity,
    };
    (name.expect("index name").to_string(), index)
}

fn described(d: &TableDescription, ttl: Option<String>) -> Table {
    Table {
        // DynamoDB omits the summary on tables that were always provisioned.
        billing: d
            .billing_mode_summary()
            .and_then(|s| s.billing_mode())
            .map_or("PROVISIONED", |m| m.as_str())
            .to_string(),
        capacity: capacity(d.provisioned_throughput()),
        key: key(d.key_schema()),
        attributes: d
            .attribute_definitions()
            .iter()
            .map(|a| {
                let name = a.attribute_name().to_string();
                (name, a.attribute_type().as_str().to_string())
            })
            .collect(),
        global: d
            .global_secondary_indexes()
            .iter()
            .map(|i| {
                let capacity = capacity(i.provisioned_throughput());
                described_index(i.index_name(), i.key_schema(), i.projection(), capacity)
            })
            .collect(),
        local: d
            .local_secondary_indexes()
            .iter()
            .map(|i| described_index(i.index_name(), i.key_schema(), i.projection(), None))
            .collect(),
        ttl,
    }
}

/// The TTL attribute DescribeTimeToLive reports as enabled (or enabling).
async fn ttl(client: &dynamate::Client, table: &str) -> Option<String> {
    let output = client
        .dynamodb()
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .expect("DescribeTimeToLive");
    let d = output.time_to_live_description()?;
    matches!(
        d.time_to_live_status(),
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
    )
    .then(|| d.attribute_name().unwrap().to_string())
}

// --- Expectations, written from the TOML ---

fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A table with the given key (`&[(name, type)]`, hash first) and no indexes or TTL.
fn table(billing: Option<(i64, i64)>, key_attributes: &[(&str, &str)]) -> Table {
    let roles = ["HASH", "RANGE"];
    Table {
        billing: if billing.is_some() {
            "PROVISIONED"
        } else {
            "PAY_PER_REQUEST"
        }
        .to_string(),
        capacity: billing,
        key: key_attributes
            .iter()
            .zip(roles)
            .map(|((name, _), role)| (name.to_string(), role.to_string()))
            .collect(),
        attributes: pairs(key_attributes).into_iter().collect(),
        global: BTreeMap::new(),
        local: BTreeMap::new(),
        ttl: None,
    }
}

fn index(
    key: &[(&str, &str)],
    projection: &str,
    non_key: &[&str],
    capacity: Option<(i64, i64)>,
) -> Index {
    Index {
        key: pairs(key),
        projection: projection.to_string(),
        non_key: non_key.iter().map(|s| s.to_string()).collect(),
        capacity,
    }
}

impl Table {
    fn attribute(mut self, name: &str, ty: &str) -> Self {
        self.attributes.insert(name.to_string(), ty.to_string());
        self
    }

    fn global(mut self, name: &str, index: Index) -> Self {
        self.global.insert(name.to_string(), index);
        self
    }

    fn local(mut self, name: &str, index: Index) -> Self {
        self.local.insert(name.to_string(), index);
        self
    }

    fn ttl(mut self, attribute: &str) -> Self {
        self.ttl = Some(attribute.to_string());
        self
    }
}

/// urls.toml, archive.toml, orders.toml, bench.toml: on-demand tables.
fn url() -> Table {
    table(None, &[("url", "S")])
}

fn archive() -> Table {
    table(None, &[("aid", "S")])
}

fn order() -> Table {
    table(None, &[("order_id", "S")])
        .attribute("customer_id", "S")
        .attribute("created_at", "S") // datetime: S
        .global(
            "by_customer",
            index(
                &[("customer_id", "HASH"), ("created_at", "RANGE")],
                "ALL",
                &[],
                None,
            ),
        )
}

fn event() -> Table {
    table(None, &[("user_id", "S"), ("event_id", "S")])
}

/// catalog.toml: provisioned 5/5 by default; `by_category` has its own 2/2; `by_rank` is local;
/// `by_release` is global (the default kind) with the default projection (all) and the table's
/// capacity; `expires_at` is the TTL attribute.
fn product() -> Table {
    table(Some((5, 5)), &[("tenant", "S"), ("sku", "S")])
        .attribute("category", "S")
        .attribute("price", "N") // decimal
        .attribute("rank", "N") // int
        .attribute("released_at", "S") // datetime
        .global(
            "by_category",
            index(
                &[("category", "HASH"), ("price", "RANGE")],
                "INCLUDE",
                &["name", "stock"],
                Some((2, 2)),
            ),
        )
        .global(
            "by_release",
            index(
                &[("category", "HASH"), ("released_at", "RANGE")],
                "ALL",
                &[],
                Some((5, 5)),
            ),
        )
        .local(
            "by_rank",
            index(
                &[("tenant", "HASH"), ("rank", "RANGE")],
                "KEYS_ONLY",
                &[],
                None,
            ),
        )
        .ttl("expires_at")
}

/// catalog.toml: `billing = "pay_per_request"` overrides the file's provisioned default.
fn counter() -> Table {
    table(None, &[("id", "B")])
}

/// vault.toml: every table has the same key and a `ttl` attribute `expires`.
fn vault() -> Table {
    table(None, &[("id", "S"), ("version_no", "N")]).ttl("expires")
}

/// tasks.toml: the tracker layout of docs/tracker.md (key `pk`, the `status_index` GSI on
/// `status_key`/`update_time` projecting everything), on demand.
fn tasks() -> Table {
    table(None, &[("pk", "S")])
        .attribute("status_key", "S")
        .attribute("update_time", "S")
        .global(
            "status_index",
            index(
                &[("status_key", "HASH"), ("update_time", "RANGE")],
                "ALL",
                &[],
                None,
            ),
        )
}

// --- The checks ---

/// Creates `M`'s table on `server` and compares its description with `expected`.
async fn check_model<M: Model>(server: Server, expected: Table) {
    let client = client(server).await;
    let create = client.create_table::<M>();
    let with_ttl = server == Server::Moto;
    if with_ttl {
        create.await
    } else {
        create.without_ttl().await
    }
    .unwrap_or_else(|e| panic!("create {}: {e}", M::SCHEMA.type_name));
    let table = client.table_name::<M>();
    let description = client.describe_table::<M>().await.unwrap();
    let ttl = if with_ttl {
        ttl(&client, &table).await
    } else {
        expected.ttl.clone()
    };
    assert_eq!(
        described(&description, ttl),
        expected,
        "{} on {server:?}",
        M::SCHEMA.type_name
    );
    client.delete_table::<M>().await.unwrap();
}

/// Creates tracker `T`'s task table on `server` and compares its description with `expected`.
async fn check_tracker<T: Tracker>(server: Server, expected: Table) {
    let client = client(server).await;
    T::create_table(&client).await.unwrap();
    let table = client.resolve_table_name(T::CONFIG.table_name);
    let description = client
        .dynamodb()
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let ttl = if server == Server::Moto {
        ttl(&client, &table).await
    } else {
        None
    };
    assert_eq!(
        described(description.table().unwrap(), ttl),
        expected,
        "{} on {server:?}",
        T::CONFIG.type_name
    );
}

async fn every_example_schema(server: Server) {
    tokio::time::timeout(std::time::Duration::from_secs(300), async {
        futures::join!(
            check_model::<Url>(server, url()),
            check_model::<Archive>(server, archive()),
            check_model::<Order>(server, order()),
            check_model::<Event>(server, event()),
            check_model::<Product>(server, product()),
            check_model::<Counter>(server, counter()),
            check_model::<VaultCompressed>(server, vault()),
            check_model::<VaultDeterministic>(server, vault()),
            check_model::<VaultRandomized>(server, vault()),
            check_model::<VaultSealed>(server, vault()),
            check_tracker::<Ingest>(server, tasks()),
            check_tracker::<Enrich>(server, tasks()),
        );
    })
    .await
    .expect("creating the example tables finished within 300 s");
}

#[tokio::test]
async fn tables_match_their_schemas_on_moto() {
    every_example_schema(Server::Moto).await;
}

#[tokio::test]
async fn tables_match_their_schemas_on_dynalite() {
    every_example_schema(Server::Dynalite).await;
}

// --- Creating a table that exists ---

/// As the seed promises ("create DynamoDB table if not exists, quick skip if already exists"),
/// a second `create_table` reports `Created::AlreadyExists`; a table of that name whose key
/// differs from the schema's is a typed error naming both keys.
async fn existing_tables(server: Server) {
    let client = client(server).await;
    let first = client.create_table::<Url>().without_ttl().await.unwrap();
    assert_eq!(first, dynamate::io::ops::Created::New);
    let second = client.create_table::<Url>().without_ttl().await.unwrap();
    assert_eq!(second, dynamate::io::ops::Created::AlreadyExists);

    // Order's table (hash `order_id`, a string) created by hand with another key.
    let table = client.table_name::<Order>();
    client
        .dynamodb()
        .create_table()
        .table_name(&table)
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("other")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::N)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("other")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let refused = client.create_table::<Order>().without_ttl().await;
    match refused {
        Err(dynamate::Error::KeyMismatch {
            table: named,
            expected,
            found,
            ..
        }) => {
            assert_eq!(named, table);
            assert_eq!(found, "hash `other` (N)");
            assert_eq!(expected, "hash `order_id` (S)");
        }
        other => panic!("expected KeyMismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn existing_tables_on_moto() {
    existing_tables(Server::Moto).await;
}

#[tokio::test]
async fn existing_tables_on_dynalite() {
    existing_tables(Server::Dynalite).await;
}
