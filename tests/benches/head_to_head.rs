//! The Rust half of the head-to-head benchmark (docs/benchmarks.md): dynamate and hand-written
//! aws-sdk-dynamodb code doing the same work against one local moto server, plus dynamate's
//! bulk runs (batch write of many items, streaming a large query) for peak memory.
//!
//! Not run by hand: `scripts/bench.sh` starts moto, creates the tables, runs this program once
//! per system and round (so nothing else runs in the process while it is measured) next to the
//! Python drivers, and prints the table. Each mode takes one JSON argument and prints one JSON
//! line per result:
//!
//! ```text
//! head_to_head workloads '{"system":"dynamate","endpoint":"http://127.0.0.1:PORT","prefix":"t-",...}'
//! head_to_head batch-scale '{"endpoint":...,"prefix":...,"items":100000}'
//! head_to_head query-scale '{"endpoint":...,"prefix":...,"items":10000}'
//! ```
//!
//! Client CPU is `getrusage(RUSAGE_SELF)` user + system time around each workload.

#[path = "common/event.rs"]
mod common_event;

use std::future::Future;
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use common_event::{event, hand_from_item, hand_to_item};
use dynamate_tests::{Event, EventKey};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::Deserialize;

/// What the orchestrator passes: where to run and how much work each workload does.
#[derive(Debug, Deserialize)]
struct Settings {
    /// `dynamate` or `aws-sdk` (workloads mode only).
    #[serde(default)]
    system: String,
    endpoint: String,
    /// Table-name prefix; the table is `{prefix}events`, created by the orchestrator.
    prefix: String,
    /// Items saved one at a time, then read back one at a time.
    #[serde(default)]
    save: usize,
    /// Items batch-written into the partition the query then reads.
    #[serde(default)]
    batch: usize,
    /// Items per Query page.
    #[serde(default)]
    page: u32,
    /// Times the query reads the whole partition.
    #[serde(default)]
    query_repeats: usize,
    /// Concurrent tasks of the concurrent workload.
    #[serde(default)]
    workers: usize,
    /// Items each concurrent task saves and reads back.
    #[serde(default)]
    per_worker: usize,
    /// Items of a bulk run.
    #[serde(default)]
    items: usize,
    /// Runs only these workloads (all when empty), to profile one: `"only":["save"]`.
    #[serde(default)]
    only: Vec<String>,
    /// A current-thread tokio runtime instead of the multi-thread one (one worker per core),
    /// to see what cross-thread wake-ups cost.
    #[serde(default)]
    current_thread: bool,
}

impl Settings {
    fn runs(&self, workload: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|w| w == workload)
    }
}

/// Partition keys: one per workload, so each reads back only what it wrote.
const SAVE_USER: &str = "save-user";
const QUERY_USER: &str = "query-user";
const BULK_USER: &str = "bulk-user";
const WARM_USER: &str = "warm-user";

/// dynamate's retries and timeouts when it loads the configuration (runtime/src/io/client.rs),
/// which the hand-written client copies.
const MAX_ATTEMPTS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// Writes per `BatchWriteItem`, chunks in flight and attempts per chunk: dynamate's batch
/// defaults (runtime/src/io/batch.rs, `RetryPolicy::default`), for the hand-written code.
const WRITE_CHUNK: usize = dynamate::io::batch::WRITE_CHUNK;
const CHUNKS_IN_FLIGHT: usize = dynamate::io::batch::DEFAULT_IN_FLIGHT;
const CHUNK_ATTEMPTS: u32 = 8;

/// The operations every workload is made of, by each system.
trait Store: Clone + Send + Sync + 'static {
    /// Puts `event` (one PutItem).
    fn save(&self, event: Event) -> impl Future<Output = ()> + Send;
    /// Reads one event (one GetItem), decoded.
    fn get(&self, user_id: &str, event_id: &str) -> impl Future<Output = Option<Event>> + Send;
    /// Writes every event with BatchWriteItem; returns how many stayed unwritten.
    fn batch_write(
        &self,
        events: impl Iterator<Item = Event> + Send + 'static,
    ) -> impl Future<Output = usize> + Send;
    /// Reads and decodes the whole partition, `page` items per Query; returns the items read.
    fn query(&self, user_id: &str, page: u32) -> impl Future<Output = usize> + Send;
}

