//! Helpers shared by the tracker tests.
#![allow(dead_code)] // each test crate uses a subset

use std::time::Duration;

use dynamate::tracker::{RunOptions, Tracker};
use dynamate_tests::support::{Server, builder, client};

/// A client with its own table prefix and the task table created (Ingest and Enrich share it).
pub async fn setup() -> dynamate::Client {
    with_table(client(Server::Moto).await).await
}

/// Like [`setup`] with SDK retries: moto serves concurrent requests on threads without
/// locking, and under load it occasionally answers a read with HTTP 500.
pub async fn setup_with_retries() -> dynamate::Client {
    with_table(builder(Server::Moto).max_attempts(3).build().await).await
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

/// Waits (polling, no timing assertion) until `task_id`'s lease has expired.
pub async fn wait_for_expiry<T: Tracker>(client: &dynamate::Client, task_id: &str) {
    loop {
        let task = T::get(client, task_id).await.unwrap().unwrap();
        if task.lease_expired(chrono::Utc::now()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
