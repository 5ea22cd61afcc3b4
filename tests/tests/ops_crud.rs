//! Table and single-item operations against real servers: ports of pynamodb_mate's model tests
//! (get-or-none, make-one, delete-if-exists), updates, conditions, optimistic locking and the
//! client-side checks. Expression-building tests run on moto and dynalite.

use dynamate::item::expr::{AttrType, Condition, Update};
use dynamate::{Error, Model, ModelExt};
use dynamate_tests::fixtures::{client, order, product, with_table};
use dynamate_tests::support::Server;
use dynamate_tests::{Counter, CounterKey, Order, OrderKey, Product, ProductKey, on_both_servers};

fn product_key(tenant: &str, sku: &str) -> ProductKey {
    ProductKey {
        tenant: tenant.into(),
        sku: sku.into(),
    }
}

on_both_servers! {
    table_lifecycle,
    get_or_none_make_one_delete_if_exists,
    every_update_action,
    set_on_an_optional_attribute_takes_a_plain_value,
    conditions_on_reserved_words,
    projection_and_consistent_get,
    compressed_attribute_condition,
    index_handle_of_no_index_is_an_error,
}

async fn table_lifecycle(server: Server) {
    let client = client(server).await;
    assert!(!client.table_exists::<Order>().await.unwrap());
    client.create_table::<Order>().await.unwrap();
    assert!(client.table_exists::<Order>().await.unwrap());
    let description = client.describe_table::<Order>().await.unwrap();
    assert_eq!(
        description.table_name(),
        Some(client.table_name::<Order>().as_str())
    );
    let indexes = description.global_secondary_indexes();
    assert_eq!(indexes.len(), 1);
    assert_eq!(indexes[0].index_name(), Some("by_customer"));
    client.delete_table::<Order>().await.unwrap();
    let gone = client
        .get(&OrderKey {
            order_id: "x".into(),
        })
        .await;
    assert!(matches!(gone, Err(Error::NotFound { .. })), "{gone:?}");
}

async fn get_or_none_make_one_delete_if_exists(server: Server) {
    let client = with_table::<Product>(server).await;
    let key = product_key("acme", "sku-1");
    assert_eq!(Product::get(&client, &key).await.unwrap(), None);

    let mut item = product("acme", "sku-1", 1);
    item.create(&client).await.unwrap();
    assert_eq!(item.version, 1, "create bumps the version");
    let stored = Product::get(&client, &key).await.unwrap().expect("created");
    assert_eq!(stored, item);

    let mut again = product("acme", "sku-1", 2);
    let second = again.create(&client).await;
    assert!(
        matches!(second, Err(Error::ConditionFailed { .. })),
        "{second:?}"
    );

    assert!(client.delete_if_exists(&key).await.unwrap());
    assert!(!client.delete_if_exists(&key).await.unwrap());
    assert_eq!(client.get(&key).await.unwrap(), None);
}

