//! The one retry policy of every request dynamate repeats itself: unprocessed batch items and
//! keys, throttled or failed batch chunks, the tracker's batch deletes (and any other caller
//! that needs capped retries, such as S3 uploads answered with a conflict).
//!
//! The SDK's own retries (`ClientBuilder::max_attempts`) repeat one HTTP request; this policy
//! repeats what is still left to do after a request came back, with capped exponential backoff
//! and jitter, and always stops after [`RetryPolicy::max_attempts`] attempts.

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// Capped exponential backoff with jitter, and a cap on attempts.
///
/// The wait before retry `n` (from 0) is `d(n) = min(max_delay, base_delay * 2^n)` plus a
/// random jitter below `d(n)`, so it lies in `[d(n), 2 * d(n))`: it never shrinks below the
/// exponential schedule (the waits grow), and retrying clients spread out.
///
/// ```
/// use std::time::Duration;
/// use dynamate::io::retry::RetryPolicy;
///
/// let patient = RetryPolicy { max_attempts: 12, ..RetryPolicy::default() };
/// let waits: Vec<Duration> = patient.delays().collect();
/// assert_eq!(waits.len(), 11); // one wait before each attempt after the first
/// assert!(waits[0] >= Duration::from_millis(50) && waits[0] < Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (0 counts as 1: one attempt, no retry).
    pub max_attempts: u32,
    /// The first wait's lower bound.
    pub base_delay: Duration,
    /// The cap of `d(n)` (a wait is below twice this).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts, 50 ms base, 5 s cap: about 6.4 s of waiting at least before giving up.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
        }
    }
}

/// What [`RetryPolicy::run`] ends with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress<T, O> {
    /// Everything the attempts produced, in the order they produced it.
    pub done: Vec<O>,
    /// What is still left after the last attempt (empty when everything was done).
    pub left: Vec<T>,
    /// Attempts made (at least 1 when there was anything to do).
    pub attempts: u32,
}

impl RetryPolicy {
    /// The waits between attempts: `max_attempts - 1` of them, each drawn afresh.
    pub fn delays(&self) -> impl Iterator<Item = Duration> + use<> {
        let retries = usize::try_from(self.max_attempts.max(1) - 1).unwrap_or(usize::MAX);
        ExponentialBuilder::new()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay.max(self.base_delay))
            .with_max_times(retries)
            .with_jitter()
            .build()
    }

    /// Runs `attempt` on the `pending` items, then again on what it left, waiting between
    /// attempts, until nothing is left or the attempts are spent. `attempt` returns what it
    /// did and what is left; an `Err` ends the run at once (retry only what is worth retrying
    /// by returning it as left).
    pub async fn run<T, O, E, F, Fut>(
        &self,
        mut pending: Vec<T>,
        mut attempt: F,
    ) -> Result<Progress<T, O>, E>
    where
        F: FnMut(Vec<T>) -> Fut,
        Fut: Future<Output = Result<(Vec<O>, Vec<T>), E>>,
    {
        let mut done = Vec::new();
        let mut attempts = 0;
        let mut delays = self.delays();
        while !pending.is_empty() {
            if attempts > 0 {
                match delays.next() {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => break,
                }
            }
            attempts += 1;
            let (out, left) = attempt(pending).await?;
            done.extend(out);
            pending = left;
        }
        Ok(Progress {
            done,
            left: pending,
            attempts,
        })
    }

    /// Runs `attempt` until it succeeds, fails with an error `retryable` rejects, or the
    /// attempts are spent (then the last error is returned).
    pub async fn retry<V, E, F, Fut>(
        &self,
        mut attempt: F,
        retryable: impl Fn(&E) -> bool,
    ) -> Result<V, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let mut delays = self.delays();
        loop {
            match attempt().await {
                Err(error) if retryable(&error) => match delays.next() {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => return Err(error),
                },
                result => return result,
            }
        }
    }
}

/// Whether a failed DynamoDB request is worth repeating as it was: throttled
/// (`ProvisionedThroughputExceededException`, `ThrottlingException`, `RequestLimitExceeded`),
/// a 5xx answer, a timeout, or a connection that failed or closed without a usable answer.
/// Only for requests that are safe to repeat (batch reads, and batch writes, which take no
/// conditions).
pub(crate) fn transient<E>(
    error: &aws_sdk_dynamodb::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    use aws_sdk_dynamodb::error::SdkError;
    match error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            service.raw().status().is_server_error()
                || matches!(
                    service.err().code(),
                    Some(
                        "ProvisionedThroughputExceededException"
                            | "ThrottlingException"
                            | "RequestLimitExceeded"
                    )
                )
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
    };

    #[tokio::test]
    async fn leftovers_come_back_after_the_cap() {
        let mut calls = 0;
        let progress = QUICK
            .run(vec![1, 2, 3], |pending: Vec<i32>| {
                calls += 1;
                // Each attempt processes the first pending element only.
                async move { Ok::<_, ()>((pending[..1].to_vec(), pending[1..].to_vec())) }
            })
            .await
            .unwrap();
        assert_eq!(calls, 3);
        assert_eq!((progress.done, progress.left), (vec![1, 2, 3], vec![]));

        let progress = QUICK
            .run(vec![1, 2, 3, 4, 5], |pending: Vec<i32>| async move {
                Ok::<_, ()>((pending[..1].to_vec(), pending[1..].to_vec()))
            })
            .await
            .unwrap();
        assert_eq!(progress.attempts, 3);
        assert_eq!((progress.done, progress.left), (vec![1, 2, 3], vec![4, 5]));
    }

    #[tokio::test]
    async fn nothing_to_do_makes_no_attempt_and_errors_end_the_run() {
        let progress = QUICK
            .run(Vec::<i32>::new(), |_| async {
                Err::<(Vec<()>, _), _>("called")
            })
            .await
            .unwrap();
        assert_eq!(progress.attempts, 0);
        let mut calls = 0;
        let failed = QUICK
            .run(vec![1], |_| {
                calls += 1;
                async { Err::<(Vec<()>, Vec<i32>), _>("broken") }
            })
            .await;
        assert_eq!((failed, calls), (Err("broken"), 1));
    }

    #[tokio::test]
    async fn retry_stops_at_the_cap_or_on_a_final_error() {
        // "busy" is retryable and retried up to the cap; "denied" ends at once.
        for (error, expected_calls) in [("busy", 3), ("denied", 1)] {
            let mut calls = 0;
            let result = QUICK
                .retry(
                    || {
                        calls += 1;
                        async move { Err::<(), _>(error) }
                    },
                    |e| *e == "busy",
                )
                .await;
            assert_eq!((result, calls), (Err(error), expected_calls));
        }
    }

    #[test]
    fn waits_follow_the_capped_schedule() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
        };
        let waits: Vec<Duration> = policy.delays().collect();
        assert_eq!(waits.len(), 9);
        for (n, wait) in waits.iter().enumerate() {
            let floor = (Duration::from_millis(10) * 2u32.pow(n as u32)).min(policy.max_delay);
            assert!(
                *wait >= floor && *wait < floor * 2,
                "wait {n} = {wait:?} outside [{floor:?}, 2x)"
            );
        }
        let once = RetryPolicy {
            max_attempts: 0,
            ..policy
        };
        assert_eq!(once.delays().count(), 0, "0 attempts means one, no retry");
    }
}
