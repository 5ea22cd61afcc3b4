//! Status tracker against a local moto server: ports of pynamodb_mate's status tracker tests
//! plus leases, fencing and queries.

mod tracker_common;

use std::time::Duration;

use dynamate::io::tracker::{
    Created, Order, Refusal, RunError, RunOptions, Status, TaskQuery, Tracker, TrackerError,
};
use dynamate_tests::{Enrich, EnrichInput, EnrichStatus, Ingest, IngestStatus};
use serde_json::json;
use tracker_common::{Boom, crash, setup, wait_for_expiry};

fn input(document: &str) -> EnrichInput {
    EnrichInput {
        document_id: document.to_string(),
        steps: vec!["ingest".into(), "enrich".into()],
    }
}

#[tokio::test]
async fn creating_a_task_is_idempotent() {
    let client = setup().await;
    let first = Ingest::create(&client, "t-1", json!({ "url": "a" }))
        .await
        .unwrap();
    let again = Ingest::create(&client, "t-1", json!({ "url": "b" }))
        .await
        .unwrap();
    assert_eq!((first, again), (Created::New, Created::AlreadyExists));
    let task = Ingest::get(&client, "t-1").await.unwrap().unwrap();
    assert_eq!(task.data, json!({ "url": "a" }));
    assert_eq!(
        (task.status, task.retries, task.epoch),
        (IngestStatus::Pending, 0, 0)
    );
    assert_eq!(task.create_time, task.update_time);
    assert_eq!(
        Ingest::create_table(&client).await.unwrap(),
        Created::AlreadyExists
    );
}

#[tokio::test]
async fn run_records_success_with_output_and_data() {
    let client = setup().await;
    Ingest::create(&client, "t-1", json!({ "url": "a" }))
        .await
        .unwrap();
    let output = Ingest::run(&client, "t-1", |ctx| async move {
        assert_eq!(ctx.epoch(), 1);
        assert_eq!(ctx.task().status, IngestStatus::InProgress);
        ctx.set_data(json!({ "url": "a", "bytes": 10 }));
        ctx.heartbeat().await.unwrap();
        Ok::<_, Boom>(format!("fetched {}", ctx.data()["url"]))
    })
    .await
    .unwrap();
    assert_eq!(output, "fetched \"a\"");
    let task = Ingest::get(&client, "t-1").await.unwrap().unwrap();
    assert_eq!(task.status, IngestStatus::Succeeded);
    assert_eq!(
        task.output_as::<String>().unwrap().as_deref(),
        Some("fetched \"a\"")
    );
    assert_eq!(task.data, json!({ "url": "a", "bytes": 10 }));
    assert_eq!(
        (task.epoch, task.retries, task.lease_expires_at),
        (1, 0, None)
    );
    assert!(task.update_time > task.create_time);
    let again = Ingest::run(&client, "t-1", |_| async { Ok::<_, Boom>(()) }).await;
    assert_eq!(again.unwrap_err().refusal(), Some(&Refusal::Succeeded));
}

/// pynamodb_mate: a two-step pipeline where step 2 starts from step 1's success.
#[tokio::test]
async fn two_step_pipeline_with_custom_statuses() {
    let client = setup().await;
    Enrich::create_as(
        &client,
        "doc-1",
        input("doc-1"),
        EnrichStatus::WaitingForIngest,
    )
    .await
    .unwrap();
    let step2 = |client| async move {
        Enrich::run_from(
            client,
            "doc-1",
            &[EnrichStatus::PartiallyEnriched],
            |ctx| async move { Ok::<_, Boom>(ctx.data().steps.len()) },
        )
        .await
    };
    // Step 2 cannot start before step 1 succeeded, and a plain run does not start either.
    let early = step2(&client).await.unwrap_err();
    assert!(
        matches!(early.refusal(), Some(Refusal::NotStartable { status, accepted })
        if status == "waiting_for_ingest" && accepted == &["partially_enriched"])
    );
    let plain = Enrich::run(&client, "doc-1", |_| async { Ok::<_, Boom>(()) }).await;
    assert!(matches!(
        plain.unwrap_err().refusal(),
        Some(Refusal::NotStartable { .. })
    ));

    let step1 = RunOptions::new()
        .from(&[EnrichStatus::WaitingForIngest])
        .succeed_as(EnrichStatus::PartiallyEnriched);
    Enrich::run_with(&client, "doc-1", step1, |ctx| async move {
        let mut data = ctx.data().clone();
        data.steps.push("summarize".into());
        ctx.set_data(data);
        Ok::<_, Boom>("ingested")
    })
    .await
    .unwrap();
    let between = Enrich::get(&client, "doc-1").await.unwrap().unwrap();
    assert_eq!(between.status, EnrichStatus::PartiallyEnriched);
    assert_eq!(
        Enrich::count(&client, EnrichStatus::PartiallyEnriched)
            .await
            .unwrap(),
        1
    );

    assert_eq!(step2(&client).await.unwrap(), 3);
    let done = Enrich::get(&client, "doc-1").await.unwrap().unwrap();
    assert_eq!((done.status, done.epoch), (EnrichStatus::Succeeded, 2));
    assert_eq!(done.output_as::<usize>().unwrap(), Some(3));
}

