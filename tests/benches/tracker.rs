//! Status tracker throughput against the local moto server: tasks completed per second through
//! `run` by concurrent workers, and DynamoDB requests per task (counted by an SDK interceptor):
//! on the happy path, when the first attempt fails and is retried, and when a crashed worker's
//! expired lease is reclaimed.
//!
//! ```text
//! scripts/servers.sh run -- cargo bench -p dynamate-tests --bench tracker
//! ```
//!
//! Prints one line per scenario; figures are recorded in docs/benchmarks.md.

#[path = "common/request_counter.rs"]
mod request_counter;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dynamate::io::tracker::{RunError, RunOptions, Tracker};
use dynamate_tests::Ingest;
use dynamate_tests::support::{Server, builder, unique_name};
use request_counter::RequestCounter;

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

/// What the work does on a task's first attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstAttempt {
    Succeeds,
    /// Fails; the worker runs the task again at once.
    Fails,
    /// Crashed before the measured phase (short lease, expired): the run reclaims it.
    Crashed,
}

/// Runs every task through `Ingest::run` with `workers` concurrent workers until it succeeds;
/// returns the elapsed time.
async fn run_all(client: &dynamate::Client, ids: Arc<Vec<String>>, workers: usize) -> Duration {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (client, ids, next) = (client.clone(), Arc::clone(&ids), Arc::clone(&next));
            tokio::spawn(async move {
                while let Some(id) = ids.get(next.fetch_add(1, Ordering::Relaxed)) {
                    while !run_once(&client, id).await {}
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("worker finishes");
    }
    started.elapsed()
}

/// One run; the work fails on a task's first attempt when its data says so. Returns whether the
/// task succeeded.
async fn run_once(client: &dynamate::Client, id: &str) -> bool {
    let outcome = Ingest::run(client, id, |ctx| async move {
        if ctx.data()["fail_first"] == true && ctx.task().retries == 0 {
            return Err(std::io::Error::other("first attempt fails"));
        }
        Ok(ctx.epoch())
    })
    .await;
    match outcome {
        Ok(_) => true,
        Err(RunError::Task { .. }) => false,
        Err(other) => panic!("run of {id}: {other}"),
    }
}

/// Leaves `id` `in_progress` with an expired lease, as a crashed worker does.
async fn crash(client: &dynamate::Client, id: &str) {
    let options = RunOptions::new().lease(Duration::from_millis(1));
    let (started, begun) = tokio::sync::oneshot::channel();
    let run = Ingest::run_with(client, id, options, |_| async move {
        started.send(()).expect("bench is waiting");
        std::future::pending::<Result<(), std::io::Error>>().await
    });
    tokio::select! {
        _ = run => panic!("the crashing run of {id} ended"),
        _ = begun => {}
    }
}

async fn scenario(
    client: &dynamate::Client,
    counter: &RequestCounter,
    workers: usize,
    tasks: usize,
    first: FirstAttempt,
) {
    let prefix = unique_name("bench");
    let ids: Vec<String> = (0..tasks).map(|i| format!("{prefix}-{i}")).collect();
    for id in &ids {
        let data = serde_json::json!({ "fail_first": first == FirstAttempt::Fails });
        Ingest::create(client, id, data).await.expect("create");
        if first == FirstAttempt::Crashed {
            crash(client, id).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(10)).await; // let the last 1 ms lease expire
    let before = counter.count();
    let elapsed = run_all(client, Arc::new(ids), workers).await;
    let requests = counter.count() - before;
    println!(
        "tracker run, first attempt {first:?}, {workers} worker(s), {tasks} tasks: {:.0} tasks/s ({:.2} ms per task per worker), {:.2} DynamoDB requests per task",
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
        scenario(&client, &counter, 1, 200, FirstAttempt::Succeeds).await; // warm-up
        scenario(&client, &counter, 1, 500, FirstAttempt::Succeeds).await;
        scenario(&client, &counter, 8, 1000, FirstAttempt::Succeeds).await;
        scenario(&client, &counter, 8, 1000, FirstAttempt::Succeeds).await;
        scenario(&client, &counter, 8, 500, FirstAttempt::Fails).await;
        scenario(&client, &counter, 8, 500, FirstAttempt::Crashed).await;
    });
}