async fn every_update_action(server: Server) {
    let client = with_table::<Product>(server).await;
    let mut item = product("acme", "sku-u", 5);
    item.save(&client).await.unwrap();
    let update = Update::new()
        .set(Product::NAME, "renamed")
        .set(Product::IMAGE, Some(vec![1, 2, 3]))
        .set_if_not_exists(
            Product::ATTRIBUTES,
            Some(serde_json::json!({ "new": true })),
        )
        .increment(Product::STOCK, 5)
        .decrement(Product::SMALL, 2)
        .add(Product::RANK, 10)
        .add_to_set(Product::COLORS, ["blue".to_string()].into())
        .delete_from_set(Product::SIZES, [1].into())
        .append(Product::TAGS, vec!["c".into()])
        .prepend(Product::NOTES, vec![Some("first".into())])
        .remove(Product::EXPIRES_AT);
    let updated = client
        .update(&item.key(), update)
        .condition(Condition::item_exists().and(Product::STOCK.ge(10)))
        .await
        .unwrap();
    assert_eq!(updated.name, "renamed");
    assert_eq!(updated.image, Some(vec![1, 2, 3]));
    assert_eq!(
        updated.attributes,
        Some(serde_json::json!({ "color": "blue" }))
    );
    assert_eq!(updated.stock, 15);
    assert_eq!(updated.small, -5);
    assert_eq!(updated.rank, 15);
    assert!(updated.colors.contains("blue") && updated.colors.contains("red"));
    assert_eq!(updated.sizes, [2].into());
    assert_eq!(updated.tags, vec!["a", "b", "c"]);
    assert_eq!(
        updated.notes,
        vec![Some("first".into()), Some("x".into()), None]
    );
    assert_eq!(updated.version, 2, "updates increment the version");

    let refused = client
        .update(&item.key(), Update::new().increment(Product::STOCK, 1))
        .condition(Product::STOCK.lt(0))
        .await;
    assert!(
        matches!(refused, Err(Error::ConditionFailed { .. })),
        "{refused:?}"
    );

    let absent = client
        .update(
            &product_key("acme", "missing"),
            Update::new().set(Product::NAME, "x"),
        )
        .condition(Condition::item_exists())
        .await;
    assert!(
        matches!(absent, Err(Error::ConditionFailed { .. })),
        "{absent:?}"
    );

    let empty = client.update(&item.key(), Update::new()).await;
    assert!(
        matches!(empty, Err(Error::InvalidRequest { .. })),
        "{empty:?}"
    );
    let version = client
        .update(&item.key(), Update::new().set(Product::VERSION, 7u64))
        .await;
    assert!(
        matches!(version, Err(Error::InvalidRequest { .. })),
        "{version:?}"
    );
}

/// `Update::set` on an optional attribute takes the value itself, as conditions do; `Some(..)`
/// and `None` stay possible, and `None` removes the attribute.
async fn set_on_an_optional_attribute_takes_a_plain_value(server: Server) {
    let client = with_table::<Product>(server).await;
    let mut item = product("acme", "sku-plain", 1);
    item.save(&client).await.unwrap();
    let bytes: &[u8] = &[7, 8];
    let updated = client
        .update(&item.key(), Update::new().set(Product::IMAGE, bytes))
        .await
        .unwrap();
    assert_eq!(updated.image, Some(vec![7, 8]));
    let updated = client
        .update(&item.key(), Update::new().set(Product::IMAGE, vec![9]))
        .await
        .unwrap();
    assert_eq!(updated.image, Some(vec![9]));
    let updated = client
        .update(
            &item.key(),
            Update::new().set(Product::IMAGE, Some(vec![1])),
        )
        .await
        .unwrap();
    assert_eq!(updated.image, Some(vec![1]));
    let updated = client
        .update(&item.key(), Update::new().set(Product::IMAGE, None))
        .await
        .unwrap();
    assert_eq!(updated.image, None);
}