/// pynamodb_mate: starting a task that is already running is refused.
#[tokio::test]
async fn nested_start_is_refused() {
    let client = setup().await;
    Ingest::create(&client, "t-1", json!(null)).await.unwrap();
    let inner_client = client.clone();
    Ingest::run(&client, "t-1", |ctx| async move {
        let nested = Ingest::run(&inner_client, "t-1", |_| async { Ok::<_, Boom>(()) }).await;
        let error = nested.unwrap_err();
        assert!(
            matches!(error.refusal(), Some(Refusal::Leased { epoch: 1, until })
            if *until == ctx.lease_expires_at())
        );
        assert!(
            dynamate::Report(&error)
                .to_string()
                .contains("another worker holds its lease"),
            "{error}"
        );
        Ok::<_, Boom>(())
    })
    .await
    .unwrap();
}

/// pynamodb_mate: three failures make a task ignored, with three history entries.
#[tokio::test]
async fn three_failures_make_a_task_ignored() {
    let client = setup().await;
    Ingest::create(&client, "t-1", json!({ "url": "a" }))
        .await
        .unwrap();
    for attempt in 1..=3u32 {
        let error = Ingest::run(&client, "t-1", |ctx| async move {
            ctx.set_data(json!("never saved"));
            Err::<(), _>(Boom::new(attempt))
        })
        .await
        .unwrap_err();
        let RunError::Task {
            error,
            retries,
            ignored,
        } = error
        else {
            panic!("expected a recorded failure, got {error:?}")
        };
        assert_eq!(
            (error.attempt, retries, ignored),
            (attempt, attempt, attempt == 3)
        );
    }
    let task = Ingest::get(&client, "t-1").await.unwrap().unwrap();
    assert_eq!((task.status, task.retries), (IngestStatus::Ignored, 3));
    assert_eq!(
        task.data,
        json!({ "url": "a" }),
        "data set before failing is not saved"
    );
    let messages: Vec<_> = task.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "download failed on attempt 1",
            "download failed on attempt 2",
            "download failed on attempt 3"
        ]
    );
    assert!(task.errors.iter().all(|e| e.chain == ["connection reset"]));
    assert_eq!(
        task.errors.iter().map(|e| e.epoch).collect::<Vec<_>>(),
        [1, 2, 3]
    );

    let refused = Ingest::run(&client, "t-1", |_| async { Ok::<_, Boom>(()) }).await;
    assert_eq!(
        refused.unwrap_err().refusal(),
        Some(&Refusal::Ignored { retries: 3 })
    );

    assert_eq!(Ingest::reset_ignored(&client).await.unwrap(), 1);
    let reset = Ingest::get(&client, "t-1").await.unwrap().unwrap();
    assert_eq!(
        (reset.status, reset.retries, reset.errors.len()),
        (IngestStatus::Pending, 0, 3)
    );
    Ingest::run(&client, "t-1", |_| async { Ok::<_, Boom>(()) })
        .await
        .unwrap();
}

/// pynamodb_mate: a missing task cannot start.
#[tokio::test]
async fn missing_task() {
    let client = setup().await;
    let error = Ingest::run(&client, "nope", |_| async { Ok::<_, Boom>(()) })
        .await
        .unwrap_err();
    assert_eq!(error.refusal(), Some(&Refusal::NotFound));
    assert!(
        dynamate::Report(&error)
            .to_string()
            .contains("task `nope` of use case `ingest`"),
        "{error}"
    );
    assert!(Ingest::get(&client, "nope").await.unwrap().is_none());
    let retry = Ingest::retry_now(&client, "nope").await.unwrap_err();
    assert!(matches!(retry, TrackerError::Refused(r) if r.reason == Refusal::NotFound));
    assert!(matches!(
        Ingest::create(&client, "", json!(null)).await,
        Err(TrackerError::EmptyTaskId)
    ));
}

