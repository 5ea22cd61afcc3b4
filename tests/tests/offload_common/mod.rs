//! Helpers of the S3 offload tests (and benchmark): a client with its own bucket, a table made
//! from a model's schema, raw item writes and reads exactly as the typed operations do them.
#![allow(dead_code)] // each test file uses a different subset

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
};
use dynamate::item::model::{KeyAttribute, ScalarType};
use dynamate::{Client, Item, Model, TransformContext};
use dynamate_tests::support::{Server, builder, unique_name};

/// The buckets the example schemas declare.
pub const SCHEMA_BUCKETS: [&str; 2] = ["my-bucket", "orders-bucket"];

/// A moto client whose schema buckets map to one new bucket, and that bucket's name.
pub async fn client_with_bucket() -> (Client, String) {
    client_with_transforms(TransformContext::new()).await
}

/// [`client_with_bucket`] with a keyring (and whatever else) in `transforms`.
pub async fn client_with_transforms(transforms: TransformContext) -> (Client, String) {
    client_on(Server::Moto, transforms).await
}

/// A client whose DynamoDB is `server` and whose S3 is moto (dynalite serves no S3), with the
/// schema buckets mapped to one new bucket, and that bucket's name.
pub async fn client_on(server: Server, transforms: TransformContext) -> (Client, String) {
    let bucket = new_bucket().await;
    let transforms = SCHEMA_BUCKETS.iter().fold(transforms, |t, declared| {
        t.with_bucket_override(*declared, &bucket)
    });
    let moto = builder(Server::Moto).build().await;
    let dynamodb = builder(server).build().await;
    let client = builder(server)
        .transforms(transforms)
        .build_from_clients(dynamodb.dynamodb().clone(), moto.s3().clone());
    (client, bucket)
}

/// Creates a new, empty bucket on moto and returns its name.
pub async fn new_bucket() -> String {
    let bucket = unique_name("offload").to_lowercase();
    builder(Server::Moto)
        .build()
        .await
        .s3()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create bucket");
    bucket
}

/// Creates the table of `M` (primary key only, on demand) as the typed `create_table` would, and
/// waits until it is active.
pub async fn create_table<M: Model>(client: &Client) {
    let key = M::SCHEMA.key;
    let mut request = client
        .dynamodb()
        .create_table()
        .table_name(client.table_name::<M>())
        .billing_mode(BillingMode::PayPerRequest);
    let keys = std::iter::once((key.hash, KeyType::Hash))
        .chain(key.range.map(|range| (range, KeyType::Range)));
    for (attribute, kind) in keys {
        request = request
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(attribute.name)
                    .key_type(kind)
                    .build()
                    .expect("key schema"),
            )
            .attribute_definitions(definition(attribute));
    }
    request.send().await.expect("create table");
    // dynalite creates tables asynchronously (CREATING first); moto's are ACTIVE at once. (The
    // SDK's waiter polls every 20 s at first.)
    let active = async {
        loop {
            let table = client
                .dynamodb()
                .describe_table()
                .table_name(client.table_name::<M>())
                .send()
                .await
                .expect("describe table")
                .table;
            if table.and_then(|t| t.table_status) == Some(TableStatus::Active) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), active)
        .await
        .expect("table active within 30 s");
}

fn definition(attribute: KeyAttribute) -> AttributeDefinition {
    let scalar = match attribute.scalar {
        ScalarType::S => ScalarAttributeType::S,
        ScalarType::N => ScalarAttributeType::N,
        ScalarType::B => ScalarAttributeType::B,
    };
    AttributeDefinition::builder()
        .attribute_name(attribute.name)
        .attribute_type(scalar)
        .build()
        .expect("attribute definition")
}

/// Saves `model`: upload first (inside `encode_item`), then `PutItem`.
pub async fn save<M: Model>(client: &Client, model: &M) -> Result<Item, dynamate::Error> {
    let item = client.encode_item(model).await?;
    put_raw::<M>(client, item.clone()).await;
    Ok(item)
}

/// `PutItem` of an already encoded item.
pub async fn put_raw<M: Model>(client: &Client, item: Item) {
    client
        .dynamodb()
        .put_item()
        .table_name(client.table_name::<M>())
        .set_item(Some(item))
        .send()
        .await
        .expect("put item");
}

