//! The view of a status tracker.

use serde_json::{Value, json};

use super::{billing_expr, doc_attrs, literal};
use crate::model::Tracker;

pub(super) fn tracker_view(tracker: &Tracker) -> Value {
    const BUILT_IN: [(&str, &str, &str); 5] = [
        ("Pending", "pending", "Created, not started yet."),
        (
            "InProgress",
            "in_progress",
            "Leased by a worker that is running it.",
        ),
        (
            "Failed",
            "failed",
            "The last attempt failed; it will be retried.",
        ),
        ("Succeeded", "succeeded", "Done."),
        (
            "Ignored",
            "ignored",
            "Failed `max_retry` times; no longer retried.",
        ),
    ];
    let mut statuses: Vec<Value> = BUILT_IN
        .iter()
        .map(|(variant, wire, doc)| json!({ "variant": variant, "wire": literal(wire), "doc": literal(&format!(" {doc}")) }))
        .collect();
    statuses.extend(tracker.custom_statuses.iter().map(|(variant, wire)| {
        json!({ "variant": variant, "wire": literal(wire), "doc": literal(&format!(" Custom status `{wire}`.")) })
    }));
    let default_doc = format!(
        "Status tracker for use case `{}`, stored in the DynamoDB table `{}`.",
        tracker.use_case, tracker.table_name
    );
    json!({
        "name": tracker.name,
        "name_literal": literal(crate::names::bare(&tracker.name)),
        "status_name": tracker.status_name,
        "statuses": statuses,
        "doc": doc_attrs(&format!(
            "{}\n\nOperations are the provided methods of [`dynamate::io::tracker::Tracker`]; with it in scope:\n`{}::create(&client, task_id, data)`, `{}::run(&client, task_id, |ctx| async move {{ ... }})`,\n`{}::query(&client, status, query)`, `{}::counts(&client)`.",
            tracker.doc.as_deref().unwrap_or(&default_doc),
            tracker.name, tracker.name, tracker.name, tracker.name
        )),
        "data_type": tracker.data_type,
        "table_name": literal(&tracker.table_name),
        "use_case": literal(&tracker.use_case),
        "max_retry": tracker.max_retry,
        "lease_seconds": tracker.lease_seconds,
        "shards": tracker.shards,
        "max_errors": tracker.max_errors,
        "billing": billing_expr(tracker.billing),
    })
}
