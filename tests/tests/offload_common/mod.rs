//! Helpers of the S3 offload tests (and benchmark): a client with its own bucket, a table made
//! from a model's schema, raw item writes and reads exactly as the typed operations do them.
#![allow(dead_code)] // each test file uses a different subset

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use dynamate::model::{KeyAttribute, ScalarType};
use dynamate::{Client, Item, Model, Transforms};
use dynamate_tests::support::{Server, builder, unique_name};

/// The buckets the example schemas declare.
pub const SCHEMA_BUCKETS: [&str; 2] = ["my-bucket", "orders-bucket"];

/// A moto client whose schema buckets map to one new bucket, and that bucket's name.
pub async fn client_with_bucket() -> (Client, String) {
    client_with_transforms(Transforms::new()).await
}

/// [`client_with_bucket`] with a keyring (and whatever else) in `transforms`.
pub async fn client_with_transforms(transforms: Transforms) -> (Client, String) {
    let bucket = unique_name("offload").to_lowercase();
    let transforms = SCHEMA_BUCKETS.iter().fold(transforms, |t, declared| {
        t.with_bucket_override(*declared, &bucket)
    });
    let client = builder(Server::Moto).transforms(transforms).build().await;
    client
        .s3()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create bucket");
    (client, bucket)
}

/// Creates the table of `M` (primary key only, on demand) as the typed `create_table` would.
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

/// The object's bytes, or `None` when it does not exist.
pub async fn object_bytes(client: &Client, bucket: &str, key: &str) -> Option<Vec<u8>> {
    let output = client
        .s3()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .ok()?;
    Some(output.body.collect().await.expect("read body").to_vec())
}

/// The pointer stored in `item[attribute]`.
pub fn pointer(item: &Item, attribute: &str) -> dynamate::transform::Pointer {
    dynamate::transform::Pointer::from_stored(&item[attribute])
        .expect("a pointer, not an inline value")
        .expect("a well-formed pointer")
}

/// Waits until every object written so far is older than a zero grace period: S3 reports
/// `LastModified` in whole seconds, and the sweep rounds in the safe direction.
pub async fn let_a_second_pass() {
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
}
