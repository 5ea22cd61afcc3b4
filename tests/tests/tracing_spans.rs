//! The `tracing` spans of operations, against moto: a subscriber with a collecting layer records
//! every `dynamate` span, its fields and its nearest `dynamate` parent, and the tests assert the
//! OpenTelemetry attributes of a save, a query page, a batch write, a failed conditional write,
//! offload transfers and a tracker run, and the consumed capacity operations return when asked.

mod offload_common;
mod tracker_common;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use dynamate::io::batch::BatchWrite;
use dynamate::io::tracker::Tracker;
use dynamate::{CapacityDetail, Client, Error, ModelExt};
use dynamate_tests::fixtures::{order, with_table};
use dynamate_tests::support::Server;
use dynamate_tests::{Ingest, Order, OrderKey, Url, UrlKey};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One recorded span.
#[derive(Debug, Clone)]
struct Recorded {
    id: u64,
    name: &'static str,
    /// Index of the nearest `dynamate` ancestor in the collector.
    parent: Option<usize>,
    fields: BTreeMap<String, String>,
    closed: bool,
}

/// A layer keeping every span of target `dynamate` (span ids are reused after a span closes, so
/// lookups take the latest open span with an id).
#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<Recorded>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
}

fn open_index(spans: &[Recorded], id: u64) -> Option<usize> {
    spans.iter().rposition(|s| s.id == id && !s.closed)
}

impl<S> Layer<S> for Collector
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().target() != "dynamate" {
            return;
        }
        let parent_id = ctx.span(id).and_then(|span| {
            span.scope()
                .skip(1)
                .find(|a| a.metadata().target() == "dynamate")
                .map(|a| a.id().into_u64())
        });
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut spans = self.0.lock().unwrap();
        let parent = parent_id.and_then(|p| open_index(&spans, p));
        spans.push(Recorded {
            id: id.into_u64(),
            name: attrs.metadata().name(),
            parent,
            fields,
            closed: false,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some(index) = open_index(&spans, id.into_u64()) {
            values.record(&mut Fields(&mut spans[index].fields));
        }
    }

    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some(index) = open_index(&spans, id.into_u64()) {
            spans[index].closed = true;
        }
    }
}

impl Collector {
    /// Installs the collector for this thread (tests run on a current-thread runtime).
    fn install() -> (Collector, tracing::subscriber::DefaultGuard) {
        let collector = Collector::default();
        let subscriber = tracing_subscriber::registry().with(collector.clone());
        let guard = tracing::subscriber::set_default(subscriber);
        (collector, guard)
    }

    fn spans(&self) -> Vec<Recorded> {
        self.0.lock().unwrap().clone()
    }

    /// Forgets what was recorded so far (setup requests).
    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    /// The spans named `name`, with their indexes.
    fn named(&self, name: &str) -> Vec<(usize, Recorded)> {
        self.spans()
            .into_iter()
            .enumerate()
            .filter(|(_, s)| s.name == name)
            .collect()
    }

    /// The one span named `name`.
    fn only(&self, name: &str) -> (usize, Recorded) {
        let mut found = self.named(name);
        assert_eq!(found.len(), 1, "spans named {name}: {:#?}", self.spans());
        found.remove(0)
    }

    /// The children of the span at `parent`.
    fn children(&self, parent: usize) -> Vec<Recorded> {
        self.spans()
            .into_iter()
            .filter(|s| s.parent == Some(parent))
            .collect()
    }
}

impl Recorded {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    fn assert_field(&self, name: &str, expected: &str) {
        assert_eq!(self.field(name), Some(expected), "{name} of {self:#?}");
    }

    /// The attributes every DynamoDB operation span has.
    fn assert_db(&self, operation: &str, table: &str) {
        assert_eq!(self.name, operation);
        self.assert_field("db.system.name", "aws.dynamodb");
        self.assert_field("db.operation.name", operation);
        self.assert_field("db.collection.name", table);
        self.assert_field("otel.name", &format!("{operation} {table}"));
        self.assert_field("otel.kind", "client");
        self.assert_field("cloud.region", "us-east-1");
        assert!(
            self.field("aws.request_id")
                .is_some_and(|id| !id.is_empty()),
            "request id of {self:#?}"
        );
    }

    fn capacity_units(&self) -> f64 {
        let json = self
            .field("aws.dynamodb.consumed_capacity")
            .unwrap_or_else(|| panic!("no consumed capacity on {self:#?}"));
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        value["CapacityUnits"].as_f64().unwrap()
    }
}

