//! Why a call to Gangway failed, in words an operator can act on, and — for a trigger — whether
//! the job may have been started all the same.
//!
//! Every variant except [`GangwayError::Uncertain`] means a trigger was certainly not carried
//! out, so it is safe to trigger again once the cause is fixed. `Uncertain` means the opposite:
//! triggering again may run the job twice; find the execution first
//! (`ProwClient::find_execution`).

use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GangwayError {
    /// A setting cannot work; nothing was requested.
    #[error("the Gangway setting `{field}` is `{value}`, which {reason}")]
    InvalidSettings {
        field: &'static str,
        value: String,
        reason: String,
    },
    /// 403 `PermissionDenied`: gatebot's API client may not run this job.
    #[error(
        "Gangway refused to run `{job}`: gatebot's API client is not allowed to run this job. \
         Prow's configuration must allow it: add a filter matching the job (its tenant) to \
         gatebot's entry in `gangway.allowed_api_clients[].allowed_jobs_filters`. Nothing was \
         triggered."
    )]
    NotAuthorised { job: String },
    /// 401 `Unauthenticated`: the token is missing, wrong or expired.
    #[error(
        "Gangway did not accept gatebot's token ({detail}); the token may have expired or been \
         revoked. Put a valid OpenShift CI (app.ci) token in gatebot's Gangway token secret. \
         Nothing was triggered."
    )]
    BadToken { detail: String },
    /// Prow has no periodic of this name (Gangway answers HTTP 500 `Unknown`).
    #[error(
        "Prow has no periodic job named `{job}` (Gangway: {detail}); check the job name in the \
         gate's configuration. Nothing was triggered."
    )]
    UnknownJob { job: String, detail: String },
    /// No execution has this id (Gangway passes the ProwJob's `NotFound` on as HTTP 500).
    #[error(
        "Gangway knows no execution `{id}` ({detail}); ProwJobs are deleted some days after they \
         finish, so read the run from GCS instead."
    )]
    UnknownExecution { id: String, detail: String },
    /// Gangway refused the request itself (400 `InvalidArgument`, or another 4xx): retrying the
    /// same request gets the same answer.
    #[error("Gangway refused {what}: {detail}. Nothing was triggered.")]
    Refused { what: String, detail: String },
    /// Gangway asked gatebot to wait (429 `Retry-After`) longer than one call waits.
    #[error(
        "Gangway is rate limiting gatebot until {until} and {what} would have to wait longer \
         than it may; nothing was sent. Try again after {until}."
    )]
    RateLimited { what: String, until: Timestamp },
    /// Gangway could not be reached or kept failing (5xx, timeouts, broken connections) until
    /// the retries ran out. For a trigger this is only ever a failure before anything was
    /// sent, such as a refused connection.
    #[error(
        "Gangway is unavailable: {what} failed {attempts} time(s) in a row; the last failure \
         was: {detail}"
    )]
    Unavailable {
        what: String,
        attempts: usize,
        detail: String,
    },
    /// The trigger was sent and its answer was lost (a 5xx after sending, a dropped connection,
    /// a timeout, an answer that cannot be read): the job may be running. Do not trigger it
    /// again before looking for the execution.
    #[error(
        "gatebot does not know whether Gangway started `{job}`: the trigger was sent, but {detail}. \
         The job may be running; look for it before triggering it again."
    )]
    Uncertain { job: String, detail: String },
}

impl GangwayError {
    /// Whether a trigger that failed this way may have started the job.
    pub fn may_have_triggered(&self) -> bool {
        matches!(self, Self::Uncertain { .. })
    }
}
