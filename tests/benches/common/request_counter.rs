//! An SDK interceptor counting the HTTP requests a client sends (retries included), shared by
//! the benchmarks that report requests per operation.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Counts every request of the client it is added to (DynamoDB or S3).
#[derive(Debug, Default, Clone)]
pub struct RequestCounter(Arc<AtomicU64>);

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl RequestCounter {
    /// Requests counted so far.
    #[allow(dead_code)] // each benchmark uses one of `count` and `take`
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Requests counted since the last `take`, resetting the count.
    #[allow(dead_code)]
    pub fn take(&self) -> u64 {
        self.0.swap(0, Ordering::Relaxed)
    }
}
