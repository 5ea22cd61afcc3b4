//! The seed README's encryption and compression examples (pynamodb_mate features 2 and 3), end
//! to end against the local server, and key rotation of stored items.

use dynamate::primitives::crypto::{Keyring, RootKey};
use dynamate::{AttributeValue, Client, Model};
use dynamate_tests::support::{Server, builder};
use dynamate_tests::{Archive, ArchiveKey, Order, OrderKey, on_both_servers};

on_both_servers! {
    archive_model_round_trips_and_filters_on_the_deterministic_field,
    order_model_compresses_and_leaves_absent_values_out,
}

fn key(byte: u8) -> RootKey {
    RootKey::from_bytes(&[byte; 32]).unwrap()
}

async fn client_with(server: Server, keyring: Keyring, prefix: Option<&str>) -> Client {
    let builder = builder(server).keyring(keyring);
    match prefix {
        Some(prefix) => builder.table_prefix(prefix),
        None => builder,
    }
    .build()
    .await
}

/// Creates `M`'s table (TTL only where the server has the API).
async fn create_table<M: Model>(client: &Client, server: Server) {
    let create = client.create_table::<M>();
    match server {
        Server::Moto => create.await,
        Server::Dynalite => create.without_ttl().await,
    }
    .unwrap();
}

/// The item as stored, read with the raw SDK client.
async fn raw_item(client: &Client, table: String, key: (&str, &str)) -> dynamate::Item {
    client
        .dynamodb()
        .get_item()
        .table_name(table)
        .key(key.0, AttributeValue::S(key.1.into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

fn seed_archive(aid: &str) -> Archive {
    Archive {
        aid: aid.into(),
        secret_message: "attack at 2PM tomorrow!".into(),
        secret_binary: "a secret image".as_bytes().to_vec(),
        secret_integer: 1234,
        secret_float: 3.5,
        secret_data: serde_json::json!({"Alice": 1, "Bob": 2, "Cathy": 3}),
    }
}

async fn archive_model_round_trips_and_filters_on_the_deterministic_field(server: Server) {
    let client = client_with(
        server,
        Keyring::new().with_key("archive", 1, key(1)).unwrap(),
        None,
    )
    .await;
    create_table::<Archive>(&client, server).await;

    let mut model = seed_archive("aid-001");
    client.save(&mut model).await.unwrap();
    let mut other = seed_archive("aid-002");
    other.secret_message = "retreat at dawn".into();
    client.save(&mut other).await.unwrap();

    let read = client
        .get(&ArchiveKey {
            aid: "aid-001".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, model);

    // What DynamoDB holds is ciphertext, not the plaintext.
    let raw = raw_item(&client, client.table_name::<Archive>(), ("aid", "aid-001")).await;
    let AttributeValue::B(stored) = &raw["secret_message"] else {
        panic!("stored as binary")
    };
    assert!(!String::from_utf8_lossy(stored.as_ref()).contains("attack"));

    // A scan filtered on the deterministic field finds exactly the matching item.
    let found = client
        .scan::<Archive>()
        .filter(Archive::SECRET_MESSAGE.eq("attack at 2PM tomorrow!"))
        .all()
        .await
        .unwrap();
    assert_eq!(found, vec![model]);
    // The same filter on the randomized field does not compile: see
    // tests/compile-fail/filter_randomized.rs (`Archive::SECRET_BINARY.eq(..)`).
}

async fn order_model_compresses_and_leaves_absent_values_out(server: Server) {
    let client = client_with(
        server,
        Keyring::new().with_key("orders", 1, key(2)).unwrap(),
        None,
    )
    .await;
    create_table::<Order>(&client, server).await;
    let description = "a fancy order!".repeat(10);
    let items = serde_json::json!([
        {"item_id": "i_001", "item_name": "apple", "item_price": 2.4, "quantity": 8},
        {"item_id": "i_002", "item_name": "banana", "item_price": 0.53, "quantity": 5},
    ]);
    let mut order = Order {
        order_id: "order_001".into(),
        customer_id: None,
        created_at: None,
        description: Some(description.clone()),
        image: Some(description.as_bytes().to_vec()),
        items: Some(items),
        receipt: None,
    };
    client.save(&mut order).await.unwrap();
    let read = client
        .get(&OrderKey {
            order_id: "order_001".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, order);

    let raw = raw_item(
        &client,
        client.table_name::<Order>(),
        ("order_id", "order_001"),
    )
    .await;
    let AttributeValue::B(stored) = &raw["description"] else {
        panic!("stored as binary")
    };
    assert!(stored.as_ref().len() < description.len() / 2, "compressed");
    for absent in ["customer_id", "created_at", "receipt"] {
        assert!(
            !raw.contains_key(absent),
            "{absent} is not stored when None"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_re_encrypts_items_under_the_primary_version() {
    let prefix = format!("{}-", dynamate_tests::support::unique_name("rot"));
    let v1 = client_with(
        Server::Moto,
        Keyring::new().with_key("archive", 1, key(1)).unwrap(),
        Some(&prefix),
    )
    .await;
    v1.create_table::<Archive>().await.unwrap();
    for n in 0..5 {
        v1.save(&mut seed_archive(&format!("aid-{n}")))
            .await
            .unwrap();
    }

    // Version 2 becomes primary (the highest version is primary by default); 1 still decrypts.
    let both = Keyring::new()
        .with_key("archive", 1, key(1))
        .and_then(|k| k.with_key("archive", 2, key(2)))
        .unwrap();
    let rotating = client_with(Server::Moto, both, Some(&prefix)).await;
    let report = rotating.rotate_keys::<Archive>().await.unwrap();
    assert_eq!(
        (report.scanned, report.rotated, report.up_to_date),
        (5, 5, 0),
        "{report:?}"
    );

    // Version 1 can now be retired: a keyring with only version 2 reads every item.
    let v2_only = client_with(
        Server::Moto,
        Keyring::new().with_key("archive", 2, key(2)).unwrap(),
        Some(&prefix),
    )
    .await;
    for n in 0..5 {
        let key = ArchiveKey {
            aid: format!("aid-{n}"),
        };
        assert_eq!(
            v2_only.get(&key).await.unwrap().unwrap(),
            seed_archive(&format!("aid-{n}"))
        );
    }
    // ...while version 1 alone no longer can.
    let error = v1
        .get(&ArchiveKey {
            aid: "aid-0".into(),
        })
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("secret_message") || error.to_string().contains("secret_"),
        "{error}"
    );

    let again = rotating.rotate_keys::<Archive>().await.unwrap();
    assert_eq!(
        (again.rotated, again.up_to_date),
        (0, 5),
        "nothing left to rotate"
    );
    assert_eq!(Archive::SCHEMA.table_name, "archive");
}