async fn conditions_on_reserved_words(server: Server) {
    let client = with_table::<Product>(server).await;
    let mut item = product("acme", "sku-c", 3);
    item.save(&client).await.unwrap();
    let passing = [
        Product::NAME.eq("product 3"),
        Product::NAME.ne("other"),
        Product::TYPE.eq("physical"),
        Product::PRODUCT_TYPE.begins_with("wid"),
        Product::STOCK.between(5, 10),
        Product::STOCK.is_in([1, 10, 100]),
        Product::PRICE.gt(dynamate::Decimal::parse("3.4").unwrap()),
        Product::SCORE.le(0.25),
        Product::COLORS.contains("red"),
        Product::TAGS.contains("a"),
        Product::NAME.contains("duct"),
        Product::NAME.size().eq(9),
        Product::TAGS.size().ge(2),
        Product::IMAGE.not_exists(),
        Product::ATTRIBUTES.exists(),
        Product::NAME.is_type(AttrType::S),
        !Product::ACTIVE.eq(false),
        Product::STOCK.lt(0).or(Product::RANK.eq(3)),
        Product::SMALL.lt(0) & Product::BIG.gt(0u64) | Product::MEDIUM.eq(0),
    ];
    for condition in passing {
        let text = format!("{condition:?}");
        item.save(&client)
            .condition(condition)
            .await
            .unwrap_or_else(|e| panic!("{text} should hold: {e}"));
    }
    let failing = item.save(&client).condition(Product::NAME.eq("nope")).await;
    assert!(
        matches!(failing, Err(Error::ConditionFailed { .. })),
        "{failing:?}"
    );
    let empty_in = item
        .save(&client)
        .condition(Product::STOCK.is_in(Vec::<i32>::new()))
        .await;
    assert!(
        matches!(empty_in, Err(Error::InvalidRequest { .. })),
        "{empty_in:?}"
    );
    let deleted = item
        .delete(&client)
        .condition(Product::NAME.eq("nope"))
        .await;
    assert!(
        matches!(deleted, Err(Error::ConditionFailed { .. })),
        "{deleted:?}"
    );
    item.delete(&client)
        .condition(Product::NAME.eq("product 3"))
        .await
        .unwrap();
}

async fn projection_and_consistent_get(server: Server) {
    let client = with_table::<Order>(server).await;
    let mut item = order("o-1", "c-1", 1);
    item.save(&client).await.unwrap();
    let projected = client
        .get(&item.key())
        .consistent_read()
        .project(Order::CUSTOMER_ID)
        .project(Order::DESCRIPTION)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(projected.customer_id, item.customer_id);
    assert_eq!(projected.description, item.description);
    assert_eq!(projected.items, None, "not projected");

    let mut stale = item.clone();
    item.description = Some("changed".into());
    item.save(&client).await.unwrap();
    stale.refresh(&client).await.unwrap();
    assert_eq!(stale, item);
    client.delete(&item.key()).await.unwrap();
    let refreshed = stale.refresh(&client).await;
    assert!(
        matches!(refreshed, Err(Error::NotFound { .. })),
        "{refreshed:?}"
    );
}

/// Conditions on compressed attributes compare the stored (compressed) form of the operand.
async fn compressed_attribute_condition(server: Server) {
    let client = with_table::<Order>(server).await;
    let mut item = order("o-z", "c-1", 1);
    item.save(&client).await.unwrap();
    item.save(&client)
        .condition(Order::DESCRIPTION.eq("order 1"))
        .await
        .unwrap();
    let failing = item
        .save(&client)
        .condition(Order::DESCRIPTION.eq("order 2"))
        .await;
    assert!(
        matches!(failing, Err(Error::ConditionFailed { .. })),
        "{failing:?}"
    );
    let ordering = item
        .save(&client)
        .condition(Order::DESCRIPTION.gt("a"))
        .await;
    assert!(
        matches!(ordering, Err(Error::InvalidRequest { .. })),
        "{ordering:?}"
    );
}

#[tokio::test]
async fn bytes_key_round_trip() {
    let client = with_table::<Counter>(Server::Moto).await;
    let mut counter = Counter {
        id: vec![0, 255, 1],
        count: 1,
    };
    counter.save(&client).await.unwrap();
    let updated = client
        .update(&counter.key(), Update::new().add(Counter::COUNT, 41))
        .await
        .unwrap();
    assert_eq!(updated.count, 42);
    let key = CounterKey {
        id: vec![0, 255, 1],
    };
    assert_eq!(Counter::get(&client, &key).await.unwrap(), Some(updated));
}

