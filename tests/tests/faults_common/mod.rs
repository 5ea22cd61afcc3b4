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

/// One of each transient fault, once each, on `operation` requests naming `table`: a
/// `ProvisionedThroughputExceededException`, an HTTP 500, an HTTP 503 and a dropped connection
/// (in that order).
pub async fn transient_faults(proxy: &FaultProxy, operation: &str, table: &str) -> Vec<FaultRule> {
    let mut rules = Vec::new();
    for action in [
        Action::throttle(),
        Action::status(500),
        Action::status(503),
        Action::Drop,
    ] {
        rules.push(arm(proxy, operation, table, action, 1).await);
    }
    rules
}
