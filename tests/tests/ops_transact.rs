//! Transactions against moto (dynalite has none): writes across models, cancellation reasons,
//! client-side checks, and consistent multi-item reads.

use dynamate::item::expr::{Condition, Update};
use dynamate::{Error, Model, ModelKey};
use dynamate_tests::fixtures::{client, order, product};
use dynamate_tests::support::Server;
use dynamate_tests::{Counter, CounterKey, Order, OrderKey, Product};

async fn tables() -> dynamate::Client {
    let client = client(Server::Moto).await;
    client.create_table::<Order>().await.unwrap();
    client.create_table::<Product>().await.unwrap();
    client.create_table::<Counter>().await.unwrap();
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_across_models_then_read_together() {
    let client = tables().await;
    let mut existing = order("o-1", "alice", 1);
    client.save(&mut existing).await.unwrap();
    let new_order = order("o-2", "alice", 2);
    let item = product("acme", "sku-t", 1);
    let counter = CounterKey { id: vec![1] };
    client
        .transact_write()
        .create(&new_order)
        .put(&item)
        .update(&counter, Update::new().add(Counter::COUNT, 2))
        .check(&existing.key(), Order::CUSTOMER_ID.eq("alice"))
        .await
        .unwrap();

    let mut read = client
        .transact_get()
        .get(&new_order.key())
        .get(&item.key())
        .get(&counter)
        .get(&OrderKey {
            order_id: "none".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        read.take::<Order>(0).await.unwrap(),
        Some(new_order.clone())
    );
    let stored = read.take::<Product>(1).await.unwrap().unwrap();
    assert_eq!(stored.version, 1, "transaction puts are versioned");
    assert_eq!(read.take::<Counter>(2).await.unwrap().unwrap().count, 2);
    assert_eq!(read.take::<Order>(3).await.unwrap(), None);
    let wrong = read.take::<Product>(0).await;
    assert!(
        matches!(wrong, Err(Error::InvalidRequest { .. })),
        "{wrong:?}"
    );

    client
        .transact_write()
        .delete(&new_order.key())
        .delete_if(&existing.key(), Order::DESCRIPTION.eq("order 1"))
        .await
        .unwrap();
    assert_eq!(client.scan::<Order>().count().await.unwrap(), 0);
}

#[tokio::test]
async fn cancellation_says_which_action_failed() {
    let client = tables().await;
    let mut existing = order("o-1", "alice", 1);
    client.save(&mut existing).await.unwrap();
    let fresh = order("o-9", "bob", 9);
    let error = client
        .transact_write()
        .create(&fresh)
        .update_if(
            &existing.key(),
            Update::new().set(Order::DESCRIPTION, Some("paid".to_string())),
            Order::CUSTOMER_ID.eq("mallory"),
        )
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons, .. } = &error else {
        panic!("expected a cancellation, got {error:?}");
    };
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0].code, None, "the create was fine");
    assert_eq!(reasons[1].code.as_deref(), Some("ConditionalCheckFailed"));
    assert_eq!(reasons[1].table, client.table_name::<Order>());
    assert_eq!(
        reasons[1].key,
        existing.key().to_item().unwrap(),
        "names the item"
    );
    let text = error.to_string();
    assert!(
        text.contains("action 1") && text.contains(r#"order_id="o-1""#),
        "{text}"
    );
    assert_eq!(
        client.get(&fresh.key()).await.unwrap(),
        None,
        "all or nothing"
    );

    let mut stale = product("acme", "sku-v", 1);
    client.save(&mut stale.clone()).await.unwrap();
    let versioned = client.transact_write().put(&stale).await.unwrap_err();
    assert!(
        matches!(versioned, Error::TransactionCanceled { .. }),
        "{versioned:?}"
    );
    stale.version = 1;
    client.transact_write().put(&stale).await.unwrap();
}

#[tokio::test]
async fn empty_and_duplicate_transactions_are_rejected() {
    let client = tables().await;
    let empty = client.transact_write().await;
    assert!(
        matches!(empty, Err(Error::InvalidRequest { .. })),
        "{empty:?}"
    );
    let item = order("o-1", "a", 1);
    let twice = client
        .transact_write()
        .put(&item)
        .check(&item.key(), Condition::item_not_exists())
        .await;
    assert!(
        matches!(twice, Err(Error::InvalidRequest { .. })),
        "{twice:?}"
    );
    let no_gets = client.transact_get().await;
    assert!(
        matches!(no_gets, Err(Error::InvalidRequest { .. })),
        "{no_gets:?}"
    );
}
