//! Why a poll of Prow results failed as a whole, in words an operator can act on.
//!
//! Damaged files inside one build are not errors; they are reported as problems next to the
//! runs (see `Problem`). An error means the poll learned nothing and the caller's cursor still
//! stands.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProwError {
    /// A setting cannot work; nothing was requested.
    #[error("the Prow setting `{field}` is `{value}`, which {reason}")]
    InvalidSettings {
        field: &'static str,
        value: String,
        reason: String,
    },
    /// GCS kept failing in a way that usually passes (server errors, rate limits, timeouts,
    /// broken connections) until the retries ran out.
    #[error(
        "could not read the results of Prow job `{job}`: GET {url} failed {attempts} time(s) in a row; the last failure was: {detail}"
    )]
    Unavailable {
        job: String,
        url: String,
        attempts: usize,
        detail: String,
    },
    /// GCS answered in a way that retrying will not change (for example 403, or a bucket that
    /// does not exist).
    #[error("could not read the results of Prow job `{job}`: GET {url} was refused: {detail}")]
    Refused {
        job: String,
        url: String,
        detail: String,
    },
}
