//! Helpers shared by the tracker tests.
#![allow(dead_code)] // each test crate uses a subset

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::config::RuntimeComponents;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;

use dynamate::io::tracker::{RunOptions, Tracker};
use dynamate_tests::support::{Server, client};

/// A client with its own table prefix and the task table created (Ingest and Enrich share it).
pub async fn setup() -> dynamate::Client {
    with_table(client(Server::Moto).await).await
}

/// Like [`setup`], with the client's DynamoDB requests reaching moto one at a time. moto serves
/// requests on threads and its DynamoDB backend takes no lock, so two concurrent conditional
/// updates of one item can both pass their condition there (DynamoDB applies each atomically).
/// Serialized requests restore per-request atomicity; workers still interleave request by
/// request as they would against DynamoDB.
pub async fn setup_serialized() -> dynamate::Client {
    let plain = client(Server::Moto).await;
    let inner = plain
        .dynamodb()
        .config()
        .http_client()
        .expect("the client has an HTTP client");
    let serial = OneAtATime {
        inner,
        gate: Arc::new(tokio::sync::Semaphore::new(1)),
    };
    let config = plain
        .dynamodb()
        .config()
        .to_builder()
        .http_client(serial)
        .build();
    // A unique table prefix, so this test's `tasks` table is its own.
    let client = dynamate_tests::support::builder(Server::Moto).build_from_clients(
        aws_sdk_dynamodb::Client::from_conf(config),
        plain.s3().clone(),
    );
    with_table(client).await
}

/// An HTTP client that sends one request at a time.
#[derive(Debug, Clone)]
struct OneAtATime {
    inner: SharedHttpClient,
    gate: Arc<tokio::sync::Semaphore>,
}

#[derive(Debug)]
struct OneAtATimeConnector {
    inner: SharedHttpConnector,
    gate: Arc<tokio::sync::Semaphore>,
}

impl HttpClient for OneAtATime {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(OneAtATimeConnector {
            inner: self.inner.http_connector(settings, components),
            gate: Arc::clone(&self.gate),
        })
    }
}

impl HttpConnector for OneAtATimeConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, gate) = (self.inner.clone(), Arc::clone(&self.gate));
        HttpConnectorFuture::new(async move {
            let _turn = gate
                .acquire_owned()
                .await
                .expect("the gate is never closed");
            inner.call(request).await
        })
    }
}

async fn with_table(client: dynamate::Client) -> dynamate::Client {
    dynamate_tests::Ingest::create_table(&client).await.unwrap();
    client
}

/// A work error with a cause, so the recorded chain has two entries.
#[derive(Debug)]
pub struct Boom {
    pub attempt: u32,
    pub cause: std::io::Error,
}

impl Boom {
    pub fn new(attempt: u32) -> Self {
        Boom {
            attempt,
            cause: std::io::Error::other("connection reset"),
        }
    }
}

impl std::fmt::Display for Boom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "download failed on attempt {}", self.attempt)
    }
}

impl std::error::Error for Boom {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

/// Starts `task_id` with `lease` and drops the run once the work began, like a worker that
/// crashes mid-task: the task stays `in_progress` until the lease expires. Returns the epoch.
pub async fn crash<T: Tracker>(client: &dynamate::Client, task_id: &str, lease: Duration) -> u64 {
    let (started, begun) = tokio::sync::oneshot::channel();
    let run = T::run_with(
        client,
        task_id,
        RunOptions::new().lease(lease),
        |ctx| async move {
            started.send(ctx.epoch()).unwrap();
            std::future::pending::<Result<(), Boom>>().await
        },
    );
    tokio::select! {
        outcome = run => panic!("the crashing run ended: {:?}", outcome.err()),
        epoch = begun => epoch.unwrap(),
    }
}

/// Waits (polling, no timing assertion) until `task_id`'s lease has expired; fails after a
/// minute instead of hanging.
pub async fn wait_for_expiry<T: Tracker>(client: &dynamate::Client, task_id: &str) {
    let wait = async {
        loop {
            let task = T::get(client, task_id).await.unwrap().unwrap();
            if task.lease_expired(chrono::Utc::now()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .unwrap_or_else(|_| panic!("the lease of {task_id} did not expire within a minute"));
}
