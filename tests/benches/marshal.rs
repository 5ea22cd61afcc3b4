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

#[path = "common/event.rs"]
mod common_event;

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;

use chrono::{DateTime, Utc};
use common_event::{Item, hand_from_item, hand_to_item};
use criterion::{Criterion, criterion_group, criterion_main};
use dynamate::Model;
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
    common_event::event("user-4f1c9a7e", "2024-05-01T12:00:00Z#000123".into())
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
