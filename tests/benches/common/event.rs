//! The benchmarks' `Event` item (schemas/bench.toml), and hand-written aws-sdk code that stores
//! and reads exactly what the generated code does: the baseline the marshalling and head-to-head
//! benchmarks compare dynamate with.

// Each bench includes this file with `#[path]` and uses a part of it.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use dynamate::AttributeValue;
use dynamate_tests::Event;

/// An item as the SDK takes and returns it.
pub type Item = HashMap<String, AttributeValue>;

/// How the generated code stores a UTC timestamp (pynamodb's format).
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f+0000";

/// A realistic event with the given key: every attribute kind of the schema, one optional set.
pub fn event(user_id: &str, event_id: String) -> Event {
    Event {
        user_id: user_id.into(),
        event_id,
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

/// `e` as an item, by direct `AttributeValue` construction.
pub fn hand_to_item(e: &Event) -> Item {
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

/// The event `item` holds, by matching on `AttributeValue`s; `None` when it is not one.
pub fn hand_from_item(mut item: Item) -> Option<Event> {
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