#[tokio::test]
async fn retry_now_makes_a_failed_task_pending() {
    let client = setup().await;
    Ingest::create(&client, "t-1", json!(null)).await.unwrap();
    let refused = Ingest::retry_now(&client, "t-1").await.unwrap_err();
    assert!(matches!(refused, TrackerError::Refused(r)
        if matches!(&r.reason, Refusal::NotStartable { status, .. } if status == "pending")));
    let _ = Ingest::run(&client, "t-1", |_| async { Err::<(), _>(Boom::new(1)) }).await;
    Ingest::retry_now(&client, "t-1").await.unwrap();
    let task = Ingest::get(&client, "t-1").await.unwrap().unwrap();
    assert_eq!(
        (task.status, task.retries, task.errors.len()),
        (IngestStatus::Pending, 0, 1)
    );
}

/// pynamodb_mate: queries by status, in update-time order, across shards, paginated.
#[tokio::test]
async fn queries_by_status_in_order() {
    let client = setup().await;
    let ids: Vec<String> = (0..23).map(|i| format!("task-{i:02}")).collect();
    for id in &ids {
        Ingest::create(&client, id, json!(null)).await.unwrap();
    }
    let collect = |order: Order| {
        let client = client.clone();
        async move {
            let (mut seen, mut cursor, mut pages) = (Vec::new(), None, 0);
            loop {
                let mut query = match order {
                    Order::OldestFirst => TaskQuery::oldest_first(5),
                    Order::NewestFirst => TaskQuery::newest_first(5),
                };
                if let Some(cursor) = cursor.take() {
                    query = query.after(cursor);
                }
                let page = Ingest::query(&client, IngestStatus::Pending, query)
                    .await
                    .unwrap();
                assert!(page.tasks.len() <= 5);
                pages += 1;
                assert!(pages <= 10, "23 tasks in pages of 5 never end: {seen:?}");
                seen.extend(page.tasks.into_iter().map(|t| t.task_id));
                match page.cursor {
                    Some(next) => cursor = Some(next),
                    None => return (seen, pages),
                }
            }
        }
    };
    let (oldest, pages) = collect(Order::OldestFirst).await;
    assert_eq!(oldest, ids);
    assert_eq!(pages, 5);
    let (newest, _) = collect(Order::NewestFirst).await;
    assert_eq!(newest, ids.iter().rev().cloned().collect::<Vec<_>>());

    // Run three; they move to `succeeded` in the order they ran.
    for id in ["task-07", "task-03", "task-11"] {
        Ingest::run(&client, id, |_| async { Ok::<_, Boom>(()) })
            .await
            .unwrap();
    }
    let succeeded = Ingest::query(
        &client,
        IngestStatus::Succeeded,
        TaskQuery::newest_first(10),
    )
    .await
    .unwrap();
    let order: Vec<_> = succeeded.tasks.iter().map(|t| t.task_id.as_str()).collect();
    assert_eq!(order, ["task-11", "task-03", "task-07"]);
    assert!(succeeded.cursor.is_none());

    // A cursor only continues the query that made it.
    let page = Ingest::query(&client, IngestStatus::Pending, TaskQuery::oldest_first(2))
        .await
        .unwrap();
    let foreign = TaskQuery::oldest_first(2).after(page.cursor.unwrap());
    let error = Ingest::query(&client, IngestStatus::Failed, foreign)
        .await
        .unwrap_err();
    assert!(
        matches!(error, TrackerError::InvalidCursor { .. }),
        "{error}"
    );
}

