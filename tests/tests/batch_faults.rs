//! Batch reads and writes through the fault proxy, on moto and dynalite: unprocessed items and
//! keys that succeed after retries, backoff growth read from the proxy's request times, the
//! retry cap with its exact typed leftovers, and throttled, 5xx and dropped batch calls.
//! Transactions (moto only: dynalite has none) under throttling.

mod faults_common;

use std::time::Duration;

use dynamate::io::batch::BatchWrite;
use dynamate::{Client, Error, ModelExt, RetryPolicy};
use dynamate_tests::Order;
use dynamate_tests::faults::{Action, FaultProxy, FaultRule};
use dynamate_tests::fixtures::{order, order_key as key, orders};
use dynamate_tests::on_both_servers;
use dynamate_tests::support::Server;
use faults_common::{arm, once_each, transient_faults, unprocessed, within};
use serde_json::json;

/// Quick enough for tests; `max_attempts` says how many batch attempts a test expects.
fn quick(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
    }
}

/// A client whose requests go through the proxy in front of `server`, with the `orders` table
/// created; returns its table name, which the proxy rules match on.
async fn setup(server: Server, policy: RetryPolicy) -> (Client, FaultProxy, String) {
    let proxy = FaultProxy::new(server);
    let client = proxy.builder().retry_policy(policy).build().await;
    let create = client.create_table::<Order>();
    let create = match server {
        Server::Moto => create,
        Server::Dynalite => create.without_ttl(),
    };
    create.await.expect("create table");
    let table = client.table_name::<Order>();
    (client, proxy, table)
}

/// Writes `items` (no faults armed yet).
async fn put_all(client: &Client, items: &[Order]) {
    let written = client
        .batch_write(BatchWrite::new().put_all(items.to_vec()))
        .await
        .unwrap();
    assert!(written.is_complete(), "{written:?}");
}

async fn stored(client: &Client, items: &[Order]) -> Vec<Order> {
    let got = client
        .batch_get(items.iter().map(|o| key(&o.order_id)))
        .consistent_read()
        .await
        .unwrap();
    assert!(got.is_complete(), "{got:?}");
    let mut found = got.items;
    found.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    found
}

/// 60 puts in chunks of 25, 25 and 10; the proxy lets 10 writes of every request through.
/// Attempts: (25, 25, 10) -> 30 left in (25, 5) -> 15 left -> 5 left -> done: 7 requests.
async fn batch_write_unprocessed_then_written(server: Server) {
    let (client, proxy, table) = setup(server, quick(8)).await;
    let rule = unprocessed(&proxy, "BatchWriteItem", &table, 10).await;
    let items = orders("w", 60);
    let written = within(client.batch_write(BatchWrite::new().put_all(items.clone())))
        .await
        .unwrap();
    assert!(written.is_complete(), "{written:?}");
    assert_eq!(rule.hits().await.hits, 7, "requests the batch needed");
    rule.remove().await;
    assert_eq!(
        stored(&client, &items).await,
        items,
        "every item counted back"
    );
}

/// 60 keys in one request; the proxy answers 20 of every request: 3 attempts.
async fn batch_get_unprocessed_then_read(server: Server) {
    let (client, proxy, table) = setup(server, quick(8)).await;
    let items = orders("g", 60);
    put_all(&client, &items).await;
    let rule = unprocessed(&proxy, "BatchGetItem", &table, 20).await;
    let found = within(stored(&client, &items)).await;
    assert_eq!(found, items);
    assert_eq!(rule.hits().await.hits, 3);
}

/// Nothing is ever processed: the batch stops after exactly `max_attempts` requests, the waits
/// between them follow the growing schedule (lower bounds only, from the proxy's arrival
/// times), and every write comes back typed, puts and deletes alike.
async fn persistent_unprocessed_stops_at_the_cap(server: Server) {
    let policy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(40),
        max_delay: Duration::from_secs(2),
    };
    let (client, proxy, table) = setup(server, policy).await;
    let old = orders("old", 2);
    put_all(&client, &old).await;
    let rule = unprocessed(&proxy, "BatchWriteItem", &table, 0).await;
    let new = order("new-000", "c", 7);
    let writes = BatchWrite::new()
        .put(new.clone())
        .delete(key("old-000"))
        .delete(key("old-001"));
    let left = within(client.batch_write(writes)).await.unwrap();
    assert_eq!(left.unprocessed_puts, vec![new.clone()]);
    let mut deletes: Vec<String> = left
        .unprocessed_deletes
        .iter()
        .map(|k| k.order_id.clone())
        .collect();
    deletes.sort();
    assert_eq!(deletes, ["old-000", "old-001"]);
    assert!(left.unprocessed_raw.is_empty());
    let hits = rule.hits().await;
    assert_eq!(hits.hits, 5, "one request per attempt, no more");
    for (n, gap) in hits.gaps().into_iter().enumerate() {
        let floor = (40.0 * 2f64.powi(n as i32)) / 1000.0;
        assert!(
            gap >= floor * 0.95,
            "wait {n} was {gap:.3} s, below the schedule's {floor} s: {hits:?}"
        );
    }
    rule.remove().await;
    assert_eq!(
        stored(&client, &old).await,
        old,
        "the deletes were not applied"
    );
    assert_eq!(Order::get(&client, &key("new-000")).await.unwrap(), None);
}

