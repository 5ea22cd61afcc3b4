//! The fault proxy itself (`scripts/fault_proxy.py`, driven through `dynamate_tests::faults`):
//! each action kind does what the tests that rely on it expect, with raw SDK requests through
//! the proxy in front of moto (and dynalite for the DynamoDB ones).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, KeysAndAttributes,
    PutRequest, ScalarAttributeType, TableStatus, WriteRequest,
};
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_runtime_api::http::Response;
use dynamate_tests::faults::{Action, FaultProxy, Rule, Service};
use dynamate_tests::on_both_servers;
use dynamate_tests::support::{Server, unique_name};

type Item = HashMap<String, AttributeValue>;

fn key(pk: &str) -> Item {
    HashMap::from([("pk".to_string(), AttributeValue::S(pk.to_string()))])
}

/// A proxy, a client through it, and a new table (key `pk`, a string) reached through it.
async fn table(server: Server) -> (FaultProxy, aws_sdk_dynamodb::Client, String) {
    let proxy = FaultProxy::new(server);
    let client = proxy.client().await.dynamodb().clone();
    let table = unique_name("fault-proxy");
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create table");
    // dynalite creates tables asynchronously (moto at once); the SDK's waiter polls every 20 s.
    let active = async {
        loop {
            let described = client.describe_table().table_name(&table).send().await;
            let status = described
                .expect("describe table")
                .table
                .and_then(|t| t.table_status);
            if status == Some(TableStatus::Active) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), active)
        .await
        .expect("table active within 30 s");
    (proxy, client, table)
}

async fn get(client: &aws_sdk_dynamodb::Client, table: &str, pk: &str) -> Option<Item> {
    client
        .get_item()
        .table_name(table)
        .set_key(Some(key(pk)))
        .consistent_read(true)
        .send()
        .await
        .expect("get item")
        .item
}

/// The HTTP status of a failed request, if an answer arrived.
fn status<E>(error: &SdkError<E, Response>) -> Option<u16> {
    error
        .raw_response()
        .map(|response| response.status().as_u16())
}

fn put(pk: &str) -> WriteRequest {
    WriteRequest::builder()
        .put_request(
            PutRequest::builder()
                .set_item(Some(key(pk)))
                .build()
                .unwrap(),
        )
        .build()
}

on_both_servers!(unprocessed_batch_write_and_get, throttle_status_drop_after);

async fn unprocessed_batch_write_and_get(server: Server) {
    let (proxy, client, table) = table(server).await;
    let rule = proxy
        .add(
            Rule::new(Action::Unprocessed { keep: 1 })
                .service(Service::DynamoDb)
                .operation("BatchWriteItem")
                .contains(&table),
        )
        .await;
    let written = client
        .batch_write_item()
        .request_items(&table, vec![put("a"), put("b"), put("c")])
        .send()
        .await
        .expect("batch write");
    let unprocessed = written.unprocessed_items.unwrap_or_default();
    assert_eq!(unprocessed[&table], vec![put("b"), put("c")]);
    assert!(
        get(&client, &table, "a").await.is_some(),
        "the first was forwarded"
    );
    assert_eq!(get(&client, &table, "b").await, None);
    assert_eq!(rule.hits().await.hits, 1);

    // Spent (times = 1): the next batch is forwarded unchanged.
    let written = client
        .batch_write_item()
        .request_items(&table, vec![put("b"), put("c")])
        .send()
        .await
        .expect("batch write");
    assert!(written.unprocessed_items.unwrap_or_default().is_empty());

    // keep = 0: nothing reaches the server.
    let nothing = proxy
        .add(
            Rule::new(Action::Unprocessed { keep: 0 })
                .operation("BatchWriteItem")
                .contains(&table),
        )
        .await;
    let written = client
        .batch_write_item()
        .request_items(&table, vec![put("d")])
        .send()
        .await
        .expect("batch write");
    assert_eq!(written.unprocessed_items.unwrap()[&table], vec![put("d")]);
    assert_eq!(get(&client, &table, "d").await, None);
    assert_eq!(nothing.hits().await.hits, 1);

    let keys = KeysAndAttributes::builder()
        .keys(key("a"))
        .keys(key("b"))
        .keys(key("c"))
        .consistent_read(true)
        .build()
        .unwrap();
    proxy
        .add(
            Rule::new(Action::Unprocessed { keep: 2 })
                .operation("BatchGetItem")
                .contains(&table),
        )
        .await;
    let got = client
        .batch_get_item()
        .request_items(&table, keys)
        .send()
        .await
        .expect("batch get");
    assert_eq!(got.responses.unwrap()[&table].len(), 2);
    let left = &got.unprocessed_keys.unwrap()[&table];
    assert_eq!(left.keys, vec![key("c")]);
    assert_eq!(
        left.consistent_read,
        Some(true),
        "same shape as the request"
    );
}

