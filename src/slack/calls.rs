//! How the surface makes a Web API call: Slack's refusals come back at once, rate limits are
//! waited out for as long as Slack's `Retry-After` says, and transport failures are retried
//! with a growing pause; after a bounded number of attempts the call is given up as
//! unavailable, so one outage never holds a caller for long.
//!
//! A post whose request reached Slack before its answer was lost may be posted twice by a
//! retry; a duplicate status line is the lesser harm than a silent gate. Thread replies avoid
//! it by carrying a mark that a retry looks for first (see `marks`).

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use slack_morphism::ClientResult;
use slack_morphism::errors::SlackClientError;

use crate::chat::ChatError;

/// Attempts per call, the first one included.
pub(super) const MAX_ATTEMPTS: usize = 5;

/// Runs `call` (which paces itself) until it succeeds, is refused, or runs out of attempts.
pub(super) async fn with_retries<T, F, Fut>(method: &str, call: F) -> Result<T, ChatError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ClientResult<T>>,
{
    let backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(2))
        .with_max_times(MAX_ATTEMPTS - 1);
    call.retry(backoff)
        .when(is_transient)
        .adjust(|error, pause| pause.map(|pause| rate_limit_pause(error).unwrap_or(pause)))
        .notify(|error, pause| {
            tracing::warn!(method, %error, ?pause, "a Slack call failed; trying again");
        })
        .await
        .map_err(|error| chat_error(method, error))
}

/// Whether the same call may succeed a little later.
fn is_transient(error: &SlackClientError) -> bool {
    match error {
        SlackClientError::RateLimitError(_)
        | SlackClientError::HttpProtocolError(_)
        | SlackClientError::EndOfStream(_) => true,
        SlackClientError::HttpError(error) => error.status_code.is_server_error(),
        SlackClientError::ApiError(_)
        | SlackClientError::ProtocolError(_)
        | SlackClientError::SocketModeProtocolError(_)
        | SlackClientError::SystemError(_) => false,
    }
}

/// How long Slack asked us to wait after a 429.
fn rate_limit_pause(error: &SlackClientError) -> Option<Duration> {
    match error {
        SlackClientError::RateLimitError(limited) => limited.retry_after,
        _ => None,
    }
}

fn chat_error(method: &str, error: SlackClientError) -> ChatError {
    match error {
        SlackClientError::ApiError(refusal) => ChatError::Refused(refusal.code),
        error if is_transient(&error) => ChatError::Unavailable(format!(
            "{method} still failed after {MAX_ATTEMPTS} attempts: {error}"
        )),
        error => ChatError::Unavailable(format!("{method} failed: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use slack_morphism::errors::{SlackClientApiError, SlackClientHttpError, SlackRateLimitError};

    use super::*;

    #[test]
    fn refusals_are_final_and_outages_are_worth_another_attempt() {
        let refused =
            SlackClientError::ApiError(SlackClientApiError::new("channel_not_found".into()));
        assert!(!is_transient(&refused));
        assert_eq!(
            chat_error("chat.postMessage", refused),
            ChatError::Refused("channel_not_found".into())
        );
        let limited = SlackClientError::RateLimitError(
            SlackRateLimitError::new().with_retry_after(Duration::from_secs(3)),
        );
        assert!(is_transient(&limited));
        assert_eq!(rate_limit_pause(&limited), Some(Duration::from_secs(3)));
        let bad_gateway =
            SlackClientError::HttpError(SlackClientHttpError::new(StatusCode::BAD_GATEWAY));
        assert!(is_transient(&bad_gateway));
        let not_found =
            SlackClientError::HttpError(SlackClientHttpError::new(StatusCode::NOT_FOUND));
        assert!(!is_transient(&not_found));
        assert!(matches!(
            chat_error("chat.update", not_found),
            ChatError::Unavailable(reason) if reason.starts_with("chat.update failed")
        ));
    }
}
