//! S3 answering 409 `ConditionalRequestConflict` to the create-only upload of an offloaded value,
//! through the fault proxy in front of moto: a conflict is never taken for "exists".

mod offload_common;

use std::time::Duration;

use dynamate::io::batch::BatchWrite;
use dynamate::io::offload::OffloadError;
use dynamate::io::retry::RetryPolicy;
use dynamate::item::expr::Update;
use dynamate::{Client, Error, Model, ModelExt, TransformContext};
use dynamate_tests::faults::{Action, FaultProxy, Rule, Service};
use dynamate_tests::support::{Server, builder, unique_name};
use dynamate_tests::{Url, UrlKey};
use offload_common::*;

fn page(url: &str) -> Url {
    Url {
        url: url.to_string(),
        html: format!("<html>{url}</html>"),
        content: format!("content of {url}").into_bytes(),
    }
}

/// Offloads the schema's bucket to `bucket`.
fn into_bucket(bucket: &str) -> TransformContext {
    TransformContext::new().with_bucket_override("my-bucket", bucket)
}

/// A client whose S3 requests go through the proxy in front of moto, offloading to a new bucket
/// with retries under `policy`, and whose DynamoDB is `server`'s, with the `Url` table created;
/// and the bucket's name.
async fn proxied_with(
    proxy: &FaultProxy,
    server: Server,
    prefix: &str,
    policy: RetryPolicy,
) -> (Client, String) {
    let (_, bucket) = client_with_bucket().await;
    let s3 = proxy.client().await;
    let dynamodb = dynamate_tests::support::client(server).await;
    let client = builder(server)
        .table_prefix(prefix)
        .retry_policy(policy)
        .transforms(into_bucket(&bucket))
        .build_from_clients(dynamodb.dynamodb().clone(), s3.s3().clone());
    // Waits until the table is active (dynalite creates tables asynchronously).
    client
        .create_table::<Url>()
        .without_ttl()
        .await
        .expect("create table");
    (client, bucket)
}

/// The object keys a write of `url` uploads to, learnt by encoding it with a direct client (same
/// table prefix) into a scratch bucket.
async fn object_keys_of(prefix: &str, url: &Url) -> Vec<String> {
    let (_, scratch) = client_with_bucket().await;
    let client = builder(Server::Moto)
        .table_prefix(prefix)
        .transforms(into_bucket(&scratch))
        .build()
        .await;
    let item = client.encode_item(url).await.expect("encode");
    vec![pointer(&item, "html").key, pointer(&item, "content").key]
}

/// Fails unless S3 answers `NoSuchKey`/404 for `key` (asked directly, not through the proxy).
async fn assert_no_such_key(bucket: &str, key: &str) {
    assert_deleted(&builder(Server::Moto).build().await, bucket, key).await;
}

/// A 409 to the S3 PUTs whose path contains `text`.
fn conflict(text: &str) -> Rule {
    Rule::new(Action::s3_error(409, "ConditionalRequestConflict"))
        .service(Service::S3)
        .operation("PUT")
        .contains(text)
}