async fn throttle_status_drop_after(server: Server) {
    let (proxy, client, table) = table(server).await;
    let put_item = |pk: &str| client.put_item().table_name(&table).set_item(Some(key(pk)));

    let throttle = proxy
        .add(
            Rule::new(Action::throttle())
                .operation("PutItem")
                .contains(&table)
                .times(2),
        )
        .await;
    for _ in 0..2 {
        let error = put_item("t").send().await.expect_err("throttled");
        assert!(
            error
                .as_service_error()
                .is_some_and(|e| e.is_provisioned_throughput_exceeded_exception()),
            "{error:?}"
        );
    }
    put_item("t").send().await.expect("the rule is spent");
    let hits = throttle.hits().await;
    assert_eq!((hits.hits, hits.times.len()), (2, 2));
    assert!(hits.gaps()[0] >= 0.0);

    proxy
        .add(
            Rule::new(Action::Throttle {
                error_type: Some("ThrottlingException".into()),
            })
            .contains(&table),
        )
        .await;
    let error = put_item("u").send().await.expect_err("throttled");
    assert_eq!(error.code(), Some("ThrottlingException"));
    assert_eq!(status(&error), Some(400));

    proxy
        .add(
            Rule::new(Action::status(503))
                .operation("GetItem")
                .contains(&table),
        )
        .await;
    let error = client
        .get_item()
        .table_name(&table)
        .set_key(Some(key("t")))
        .send()
        .await
        .expect_err("503");
    assert_eq!(status(&error), Some(503));
    assert_eq!(error.code(), Some("InternalServerError"));

    let drop = proxy
        .add(
            Rule::new(Action::Drop)
                .operation("PutItem")
                .contains(&table),
        )
        .await;
    let error = put_item("dropped").send().await.expect_err("dropped");
    assert!(
        error.raw_response().is_none(),
        "no answer at all: {error:?}"
    );
    assert_eq!(drop.hits().await.hits, 1);
    assert_eq!(get(&client, &table, "dropped").await, None);

    // The write happens, its answer is lost.
    proxy
        .add(
            Rule::new(Action::after(Action::status(500)))
                .operation("PutItem")
                .contains(&table),
        )
        .await;
    let error = put_item("written")
        .send()
        .await
        .expect_err("answer replaced");
    assert_eq!(status(&error), Some(500));
    assert!(get(&client, &table, "written").await.is_some());

    let delay = proxy
        .add(
            Rule::new(Action::Delay { seconds: 0.2 })
                .operation("GetItem")
                .contains(&table),
        )
        .await;
    assert!(get(&client, &table, "written").await.is_some());
    assert_eq!(delay.hits().await.hits, 1);

    // Rules of other tables never apply; removed rules neither.
    let other = proxy
        .add(Rule::new(Action::status(500)).contains("no-such-table-name"))
        .await;
    let always = proxy
        .add(
            Rule::new(Action::status(500))
                .operation("PutItem")
                .contains(&table)
                .always(),
        )
        .await;
    for _ in 0..3 {
        put_item("x").send().await.expect_err("unlimited");
    }
    assert_eq!(always.hits().await.hits, 3);
    always.remove().await;
    put_item("x").send().await.expect("removed");
    assert_eq!(other.hits().await.hits, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_errors_and_forwarding() {
    let proxy = FaultProxy::new(Server::Moto);
    let s3 = proxy.client().await.s3().clone();
    let bucket = unique_name("fault-proxy").to_lowercase();
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("bucket");
    let put = |key: &str| {
        s3.put_object()
            .bucket(&bucket)
            .key(key)
            .if_none_match("*")
            .body(ByteStream::from_static(b"hello"))
    };

    let conflict = proxy
        .add(
            Rule::new(Action::s3_error(409, "ConditionalRequestConflict"))
                .service(Service::S3)
                .operation("PUT")
                .contains(&bucket),
        )
        .await;
    let error = put("k").send().await.expect_err("409");
    assert_eq!(status(&error), Some(409));
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&error),
        Some("ConditionalRequestConflict")
    );
    assert_eq!(conflict.hits().await.hits, 1);
    let missing = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .expect_err("never stored");
    assert!(
        missing
            .as_service_error()
            .is_some_and(|e| e.is_no_such_key()),
        "{missing:?}"
    );

    // Unmatched: forwarded byte for byte, answered as moto answers.
    put("k").send().await.expect("stored");
    let error = put("k").send().await.expect_err("exists");
    assert_eq!(status(&error), Some(412));
    let body = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .expect("get")
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(&body[..], b"hello");

    proxy
        .add(
            Rule::new(Action::s3_error(412, "PreconditionFailed"))
                .operation("PUT")
                .contains(&bucket),
        )
        .await;
    let error = put("other").send().await.expect_err("412");
    assert_eq!(status(&error), Some(412));

    proxy
        .add(
            Rule::new(Action::status(503))
                .operation("HEAD")
                .contains(&bucket),
        )
        .await;
    let error = s3
        .head_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .expect_err("503");
    assert_eq!(status(&error), Some(503));
}
