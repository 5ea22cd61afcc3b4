//! Batch reads and writes against moto: 1,000 items in chunks, deletes, duplicate keys, and the
//! typed leftovers of an exhausted retry budget.

use std::time::Duration;

use dynamate::io::batch::BatchWrite;
use dynamate::{Error, RetryPolicy};
use dynamate_tests::fixtures::{order, with_table};
use dynamate_tests::support::Server;
use dynamate_tests::{Order, OrderKey};

fn key(n: usize) -> OrderKey {
    OrderKey {
        order_id: format!("o-{n:04}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_write_and_get_1000_items() {
    let client = with_table::<Order>(Server::Moto).await;
    let items: Vec<Order> = (0..1000)
        .map(|n| order(&format!("o-{n:04}"), "c", n as i64))
        .collect();
    let written = client
        .batch_write(BatchWrite::new().put_all(items.clone()))
        .await
        .unwrap();
    assert!(written.is_complete(), "{written:?}");
    assert_eq!(client.scan::<Order>().count().await.unwrap(), 1000);

    let got = client
        .batch_get((0..1000).map(key))
        .consistent_read()
        .await
        .unwrap();
    assert!(got.unprocessed.is_empty());
    let mut found = got.items;
    found.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    assert_eq!(found, items, "decoded through the compress pipeline");

    let deletes = (0..1000)
        .step_by(2)
        .fold(BatchWrite::<Order>::new(), |batch, n| batch.delete(key(n)));
    assert!(client.batch_write(deletes).await.unwrap().is_complete());
    assert_eq!(client.scan::<Order>().count().await.unwrap(), 500);
    let missing = client.batch_get([key(0), key(1)]).await.unwrap();
    assert_eq!(missing.items.len(), 1, "missing keys are simply absent");
}

#[tokio::test]
async fn duplicate_keys_in_one_batch_are_rejected() {
    let client = with_table::<Order>(Server::Moto).await;
    let write = client
        .batch_write(
            BatchWrite::new()
                .put(order("same", "a", 1))
                .put(order("same", "b", 2)),
        )
        .await;
    assert!(
        matches!(write, Err(Error::InvalidRequest { .. })),
        "{write:?}"
    );
    let mixed = client
        .batch_write(
            BatchWrite::new()
                .put(order("same", "a", 1))
                .delete(OrderKey {
                    order_id: "same".into(),
                }),
        )
        .await;
    assert!(
        matches!(mixed, Err(Error::InvalidRequest { .. })),
        "{mixed:?}"
    );
    let get = client.batch_get([key(1), key(1)]).await;
    assert!(matches!(get, Err(Error::InvalidRequest { .. })), "{get:?}");
}

/// A missing table fails every attempt with an error, which is returned as such; an exhausted
/// retry budget on throttling instead returns the writes as typed leftovers. moto never
/// throttles, so the budget is exercised with zero attempts' worth of retries on a live table.
#[tokio::test]
async fn retry_policy_is_bounded_and_errors_surface() {
    let client = with_table::<Order>(Server::Moto).await;
    let quick = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    };
    let written = client
        .batch_write(BatchWrite::new().put_all((0..60).map(|n| order(&format!("r-{n}"), "c", n))))
        .retry(quick)
        .await
        .unwrap();
    assert!(written.unprocessed_puts.is_empty() && written.unprocessed_deletes.is_empty());
    client.delete_table::<Order>().await.unwrap();
    let failed = client
        .batch_write(BatchWrite::new().put(order("x", "c", 1)))
        .retry(quick)
        .await;
    assert!(matches!(failed, Err(Error::NotFound { .. })), "{failed:?}");
}
