//! Which Kubernetes API failures are worth another try, and how patiently to try.
//!
//! kube's own retry layer is switched off for gatebot's client (it would retry 429/503/504 but not
//! a 500 or a dropped connection); retrying here covers all of them and is visible in the logs.

use std::time::Duration;

use backon::ExponentialBuilder;

use std::future::Future;

/// Why one attempt at a call failed.
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    #[error(transparent)]
    Kube(#[from] kube::Error),
    #[error("the Kubernetes API did not answer within {0:?}")]
    TimedOut(Duration),
}

impl AttemptError {
    /// Whether the call may succeed if repeated unchanged.
    pub fn is_transient(&self) -> bool {
        match self {
            AttemptError::Kube(kube::Error::Api(status)) => {
                matches!(status.code, 429 | 500 | 502 | 503 | 504)
            }
            AttemptError::Kube(
                kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_),
            ) => true,
            AttemptError::Kube(_) => false,
            AttemptError::TimedOut(_) => true,
        }
    }
}

/// Runs one attempt with a time limit. kube's own read timeout is sized for long watches
/// (minutes), far too long for a create a release engineer is waiting for.
pub async fn within<T>(
    limit: Duration,
    call: impl Future<Output = Result<T, kube::Error>>,
) -> Result<T, AttemptError> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(AttemptError::TimedOut(limit)),
    }
}

/// Backoff for calls whose outcome a person is waiting for (Release creation): a handful of
/// quick attempts, then the error surfaces and the next reconcile pass tries again.
pub fn patient() -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(5))
        .with_max_times(5)
        .with_jitter()
}
