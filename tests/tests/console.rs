//! Console URLs (pynamodb_mate feature 4) of generated models, for any region and key types.

use dynamate::Model;
use dynamate_tests::{CounterKey, Product, ProductKey};

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
    let url = client.item_url::<Product>(&key).unwrap();
    assert!(
        url.ends_with("#edit-item?table=dev-catalog.products&itemMode=2&pk=acme%20%26%20co%2B1&sk=%2342%20caf%C3%A9&route=ROUTE_ITEM_EXPLORER"),
        "{url}"
    );
}

#[tokio::test]
async fn item_url_of_a_binary_key_is_base64() {
    let client = client("us-east-1").await;
    let url = client
        .item_url::<dynamate_tests::Counter>(&CounterKey {
            id: vec![0xfb, 0xff],
        })
        .unwrap();
    // base64 of fb ff is "+/8=".
    assert!(url.contains("&pk=%2B%2F8%3D&route="), "{url}");
}
