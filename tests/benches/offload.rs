//! S3 offload against local moto: S3 requests per save, and save/get throughput of 100 items
//! with two 200 KB offloaded attributes each, with concurrent requests vs one at a time, side by
//! side in one run. Prints a table; not a timed test.
//!
//! Run (from the repository root): `scripts/servers.sh run -- cargo bench -p dynamate-tests --bench offload`

#[path = "../tests/offload_common/mod.rs"]
mod offload_common;

#[path = "common/request_counter.rs"]
mod request_counter;

use std::time::{Duration, Instant};

use dynamate::io::offload::MAX_CONCURRENT_REQUESTS;
use dynamate::item::model::ItemWriter;
use dynamate::{Client, Model, TransformContext};
use dynamate_tests::support::{Server, builder};
use dynamate_tests::{Url, UrlKey};
use futures::{StreamExt, stream};
use offload_common::*;
use request_counter::RequestCounter;

const ITEMS: usize = 100;
const VALUE_LEN: usize = 200 * 1024;
const ROUNDS: usize = 3;

/// A client with its own bucket and table whose S3 requests are counted.
async fn counted_client() -> (Client, RequestCounter) {
    let (plain, bucket) = client_with_bucket().await;
    let counter = RequestCounter::default();
    let s3 = aws_sdk_s3::Client::from_conf(
        plain
            .s3()
            .config()
            .to_builder()
            .interceptor(counter.clone())
            .build(),
    );
    let client = builder(Server::Moto)
        .transforms(TransformContext::new().with_bucket_override("my-bucket", bucket))
        .operation_timeout(Duration::from_secs(120))
        .build_from_clients(plain.dynamodb().clone(), s3);
    create_table::<Url>(&client).await;
    (client, counter)
}

/// Distinct pseudo-random bytes per (round, item, attribute).
fn value(seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..VALUE_LEN)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b'a' + (state % 26) as u8
        })
        .collect()
}

fn pages(round: usize) -> Vec<Url> {
    (0..ITEMS)
        .map(|i| {
            let seed = (round * ITEMS + i) as u64 * 2;
            Url {
                url: format!("https://{i}.bench.example"),
                html: String::from_utf8(value(seed)).expect("ascii"),
                content: value(seed + 1),
            }
        })
        .collect()
}

async fn requests_per_save() {
    let (client, counter) = counted_client().await;
    let first = pages(1000).swap_remove(0);
    let stored = save(&client, &first).await.expect("save");
    let new = counter.take();
    let mut copy = first.clone();
    copy.url = "https://copy.bench.example".into();
    save(&client, &copy).await.expect("save copy");
    let dedup = counter.take();
    client
        .encode_item_replacing(&first, &stored)
        .await
        .expect("unchanged");
    let unchanged = counter.take();
    let changed = Url {
        html: "<html>changed</html>".into(),
        ..first.clone()
    };
    client
        .encode_item_replacing(&changed, &stored)
        .await
        .expect("one changed");
    let one_changed = counter.take();
    println!("## S3 requests per save (item with 2 offloaded attributes)\n");
    println!("| save | S3 requests |\n|---|---|");
    println!("| both values new | {new} |");
    println!("| both values already stored by another item (deduplicated) | {dedup} |");
    println!("| both values unchanged (`encode_item_replacing`) | {unchanged} |");
    println!("| one value changed, one unchanged (`encode_item_replacing`) | {one_changed} |\n");
}

/// Saves every page with at most `limit` requests in flight: all uploads, then all item writes.
async fn save_all(client: &Client, pages: &[Url], limit: usize) {
    let mut items = Vec::new();
    let mut uploads = Vec::new();
    for page in pages {
        let mut writer = ItemWriter::new(Url::SCHEMA, client.transforms());
        page.write_item(&mut writer).expect("encode");
        let (item, pending) = writer.into_parts();
        items.push(item);
        uploads.extend(pending);
    }
    client
        .object_store()
        .with_concurrency(limit)
        .upload(uploads)
        .await
        .expect("upload");
    stream::iter(items)
        .for_each_concurrent(limit, |item| put_raw::<Url>(client, item))
        .await;
}

/// Reads every page with at most `limit` items in flight, each fetching with `limit` requests.
async fn get_all(client: &Client, pages: &[Url], limit: usize) {
    stream::iter(pages)
        .for_each_concurrent(limit, |page| async move {
            let key = UrlKey {
                url: page.url.clone(),
            };
            let mut item = get_raw::<Url>(client, &key).await.expect("item");
            client
                .object_store()
                .with_concurrency(limit)
                .fetch(Url::SCHEMA, &mut item)
                .await
                .expect("fetch");
            let read = Url::from_item_with(item, client.transforms()).expect("decode");
            assert_eq!(&read, page);
        })
        .await;
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn throughput() {
    let (client, counter) = counted_client().await;
    let megabytes = (ITEMS * 2 * VALUE_LEN) as f64 / 1e6;
    println!(
        "## Throughput: {ITEMS} items x 2 offloaded attributes x 200 KiB ({megabytes:.1} MB)\n"
    );
    println!("median of {ROUNDS} rounds, new values every round\n");
    println!("| mode | save | save items/s | get | get items/s | S3 requests per save |");
    println!("|---|---|---|---|---|---|");
    for (name, limit) in [
        ("one at a time", 1),
        ("concurrent (16 in flight)", MAX_CONCURRENT_REQUESTS),
    ] {
        let (mut saves, mut gets) = (Vec::new(), Vec::new());
        let mut requests = 0;
        for round in 0..ROUNDS {
            let pages = pages(round * 10 + limit);
            counter.take();
            let started = Instant::now();
            save_all(&client, &pages, limit).await;
            saves.push(started.elapsed());
            requests = counter.take();
            let started = Instant::now();
            get_all(&client, &pages, limit).await;
            gets.push(started.elapsed());
        }
        let (save, get) = (median(saves), median(gets));
        println!(
            "| {name} | {:.2} s | {:.0} | {:.2} s | {:.0} | {:.1} |",
            save.as_secs_f64(),
            ITEMS as f64 / save.as_secs_f64(),
            get.as_secs_f64(),
            ITEMS as f64 / get.as_secs_f64(),
            requests as f64 / ITEMS as f64,
        );
    }
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and only checks
    // that this builds and runs quickly.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("offload bench: run with `cargo bench` to measure");
        return;
    }
    requests_per_save().await;
    throughput().await;
}
