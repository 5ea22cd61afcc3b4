//! Marshalling one realistic item (`Event`, schemas/bench.toml: strings, numbers, a bool, an
//! optional, a list, a string set, a map and a timestamp) to and from
//! `HashMap<String, AttributeValue>` three ways, side by side in one run:
//!
//! - `generated`: the code dynamate-codegen generates (`Model::to_item` / `Model::from_item`);
//! - `serde_dynamo`: `serde_dynamo::to_item` / `from_item` on a serde struct with the same fields;
//! - `hand_written`: direct aws-sdk `AttributeValue` construction and matching on the same struct,
//!   storing exactly what the generated code stores.
//!
//! Run: `cargo bench -p dynamate-tests --bench marshal -- --warm-up-time 1 --measurement-time 3`
//! (figures in docs/benchmarks.md).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use dynamate::{AttributeValue, Model};
use dynamate_tests::Event;
use serde::{Deserialize, Serialize};

/// `Event` with serde derives, for serde_dynamo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SerdeEvent {
    user_id: String,
    event_id: String,
    kind: String,
    count: i64,
    score: f64,
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    note: Option<String>,
    tags: Vec<String>,
    labels: BTreeSet<String>,
    metrics: BTreeMap<String, i64>,
    created_at: DateTime<Utc>,
}

fn event() -> Event {
    Event {
        user_id: "user-4f1c9a7e".into(),
        event_id: "2024-05-01T12:00:00Z#000123".into(),
        kind: "page_view".into(),
        count: 1_234_567,
        score: 0.8125,
        active: true,
        note: Some("first visit from the newsletter campaign".into()),
        tags: ["web", "mobile", "eu-west-1", "campaign-42"]
            .map(String::from)
            .into(),
        labels: ["beta", "premium", "returning"].map(String::from).into(),
        metrics: [("clicks", 12), ("scroll_pct", 87), ("dwell_ms", 45_210)]
            .map(|(k, v)| (k.to_string(), v))
            .into(),
        created_at: DateTime::from_timestamp(1_714_564_800, 123_456_000).expect("valid time"),
    }
}

fn serde_event(e: &Event) -> SerdeEvent {
    SerdeEvent {
        user_id: e.user_id.clone(),
        event_id: e.event_id.clone(),
        kind: e.kind.clone(),
        count: e.count,
        score: e.score,
        active: e.active,
        note: e.note.clone(),
        tags: e.tags.clone(),
        labels: e.labels.clone(),
        metrics: e.metrics.clone(),
        created_at: e.created_at,
    }
}

type Item = HashMap<String, AttributeValue>;

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f+0000";

fn hand_to_item(e: &Event) -> Item {
    let s = |v: &str| AttributeValue::S(v.to_string());
    let mut item = HashMap::with_capacity(11);
    item.insert("user_id".to_string(), s(&e.user_id));
    item.insert("event_id".to_string(), s(&e.event_id));
    item.insert("kind".to_string(), s(&e.kind));
    item.insert("count".to_string(), AttributeValue::N(e.count.to_string()));
    item.insert("score".to_string(), AttributeValue::N(e.score.to_string()));
    item.insert("active".to_string(), AttributeValue::Bool(e.active));
    if let Some(note) = &e.note {
        item.insert("note".to_string(), s(note));
    }
    item.insert(
        "tags".to_string(),
        AttributeValue::L(e.tags.iter().map(|t| s(t)).collect()),
    );
    if !e.labels.is_empty() {
        item.insert(
            "labels".to_string(),
            AttributeValue::Ss(e.labels.iter().cloned().collect()),
        );
    }
    item.insert(
        "metrics".to_string(),
        AttributeValue::M(
            e.metrics
                .iter()
                .map(|(k, v)| (k.clone(), AttributeValue::N(v.to_string())))
                .collect(),
        ),
    );
    item.insert(
        "created_at".to_string(),
        AttributeValue::S(e.created_at.format(TIME_FORMAT).to_string()),
    );
    item
}

fn hand_from_item(mut item: Item) -> Option<Event> {
    let mut take = |name: &str| item.remove(name);
    let string = |v: Option<AttributeValue>| match v {
        Some(AttributeValue::S(s)) => Some(s),
        _ => None,
    };
    let number = |v: Option<AttributeValue>| match v {
        Some(AttributeValue::N(n)) => Some(n),
        _ => None,
    };
    Some(Event {
        user_id: string(take("user_id"))?,
        event_id: string(take("event_id"))?,
        kind: string(take("kind"))?,
        count: number(take("count"))?.parse().ok()?,
        score: number(take("score"))?.parse().ok()?,
        active: match take("active") {
            Some(AttributeValue::Bool(b)) => b,
            _ => return None,
        },
        note: string(take("note")),
        tags: match take("tags") {
            Some(AttributeValue::L(l)) => l
                .into_iter()
                .map(|v| string(Some(v)))
                .collect::<Option<_>>()?,
            _ => return None,
        },
        labels: match take("labels") {
            Some(AttributeValue::Ss(s)) => s.into_iter().collect(),
            None => BTreeSet::new(),
            _ => return None,
        },
        metrics: match take("metrics") {
            Some(AttributeValue::M(m)) => m
                .into_iter()
                .map(|(k, v)| Some((k, number(Some(v))?.parse().ok()?)))
                .collect::<Option<_>>()?,
            _ => return None,
        },
        created_at: DateTime::parse_from_str(
            &string(take("created_at"))?,
            "%Y-%m-%dT%H:%M:%S%.f%z",
        )
        .ok()?
        .with_timezone(&Utc),
    })
}

fn bench(c: &mut Criterion) {
    let event = event();
    let serde = serde_event(&event);
    let generated_item = event.to_item().expect("encodes");
    assert_eq!(
        hand_to_item(&event),
        generated_item,
        "hand-written stores the same item"
    );
    assert_eq!(
        hand_from_item(generated_item.clone()).as_ref(),
        Some(&event)
    );
    let serde_item: Item = serde_dynamo::to_item(&serde).expect("serde_dynamo encodes");
    assert_eq!(
        serde_dynamo::from_item::<_, SerdeEvent>(serde_item.clone()).ok(),
        Some(serde.clone())
    );

    let mut to_item = c.benchmark_group("to_item");
    to_item.bench_function("generated", |b| {
        b.iter(|| black_box(&event).to_item().unwrap())
    });
    to_item.bench_function("serde_dynamo", |b| {
        b.iter(|| serde_dynamo::to_item::<_, Item>(black_box(&serde)).unwrap())
    });
    to_item.bench_function("hand_written", |b| {
        b.iter(|| hand_to_item(black_box(&event)))
    });
    to_item.finish();

    let mut from_item = c.benchmark_group("from_item");
    from_item.bench_function("generated", |b| {
        b.iter_batched(
            || generated_item.clone(),
            |item| Event::from_item(item).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    from_item.bench_function("serde_dynamo", |b| {
        b.iter_batched(
            || serde_item.clone(),
            |item| serde_dynamo::from_item::<_, SerdeEvent>(item).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    from_item.bench_function("hand_written", |b| {
        b.iter_batched(
            || generated_item.clone(),
            |item| hand_from_item(item).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    from_item.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
