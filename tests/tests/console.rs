//! Console URLs (pynamodb_mate feature 4) of generated models, for any region, partition and key
//! type; `item_url` takes a key without naming its model, or comes from a model instance.

use dynamate::{Model, ModelExt};
use dynamate_tests::{CounterKey, Product, ProductKey, Url, UrlKey};

async fn client(region: &str) -> dynamate::Client {
    dynamate::Client::builder()
        .region(region)
        .table_prefix("dev-")
        .build()
        .await
}

#[tokio::test]
async fn table_urls_use_the_client_region_and_prefixed_table_name() {
    let client = client("ap-northeast-1").await;
    assert_eq!(
        client.table_overview_url::<Product>(),
        "https://ap-northeast-1.console.aws.amazon.com/dynamodbv2/home?region=ap-northeast-1#table?name=dev-catalog.products"
    );
    assert_eq!(
        client.table_items_url::<Product>(),
        "https://ap-northeast-1.console.aws.amazon.com/dynamodbv2/home?region=ap-northeast-1#item-explorer?table=dev-catalog.products"
    );
    assert_eq!(
        Product::SCHEMA.region,
        "eu-west-1",
        "the schema's region is the fallback"
    );
}

#[tokio::test]
async fn item_url_percent_encodes_string_keys() {
    let client = client("us-west-2").await;
    let key = ProductKey {
        tenant: "acme & co+1".into(),
        sku: "#42 café".into(),
    };
    // No turbofish: the key's type names the model (this compiling is half the test).
    let url = client.item_url(&key).unwrap();
    assert!(
        url.ends_with("#edit-item?table=dev-catalog.products&itemMode=2&pk=acme%20%26%20co%2B1&sk=%2342%20caf%C3%A9&route=ROUTE_ITEM_EXPLORER"),
        "{url}"
    );
}

#[tokio::test]
async fn item_url_of_a_binary_key_is_base64() {
    let client = client("us-east-1").await;
    let url = client
        .item_url(&CounterKey {
            id: vec![0xfb, 0xff],
        })
        .unwrap();
    // base64 of fb ff is "+/8=".
    assert!(url.contains("&pk=%2B%2F8%3D&route="), "{url}");
}

#[tokio::test]
async fn item_url_of_a_model_instance_is_the_url_of_its_key() {
    let client = client("eu-central-1").await;
    let page = Url {
        url: "https://example.com/a?b=c".into(),
        html: "<html></html>".into(),
        content: vec![1, 2, 3],
    };
    let url = page.item_url(&client).unwrap();
    assert_eq!(
        url,
        "https://eu-central-1.console.aws.amazon.com/dynamodbv2/home?region=eu-central-1\
         #edit-item?table=dev-urls&itemMode=2&pk=https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc\
         &route=ROUTE_ITEM_EXPLORER"
    );
    assert_eq!(
        url,
        client
            .item_url(&UrlKey {
                url: page.url.clone()
            })
            .unwrap()
    );
}

#[tokio::test]
async fn china_regions_use_the_amazonaws_cn_console() {
    let client = client("cn-northwest-1").await;
    assert_eq!(
        client.table_overview_url::<Url>(),
        "https://cn-northwest-1.console.amazonaws.cn/dynamodbv2/home?region=cn-northwest-1#table?name=dev-urls"
    );
    let key = UrlKey { url: "k".into() };
    assert_eq!(
        client.item_url(&key).unwrap(),
        "https://cn-northwest-1.console.amazonaws.cn/dynamodbv2/home?region=cn-northwest-1\
         #edit-item?table=dev-urls&itemMode=2&pk=k&route=ROUTE_ITEM_EXPLORER"
    );
}

#[tokio::test]
async fn govcloud_regions_use_the_amazonaws_us_gov_console() {
    let client = client("us-gov-west-1").await;
    assert_eq!(
        client.table_items_url::<Url>(),
        "https://us-gov-west-1.console.amazonaws-us-gov.com/dynamodbv2/home?region=us-gov-west-1#item-explorer?table=dev-urls"
    );
    let key = UrlKey { url: "k".into() };
    assert!(
        client.item_url(&key).unwrap().starts_with(
            "https://us-gov-west-1.console.amazonaws-us-gov.com/dynamodbv2/home?region=us-gov-west-1#edit-item?"
        ),
    );
}

#[test]
fn without_a_client_region_the_schema_region_wins() {
    // A configuration without a region (Client::new fills in only the behavior version).
    let client = dynamate::Client::new(&aws_config::SdkConfig::builder().build());
    assert_eq!(client.dynamodb().config().region(), None);
    assert_eq!(
        client.table_overview_url::<Product>(),
        "https://eu-west-1.console.aws.amazon.com/dynamodbv2/home?region=eu-west-1#table?name=catalog.products"
    );
    let key = ProductKey {
        tenant: "t".into(),
        sku: "s".into(),
    };
    assert!(
        client
            .item_url(&key)
            .unwrap()
            .starts_with("https://eu-west-1.console.aws.amazon.com/"),
    );
}
