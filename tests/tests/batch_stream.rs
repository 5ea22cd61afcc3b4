//! Streamed batches on moto and dynalite: the input is read only as the in-flight window frees
//! up (memory bounded by the window, not the input), borrowed items, two writes of one key in
//! one chunk landing in order, batch reads from a stream of keys, and deleting everything a
//! query or a parallel scan matches.

mod faults_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dynamate::io::batch::{BatchProgress, Write};
use dynamate::{Client, Model, ModelExt};
use dynamate_tests::fixtures::{order, order_key as key, orders, product, with_table};
use dynamate_tests::support::Server;
use dynamate_tests::{Order, Product, on_both_servers};
use faults_common::within;
use futures::{StreamExt, TryStreamExt, stream};

on_both_servers! {
    batch_put_reads_its_input_as_the_window_frees_up,
    borrowed_puts_and_streamed_deletes,
    two_puts_of_one_key_in_a_chunk_land_in_order,
    batch_get_from_a_stream_of_keys,
    query_and_scan_delete_all_stream_their_keys,
}

async fn stored(client: &Client) -> u64 {
    client
        .scan::<Order>()
        .consistent_read()
        .count()
        .await
        .unwrap()
}

/// 2,000 items from a lazy iterator with a window of 2 chunks: an item is produced only when
/// fewer than 2 chunks (50 writes) are between it and what has been reported written. A batch
/// that read its input up front would be 2,000 items ahead.
async fn batch_put_reads_its_input_as_the_window_frees_up(server: Server) {
    let client = with_table::<Order>(server).await;
    let (produced, reported, most_ahead) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let items = {
        let (produced, reported, most_ahead) = (
            Arc::clone(&produced),
            Arc::clone(&reported),
            Arc::clone(&most_ahead),
        );
        (0..2000).map(move |n| {
            let ahead =
                produced.fetch_add(1, Ordering::SeqCst) + 1 - reported.load(Ordering::SeqCst);
            most_ahead.fetch_max(ahead, Ordering::SeqCst);
            order(&format!("w-{n:04}"), "c", n)
        })
    };
    let last = Arc::new(std::sync::Mutex::new(BatchProgress::default()));
    let progress = {
        let (reported, last) = (Arc::clone(&reported), Arc::clone(&last));
        move |p: BatchProgress| {
            reported.store(p.written + p.unprocessed, Ordering::SeqCst);
            *last.lock().unwrap() = p;
        }
    };
    let written = within(client.batch_put(items).in_flight(2).on_progress(progress))
        .await
        .unwrap();
    assert!(written.is_complete(), "{:?}", written.unprocessed_raw);
    assert_eq!(written.written, 2000);
    let ahead = most_ahead.load(Ordering::SeqCst);
    assert!(
        (25..=50).contains(&ahead),
        "the input ran {ahead} items ahead of the writes; the window holds 50"
    );
    let last = *last.lock().unwrap();
    assert_eq!(
        last,
        BatchProgress {
            written: 2000,
            unprocessed: 0,
            chunks: 80
        }
    );
    assert_eq!(stored(&client).await, 2000, "every item counted back");
}

/// Puts of borrowed items (`&[Order]`), then deletes from a stream of keys.
async fn borrowed_puts_and_streamed_deletes(server: Server) {
    let client = with_table::<Order>(server).await;
    let items = orders("b", 60);
    let written = within(client.batch_put(&items)).await.unwrap();
    assert!(written.is_complete() && written.written == 60);
    assert_eq!(stored(&client).await, 60);
    let deletes = stream::iter(items.iter().step_by(2).map(|o| Write::Delete(o.key())));
    let deleted = within(client.batch_write_stream::<Order, &Order>(deletes))
        .await
        .unwrap();
    assert!(deleted.is_complete() && deleted.written == 30);
    assert_eq!(stored(&client).await, 30);
    assert_eq!(Order::get(&client, &key("b-000")).await.unwrap(), None);
    assert!(Order::get(&client, &key("b-001")).await.unwrap().is_some());
}

/// Two puts of one key within a chunk: sent in order, in separate requests (DynamoDB and
/// dynalite reject a duplicate key within one request); the later one is what is stored.
async fn two_puts_of_one_key_in_a_chunk_land_in_order(server: Server) {
    let client = with_table::<Order>(server).await;
    let puts = vec![
        order("same", "first", 1),
        order("other", "c", 2),
        order("same", "second", 3),
    ];
    let written = within(client.batch_put(puts)).await.unwrap();
    assert!(written.is_complete() && written.written == 3, "{written:?}");
    let same = Order::get(&client, &key("same")).await.unwrap().unwrap();
    assert_eq!(same.customer_id.as_deref(), Some("second"));
}

/// 251 keys from a stream (one missing, one repeated within its chunk): three chunks of up to
/// 100, each yielded as it is read.
async fn batch_get_from_a_stream_of_keys(server: Server) {
    let client = with_table::<Order>(server).await;
    let items = orders("g", 249);
    assert!(
        within(client.batch_put(&items))
            .await
            .unwrap()
            .is_complete()
    );
    let keys = items
        .iter()
        .map(|o| o.key())
        .chain([key("missing"), key("g-240")]);
    let chunks: Vec<_> = within(
        client
            .batch_get_stream(stream::iter(keys))
            .consistent_read()
            .stream()
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert_eq!(chunks.len(), 3, "chunks of 100, 100 and 51 keys");
    let mut found: Vec<Order> = chunks.into_iter().flat_map(|c| c.items).collect();
    found.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    assert_eq!(found, items);

    let all = within(client.batch_get_stream(stream::iter(items.iter().map(|o| o.key()))))
        .await
        .unwrap();
    assert!(all.is_complete());
    assert_eq!(all.items.len(), 249);
}

/// `delete_all` on a query deletes what it matches and nothing else; on a parallel scan, the
/// rest.
async fn query_and_scan_delete_all_stream_their_keys(server: Server) {
    let client = with_table::<Product>(server).await;
    let acme = (0..120).map(|n| product("acme", &format!("sku-{n:03}"), n));
    let other = (0..7).map(|n| product("other", &format!("sku-{n:03}"), n));
    let written = within(client.batch_put(acme.chain(other))).await.unwrap();
    assert!(written.is_complete());

    let deleted = within(
        client
            .query(Product::TENANT.eq("acme"))
            .page_size(50)
            .delete_all(),
    )
    .await
    .unwrap();
    assert!(deleted.is_complete());
    assert_eq!(deleted.written, 120);
    let count = |tenant: &'static str| {
        let client = client.clone();
        async move {
            client
                .query(Product::TENANT.eq(tenant))
                .consistent_read()
                .count()
                .await
                .unwrap()
        }
    };
    assert_eq!((count("acme").await, count("other").await), (0, 7));

    let deleted = within(client.scan::<Product>().segments(3).delete_all())
        .await
        .unwrap();
    assert_eq!((deleted.written, deleted.unprocessed()), (7, 0));
    let left = client.scan::<Product>().consistent_read().stream();
    assert_eq!(left.count().await, 0);
}
