//! Status tracker throughput against the local moto server: tasks completed per second through
//! `run` by concurrent workers, and DynamoDB requests per task (counted by an SDK interceptor).
//!
//! ```text
//! scripts/servers.sh run -- cargo bench -p dynamate-tests --bench tracker
//! ```
//!
//! Prints one line per scenario; figures are recorded in docs/benchmarks.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use dynamate::tracker::Tracker;
use dynamate_tests::Ingest;
use dynamate_tests::support::{Server, builder, unique_name};

/// Counts every HTTP request the DynamoDB client sends (retries included).
#[derive(Debug, Clone, Default)]
struct RequestCounter(Arc<AtomicU64>);

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// A client whose DynamoDB requests `counter` counts.
async fn counted_client(counter: &RequestCounter) -> dynamate::Client {
    let plain = builder(Server::Moto).max_attempts(3).build().await;
    let config = plain
        .dynamodb()
        .config()
        .to_builder()
        .interceptor(counter.clone())
        .build();
    dynamate::Client::from_clients(
        aws_sdk_dynamodb::Client::from_conf(config),
        plain.s3().clone(),
    )
}

/// Runs `tasks` tasks through `Ingest::run` with `workers` concurrent workers; returns the
/// elapsed time.
async fn run_all(client: &dynamate::Client, ids: Arc<Vec<String>>, workers: usize) -> Duration {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (client, ids, next) = (client.clone(), Arc::clone(&ids), Arc::clone(&next));
            tokio::spawn(async move {
                while let Some(id) = ids.get(next.fetch_add(1, Ordering::Relaxed)) {
                    Ingest::run(&client, id, |ctx| async move {
                        Ok::<_, std::io::Error>(ctx.epoch())
                    })
                    .await
                    .expect("task runs");
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("worker finishes");
    }
    started.elapsed()
}

async fn scenario(
    client: &dynamate::Client,
    counter: &RequestCounter,
    workers: usize,
    tasks: usize,
) {
    let prefix = unique_name("bench");
    let ids: Vec<String> = (0..tasks).map(|i| format!("{prefix}-{i}")).collect();
    for id in &ids {
        Ingest::create(client, id, serde_json::json!({ "n": id }))
            .await
            .expect("create");
    }
    let before = counter.0.load(Ordering::Relaxed);
    let elapsed = run_all(client, Arc::new(ids), workers).await;
    let requests = counter.0.load(Ordering::Relaxed) - before;
    println!(
        "tracker run, {workers} worker(s), {tasks} tasks: {:.0} tasks/s ({:.2} ms per task per worker), {:.2} DynamoDB requests per task",
        tasks as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 * workers as f64 / tasks as f64,
        requests as f64 / tasks as f64,
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benchmarks; there are no tests here.
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let counter = RequestCounter::default();
        let client = counted_client(&counter).await;
        Ingest::create_table(&client).await.expect("task table");
        scenario(&client, &counter, 1, 200).await; // warm-up and baseline
        scenario(&client, &counter, 1, 500).await;
        scenario(&client, &counter, 8, 1000).await;
        scenario(&client, &counter, 8, 1000).await;
    });
}
