//! Driving the fault-injecting proxy (`scripts/fault_proxy.py`) that `scripts/servers.sh` starts
//! in front of moto and of dynalite.
//!
//! A test builds its client through [`FaultProxy::builder`] (the endpoint is the proxy; DynamoDB
//! and S3 otherwise behave as the server behind it), adds [`Rule`]s whose `contains` is the test's
//! unique table or bucket name (so parallel tests never see each other's faults), runs the
//! operation under test and reads what each rule did with [`FaultRule::hits`]. The test clients
//! keep the SDK at one attempt: every retry a rule records is dynamate's own.
//!
//! ```no_run
//! # async fn example() {
//! use dynamate_tests::faults::{Action, FaultProxy, Rule, Service};
//! use dynamate_tests::support::Server;
//!
//! let proxy = FaultProxy::new(Server::Moto);
//! let client = proxy.client().await;
//! let conflict = proxy
//!     .add(
//!         Rule::new(Action::s3_error(409, "ConditionalRequestConflict"))
//!             .service(Service::S3)
//!             .operation("PUT")
//!             .contains("my-unique-bucket")
//!             .times(2),
//!     )
//!     .await;
//! // ... save something through `client` ...
//! assert_eq!(conflict.hits().await.hits, 2);
//! # }
//! ```

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};

use crate::support::{Server, builder};

/// How long one control request to the proxy may take before the test fails.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);

/// The fault proxy in front of one local server.
#[derive(Debug, Clone)]
pub struct FaultProxy {
    server: Server,
    endpoint: String,
    http: HttpClient<HttpConnector, Full<Bytes>>,
}

impl FaultProxy {
    /// The proxy in front of `server`; panics with instructions when the servers (and proxies)
    /// are not running.
    pub fn new(server: Server) -> Self {
        let variable = match server {
            Server::Moto => "DYNAMATE_TEST_FAULT_MOTO_ENDPOINT",
            Server::Dynalite => "DYNAMATE_TEST_FAULT_DYNALITE_ENDPOINT",
        };
        let endpoint = std::env::var(variable).unwrap_or_else(|_| {
            panic!(
                "{variable} is not set: run the tests through `scripts/servers.sh run -- cargo \
                 test` (or `scripts/test.sh`), which starts the fault proxies with the servers"
            )
        });
        let http = HttpClient::builder(TokioExecutor::new()).build_http();
        FaultProxy {
            server,
            endpoint,
            http,
        }
    }

    /// The proxy's endpoint URL (`http://127.0.0.1:PORT`), for DynamoDB and S3 alike.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The server this proxy forwards to.
    pub fn server(&self) -> Server {
        self.server
    }

    /// A test client builder ([`crate::support::builder`]) whose endpoint is this proxy.
    pub fn builder(&self) -> dynamate::ClientBuilder {
        builder(self.server).endpoint_url(&self.endpoint)
    }

    /// A test client whose DynamoDB and S3 requests go through this proxy.
    pub async fn client(&self) -> dynamate::Client {
        self.builder().build().await
    }

    /// Adds `rule` after every existing one; panics when the proxy refuses it.
    pub async fn add(&self, rule: Rule) -> FaultRule {
        let body = serde_json::to_vec(&rule).expect("a rule serializes");
        let created: Created = self.control("POST", "rules", body).await;
        FaultRule {
            proxy: self.clone(),
            id: created.id,
        }
    }

    /// One control request; panics on anything but a 200 answer with the expected JSON.
    async fn control<T: for<'de> Deserialize<'de>>(
        &self,
        method: &str,
        path: &str,
        body: Vec<u8>,
    ) -> T {
        let uri = format!("{}/__fault/{path}", self.endpoint);
        let request = hyper::Request::builder()
            .method(method)
            .uri(&uri)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("a valid control request");
        let exchange = async {
            let response = self.http.request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((status, body))
        };
        let (status, body) = match tokio::time::timeout(CONTROL_TIMEOUT, exchange).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => panic!("fault proxy control request {method} {uri} failed: {error}"),
            Err(_) => panic!("fault proxy control request {method} {uri} took over 10 s"),
        };
        assert!(
            status.is_success(),
            "fault proxy refused {method} {uri}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).unwrap_or_else(|error| {
            panic!(
                "fault proxy answered {method} {uri} with unexpected JSON ({error}): {}",
                String::from_utf8_lossy(&body)
            )
        })
    }
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

/// A rule added to a proxy: read what it did, or remove it.
#[derive(Debug, Clone)]
pub struct FaultRule {
    proxy: FaultProxy,
    id: String,
}

impl FaultRule {
    /// The proxy's id of this rule.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The requests this rule has applied to so far.
    pub async fn hits(&self) -> Hits {
        self.proxy
            .control("GET", &format!("rules/{}", self.id), Vec::new())
            .await
    }