/// Borrowed puts (`&[Order]`) that are never processed come back as the very references
/// passed in, chunk by chunk: 30 puts in chunks of 25 and 5, two attempts each.
async fn unprocessed_borrowed_puts_come_back_as_references(server: Server) {
    let (client, proxy, table) = setup(server, quick(2)).await;
    let rule = unprocessed(&proxy, "BatchWriteItem", &table, 0).await;
    let items = orders("ref", 30);
    let left = within(client.batch_put(&items)).await.unwrap();
    assert_eq!((left.written, left.unprocessed()), (0, 30));
    let mut back: Vec<&Order> = left.unprocessed_puts;
    back.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    assert_eq!(back.len(), items.len());
    assert!(
        back.iter()
            .zip(&items)
            .all(|(back, item)| std::ptr::eq(*back, item)),
        "the leftovers are the references passed in"
    );
    assert_eq!(rule.hits().await.hits, 4, "2 chunks x 2 attempts");
}

/// Throttling, 5xx answers and a dropped connection on batch writes count as unprocessed
/// chunks: retried, and everything is written in the end.
async fn throttled_5xx_and_dropped_batch_writes_are_retried(server: Server) {
    let (client, proxy, table) = setup(server, quick(8)).await;
    let mut faults = transient_faults();
    faults.push(Action::Throttle {
        error_type: Some("ThrottlingException".into()),
    });
    let rules = once_each(&proxy, "BatchWriteItem", &table, faults).await;
    let items = orders("t", 30);
    let written = within(client.batch_write(BatchWrite::new().put_all(items.clone())))
        .await
        .unwrap();
    assert!(written.is_complete(), "{written:?}");
    for rule in rules {
        assert_eq!(rule.hits().await.hits, 1, "every fault was served");
    }
    assert_eq!(stored(&client, &items).await, items);
}

/// The same on batch reads.
async fn throttled_and_5xx_batch_gets_are_retried(server: Server) {
    let (client, proxy, table) = setup(server, quick(8)).await;
    let items = orders("r", 30);
    put_all(&client, &items).await;
    let rules = once_each(&proxy, "BatchGetItem", &table, transient_faults()).await;
    let found = within(stored(&client, &items)).await;
    assert_eq!(found, items);
    for rule in rules {
        assert_eq!(rule.hits().await.hits, 1);
    }
}

/// Persistent throttling: after the cap the reads come back as typed unprocessed keys.
async fn persistent_throttling_returns_the_keys(server: Server) {
    let (client, proxy, table) = setup(server, quick(3)).await;
    let rule = arm(&proxy, "BatchGetItem", &table, Action::throttle(), -1).await;
    let got = within(client.batch_get([key("a"), key("b")]))
        .await
        .unwrap();
    let mut left: Vec<String> = got.unprocessed.iter().map(|k| k.order_id.clone()).collect();
    left.sort();
    assert_eq!(left, ["a", "b"]);
    assert!(got.items.is_empty() && got.unprocessed_raw.is_empty());
    assert_eq!(rule.hits().await.hits, 3);
}

/// Answers every `operation` request naming `table` with HTTP 200 and `body`, forwarding
/// nothing.
async fn answer_always(
    proxy: &FaultProxy,
    operation: &str,
    table: &str,
    body: &serde_json::Value,
) -> FaultRule {
    let answer = Action::Status {
        status: 200,
        body: Some(body.to_string()),
    };
    arm(proxy, operation, table, answer, -1).await
}