#[tokio::test]
async fn stale_version_write_is_rejected() {
    let client = with_table::<Product>(Server::Moto).await;
    let mut first = product("acme", "sku-v", 1);
    first.save(&client).await.unwrap();
    assert_eq!(first.version, 1);
    let mut second = Product::get(&client, &first.key()).await.unwrap().unwrap();
    second.stock = 99;
    second.save(&client).await.unwrap();
    assert_eq!(second.version, 2);

    first.stock = 1;
    let stale = first.save(&client).await;
    match stale {
        Err(Error::VersionConflict { expected, .. }) => assert_eq!(expected, 1),
        other => panic!("expected a version conflict, got {other:?}"),
    }
    let mut fresh = product("acme", "sku-v", 1);
    let recreate = fresh.save(&client).await;
    assert!(
        matches!(recreate, Err(Error::VersionConflict { expected: 0, .. })),
        "{recreate:?}"
    );
    first.refresh(&client).await.unwrap();
    assert_eq!((first.version, first.stock), (2, 99));
    first.stock = 5;
    first.save(&client).await.unwrap();
    assert_eq!(first.version, 3);
}

/// Runs on dynalite, which applies each item's writes atomically as DynamoDB does; moto's
/// threaded server takes no lock, so two conditional creates of one item can both succeed there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conditional_write_race_has_one_winner() {
    let client = with_table::<Order>(Server::Dynalite).await;
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut item = order("contested", &format!("c-{n}"), n);
                client.create(&mut item).await.map(|()| n)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(n) => winners.push(n),
            Err(Error::ConditionFailed { .. }) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one create wins: {winners:?}");
    let stored = client
        .get(&OrderKey {
            order_id: "contested".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.customer_id, Some(format!("c-{}", winners[0])));
}

#[tokio::test]
async fn item_over_400_kb_is_rejected_client_side() {
    let client = with_table::<Product>(Server::Moto).await;
    let mut item = product("acme", "big", 1);
    item.image = Some(vec![7; 300 * 1024]);
    item.tags = vec!["t".repeat(150 * 1024)];
    let error = item.save(&client).await.unwrap_err();
    let Error::ItemTooLarge { largest, size, .. } = &error else {
        panic!("expected ItemTooLarge, got {error:?}");
    };
    assert!(*size > 400 * 1024);
    assert_eq!(largest[0].0, "image");
    assert_eq!(largest[1].0, "tags");
    let text = error.to_string();
    assert!(
        text.contains("compress") && text.contains("offload"),
        "{text}"
    );
}

#[tokio::test]
async fn ttl_is_enabled_on_create() {
    let client = with_table::<Product>(Server::Moto).await;
    let ttl = client
        .dynamodb()
        .describe_time_to_live()
        .table_name(client.table_name::<Product>())
        .send()
        .await
        .unwrap();
    let description = ttl.time_to_live_description().expect("TTL description");
    assert_eq!(description.attribute_name(), Some("expires_at"));
}

#[tokio::test]
async fn errors_name_operation_table_and_keep_the_sdk_source() {
    let client = client(Server::Moto).await;
    let error = client
        .get(&OrderKey {
            order_id: "x".into(),
        })
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("GetItem") && text.contains(&client.table_name::<Order>()),
        "{text}"
    );
    assert!(std::error::Error::source(&error).is_some());
}

/// An index handle is buildable by hand (the hidden constructor generated code calls is public), so
/// one naming no index of its model must fail the query with an error, not panic.
async fn index_handle_of_no_index_is_an_error(server: Server) {
    use dynamate::primitives::codec::{Opt, Str, Timestamp};
    let client = with_table::<Order>(server).await;
    let stray: dynamate::Index<Order, Opt<Str>, Opt<Timestamp>> =
        dynamate::__codegen::v1::index("no_such_index");
    let result = client.query(stray.key("alice")).all().await;
    assert!(
        matches!(&result, Err(Error::InvalidRequest { reason, .. }) if reason.contains("no_such_index")),
        "{result:?}"
    );
    let ranged = client
        .query(Order::BY_CUSTOMER.key("alice"))
        .range(stray.range().ge(chrono::DateTime::UNIX_EPOCH))
        .all()
        .await;
    assert!(
        matches!(&ranged, Err(Error::InvalidRequest { .. })),
        "{ranged:?}"
    );
}