/// The stored item with primary key `key`, if any (strongly consistent).
pub async fn get_raw<M: Model>(client: &Client, key: &M::Key) -> Option<Item> {
    use dynamate::ModelKey;
    client
        .dynamodb()
        .get_item()
        .table_name(client.table_name::<M>())
        .set_key(Some(key.to_item().expect("key")))
        .consistent_read(true)
        .send()
        .await
        .expect("get item")
        .item
}

/// Reads `key` through `decode_item` (fetching offloaded values).
pub async fn get<M: Model>(client: &Client, key: &M::Key) -> Result<Option<M>, dynamate::Error> {
    match get_raw::<M>(client, key).await {
        Some(item) => client.decode_item(item).await.map(Some),
        None => Ok(None),
    }
}

/// `DeleteItem`.
pub async fn delete<M: Model>(client: &Client, key: &M::Key) {
    use dynamate::ModelKey;
    client
        .dynamodb()
        .delete_item()
        .table_name(client.table_name::<M>())
        .set_key(Some(key.to_item().expect("key")))
        .send()
        .await
        .expect("delete item");
}

/// Keys of the objects under `prefix`, sorted.
pub async fn object_keys(client: &Client, bucket: &str, prefix: &str) -> Vec<String> {
    let mut keys: Vec<String> = client
        .s3()
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .send()
        .await
        .expect("list objects")
        .contents
        .unwrap_or_default()
        .into_iter()
        .filter_map(|object| object.key)
        .collect();
    keys.sort();
    keys
}

/// The object's bytes, or `None` when S3 answers that it does not exist (`NoSuchKey`); any other
/// failure panics, so an absence check never passes on an unrelated error.
pub async fn object_bytes(client: &Client, bucket: &str, key: &str) -> Option<Vec<u8>> {
    let result = client
        .s3()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await;
    match result {
        Ok(output) => Some(output.body.collect().await.expect("read body").to_vec()),
        Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => None,
        Err(error) => panic!(
            "GetObject s3://{bucket}/{key} failed with something other than NoSuchKey: {error:?}"
        ),
    }
}

/// Whether the object exists: `false` only when `HeadObject` answers 404 `NotFound`; any other
/// failure panics.
pub async fn object_exists(client: &Client, bucket: &str, key: &str) -> bool {
    let result = client
        .s3()
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await;
    match result {
        Ok(_) => true,
        Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => false,
        Err(error) => panic!(
            "HeadObject s3://{bucket}/{key} failed with something other than 404 NotFound: \
             {error:?}"
        ),
    }
}

/// Asserts that the object is gone: `GetObject` answers `NoSuchKey` and `HeadObject` 404
/// `NotFound` (not merely "some error").
pub async fn assert_deleted(client: &Client, bucket: &str, key: &str) {
    assert_eq!(
        object_bytes(client, bucket, key).await,
        None,
        "s3://{bucket}/{key} still exists"
    );
    assert!(
        !object_exists(client, bucket, key).await,
        "s3://{bucket}/{key} still exists"
    );
}

/// Puts `bytes` at `key` directly (as someone with S3 access but outside dynamate would).
pub async fn put_object(client: &Client, bucket: &str, key: &str, bytes: &[u8]) {
    client
        .s3()
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/octet-stream")
        .body(bytes.to_vec().into())
        .send()
        .await
        .expect("put object");
}

/// The key prefix of the objects attribute `attribute` of model `M` is stored under with
/// `client` and the schema's `dynamate` prefix: `dynamate/{run-time table name}/{attribute}/`.
pub fn objects_of<M: Model>(client: &Client, attribute: &str) -> String {
    format!("{}{attribute}/", table_objects::<M>(client))
}

/// The key prefix of all objects of model `M`'s table: `dynamate/{run-time table name}/`.
pub fn table_objects<M: Model>(client: &Client) -> String {
    format!("dynamate/{}/", client.table_name::<M>())
}

/// The pointer stored in `item[attribute]`.
pub fn pointer(item: &Item, attribute: &str) -> dynamate::item::transform::Pointer {
    dynamate::item::transform::Pointer::from_stored(&item[attribute])
        .expect("a pointer, not an inline value")
        .expect("a well-formed pointer")
}

/// Waits until every object written so far is older than a zero grace period: S3 reports
/// `LastModified` in whole seconds, and the sweep rounds in the safe direction.
pub async fn let_a_second_pass() {
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
}