/// pynamodb_mate: counts and deletion by use case in a table two trackers share.
#[tokio::test]
async fn count_and_delete_by_use_case() {
    let client = setup().await;
    for i in 0..12 {
        Ingest::create(&client, &format!("t-{i}"), json!(i))
            .await
            .unwrap();
    }
    for i in 0..5 {
        // Same task ids in another use case: separate tasks.
        Enrich::create(&client, &format!("t-{i}"), input("d"))
            .await
            .unwrap();
    }
    for i in 0..4 {
        Ingest::run(&client, &format!("t-{i}"), |_| async { Ok::<_, Boom>(()) })
            .await
            .unwrap();
    }
    let _ = Ingest::run(&client, "t-4", |_| async { Err::<(), _>(Boom::new(1)) }).await;
    let counts = Ingest::counts(&client).await.unwrap();
    assert_eq!(
        counts,
        [
            (IngestStatus::Pending, 7),
            (IngestStatus::InProgress, 0),
            (IngestStatus::Failed, 1),
            (IngestStatus::Succeeded, 4),
            (IngestStatus::Ignored, 0),
        ]
    );
    assert_eq!(
        Enrich::count(&client, EnrichStatus::Pending).await.unwrap(),
        5
    );

    assert_eq!(Ingest::delete_all(&client).await.unwrap(), 12);
    assert!(
        Ingest::counts(&client)
            .await
            .unwrap()
            .iter()
            .all(|(_, n)| *n == 0)
    );
    assert!(Ingest::get(&client, "t-0").await.unwrap().is_none());
    assert_eq!(
        Enrich::count(&client, EnrichStatus::Pending).await.unwrap(),
        5
    );
    assert!(Enrich::get(&client, "t-0").await.unwrap().is_some());
}

/// A crashed worker's task is reclaimed after its lease expires; the reclaim counts as a
/// failed attempt.
#[tokio::test]
async fn expired_lease_is_reclaimed_as_a_failed_attempt() {
    let client = setup().await;
    Ingest::create(&client, "t-1", json!(null)).await.unwrap();
    let crashed = crash::<Ingest>(&client, "t-1", Duration::from_millis(300)).await;
    let unfinished = Ingest::unfinished(&client, TaskQuery::oldest_first(10))
        .await
        .unwrap();
    assert!(
        unfinished.tasks.is_empty(),
        "a live lease is not unfinished"
    );
    wait_for_expiry::<Ingest>(&client, "t-1").await;
    let unfinished = Ingest::unfinished(&client, TaskQuery::oldest_first(10))
        .await
        .unwrap();
    assert_eq!(unfinished.tasks.len(), 1);

    let epoch = Ingest::run(&client, "t-1", |ctx| async move {
        assert_eq!(ctx.task().retries, 1);
        Ok::<_, Boom>(ctx.epoch())
    })
    .await
    .unwrap();
    assert_eq!((crashed, epoch), (1, 2));
    let task = Ingest::get(&client, "t-1").await.unwrap().unwrap();
    assert_eq!((task.status, task.retries), (IngestStatus::Succeeded, 0));
    assert_eq!(task.errors.len(), 1);
    assert!(
        task.errors[0].message.contains("lease expired"),
        "{:?}",
        task.errors
    );
    assert_eq!(task.errors[0].epoch, 1);
}

/// Two failures and a crash: the reclaim reaches max_retry and the task is ignored.
#[tokio::test]
async fn reclaim_reaching_max_retry_ignores_the_task() {
    let client = setup().await;
    Ingest::create(&client, "t-1", json!(null)).await.unwrap();
    for attempt in 1..=2 {
        let _ = Ingest::run(&client, "t-1", |_| async move {
            Err::<(), _>(Boom::new(attempt))
        })
        .await;
    }
    crash::<Ingest>(&client, "t-1", Duration::from_millis(300)).await;
    wait_for_expiry::<Ingest>(&client, "t-1").await;
    let error = Ingest::run(&client, "t-1", |_| async { Ok::<_, Boom>(()) })
        .await
        .unwrap_err();
    assert_eq!(error.refusal(), Some(&Refusal::Ignored { retries: 3 }));
    let task = Ingest::get(&client, "t-1").await.unwrap().unwrap();
    assert_eq!(
        (task.status, task.retries, task.errors.len()),
        (IngestStatus::Ignored, 3, 3)
    );
    assert_eq!(task.epoch, 4, "the reclaim fences out the crashed worker");
}

