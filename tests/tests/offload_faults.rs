//! Fault tests of S3 offload against moto: S3 failing during a save, DynamoDB failing after the
//! upload, concurrent saves of one value, tampered and missing objects.

mod offload_common;

use std::time::Duration;

use dynamate::io::offload::OffloadError;
use dynamate::io::sweep::{Progress, SweepOptions, sweep_model};
use dynamate::{Error, TransformContext};
use dynamate_tests::faults::{Action, FaultProxy, Rule, Service};
use dynamate_tests::support::{Server, builder};
use dynamate_tests::{Url, UrlKey};
use offload_common::*;

fn page(url: &str, html: &str) -> Url {
    Url {
        url: url.to_string(),
        html: html.to_string(),
        content: format!("content of {url}").into_bytes(),
    }
}

#[tokio::test]
async fn s3_failing_during_save_leaves_no_item() {
    let (moto, bucket) = client_with_bucket().await;
    // Nothing listens on port 1: every S3 request fails to connect; DynamoDB is moto.
    let dead_s3 = builder(Server::Moto)
        .endpoint_url("http://127.0.0.1:1")
        .connect_timeout(Duration::from_millis(500))
        .build()
        .await;
    let client = builder(Server::Moto)
        .transforms(TransformContext::new().with_bucket_override("my-bucket", &bucket))
        .build_from_clients(moto.dynamodb().clone(), dead_s3.s3().clone());
    create_table::<Url>(&client).await;
    let url = page("https://down.example", "<html>never stored</html>");

    // What every write operation does: encode (upload), and only on success write the item.
    let error = match client.encode_item(&url).await {
        Ok(item) => panic!("the upload cannot succeed, got {item:?}"),
        Err(error) => error,
    };
    let Error::Offload(OffloadError::Upload {
        table,
        attribute,
        uri,
        ..
    }) = &error
    else {
        panic!("expected an upload error, got {error:?}");
    };
    assert_eq!(*table, "urls");
    assert!(["html", "content"].contains(attribute));
    assert!(uri.starts_with(&format!(
        "s3://{bucket}/{}",
        objects_of::<Url>(&client, attribute)
    )));
    let message = error.to_string();
    assert!(message.contains("the item was not written"), "{message}");

    let key = UrlKey {
        url: url.url.clone(),
    };
    assert_eq!(get_raw::<Url>(&client, &key).await, None);
    assert!(object_keys(&moto, &bucket, "dynamate/").await.is_empty());
}

#[tokio::test]
async fn missing_bucket_is_an_upload_error() {
    let (client, _bucket) = client_with_bucket().await;
    let client = builder(Server::Moto)
        .transforms(
            TransformContext::new().with_bucket_override("my-bucket", "no-such-bucket-dynamate"),
        )
        .build_from_clients(client.dynamodb().clone(), client.s3().clone());
    let error = client
        .encode_item(&page("https://nobucket.example", "x"))
        .await
        .expect_err("no bucket");
    let message = dynamate::Report(&error).to_string();
    assert!(
        message.contains(&format!(
            "s3://no-such-bucket-dynamate/{}",
            table_objects::<Url>(&client)
        )),
        "{message}"
    );
    assert!(message.contains("NoSuchBucket"), "{message}");
}

#[tokio::test]
async fn dynamodb_failing_after_the_upload_leaves_an_orphan_the_sweep_removes() {
    let (client, bucket) = client_with_bucket().await;
    create_table::<Url>(&client).await;
    let kept = save(&client, &page("https://kept.example", "<html>kept</html>"))
        .await
        .expect("save");

    // The upload succeeds, then the conditional write fails: the objects are orphans.
    let url = page("https://kept.example", "<html>orphan</html>");
    let item = client.encode_item(&url).await.expect("upload");
    let orphan = pointer(&item, "html");
    let write = client
        .dynamodb()
        .put_item()
        .table_name(client.table_name::<Url>())
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#k)")
        .expression_attribute_names("#k", "url")
        .send()
        .await;
    let condition_failed = write
        .as_ref()
        .err()
        .and_then(|error| error.as_service_error())
        .is_some_and(|error| error.is_conditional_check_failed_exception());
    assert!(
        condition_failed,
        "the item exists, so the condition fails: {write:?}"
    );
    assert!(object_bytes(&client, &bucket, &orphan.key).await.is_some());

    // Within the grace period the orphan stays.
    let options = SweepOptions {
        grace: Duration::from_secs(3600),
        dry_run: false,
        progress: Progress::none(),
    };
    let report = sweep_model::<Url>(&client, options.clone())
        .await
        .expect("sweep");
    assert_eq!(
        (report.scanned, report.recent, report.deleted),
        (3, 1, 0),
        "{report}"
    );

    // After it, the sweep removes the orphan and nothing else.
    let_a_second_pass().await;
    let options = SweepOptions {
        grace: Duration::ZERO,
        ..options
    };
    let report = sweep_model::<Url>(&client, options).await.expect("sweep");
    assert_eq!((report.referenced, report.deleted), (2, 1), "{report}");
    assert_eq!(report.bytes_freed, orphan.size);
    assert_deleted(&client, &bucket, &orphan.key).await;
    let key = UrlKey {
        url: "https://kept.example".into(),
    };
    assert_eq!(
        get::<Url>(&client, &key).await.expect("get"),
        Some(page("https://kept.example", "<html>kept</html>"))
    );
    assert!(
        object_bytes(&client, &bucket, &pointer(&kept, "html").key)
            .await
            .is_some()
    );
}

