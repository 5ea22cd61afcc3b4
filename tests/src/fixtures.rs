//! Items of the example models and table setup shared by the end-to-end tests.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{Server, builder};
use crate::{Dimensions, Order, OrderKey, Product};

/// A product with every attribute set; `rank` and `price` vary with `n`.
pub fn product(tenant: &str, sku: &str, n: i64) -> Product {
    Product {
        tenant: tenant.to_string(),
        sku: sku.to_string(),
        name: format!("product {n}"),
        product_type: "widget".to_string(),
        r#type: "physical".to_string(),
        image: None,
        active: true,
        stock: 10,
        small: -3,
        medium: 300,
        big: u64::MAX,
        unsigned_small: 200,
        unsigned_medium: 60_000,
        unsigned_int: 4_000_000_000,
        score: 0.25,
        ratio: 1.5,
        price: dynamate::Decimal::parse(&format!("{n}.50")).expect("valid decimal"),
        released_at: chrono::DateTime::from_timestamp(1_700_000_000 + n, 0).expect("valid time"),
        expires_at: None,
        version: 0,
        attributes: Some(serde_json::json!({ "color": "blue" })),
        dimensions: Dimensions {
            width_mm: 10,
            height_mm: 20,
            note: None,
        },
        tags: vec!["a".to_string(), "b".to_string()],
        matrix: vec![vec![1, 2], vec![3]],
        notes: vec![Some("x".to_string()), None],
        prices_by_region: BTreeMap::new(),
        labels: BTreeMap::new(),
        colors: BTreeSet::from(["red".to_string()]),
        sizes: BTreeSet::from([1, 2]),
        weights: BTreeSet::new(),
        thumbnails: BTreeSet::new(),
        category: "books".to_string(),
        rank: n,
    }
}

/// An order of `customer` created `n` seconds after a fixed instant.
pub fn order(id: &str, customer: &str, n: i64) -> Order {
    Order {
        order_id: id.to_string(),
        customer_id: Some(customer.to_string()),
        created_at: chrono::DateTime::from_timestamp(1_700_000_000 + n, 0),
        description: Some(format!("order {n}")),
        image: None,
        items: Some(serde_json::json!([{ "item_name": "apple", "item_count": n }])),
        receipt: None,
    }
}

/// The key of order `id`.
pub fn order_key(id: &str) -> OrderKey {
    OrderKey {
        order_id: id.to_string(),
    }
}

/// `n` orders `{prefix}-000`, `{prefix}-001`, ... of customer `c`.
pub fn orders(prefix: &str, n: usize) -> Vec<Order> {
    (0..n)
        .map(|i| order(&format!("{prefix}-{i:03}"), "c", i as i64))
        .collect()
}

/// A client of `server` with a keyring for the `archive` and `orders` keys.
pub async fn client(server: Server) -> dynamate::Client {
    let root =
        |byte| dynamate::primitives::crypto::RootKey::from_bytes(&[byte; 32]).expect("32-byte key");
    let keyring = dynamate::primitives::crypto::Keyring::new()
        .with_key("archive", 1, root(7))
        .and_then(|k| k.with_key("orders", 1, root(9)))
        .expect("valid keyring");
    builder(server).keyring(keyring).build().await
}

/// A client of `server` with model `M`'s table created (TTL only where the server has the API).
pub async fn with_table<M: dynamate::Model>(server: Server) -> dynamate::Client {
    let client = client(server).await;
    let create = client.create_table::<M>();
    let create = match server {
        Server::Moto => create,
        Server::Dynalite => create.without_ttl(),
    };
    create.await.expect("create table");
    client
}

/// For each `async fn name(server: Server)`, defines `name::moto` and `name::dynalite` tests;
/// for tests of expression building, which dynalite validates like DynamoDB while moto is lax.
#[macro_export]
macro_rules! on_both_servers {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn moto() {
                super::$name($crate::support::Server::Moto).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn dynalite() {
                super::$name($crate::support::Server::Dynalite).await;
            }
        }
    )*};
}
