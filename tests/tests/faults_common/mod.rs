//! Shorthands over `dynamate_tests::faults` for the batch and tracker fault tests.
#![allow(dead_code)] // each test crate uses a subset

use std::future::IntoFuture;
use std::time::Duration;

use dynamate_tests::faults::{Action, FaultProxy, FaultRule, Rule, Service};

/// A deadline for every operation under faults: a retry loop that never ends fails the test
/// instead of hanging it.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Awaits `operation`, failing the test if it is still running at [`DEADLINE`].
pub async fn within<F: IntoFuture>(operation: F) -> F::Output {
    tokio::time::timeout(DEADLINE, operation.into_future())
        .await
        .expect("still retrying at the deadline")
}

/// Arms `action` for `times` DynamoDB `operation` requests naming `table` (-1: all of them).
pub async fn arm(
    proxy: &FaultProxy,
    operation: &str,
    table: &str,
    action: Action,
    times: i64,
) -> FaultRule {
    let rule = Rule::new(action)
        .service(Service::DynamoDb)
        .operation(operation)
        .contains(table);
    let rule = match u32::try_from(times) {
        Ok(n) => rule.times(n),
        Err(_) => rule.always(),
    };
    proxy.add(rule).await
}

/// `UnprocessedItems`/`UnprocessedKeys` on every `operation` request naming `table`: only the
/// first `keep` requests or keys of each are forwarded.
pub async fn unprocessed(
    proxy: &FaultProxy,
    operation: &str,
    table: &str,
    keep: usize,
) -> FaultRule {
    arm(proxy, operation, table, Action::Unprocessed { keep }, -1).await
}

/// One of each transient fault: a `ProvisionedThroughputExceededException`, an HTTP 500, an
/// HTTP 503 and a dropped connection (in that order).
pub fn transient_faults() -> Vec<Action> {
    vec![
        Action::throttle(),
        Action::status(500),
        Action::status(503),
        Action::Drop,
    ]
}

/// Arms each of `actions` once, in order, on `operation` requests naming `table`.
pub async fn once_each(
    proxy: &FaultProxy,
    operation: &str,
    table: &str,
    actions: Vec<Action>,
) -> Vec<FaultRule> {
    let mut rules = Vec::new();
    for action in actions {
        rules.push(arm(proxy, operation, table, action, 1).await);
    }
    rules
}