/// Only the create-only `PutObject` of `key` in `bucket` (the SDK names the operation in the
/// query; a `CopyObject` is a PUT to the same path). The bucket keeps tests apart: equal values
/// have equal keys.
fn put_object(bucket: &str, key: &str) -> String {
    format!("/{bucket}/{key}?x-id=PutObject")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persisting_409_fails_the_save_and_writes_nothing() {
    let proxy = FaultProxy::new(Server::Moto);
    let prefix = format!("{}-", unique_name("t"));
    let (client, bucket) = proxied_with(&proxy, Server::Moto, &prefix, QUICK).await;
    let mut url = page("https://conflict.example");
    let keys = object_keys_of(&prefix, &url).await;
    let mut rules = Vec::new();
    for key in &keys {
        rules.push(
            proxy
                .add(conflict(&put_object(&bucket, key)).always())
                .await,
        );
    }

    let saved = url.save(&client).await;
    let key = UrlKey {
        url: url.url.clone(),
    };
    let item = get_raw::<Url>(&client, &key).await;
    assert!(
        matches!(
            saved,
            Err(Error::Offload(OffloadError::UploadConflict { .. }))
        ),
        "S3 answered 409 to every upload, yet the save returned {saved:?} and wrote {item:?}"
    );
    assert_eq!(item, None, "the item must not be written");
    for key in &keys {
        assert_no_such_key(&bucket, key).await;
    }
    for rule in rules {
        assert_eq!(rule.hits().await.hits, u64::from(QUICK.max_attempts));
    }
}

/// Fast retries for the tests (the defaults wait seconds).
const QUICK: RetryPolicy = RetryPolicy {
    max_attempts: 5,
    base_delay: Duration::from_millis(40),
    max_delay: Duration::from_millis(400),
};

/// Every way an item with offloaded attributes gets written.
#[derive(Debug, Clone, Copy)]
enum Path {
    Save,
    Create,
    Update,
    BatchWrite,
    TransactPut,
    TransactUpdate,
}

/// Writes `url` (as a new item) along `path`.
async fn write(path: Path, client: &Client, url: &mut Url) -> Result<(), Error> {
    let key = url.key();
    let update = || {
        Update::new()
            .set(Url::HTML, url.html.clone())
            .set(Url::CONTENT, url.content.clone())
    };
    match path {
        Path::Save => url.save(client).await,
        Path::Create => url.create(client).await,
        Path::Update => client.update(&key, update()).await.map(drop),
        Path::BatchWrite => {
            let written = client
                .batch_write(BatchWrite::new().put(url.clone()))
                .await?;
            assert!(written.is_complete(), "{written:?}");
            Ok(())
        }
        Path::TransactPut => client.transact_write().put(&*url).await,
        Path::TransactUpdate => client.transact_write().update(&key, update()).await,
    }
}

/// A test's setup: a proxied client with [`QUICK`] upload retries and the `Url` table, its
/// bucket, a new page and the key of the object its `html` goes to.
struct Setup {
    proxy: FaultProxy,
    client: Client,
    bucket: String,
    url: Url,
    html_key: String,
}

async fn setup(server: Server, html: &str) -> Setup {
    let proxy = FaultProxy::new(Server::Moto);
    let prefix = format!("{}-", unique_name("t"));
    let (client, bucket) = proxied_with(&proxy, server, &prefix, QUICK).await;
    let url = Url {
        html: html.to_string(),
        ..page(&format!("https://{}.example", unique_name("p")))
    };
    let html_key = object_keys_of(&prefix, &url).await.remove(0);
    Setup {
        proxy,
        client,
        bucket,
        url,
        html_key,
    }
}

/// Checks that `url` is stored, its `html` pointing at `html_key`, which exists.
async fn assert_stored(setup: &Setup) {
    let Setup {
        client,
        bucket,
        url,
        html_key,
        ..
    } = setup;
    let item = get_raw::<Url>(client, &url.key())
        .await
        .expect("item written");
    assert_eq!(&pointer(&item, "html").key, html_key);
    let direct = builder(Server::Moto).build().await;
    direct
        .s3()
        .head_object()
        .bucket(bucket)
        .key(html_key)
        .send()
        .await
        .expect("the object the item points at exists");
    assert_eq!(
        get::<Url>(client, &url.key()).await.expect("get").as_ref(),
        Some(url)
    );
}

/// (a) 409 a few times, then success: the write succeeds after waits that grow.
async fn conflicts_then_success(server: Server, path: Path) {
    let mut setup = setup(server, "<html>contended</html>").await;
    let conflicts = setup
        .proxy
        .add(conflict(&put_object(&setup.bucket, &setup.html_key)).times(4))
        .await;
    write(path, &setup.client, &mut setup.url)
        .await
        .expect("the fifth attempt succeeds");
    let hits = conflicts.hits().await;
    assert_eq!(hits.hits, 4, "four conflicts answered, then forwarded");
    // Backoff grows: retry n waits at least min(max_delay, base_delay * 2^n).
    for (retry, gap) in (0..).zip(hits.gaps()) {
        let floor = (QUICK.base_delay * 2u32.pow(retry))
            .min(QUICK.max_delay)
            .as_secs_f64();
        assert!(
            gap >= floor,
            "retry {retry} came after {gap}s < {floor}s: {hits:?}"
        );
    }
    assert_stored(&setup).await;
}

/// (b) 409 on every attempt: the typed error, nothing written.
async fn persisting_conflict(server: Server, path: Path) {
    let mut setup = setup(server, "<html>always contended</html>").await;
    let conflicts = setup
        .proxy
        .add(conflict(&put_object(&setup.bucket, &setup.html_key)).always())
        .await;
    let error = write(path, &setup.client, &mut setup.url)
        .await
        .expect_err("the upload never succeeds");
    let Error::Offload(OffloadError::UploadConflict {
        table,
        attribute,
        uri,
        attempts,
        ..
    }) = &error
    else {
        panic!("expected an upload conflict, got {error:?}");
    };
    assert_eq!((*table, *attribute), ("urls", "html"));
    assert_eq!(uri, &format!("s3://{}/{}", setup.bucket, setup.html_key));
    assert_eq!(*attempts, QUICK.max_attempts);
    let message = error.to_string();
    for part in ["`html`", "`urls`", "not written", "conflicted", "retry"] {
        assert!(message.contains(part), "{part:?} not in: {message}");
    }
    assert_eq!(conflicts.hits().await.hits, u64::from(QUICK.max_attempts));
    assert_eq!(get_raw::<Url>(&setup.client, &setup.url.key()).await, None);
    assert_no_such_key(&setup.bucket, &setup.html_key).await;
}

/// (c) 412 to the create-only write: the object exists; it is refreshed, never re-sent.
async fn precondition_failed_means_exists(server: Server, path: Path) {
    let mut setup = setup(server, "<html>shared</html>").await;
    let mut first = Url {
        url: format!("{}/first", setup.url.url),
        ..setup.url.clone()
    };
    first.save(&setup.client).await.expect("first save");
    let exists = setup
        .proxy
        .add(
            Rule::new(Action::s3_error(412, "PreconditionFailed"))
                .operation("PUT")
                .contains(&put_object(&setup.bucket, &setup.html_key))
                .always(),
        )
        .await;
    let copies = setup
        .proxy
        .add(
            Rule::new(Action::Delay { seconds: 0.0 })
                .operation("PUT")
                .contains(&format!(
                    "/{}/{}?x-id=CopyObject",
                    setup.bucket, setup.html_key
                ))
                .always(),
        )
        .await;
    write(path, &setup.client, &mut setup.url)
        .await
        .expect("412 means stored");
    assert_eq!(exists.hits().await.hits, 1, "a 412 is not retried");
    assert_eq!(
        copies.hits().await.hits,
        1,
        "the existing object is refreshed"
    );
    assert_stored(&setup).await;
}

/// `$name` running `$scenario` along `$path` with DynamoDB on `$server`.
macro_rules! scenario_test {
    ($scenario:ident, $name:ident, $server:ident, $path:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            $scenario(Server::$server, Path::$path).await;
        }
    };
}

