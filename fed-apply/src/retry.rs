//! Retrying transient failures: 429, 5xx and connection errors, with exponential backoff.

use std::{future::Future, time::Duration};

/// How transient failures are retried.
///
/// kube's own retry layer is switched off on the applier's clients so that this policy is the
/// only one: bounded, reported through [`crate::Progress`], and the same for every request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per request, the first one included (1 = no retry).
    pub max_attempts: u32,
    /// Delay before the second try; doubled for each further try.
    pub initial_backoff: Duration,
    /// Upper bound of the delay (a server's `retryAfterSeconds` is honoured up to it).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 5 tries, 250 ms doubling up to 8 s.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    fn delay(&self, attempt: u32, error: &kube::Error) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let server = match error {
            kube::Error::Api(s) => s.details.as_ref().map_or(Duration::ZERO, |d| {
                Duration::from_secs(u64::from(d.retry_after_seconds))
            }),
            _ => Duration::ZERO,
        };
        exp.max(server).min(self.max_backoff)
    }

    /// Runs `op` until it succeeds, fails with a non-transient error, or `max_attempts` is
    /// reached; `on_retry(attempt, delay, error)` is called before each wait.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        mut op: F,
        on_retry: impl Fn(u32, Duration, &kube::Error),
    ) -> Result<T, kube::Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        let mut attempt = 1;
        loop {
            match op().await {
                Err(e) if attempt < self.max_attempts && is_transient(&e) => {
                    let delay = self.delay(attempt, &e);
                    on_retry(attempt, delay, &e);
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// True for errors worth retrying: 429, 5xx, and failures to reach the server.
pub(crate) fn is_transient(error: &kube::Error) -> bool {
    match error {
        kube::Error::Api(status) => status.code == 429 || (500..600).contains(&status.code),
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
        };
        let e = kube::Error::Api(Box::new(
            kube::core::Status::failure("x", "TooManyRequests").with_code(429),
        ));
        assert_eq!(p.delay(1, &e), Duration::from_millis(100));
        assert_eq!(p.delay(2, &e), Duration::from_millis(200));
        assert_eq!(p.delay(4, &e), Duration::from_millis(500));
        assert!(is_transient(&e));
        let conflict = kube::Error::Api(Box::new(
            kube::core::Status::failure("x", "Conflict").with_code(409),
        ));
        assert!(!is_transient(&conflict));
    }
}