#[tokio::test]
async fn save_query_page_and_batch_write() {
    let (spans, _guard) = Collector::install();
    let client = with_table::<Order>(Server::Moto).await;
    let table = client.table_name::<Order>();
    spans.clear();

    let mut first = order("o-1", "alice", 1);
    first.save(&client).await.unwrap();
    let (_, save) = spans.only("PutItem");
    save.assert_db("PutItem", &table);
    assert_eq!(save.field("error.type"), None);
    assert_eq!(save.field("aws.dynamodb.consumed_capacity"), None);

    spans.clear();
    let writes = (2..32).map(|n| order(&format!("o-{n}"), "alice", n));
    let written = client
        .batch_write(BatchWrite::new().put_all(writes))
        .consumed_capacity(CapacityDetail::Total)
        .await
        .unwrap();
    assert!(written.value.is_complete());
    // 30 puts are two requests; moto reports 1 unit per request and table.
    let consumed = written.consumed_capacity.expect("consumed capacity");
    assert_eq!(consumed.capacity_units, 2.0);
    let (_, batch) = spans.only("BatchWriteItem");
    batch.assert_db("BatchWriteItem", &table);
    assert_eq!(batch.capacity_units(), 2.0);

    spans.clear();
    let page = client
        .query(Order::BY_CUSTOMER.key("alice"))
        .page_size(10)
        .consumed_capacity(CapacityDetail::Total)
        .page()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 10);
    assert!(page.next.is_some());
    let consumed = page.consumed_capacity.expect("consumed capacity");
    assert!(consumed.capacity_units > 0.0, "{consumed:?}");
    let (_, query) = spans.only("Query");
    query.assert_db("Query", &table);
    query.assert_field("aws.dynamodb.index_name", "by_customer");
    query.assert_field("db.response.returned_rows", "10");
    assert_eq!(query.capacity_units(), consumed.capacity_units);
}

#[tokio::test]
async fn single_item_operations_return_consumed_capacity() {
    let (spans, _guard) = Collector::install();
    let client = with_table::<Order>(Server::Moto).await;
    let mut item = order("o-1", "bob", 1);
    let saved = item
        .save(&client)
        .consumed_capacity(CapacityDetail::Total)
        .await
        .unwrap();
    assert!(saved.consumed_capacity.expect("put").capacity_units > 0.0);
    let key = OrderKey {
        order_id: "o-1".into(),
    };
    let read = Order::get(&client, &key)
        .consumed_capacity(CapacityDetail::Indexes)
        .await
        .unwrap();
    assert_eq!(read.value.as_ref(), Some(&item));
    assert!(read.consumed_capacity.expect("get").capacity_units > 0.0);
    let (_, get) = spans.only("GetItem");
    get.assert_db("GetItem", &client.table_name::<Order>());
    get.assert_field("db.response.returned_rows", "1");
    assert!(get.capacity_units() > 0.0);
    // Without the option nothing is asked for, and the output is the plain value.
    let plain: Option<Order> = client.get(&key).await.unwrap();
    assert_eq!(plain, Some(item));
}

#[tokio::test]
async fn a_failed_conditional_write_records_the_error_type() {
    let (spans, _guard) = Collector::install();
    let client = with_table::<Order>(Server::Moto).await;
    let mut item = order("o-1", "carol", 1);
    item.create(&client).await.unwrap();
    spans.clear();
    let again = item.create(&client).await;
    assert!(
        matches!(again, Err(Error::ConditionFailed { .. })),
        "{again:?}"
    );
    let (_, put) = spans.only("PutItem");
    put.assert_db("PutItem", &client.table_name::<Order>());
    put.assert_field("error.type", "ConditionalCheckFailedException");
    put.assert_field("otel.status_code", "error");

    // A client-side failure names dynamate's error case.
    spans.clear();
    let invalid = client
        .query(Order::BY_CUSTOMER.key("carol"))
        .consistent_read()
        .page()
        .await;
    assert!(
        matches!(invalid, Err(Error::InvalidRequest { .. })),
        "{invalid:?}"
    );
    assert!(
        spans.named("Query").is_empty(),
        "rejected before any request"
    );
}