/// A worker whose lease expired and was taken over cannot overwrite the new holder's result.
#[tokio::test]
async fn stale_worker_writes_are_rejected() {
    let client = setup().await;
    Ingest::create(&client, "t-1", json!(null)).await.unwrap();
    let (taken_over, notified) = tokio::sync::oneshot::channel::<()>();
    let stale_client = client.clone();
    let stale = tokio::spawn(async move {
        let options = RunOptions::new().lease(Duration::from_millis(300));
        Ingest::run_with(&stale_client, "t-1", options, |ctx| async move {
            notified.await.unwrap();
            let heartbeat = ctx.heartbeat().await.unwrap_err();
            assert!(
                matches!(&heartbeat, TrackerError::LeaseLost(lost)
                if lost.epoch == 1 && lost.current_epoch == Some(2)),
                "{heartbeat}"
            );
            Ok::<_, Boom>("stale result")
        })
        .await
    });
    wait_for_expiry::<Ingest>(&client, "t-1").await;
    let fresh = Ingest::run(&client, "t-1", |ctx| async move {
        Ok::<_, Boom>(format!("epoch {}", ctx.epoch()))
    })
    .await
    .unwrap();
    taken_over.send(()).unwrap();
    let error = stale.await.unwrap().unwrap_err();
    let lost = error.lease_lost().expect("the stale result is rejected");
    assert_eq!((lost.epoch, lost.current_epoch), (1, Some(2)));
    assert_eq!(
        lost.current_status.as_deref(),
        Some(IngestStatus::Succeeded.as_str())
    );
    assert!(
        dynamate::Report(&error)
            .to_string()
            .contains("lost the lease"),
        "{error}"
    );
    let task = Ingest::get(&client, "t-1").await.unwrap().unwrap();
    assert_eq!(task.output_as::<String>().unwrap(), Some(fresh));
    assert_eq!(
        task.output_as::<String>().unwrap().as_deref(),
        Some("epoch 2")
    );
}

#[tokio::test]
async fn invalid_statuses_are_refused_before_any_request() {
    let client = setup().await;
    let created = Ingest::create_as(&client, "t-1", json!(null), IngestStatus::InProgress).await;
    assert!(matches!(
        created,
        Err(TrackerError::InvalidStatus {
            status: "in_progress",
            ..
        })
    ));
    let options = RunOptions::new().succeed_as(IngestStatus::InProgress);
    let run = Ingest::run_with(&client, "t-1", options, |_| async { Ok::<_, Boom>(()) }).await;
    assert!(matches!(
        run,
        Err(RunError::Start(TrackerError::InvalidStatus { .. }))
    ));
}

/// dynalite validates expressions like DynamoDB (moto is lax): every request shape of the
/// tracker's paths that do not need `ReturnValuesOnConditionCheckFailure` (which dynalite
/// does not implement) must be accepted there too.
#[tokio::test]
async fn requests_are_valid_for_strict_dynalite() {
    let client = dynamate_tests::support::client(dynamate_tests::support::Server::Dynalite).await;
    Ingest::create_table(&client).await.unwrap();
    for id in ["a", "b", "c"] {
        Ingest::create(&client, id, json!(id)).await.unwrap();
    }
    assert_eq!(
        Ingest::create(&client, "a", json!(null)).await.unwrap(),
        Created::AlreadyExists
    );
    Ingest::run(&client, "a", |ctx| async move {
        ctx.heartbeat().await.unwrap();
        ctx.set_data(json!("new"));
        Ok::<_, Boom>(1)
    })
    .await
    .unwrap();
    for _ in 0..3 {
        let _ = Ingest::run(&client, "b", |_| async { Err::<(), _>(Boom::new(1)) }).await;
    }
    crash::<Ingest>(&client, "c", Duration::from_millis(1)).await;
    wait_for_expiry::<Ingest>(&client, "c").await;
    let unfinished = Ingest::unfinished(&client, TaskQuery::oldest_first(1))
        .await
        .unwrap();
    assert_eq!(unfinished.tasks.len(), 1);
    assert_eq!(unfinished.tasks[0].task_id, "c");
    if let Some(cursor) = unfinished.cursor {
        let next = Ingest::unfinished(&client, TaskQuery::oldest_first(1).after(cursor));
        assert!(next.await.unwrap().tasks.is_empty());
    }
    assert_eq!(
        Ingest::count(&client, IngestStatus::Ignored).await.unwrap(),
        1
    );
    assert_eq!(Ingest::reset_ignored(&client).await.unwrap(), 1);
    assert_eq!(Ingest::delete_all(&client).await.unwrap(), 3);
}
