//! A client of the fault proxy's control API (`scripts/fault_proxy.py`, started in front of moto
//! and dynalite by `scripts/servers.sh`): add a rule, read its hits, remove it.
#![allow(dead_code)] // each test crate uses a subset

use std::future::IntoFuture;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use dynamate_tests::support::Server;
use serde_json::{Value, json};

/// A deadline for every operation under faults: a retry loop that never ends fails the test
/// instead of hanging it.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Awaits `operation`, failing the test if it is still running at [`DEADLINE`].
pub async fn within<F: IntoFuture>(operation: F) -> F::Output {
    tokio::time::timeout(DEADLINE, operation.into_future())
        .await
        .expect("still retrying at the deadline")
}

/// The fault proxy in front of one server.
#[derive(Debug, Clone)]
pub struct Proxy {
    endpoint: String,
}

/// One rule of the proxy.
#[derive(Debug)]
pub struct Rule {
    proxy: Proxy,
    id: String,
}

impl Proxy {
    /// The proxy in front of `server`; panics with instructions when it is not running.
    pub fn of(server: Server) -> Proxy {
        let variable = match server {
            Server::Moto => "DYNAMATE_TEST_FAULT_MOTO_ENDPOINT",
            Server::Dynalite => "DYNAMATE_TEST_FAULT_DYNALITE_ENDPOINT",
        };
        let endpoint = std::env::var(variable).unwrap_or_else(|_| {
            panic!("{variable} is not set: run the tests through `scripts/servers.sh run -- cargo test`, which starts the fault proxies")
        });
        Proxy { endpoint }
    }

    /// The URL clients use instead of the server's.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Adds a rule: `action` applies to `times` DynamoDB requests of `operation` whose body
    /// contains `contains` (-1: all of them).
    pub fn dynamodb(&self, operation: &str, contains: &str, action: Value, times: i64) -> Rule {
        self.add(json!({
            "match": {"service": "dynamodb", "operation": operation, "contains": contains},
            "action": action,
            "times": times,
        }))
    }

    /// One of each transient fault, once each, on `operation` requests naming `contains`: a
    /// `ProvisionedThroughputExceededException`, an HTTP 500, an HTTP 503 and a dropped
    /// connection (in that order).
    pub fn transient_faults(&self, operation: &str, contains: &str) -> Vec<Rule> {
        [
            json!({"kind": "throttle"}),
            json!({"kind": "status", "status": 500}),
            json!({"kind": "status", "status": 503}),
            json!({"kind": "drop"}),
        ]
        .into_iter()
        .map(|action| self.dynamodb(operation, contains, action, 1))
        .collect()
    }

    /// Adds a rule given as the control API's JSON.
    pub fn add(&self, rule: Value) -> Rule {
        let answer = self.call("POST", "/__fault/rules", Some(&rule));
        let id = match &answer["id"] {
            Value::String(id) => id.clone(),
            other => other.to_string(),
        };
        Rule {
            proxy: self.clone(),
            id,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let address = self
            .endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut stream = TcpStream::connect(address).expect("the fault proxy accepts connections");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("request sent");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer read");
        let (head, payload) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        assert!(
            head.split(' ').nth(1).is_some_and(|s| s.starts_with('2')),
            "{method} {path}: {head}\n{payload}"
        );
        serde_json::from_str(payload).unwrap_or(Value::Null)
    }
}

impl Rule {
    /// How many requests the rule applied to, and when each arrived (monotonic seconds).
    pub fn hits(&self) -> (u64, Vec<f64>) {
        let answer = self
            .proxy
            .call("GET", &format!("/__fault/rules/{}", self.id), None);
        let times = answer["times"]
            .as_array()
            .map(|t| t.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        (answer["hits"].as_u64().unwrap_or(0), times)
    }

    /// Removes the rule.
    pub fn remove(self) {
        self.proxy
            .call("DELETE", &format!("/__fault/rules/{}", self.id), None);
    }
}
