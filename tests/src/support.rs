//! Test support: clients for the local servers that `scripts/servers.sh` starts, and unique names
//! so tests run in parallel without sharing state.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Which local server a test talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// moto in server mode: DynamoDB and S3, transactions and TTL.
    Moto,
    /// dynalite: DynamoDB with strict expression validation.
    Dynalite,
}

impl Server {
    fn variable(self) -> &'static str {
        match self {
            Server::Moto => "DYNAMATE_TEST_MOTO_ENDPOINT",
            Server::Dynalite => "DYNAMATE_TEST_DYNALITE_ENDPOINT",
        }
    }

    /// The server's endpoint URL; panics with instructions when the servers are not running.
    pub fn endpoint(self) -> String {
        std::env::var(self.variable()).unwrap_or_else(|_| {
            panic!(
                "{} is not set: run the tests through `scripts/servers.sh run -- cargo test` \
                 (or `scripts/test.sh`), which starts moto and dynalite on 127.0.0.1",
                self.variable()
            )
        })
    }
}

/// A name no other test (or test run) uses: `{prefix}-{pid}-{counter}-{nanos}`.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A client builder for `server` with test settings: dummy credentials, one attempt, short
/// timeouts, and a unique table prefix so each test has its own tables.
pub fn builder(server: Server) -> dynamate::ClientBuilder {
    // Credentials come from the environment (scripts/servers.sh exports dummy ones).
    dynamate::Client::builder()
        .endpoint_url(server.endpoint())
        .region("us-east-1")
        .table_prefix(format!("{}-", unique_name("t")))
        .max_attempts(1)
        .connect_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(30))
}

/// A test client for `server`.
pub async fn client(server: Server) -> dynamate::Client {
    builder(server).build().await
}