#[tokio::test]
async fn concurrent_saves_of_equal_values_produce_one_object() {
    let (_, bucket) = client_with_bucket().await;
    // moto (not S3) answers HTTP 500 to some concurrent in-place copies of one key (a closed
    // buffer inside moto); a client with the usual retries rides over it.
    let client = builder(Server::Moto)
        .max_attempts(4)
        .transforms(TransformContext::new().with_bucket_override("my-bucket", &bucket))
        .build()
        .await;
    create_table::<Url>(&client).await;
    let html = "<html>shared</html>".repeat(5000);
    let saves = (0..12).map(|i| {
        let client = client.clone();
        let url = Url {
            url: format!("https://{i}.shared.example"),
            html: html.clone(),
            content: b"same content".to_vec(),
        };
        tokio::spawn(async move { save(&client, &url).await.map(|_| ()) })
    });
    for result in futures::future::join_all(saves).await {
        result.expect("task").expect("save");
    }
    assert_eq!(
        object_keys(&client, &bucket, &objects_of::<Url>(&client, "html"))
            .await
            .len(),
        1
    );
    assert_eq!(
        object_keys(&client, &bucket, &objects_of::<Url>(&client, "content"))
            .await
            .len(),
        1
    );
    for i in 0..12 {
        let key = UrlKey {
            url: format!("https://{i}.shared.example"),
        };
        assert_eq!(
            get::<Url>(&client, &key)
                .await
                .expect("get")
                .expect("item")
                .html,
            html
        );
    }
}

#[tokio::test]
async fn a_tampered_object_is_detected_on_read() {
    let (client, bucket) = client_with_bucket().await;
    create_table::<Url>(&client).await;
    let url = page("https://tampered.example", "<html>original</html>");
    let item = save(&client, &url).await.expect("save");
    let html = pointer(&item, "html");

    for forged in [
        &b"<html>forged!!</html>"[..],
        &b"<html>other length</html>"[..],
    ] {
        client
            .s3()
            .put_object()
            .bucket(&bucket)
            .key(&html.key)
            .content_type("application/octet-stream")
            .body(forged.to_vec().into())
            .send()
            .await
            .expect("overwrite");
        let error = get::<Url>(
            &client,
            &UrlKey {
                url: url.url.clone(),
            },
        )
        .await
        .expect_err("tampered");
        let Error::Offload(OffloadError::Corrupted(corruption)) = &error else {
            panic!("expected a corruption error, got {error:?}");
        };
        assert_eq!((corruption.table, corruption.attribute), ("urls", "html"));
        assert_eq!(corruption.item, "url = \"https://tampered.example\"");
        assert_eq!(corruption.uri, html.uri());
        assert_eq!(corruption.expected_sha256, html.sha256);
        let message = error.to_string();
        assert!(
            message.contains("does not match its pointer") && message.contains(&html.sha256),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_missing_object_is_detected_on_read() {
    let (client, bucket) = client_with_bucket().await;
    create_table::<Url>(&client).await;
    let url = page("https://missing.example", "<html>gone</html>");
    let item = save(&client, &url).await.expect("save");
    let content = pointer(&item, "content");
    client
        .s3()
        .delete_object()
        .bucket(&bucket)
        .key(&content.key)
        .send()
        .await
        .expect("delete");

    let error = get::<Url>(
        &client,
        &UrlKey {
            url: url.url.clone(),
        },
    )
    .await
    .expect_err("missing");
    let Error::Offload(OffloadError::Missing {
        table,
        item,
        attribute,
        uri,
    }) = &error
    else {
        panic!("expected a missing-object error, got {error:?}");
    };
    assert_eq!((*table, *attribute), ("urls", "content"));
    assert_eq!(item, "url = \"https://missing.example\"");
    assert_eq!(uri, &content.uri());
    assert!(error.to_string().contains("does not exist"), "{error}");
}

/// A streamed batch of offloaded items whose `BatchWriteItem` requests are lost on the way (a
/// dropped connection, then an HTTP 500): each lost chunk is encoded again from the items as
/// passed in (its objects stored again first) and sent again; every item is written, points at
/// objects that exist, and reads back whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_batch_of_offloaded_items_survives_lost_requests() {
    let (_, bucket) = client_with_bucket().await;
    let proxy = FaultProxy::new(Server::Moto);
    let client = proxy
        .builder()
        .transforms(TransformContext::new().with_bucket_override("my-bucket", &bucket))
        .build()
        .await;
    create_table::<Url>(&client).await;
    let table = client.table_name::<Url>();
    let mut rules = Vec::new();
    for action in [Action::Drop, Action::status(500)] {
        let rule = Rule::new(action)
            .service(Service::DynamoDb)
            .operation("BatchWriteItem")
            .contains(&table)
            .times(1);
        rules.push(proxy.add(rule).await);
    }
    let urls: Vec<Url> = (0..30)
        .map(|i| {
            page(
                &format!("https://batch-{i}.example"),
                &format!("<html>{i}</html>"),
            )
        })
        .collect();
    let written = tokio::time::timeout(
        Duration::from_secs(60),
        client.batch_put(&urls).in_flight(2),
    )
    .await
    .expect("still retrying at the deadline")
    .unwrap();
    assert!(written.is_complete(), "{:?}", written.unprocessed_raw);
    assert_eq!(written.written, 30);
    for rule in rules {
        assert_eq!(rule.hits().await.hits, 1, "every fault was served");
    }
    for url in &urls {
        let key = UrlKey {
            url: url.url.clone(),
        };
        let item = get_raw::<Url>(&client, &key).await.expect("written");
        for attribute in ["html", "content"] {
            let pointer = pointer(&item, attribute);
            assert!(
                object_exists(&client, &pointer.bucket, &pointer.key).await,
                "{pointer:?}"
            );
        }
        assert_eq!(get::<Url>(&client, &key).await.unwrap().as_ref(), Some(url));
    }
}