/// dynamate: the generated model and `dynamate::Client`.
#[derive(Clone)]
struct Dynamate(dynamate::Client);

/// The dynamate batch write: one call, so a new bulk API replaces exactly this line.
async fn dynamate_batch_write(
    client: &dynamate::Client,
    events: impl Iterator<Item = Event> + Send + 'static,
) -> usize {
    // Streamed: the iterator is read one chunk at a time as the in-flight window frees up.
    let output = client.batch_put(events).await.expect("batch write");
    output.unprocessed() as usize
}

/// The dynamate query of one partition as a stream of decoded events, fetched page by page
/// (`page` items per request, DynamoDB's 1 MB pages when `None`).
fn dynamate_query(
    client: &dynamate::Client,
    user_id: &str,
    page: Option<u32>,
) -> BoxStream<'static, Result<Event, dynamate::Error>> {
    let query = client.query(Event::USER_ID.eq(user_id));
    match page {
        Some(size) => query.page_size(size).stream(),
        None => query.stream(),
    }
}

/// Counts a stream's items, panicking on the first error.
async fn count_items<T, E: std::fmt::Display>(stream: BoxStream<'_, Result<T, E>>) -> usize {
    stream
        .try_fold(0, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap_or_else(|e| panic!("query: {e}"))
}

impl Store for Dynamate {
    async fn save(&self, mut event: Event) {
        self.0.save(&mut event).await.expect("save");
    }

    async fn get(&self, user_id: &str, event_id: &str) -> Option<Event> {
        let key = EventKey {
            user_id: user_id.into(),
            event_id: event_id.into(),
        };
        self.0.get(&key).await.expect("get")
    }

    async fn batch_write(&self, events: impl Iterator<Item = Event> + Send + 'static) -> usize {
        dynamate_batch_write(&self.0, events).await
    }

    async fn query(&self, user_id: &str, page: u32) -> usize {
        count_items(dynamate_query(&self.0, user_id, Some(page))).await
    }
}

/// Hand-written aws-sdk-dynamodb code: the same requests, items built and read by hand.
#[derive(Clone)]
struct Sdk {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

/// An SDK client configured as `dynamate::Client::builder()` configures its own: the same
/// behavior version, plain-HTTP client (dynamate's `https` feature is off in the tests crate),
/// retries and timeouts.
async fn sdk_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(BehaviorVersion::v2026_01_12())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

impl Sdk {
    /// Sends one chunk until nothing is unprocessed or the attempts run out, backing off as
    /// dynamate's default policy does (50 ms doubling); returns what stayed unwritten.
    async fn write_chunk(&self, mut chunk: Vec<WriteRequest>) -> usize {
        let mut delay = Duration::from_millis(50);
        for attempt in 1..=CHUNK_ATTEMPTS {
            let output = self
                .client
                .batch_write_item()
                .request_items(&self.table, chunk)
                .send()
                .await
                .expect("batch write");
            chunk = output
                .unprocessed_items
                .and_then(|mut left| left.remove(&self.table))
                .unwrap_or_default();
            if chunk.is_empty() || attempt == CHUNK_ATTEMPTS {
                break;
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        chunk.len()
    }
}

fn put_request(event: &Event) -> WriteRequest {
    let put = PutRequest::builder()
        .set_item(Some(hand_to_item(event)))
        .build()
        .expect("item is set");
    WriteRequest::builder().put_request(put).build()
}

impl Store for Sdk {
    async fn save(&self, event: Event) {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(hand_to_item(&event)))
            .send()
            .await
            .expect("put");
    }

    async fn get(&self, user_id: &str, event_id: &str) -> Option<Event> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("user_id", AttributeValue::S(user_id.into()))
            .key("event_id", AttributeValue::S(event_id.into()))
            .send()
            .await
            .expect("get");
        output
            .item
            .map(|item| hand_from_item(item).expect("decodes"))
    }

    async fn batch_write(&self, mut events: impl Iterator<Item = Event> + Send + 'static) -> usize {
        // Encoded chunk by chunk as the requests go out.
        let chunks = std::iter::from_fn(move || {
            let chunk: Vec<WriteRequest> = events
                .by_ref()
                .take(WRITE_CHUNK)
                .map(|e| put_request(&e))
                .collect();
            (!chunk.is_empty()).then_some(chunk)
        });
        stream::iter(chunks)
            .map(|chunk| self.write_chunk(chunk))
            .buffer_unordered(CHUNKS_IN_FLIGHT)
            .fold(0, |left, n| async move { left + n })
            .await
    }

    async fn query(&self, user_id: &str, page: u32) -> usize {
        let mut start = None;
        let mut items = 0;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#h = :h")
                .expression_attribute_names("#h", "user_id")
                .expression_attribute_values(":h", AttributeValue::S(user_id.into()))
                .limit(i32::try_from(page).expect("page size fits"))
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("query");
            for item in output.items.unwrap_or_default() {
                hand_from_item(item).expect("decodes");
                items += 1;
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }
}

/// User + system CPU time of this process so far.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// A `Vm*` figure of /proc/self/status in KiB (`VmHWM`: peak resident set size).
fn vm_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// Runs `work` (which returns its number of operations) and prints its CPU and wall time;
/// skips it when `settings` leaves `workload` out.
async fn measure(settings: &Settings, workload: &str, work: impl Future<Output = usize>) {
    if !settings.runs(workload) {
        return;
    }
    let (cpu, wall) = (cpu_time(), Instant::now());
    let ops = work.await;
    let (cpu, wall) = (cpu_time() - cpu, wall.elapsed());
    let line = serde_json::json!({
        "workload": workload,
        "ops": ops,
        "cpu_s": cpu.as_secs_f64(),
        "wall_s": wall.as_secs_f64(),
    });
    println!("{line}");
}

fn event_id(i: usize) -> String {
    format!("evt-{i:07}")
}

/// Every workload, in the order the Python drivers run them.
async fn workloads<S: Store>(store: S, settings: &Settings) {
    warm_up(&store).await;
    measure(settings, "save", async {
        for i in 0..settings.save {
            store.save(event(SAVE_USER, event_id(i))).await;
        }
        settings.save
    })
    .await;
    measure(settings, "get", async {
        for i in 0..settings.save {
            assert!(store.get(SAVE_USER, &event_id(i)).await.is_some());
        }
        settings.save
    })
    .await;
    measure(settings, "batch_write", async {
        let events = (0..settings.batch).map(|i| event(QUERY_USER, event_id(i)));
        assert_eq!(store.batch_write(events).await, 0, "every item written");
        settings.batch
    })
    .await;
    measure(settings, "query_page", async {
        for _ in 0..settings.query_repeats {
            assert_eq!(store.query(QUERY_USER, settings.page).await, settings.batch);
        }
        settings.query_repeats * settings.batch.div_ceil(settings.page as usize)
    })
    .await;
    measure(settings, "concurrent", concurrent(&store, settings)).await;
}

/// Requests that warm the connection pool, credentials and lazy state up before measuring.
async fn warm_up<S: Store>(store: &S) {
    for i in 0..20 {
        store.save(event(WARM_USER, event_id(i))).await;
        assert!(store.get(WARM_USER, &event_id(i)).await.is_some());
    }
    let events = (100..150).map(|i| event(WARM_USER, event_id(i)));
    assert_eq!(store.batch_write(events).await, 0);
    assert_eq!(store.query(WARM_USER, 25).await, 70);
}

/// `workers` tasks, each saving and reading back `per_worker` events of its own partition;
/// returns the requests made.
async fn concurrent<S: Store>(store: &S, settings: &Settings) -> usize {
    let per_worker = settings.per_worker;
    let tasks: Vec<_> = (0..settings.workers)
        .map(|worker| {
            let store = store.clone();
            tokio::spawn(async move {
                let user = format!("worker-{worker}");
                for i in 0..per_worker {
                    store.save(event(&user, event_id(i))).await;
                    assert!(store.get(&user, &event_id(i)).await.is_some());
                }
            })
        })
        .collect();
    for task in tasks {
        tokio::time::timeout(OPERATION_TIMEOUT, task)
            .await
            .expect("worker finishes in time")
            .expect("worker succeeds");
    }
    settings.workers * per_worker * 2
}

/// A dynamate client against the orchestrator's table, with the builder's default retries and
/// timeouts (the ones `sdk_client` copies).
async fn dynamate_client(settings: &Settings) -> dynamate::Client {
    dynamate::Client::builder()
        .endpoint_url(&settings.endpoint)
        .region("us-east-1")
        .table_prefix(&settings.prefix)
        .build()
        .await
}

/// Batch-writes `items` events into one partition, then counts the table back (Scan with
/// `Select=COUNT`, paginated); prints time, CPU, peak RSS and the counts.
async fn batch_scale(settings: &Settings) {
    let client = dynamate_client(settings).await;
    let baseline = vm_kib("VmRSS");
    let (cpu, wall) = (cpu_time(), Instant::now());
    let events = (0..settings.items).map(|i| event(BULK_USER, event_id(i)));
    let unprocessed = dynamate_batch_write(&client, events).await;
    let (cpu, wall) = (cpu_time() - cpu, wall.elapsed());
    let peak = vm_kib("VmHWM");
    let counted = client.scan::<Event>().count().await.expect("count");
    let line = serde_json::json!({
        "mode": "batch-scale",
        "items": settings.items,
        "unprocessed": unprocessed,
        "counted": counted,
        "wall_s": wall.as_secs_f64(),
        "cpu_s": cpu.as_secs_f64(),
        "baseline_rss_kib": baseline,
        "peak_rss_kib": peak,
    });
    println!("{line}");
}

/// Streams the query of the partition `batch-scale` filled, decoding every item; prints the
/// items read, time and peak RSS.
async fn query_scale(settings: &Settings) {
    let client = dynamate_client(settings).await;
    let baseline = vm_kib("VmRSS");
    let wall = Instant::now();
    let items = count_items(dynamate_query(&client, BULK_USER, None)).await;
    let line = serde_json::json!({
        "mode": "query-scale",
        "items": items,
        "wall_s": wall.elapsed().as_secs_f64(),
        "baseline_rss_kib": baseline,
        "peak_rss_kib": vm_kib("VmHWM"),
    });
    println!("{line}");
}

async fn run(mode: &str, settings: Settings) {
    match (mode, settings.system.as_str()) {
        ("workloads", "dynamate") => {
            workloads(Dynamate(dynamate_client(&settings).await), &settings).await
        }
        ("workloads", "aws-sdk") => {
            let store = Sdk {
                client: sdk_client(&settings.endpoint).await,
                table: format!("{}events", settings.prefix),
            };
            workloads(store, &settings).await;
        }
        ("batch-scale", _) => batch_scale(&settings).await,
        ("query-scale", _) => query_scale(&settings).await,
        (mode, system) => panic!("unknown mode {mode:?} or system {system:?}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, settings] = args.as_slice() else {
        // `cargo bench` and `cargo test --benches` run every bench; this one needs the
        // orchestrator's server and tables.
        eprintln!("head_to_head: run through scripts/bench.sh (see docs/benchmarks.md)");
        return;
    };
    let settings: Settings = serde_json::from_str(settings).expect("settings are JSON");
    let mut runtime = if settings.current_thread {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    runtime
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run(mode, settings));
}
