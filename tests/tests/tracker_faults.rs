//! The tracker through the fault proxy: `delete_all` under persistent unprocessed items stops
//! after the client's retry cap and names the tasks left, and transitions under throttling and
//! 5xx answers; on moto and dynalite.

mod faults_common;

use std::time::Duration;

use dynamate::io::tracker::{RunError, Tracker, TrackerError};
use dynamate::{Client, RetryPolicy};
use dynamate_tests::faults::{Action, FaultProxy};
use dynamate_tests::on_both_servers;
use dynamate_tests::support::Server;
use dynamate_tests::{Ingest, IngestStatus};
use faults_common::{arm, once_each, transient_faults, unprocessed, within};
use serde_json::json;

/// A client through the proxy in front of `server` with `attempts` SDK attempts per request, `batch_attempts` in its
/// retry policy and its own `tasks` table; returns the table name the proxy rules match on.
async fn setup(server: Server, attempts: u32, batch_attempts: u32) -> (Client, FaultProxy, String) {
    let proxy = FaultProxy::new(server);
    let client = proxy
        .builder()
        .max_attempts(attempts)
        .retry_policy(RetryPolicy {
            max_attempts: batch_attempts,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        })
        .build()
        .await;
    Ingest::create_table(&client).await.unwrap();
    let table = client.resolve_table_name(Ingest::CONFIG.table_name);
    (client, proxy, table)
}

async fn delete_all_stops_at_the_retry_cap_and_names_the_tasks_left(server: Server) {
    let (client, proxy, table) = setup(server, 1, 4).await;
    let ids = ["t-1", "t-2", "t-3"];
    for id in ids {
        Ingest::create(&client, id, json!(null)).await.unwrap();
    }
    let rule = unprocessed(&proxy, "BatchWriteItem", &table, 0).await;
    let outcome = within(Ingest::delete_all(&client)).await;
    match outcome {
        Err(TrackerError::NotDeleted {
            mut task_ids,
            deleted,
            attempts,
            ..
        }) => {
            task_ids.sort();
            assert_eq!(task_ids, ids);
            assert_eq!((deleted, attempts), (0, 4));
        }
        other => panic!("expected NotDeleted, got {other:?}"),
    }
    assert_eq!(rule.hits().await.hits, 4, "one request per attempt");
    rule.remove().await;
    for id in ids {
        assert!(Ingest::get(&client, id).await.unwrap().is_some(), "{id}");
    }
    let deleted = within(Ingest::delete_all(&client)).await.unwrap();
    assert_eq!(deleted, 3);
}

async fn delete_all_retries_throttled_and_unprocessed_deletes(server: Server) {
    let (client, proxy, table) = setup(server, 1, 8).await;
    for i in 0..30 {
        Ingest::create(&client, &format!("d-{i:02}"), json!(null))
            .await
            .unwrap();
    }
    let mut faults = transient_faults();
    faults.push(Action::Unprocessed { keep: 3 });
    let rules = once_each(&proxy, "BatchWriteItem", &table, faults).await;
    let deleted = within(Ingest::delete_all(&client)).await.unwrap();
    assert_eq!(deleted, 30);
    for rule in rules {
        assert_eq!(rule.hits().await.hits, 1);
    }
    assert_eq!(
        Ingest::count(&client, IngestStatus::Pending).await.unwrap(),
        0
    );
}

/// A throttled lease-taking update is retried by the SDK when the client allows two attempts;
/// with one attempt the run does not start and the task is untouched.
async fn a_throttled_start_is_retried_by_the_sdk_or_refused_untouched(server: Server) {
    let (client, proxy, table) = setup(server, 1, 8).await;
    Ingest::create(&client, "s-1", json!(null)).await.unwrap();
    let rule = arm(&proxy, "UpdateItem", &table, Action::throttle(), 1).await;
    let outcome = Ingest::run(&client, "s-1", |_ctx| async { Ok::<_, std::io::Error>(1) }).await;
    assert!(
        matches!(outcome, Err(RunError::Start(TrackerError::Request { .. }))),
        "{outcome:?}"
    );
    assert_eq!(rule.hits().await.hits, 1);
    let task = Ingest::get(&client, "s-1").await.unwrap().unwrap();
    assert_eq!((task.status, task.epoch), (IngestStatus::Pending, 0));

    let (client, proxy, table) = setup(server, 2, 8).await;
    Ingest::create(&client, "s-2", json!(null)).await.unwrap();
    let rule = arm(&proxy, "UpdateItem", &table, Action::throttle(), 1).await;
    let output = within(Ingest::run(&client, "s-2", |ctx| async move {
        Ok::<_, std::io::Error>(ctx.epoch())
    }))
    .await
    .unwrap();
    assert_eq!(output, 1);
    assert_eq!(rule.hits().await.hits, 1);
    let task = Ingest::get(&client, "s-2").await.unwrap().unwrap();
    assert_eq!(task.status, IngestStatus::Succeeded);
}

/// A finishing update answered with a 5xx that never reached the table: with two attempts the
/// SDK sends it again and the success is recorded once; with one the outcome is a `Record`
/// error and the task stays leased at its epoch (reclaimable when the lease expires).
async fn a_5xx_on_the_finishing_update(server: Server) {
    for (attempts, status) in [(2, 503), (1, 500)] {
        let (client, proxy, table) = setup(server, attempts, 8).await;
        let id = format!("f-{attempts}");
        Ingest::create(&client, &id, json!(null)).await.unwrap();
        // Armed inside the work, so the lease-taking update goes through untouched.
        let rule_slot = std::sync::Mutex::new(None);
        let (proxy, table, slot) = (&proxy, &table, &rule_slot);
        let outcome = within(Ingest::run(&client, &id, |ctx| async move {
            let armed = arm(proxy, "UpdateItem", table, Action::status(status), 1).await;
            *slot.lock().unwrap() = Some(armed);
            Ok::<_, std::io::Error>(ctx.epoch())
        }))
        .await;
        let rule = rule_slot.into_inner().unwrap().expect("the work ran");
        assert_eq!(rule.hits().await.hits, 1);
        let task = Ingest::get(&client, &id).await.unwrap().unwrap();
        if attempts == 2 {
            assert_eq!(outcome.unwrap(), 1);
            assert_eq!(task.status, IngestStatus::Succeeded);
        } else {
            assert!(
                matches!(outcome, Err(RunError::Record { .. })),
                "{outcome:?}"
            );
            assert_eq!((task.status, task.epoch), (IngestStatus::InProgress, 1));
        }
    }
}

on_both_servers!(
    delete_all_stops_at_the_retry_cap_and_names_the_tasks_left,
    delete_all_retries_throttled_and_unprocessed_deletes,
    a_throttled_start_is_retried_by_the_sdk_or_refused_untouched,
    a_5xx_on_the_finishing_update,
);
