//! A finishing write that the table applied but whose answer was lost (HTTP 500 injected by an
//! SDK interceptor after the server answered) is retried by the SDK; the retry is rejected by
//! its own condition, and the engine must recognise its first attempt instead of reporting a
//! lost lease.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextMut;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::http::StatusCode;
use dynamate::io::tracker::{Tracker, TrackerError};
use dynamate_tests::support::{Server, builder, unique_name};
use dynamate_tests::{Ingest, IngestStatus};

/// Turns the answer to the `fail_at`-th UpdateItem into an HTTP 500 (the write was applied).
#[derive(Debug, Clone)]
struct LoseAnswer {
    update_items: Arc<AtomicU32>,
    fail_at: u32,
}

impl Intercept for LoseAnswer {
    fn name(&self) -> &'static str {
        "LoseAnswer"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map(Metadata::name);
        if operation == Some("UpdateItem")
            && self.update_items.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_at
        {
            *context.response_mut().status_mut() = StatusCode::try_from(500).expect("valid status");
        }
        Ok(())
    }
}

/// A client (two attempts per request) whose `fail_at`-th UpdateItem answer is lost, and the
/// counter of UpdateItem answers; the client has its own table prefix, so its own `tasks` table.
async fn client_losing(fail_at: u32) -> (dynamate::Client, Arc<AtomicU32>) {
    let plain = builder(Server::Moto).max_attempts(2).build().await;
    let counter = Arc::new(AtomicU32::new(0));
    let interceptor = LoseAnswer {
        update_items: Arc::clone(&counter),
        fail_at,
    };
    let config = plain
        .dynamodb()
        .config()
        .to_builder()
        .interceptor(interceptor)
        .build();
    let client = builder(Server::Moto).build_from_clients(
        aws_sdk_dynamodb::Client::from_conf(config),
        plain.s3().clone(),
    );
    Ingest::create_table(&client).await.unwrap();
    (client, counter)
}

#[tokio::test]
async fn a_retried_finish_that_was_applied_is_a_success() {
    // UpdateItem 1 takes the lease, 2 records the outcome (its answer is lost), 3 is the retry.
    let (client, update_items) = client_losing(2).await;
    let task_id = unique_name("retried");
    Ingest::create(&client, &task_id, serde_json::json!(null))
        .await
        .unwrap();
    let output = Ingest::run(&client, &task_id, |ctx| async move {
        Ok::<_, std::io::Error>(ctx.epoch())
    })
    .await
    .unwrap();
    assert_eq!(
        update_items.load(Ordering::SeqCst),
        3,
        "the finishing write was retried"
    );
    let task = Ingest::get(&client, &task_id).await.unwrap().unwrap();
    assert_eq!((task.status, task.epoch), (IngestStatus::Succeeded, 1));
    assert_eq!(task.output_as::<u64>().unwrap(), Some(output));
}

#[tokio::test]
async fn heartbeat_and_finish_after_a_delete_are_lost_leases() {
    // Its own prefixed table: `delete_all` must not touch the other test's tasks.
    let client = builder(Server::Moto).build().await;
    Ingest::create_table(&client).await.unwrap();
    let task_id = unique_name("deleted");
    Ingest::create(&client, &task_id, serde_json::json!(null))
        .await
        .unwrap();
    let deleter = client.clone();
    let outcome = Ingest::run(&client, &task_id, |ctx| async move {
        Ingest::delete_all(&deleter).await.unwrap();
        let lost = ctx.heartbeat().await.unwrap_err();
        assert!(
            matches!(&lost, TrackerError::LeaseLost(l) if l.current_epoch.is_none()),
            "{lost}"
        );
        Ok::<_, std::io::Error>(())
    })
    .await;
    let lost = outcome.unwrap_err();
    assert!(lost.lease_lost().is_some(), "{lost}");
    assert!(
        dynamate::Report(&lost).to_string().contains("was deleted"),
        "{lost}"
    );
}