    /// Removes the rule (requests it would have matched are forwarded from now on).
    pub async fn remove(self) {
        let _: serde_json::Value = self
            .proxy
            .control("DELETE", &format!("rules/{}", self.id), Vec::new())
            .await;
    }
}

/// What a rule has done: how many requests it applied to, and when.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Hits {
    /// The number of requests the rule applied to.
    pub hits: u64,
    /// The proxy's monotonic clock (seconds) at each of those requests, in order.
    pub times: Vec<f64>,
}

impl Hits {
    /// The seconds between consecutive requests (one fewer than [`Hits::times`]).
    pub fn gaps(&self) -> Vec<f64> {
        self.times
            .windows(2)
            .map(|pair| pair[1] - pair[0])
            .collect()
    }
}

/// Which requests a rule applies to, what it does to them, and how many times.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    #[serde(rename = "match")]
    matcher: Match,
    action: Action,
    times: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
struct Match {
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<Service>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contains: Option<String>,
}

impl Rule {
    /// A rule doing `action` to the next matching request (every request matches until narrowed
    /// with [`Rule::service`], [`Rule::operation`] and [`Rule::contains`]).
    pub fn new(action: Action) -> Self {
        Rule {
            matcher: Match::default(),
            action,
            times: 1,
        }
    }

    /// Only requests to `service`.
    pub fn service(mut self, service: Service) -> Self {
        self.matcher.service = Some(service);
        self
    }

    /// Only this DynamoDB operation (`"BatchWriteItem"`, `"UpdateItem"`, ...) or, for S3, this
    /// HTTP method (`"PUT"`, `"GET"`, `"HEAD"`, `"DELETE"`).
    pub fn operation(mut self, operation: &str) -> Self {
        self.matcher.operation = Some(operation.to_owned());
        self
    }

    /// Only requests whose path+query or body contains `text` (use the test's unique table or
    /// bucket name).
    pub fn contains(mut self, text: &str) -> Self {
        self.matcher.contains = Some(text.to_owned());
        self
    }

    /// Applies to the next `n` matching requests (the default is 1).
    pub fn times(mut self, n: u32) -> Self {
        self.times = i64::from(n);
        self
    }

    /// Applies to every matching request until removed.
    pub fn always(mut self) -> Self {
        self.times = -1;
        self
    }
}

/// The service a request is for: DynamoDB requests carry an `X-Amz-Target` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// DynamoDB.
    DynamoDb,
    /// S3.
    S3,
}

/// What the proxy does to a request a rule applies to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// `BatchWriteItem`/`BatchGetItem`: forward only the first `keep` requests or keys per table
    /// and answer with the rest added to `UnprocessedItems`/`UnprocessedKeys` (0: forward
    /// nothing).
    Unprocessed {
        /// Requests or keys per table that are forwarded.
        keep: usize,
    },
    /// A DynamoDB 400 throttling error.
    Throttle {
        /// The error's `__type` (default `ProvisionedThroughputExceededException`; also
        /// `ThrottlingException`, `RequestLimitExceeded`, ...).
        #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
        error_type: Option<String>,
    },
    /// Answer `status` without forwarding (a DynamoDB `InternalServerError` or S3 XML error body
    /// unless `body` is given).
    Status {
        /// The HTTP status.
        status: u16,
        /// The body to answer with instead of the default one.
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// An S3 XML error without forwarding.
    S3Error {
        /// The HTTP status (409, 412, 503, ...).
        status: u16,
        /// The S3 error code (`ConditionalRequestConflict`, `PreconditionFailed`, ...).
        code: String,
    },
    /// Close the connection without answering (after reading the request).
    Drop,
    /// Wait, then forward normally.
    Delay {
        /// Seconds to wait.
        seconds: f64,
    },
    /// Forward first (so the request takes effect), then answer with `then` (a throttle, status,
    /// S3 error or drop) instead of the upstream answer.
    After {
        /// The answer the client gets.
        then: Box<Action>,
    },
}

impl Action {
    /// [`Action::Throttle`] with the default `ProvisionedThroughputExceededException`.
    pub fn throttle() -> Self {
        Action::Throttle { error_type: None }
    }

    /// [`Action::Status`] with the default body.
    pub fn status(status: u16) -> Self {
        Action::Status { status, body: None }
    }

    /// [`Action::S3Error`].
    pub fn s3_error(status: u16, code: &str) -> Self {
        Action::S3Error {
            status,
            code: code.to_owned(),
        }
    }

    /// [`Action::After`]: forward, then answer with `then`.
    pub fn after(then: Action) -> Self {
        Action::After {
            then: Box::new(then),
        }
    }
}