/// For each scenario, one test per write path on moto, and on dynalite for the paths it has (no
/// transactions there).
macro_rules! on_every_write_path {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            use super::{Path, Server, $scenario};

            scenario_test!($scenario, save, Moto, Save);
            scenario_test!($scenario, create, Moto, Create);
            scenario_test!($scenario, update, Moto, Update);
            scenario_test!($scenario, batch_write, Moto, BatchWrite);
            scenario_test!($scenario, transact_put, Moto, TransactPut);
            scenario_test!($scenario, transact_update, Moto, TransactUpdate);
            scenario_test!($scenario, save_dynalite, Dynalite, Save);
            scenario_test!($scenario, create_dynalite, Dynalite, Create);
            scenario_test!($scenario, update_dynalite, Dynalite, Update);
            scenario_test!($scenario, batch_write_dynalite, Dynalite, BatchWrite);
        }
    )*};
}

on_every_write_path!(
    conflicts_then_success,
    persisting_conflict,
    precondition_failed_means_exists
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_dropped_connections_are_retried() {
    let mut setup = setup(Server::Moto, "<html>flaky</html>").await;
    let key = put_object(&setup.bucket, &setup.html_key);
    let mut rules = Vec::new();
    for action in [
        Action::Drop,
        Action::status(503),
        Action::s3_error(500, "InternalError"),
        Action::s3_error(503, "SlowDown"),
    ] {
        rules.push(setup.proxy.add(Rule::new(action).contains(&key)).await);
    }
    write(Path::Save, &setup.client, &mut setup.url)
        .await
        .expect("the fifth attempt succeeds");
    for rule in rules {
        assert_eq!(rule.hits().await.hits, 1);
    }
    assert_stored(&setup).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_is_not_retried() {
    let mut setup = setup(Server::Moto, "<html>forbidden</html>").await;
    let denied = setup
        .proxy
        .add(
            Rule::new(Action::s3_error(403, "AccessDenied"))
                .contains(&put_object(&setup.bucket, &setup.html_key))
                .always(),
        )
        .await;
    let error = write(Path::Save, &setup.client, &mut setup.url)
        .await
        .expect_err("denied");
    assert!(
        matches!(
            &error,
            Error::Offload(OffloadError::Upload {
                attribute: "html",
                ..
            })
        ),
        "{error:?}"
    );
    assert!(format!("{error:?}").contains("AccessDenied"), "{error:?}");
    assert_eq!(denied.hits().await.hits, 1);
    assert_eq!(get_raw::<Url>(&setup.client, &setup.url.key()).await, None);
}