#[tokio::test]
async fn offload_uploads_and_fetches_are_child_spans() {
    let (spans, _guard) = Collector::install();
    let (client, bucket) = offload_common::client_with_bucket().await;
    client.create_table::<Url>().await.unwrap();
    let table = client.table_name::<Url>();
    spans.clear();

    let html = "<html>traced</html>\n".repeat(100);
    let mut url = Url {
        url: "https://example.com/traced".into(),
        html: html.clone(),
        content: b"traced bytes".to_vec(),
    };
    url.save(&client).await.unwrap();
    let (put_index, put) = spans.only("PutItem");
    put.assert_db("PutItem", &table);
    let mut uploads = spans.children(put_index);
    uploads.sort_by(|a, b| {
        a.field("dynamate.offload.attribute")
            .cmp(&b.field("dynamate.offload.attribute"))
    });
    assert_eq!(uploads.len(), 2, "{uploads:#?}");
    let attributes: Vec<_> = uploads
        .iter()
        .map(|u| u.field("dynamate.offload.attribute").unwrap())
        .collect();
    assert_eq!(attributes, ["content", "html"]);
    for upload in &uploads {
        assert_eq!(upload.name, "offload.upload");
        upload.assert_field("aws.s3.bucket", &bucket);
        upload.assert_field("dynamate.offload.created", "true");
        assert!(upload.field("aws.s3.key").is_some());
    }
    uploads[0].assert_field("dynamate.offload.size", "12");

    // The same values again: the objects exist (deduplicated).
    spans.clear();
    url.save(&client).await.unwrap();
    let (put_index, _) = spans.only("PutItem");
    let again = spans.children(put_index);
    assert_eq!(again.len(), 2);
    for upload in &again {
        upload.assert_field("dynamate.offload.created", "false");
    }

    spans.clear();
    let key = UrlKey {
        url: url.url.clone(),
    };
    let read = Url::get(&client, &key).await.unwrap().unwrap();
    assert_eq!(read.html, html);
    let (get_index, get) = spans.only("GetItem");
    get.assert_db("GetItem", &table);
    let fetches = spans.children(get_index);
    assert_eq!(fetches.len(), 2, "{fetches:#?}");
    for fetch in &fetches {
        assert_eq!(fetch.name, "offload.fetch");
        fetch.assert_field("aws.s3.bucket", &bucket);
        assert_eq!(fetch.field("error.type"), None);
    }
}

#[tokio::test]
async fn a_tracker_run_traces_its_transitions() {
    let (spans, _guard) = Collector::install();
    let client: Client = tracker_common::setup().await;
    Ingest::create(&client, "t-1", serde_json::json!({ "url": "a" }))
        .await
        .unwrap();
    let table = client.resolve_table_name(Ingest::CONFIG.table_name);
    spans.clear();

    let output = Ingest::run(&client, "t-1", |ctx| async move {
        Ok::<_, tracker_common::Boom>(format!("done at epoch {}", ctx.epoch()))
    })
    .await
    .unwrap();
    assert_eq!(output, "done at epoch 1");
    let (run_index, run) = spans.only("tracker.run");
    run.assert_field("dynamate.tracker.use_case", "ingest");
    run.assert_field("dynamate.tracker.task_id", "t-1");
    run.assert_field("dynamate.tracker.epoch", "1");
    run.assert_field("dynamate.tracker.outcome", "succeeded");
    assert_eq!(run.parent, None);

    let transitions = spans.children(run_index);
    let steps: Vec<_> = transitions
        .iter()
        .map(|t| {
            assert_eq!(t.name, "tracker.transition");
            t.assert_field("dynamate.tracker.task_id", "t-1");
            t.assert_field("dynamate.tracker.epoch", "1");
            t.assert_field("dynamate.tracker.outcome", "applied");
            (
                t.field("dynamate.tracker.status.from").unwrap(),
                t.field("dynamate.tracker.status.to").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("pending|failed", "in_progress"),
            ("in_progress", "succeeded")
        ]
    );
    // Each transition is one conditional UpdateItem.
    for (index, _) in spans.named("tracker.transition") {
        let updates = spans.children(index);
        assert_eq!(updates.len(), 1, "{updates:#?}");
        updates[0].assert_db("UpdateItem", &table);
    }

    // A second run is refused by the lease condition: the rejection is on both spans.
    spans.clear();
    let refused = Ingest::run(&client, "t-1", |_| async {
        Ok::<_, tracker_common::Boom>(())
    })
    .await;
    assert!(refused.is_err());
    let (index, transition) = spans.only("tracker.transition");
    transition.assert_field("dynamate.tracker.outcome", "rejected");
    let update = &spans.children(index)[0];
    update.assert_field("error.type", "ConditionalCheckFailedException");
    spans
        .only("tracker.run")
        .1
        .assert_field("dynamate.tracker.outcome", "not_started");
}

#[tokio::test]
async fn without_a_subscriber_operations_run_as_before() {
    let client = with_table::<Order>(Server::Moto).await;
    let mut item = order("o-1", "dave", 1);
    item.save(&client).await.unwrap();
    let measured = client
        .query(Order::BY_CUSTOMER.key("dave"))
        .consumed_capacity(CapacityDetail::Total)
        .page()
        .await
        .unwrap();
    assert_eq!(measured.items, [item]);
    assert!(measured.consumed_capacity.is_some());
}