/// Leftovers the server returns in a form that matches none of the requests sent (a put of
/// another key, a delete key that is not an `OrderKey`) are kept, raw, and never dropped: the
/// proxy answers every attempt with them (HTTP 200, nothing forwarded).
async fn unmatched_leftovers_are_returned_raw(server: Server) {
    let (client, proxy, table) = setup(server, quick(3)).await;
    let ghost_put =
        json!({"PutRequest": {"Item": {"order_id": {"S": "ghost"}, "customer_id": {"S": "c"}}}});
    let bad_delete = json!({"DeleteRequest": {"Key": {"order_id": {"N": "1"}}}});
    let body = json!({"UnprocessedItems": {table.clone(): [ghost_put, bad_delete]}});
    let rule = answer_always(&proxy, "BatchWriteItem", &table, &body).await;
    let written = within(client.batch_write(BatchWrite::new().put(order("sent", "c", 1))))
        .await
        .unwrap();
    assert!(!written.is_complete(), "{written:?}");
    assert!(written.unprocessed_puts.is_empty() && written.unprocessed_deletes.is_empty());
    let raw: Vec<_> = written.unprocessed_raw.iter().collect();
    assert_eq!(raw.len(), 2, "{written:?}");
    let put = raw[0].put_request.as_ref().expect("the put comes back");
    assert_eq!(put.item["order_id"].as_s().unwrap(), "ghost");
    let delete = raw[1]
        .delete_request
        .as_ref()
        .expect("the delete comes back");
    assert_eq!(delete.key["order_id"].as_n().unwrap(), "1");
    assert_eq!(rule.hits().await.hits, 3);
    rule.remove().await;

    let body = json!({"UnprocessedKeys": {table.clone(): {"Keys": [{"order_id": {"N": "1"}}]}}});
    let rule = answer_always(&proxy, "BatchGetItem", &table, &body).await;
    let got = within(client.batch_get([key("sent")])).await.unwrap();
    assert!(got.items.is_empty() && got.unprocessed.is_empty());
    assert_eq!(got.unprocessed_raw.len(), 1, "{got:?}");
    assert_eq!(got.unprocessed_raw[0]["order_id"].as_n().unwrap(), "1");
    assert_eq!(rule.hits().await.hits, 3);
}

on_both_servers!(
    unmatched_leftovers_are_returned_raw,
    batch_write_unprocessed_then_written,
    batch_get_unprocessed_then_read,
    persistent_unprocessed_stops_at_the_cap,
    throttled_5xx_and_dropped_batch_writes_are_retried,
    throttled_and_5xx_batch_gets_are_retried,
    persistent_throttling_returns_the_keys,
    unprocessed_borrowed_puts_come_back_as_references,
);

/// dynamate does not retry transactions itself (the docs promise none; the SDK's attempts
/// apply): a throttled transaction is `Error::Throttled` and a cancellation whose reasons are
/// `ThrottlingError` is `TransactionCanceled` with those reasons; nothing is written.
#[tokio::test]
async fn throttled_transactions_fail_typed_and_write_nothing() {
    let (client, proxy, table) = setup(Server::Moto, quick(3)).await;
    let first = order("tx-1", "c", 1);
    let rule = arm(&proxy, "TransactWriteItems", &table, Action::throttle(), 1).await;
    let throttled = client.transact_write().put(&first).await;
    assert!(
        matches!(throttled, Err(Error::Throttled { .. })),
        "{throttled:?}"
    );
    assert_eq!(rule.hits().await.hits, 1);

    let body = json!({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "message": "Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError]",
        "CancellationReasons": [{"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity for one or more global secondary indexes."}],
    });
    let rule = arm(
        &proxy,
        "TransactWriteItems",
        &table,
        Action::Status {
            status: 400,
            body: Some(body.to_string()),
        },
        1,
    )
    .await;
    let canceled = client.transact_write().put(&first).await;
    match canceled {
        Err(Error::TransactionCanceled { reasons, .. }) => {
            assert_eq!(reasons.len(), 1);
            assert_eq!(reasons[0].code.as_deref(), Some("ThrottlingError"));
        }
        other => panic!("expected TransactionCanceled, got {other:?}"),
    }
    assert_eq!(rule.hits().await.hits, 1);
    assert_eq!(Order::get(&client, &key("tx-1")).await.unwrap(), None);
    client.transact_write().put(&first).await.unwrap();
    assert_eq!(
        Order::get(&client, &key("tx-1")).await.unwrap(),
        Some(first)
    );
}
