//! Clients made from an AWS configuration the application loaded (`Client::new`,
//! `Client::builder_from`): the configuration's SDK settings are kept, the builder's setters
//! override them, dynamate's own settings apply, and requests reach moto with it (S3 path-style
//! because the configuration has an endpoint URL). `Client::builder` keeps dynamate's defaults.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use dynamate::io::ops::Created;
use dynamate::{Client, ModelExt, TransformContext};
use dynamate_tests::support::{Server, unique_name};
use dynamate_tests::{Url, UrlKey};

/// What a service loads once and shares: moto's endpoint, a region, 5 attempts per request.
/// Credentials come from the environment (scripts/servers.sh exports dummy ones).
async fn shared_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::v2026_01_12())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .endpoint_url(Server::Moto.endpoint())
        .region("us-east-1")
        .retry_config(RetryConfig::standard().with_max_attempts(5))
        .load()
        .await
}

fn attempts(client: &Client) -> Option<u32> {
    client
        .dynamodb()
        .config()
        .retry_config()
        .map(RetryConfig::max_attempts)
}

fn operation_timeout(client: &Client) -> Option<Duration> {
    client
        .dynamodb()
        .config()
        .timeout_config()
        .and_then(|t| t.operation_timeout())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_config_is_used_as_is_with_dynamate_settings_on_top() {
    let config = shared_config().await;
    let bucket = unique_name("shared").to_lowercase();
    let prefix = format!("{}-", unique_name("cfg"));
    let client = Client::builder_from(&config)
        .table_prefix(&prefix)
        .transforms(TransformContext::new().with_bucket_override("my-bucket", &bucket))
        .build()
        .await;
    // The configuration's settings: its attempts, no operation timeout added by dynamate.
    assert_eq!(attempts(&client), Some(5));
    assert_eq!(
        operation_timeout(&client),
        config.timeout_config().and_then(|t| t.operation_timeout())
    );
    assert_eq!(operation_timeout(&client), None);
    assert_eq!(
        client.s3().config().region().map(|r| r.as_ref()),
        Some("us-east-1")
    );
    // dynamate's: the prefix.
    assert_eq!(client.table_name::<Url>(), format!("{prefix}urls"));

    // Both services reach moto with it (S3 path-style: a virtual-host bucket name would not
    // resolve on 127.0.0.1).
    assert_eq!(
        client.create_offload_buckets::<Url>().await.unwrap(),
        vec![(bucket, Created::New)]
    );
    assert_eq!(client.create_table::<Url>().await.unwrap(), Created::New);
    let mut page = Url {
        url: "https://example.com/shared".into(),
        html: "<html/>".repeat(50),
        content: vec![1; 100],
    };
    page.save(&client).await.unwrap();
    let key = UrlKey {
        url: page.url.clone(),
    };
    assert_eq!(
        Url::get(&client, &key).await.unwrap().map(|u| u.html),
        Some(page.html)
    );

    // Client::new: the same configuration, dynamate's default settings (no prefix), so the
    // prefixed table above is not its table.
    let plain = Client::new(&config);
    assert_eq!(attempts(&plain), Some(5));
    assert_eq!(plain.table_name::<Url>(), "urls");
    let tables = plain.dynamodb().list_tables().send().await.unwrap();
    assert!(
        tables.table_names().contains(&format!("{prefix}urls")),
        "{tables:?}"
    );
}

#[tokio::test]
async fn builder_setters_override_the_given_config() {
    let config = shared_config().await;
    let client = Client::builder_from(&config)
        .region("eu-west-1")
        .max_attempts(2)
        .operation_timeout(Duration::from_secs(7))
        .build()
        .await;
    assert_eq!(attempts(&client), Some(2));
    assert_eq!(operation_timeout(&client), Some(Duration::from_secs(7)));
    assert_eq!(
        client.dynamodb().config().region().map(|r| r.as_ref()),
        Some("eu-west-1")
    );
    // The configuration itself is untouched.
    assert_eq!(config.region().map(|r| r.as_ref()), Some("us-east-1"));
}

#[tokio::test]
async fn a_loaded_config_gets_dynamate_defaults() {
    let client = Client::builder().region("us-east-1").build().await;
    assert_eq!(attempts(&client), Some(3));
    assert_eq!(operation_timeout(&client), Some(Duration::from_secs(60)));
    let timeouts = client.dynamodb().config().timeout_config().cloned();
    assert_eq!(
        timeouts.and_then(|t| t.connect_timeout()),
        Some(Duration::from_secs(3))
    );
}

#[test]
fn a_config_without_behavior_version_gets_dynamate_s() {
    // The SDK clients panic on a configuration without a behavior version ("A behavior major
    // version must be set"); Client::new fills in dynamate's, so making the client is the test.
    let client = Client::new(&SdkConfig::builder().build());
    assert_eq!(client.table_name::<Url>(), "urls");
}
