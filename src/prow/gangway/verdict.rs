//! What one attempt of a Gangway call means for the caller: done, try again, wait for the rate
//! limit, or stop with an error — decided without I/O, so every case is tested directly.
//!
//! The rule that shapes it: a read can always be repeated, a trigger only when it certainly did
//! nothing. A trigger is therefore retried after a refused connection (never sent) and a 429
//! (the front refused it), and never after it was sent and its answer went missing: that is
//! [`GangwayError::Uncertain`]. A 401 is not retried either: the same token gets the same answer.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use super::error::GangwayError;
use crate::prow::gcs_answer::{Answer, retry_after};

/// The call an attempt belongs to.
#[derive(Debug, Clone, Copy)]
pub(super) enum Call<'a> {
    Trigger { job: &'a str },
    Get { id: &'a str },
    List { job: &'a str },
}

impl Call<'_> {
    /// The call in words, for errors and logs.
    pub fn describe(&self) -> String {
        match self {
            Call::Trigger { job } => format!("the trigger of `{job}`"),
            Call::Get { id } => format!("reading execution `{id}`"),
            Call::List { job: "" } => "listing executions".to_string(),
            Call::List { job } => format!("listing the executions of `{job}`"),
        }
    }
}

/// What became of one attempt on the wire.
pub(super) enum Attempt {
    Answered(Answer),
    /// The request never left: no connection could be made.
    NotSent(String),
    /// The request left and no answer came back (timeout, connection closed).
    Lost(String),
}

/// What to do after an attempt that brought no usable answer.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Try again after the backoff.
    Retry(String),
    /// A 429: every request of this client waits (`Retry-After`, when Gangway gave one), then
    /// this one tries again.
    Hold {
        wait: Option<Duration>,
        detail: String,
    },
    Stop(GangwayError),
}

/// Judges one attempt of `call`: a 2xx answer to read, or what to do instead.
pub(super) fn judge(call: Call<'_>, attempt: Attempt) -> Result<Answer, Verdict> {
    let answer = match attempt {
        Attempt::NotSent(detail) => return Err(Verdict::Retry(detail)),
        Attempt::Lost(detail) => return Err(lost(call, format!("no answer came back ({detail})"))),
        Attempt::Answered(answer) if answer.status.is_success() => return Ok(answer),
        Attempt::Answered(answer) => answer,
    };
    let status = Status::of(&answer);
    let detail = status.detail(answer.status);
    Err(match (answer.status, call) {
        (StatusCode::TOO_MANY_REQUESTS, _) => Verdict::Hold {
            wait: retry_after(&answer.headers),
            detail,
        },
        (StatusCode::UNAUTHORIZED, _) => Verdict::Stop(GangwayError::BadToken { detail }),
        (StatusCode::FORBIDDEN, Call::Trigger { job }) => {
            Verdict::Stop(GangwayError::NotAuthorised {
                job: job.to_string(),
            })
        }
        // Gangway passes a failed job lookup on without a gRPC code: `Unknown`, HTTP 500.
        (StatusCode::INTERNAL_SERVER_ERROR, Call::Trigger { job })
            if status.message.contains("failed to find associated") =>
        {
            Verdict::Stop(GangwayError::UnknownJob {
                job: job.to_string(),
                detail: status.message,
            })
        }
        (StatusCode::INTERNAL_SERVER_ERROR, Call::Get { id })
            if status.code == Some(UNKNOWN) && status.message.ends_with("not found") =>
        {
            Verdict::Stop(GangwayError::UnknownExecution {
                id: id.to_string(),
                detail: status.message,
            })
        }
        (code, _) if code.is_server_error() || code == StatusCode::REQUEST_TIMEOUT => {
            lost(call, format!("Gangway answered {detail}"))
        }
        _ => Verdict::Stop(GangwayError::Refused {
            what: call.describe(),
            detail,
        }),
    })
}

/// A 2xx whose body cannot be read: a read tries again; a trigger was carried out, but its id
/// is unknown.
pub(super) fn unreadable(call: Call<'_>, detail: String) -> Verdict {
    lost(call, format!("its answer could not be read ({detail})"))
}

/// The request may have been carried out and its outcome is unknown.
fn lost(call: Call<'_>, detail: String) -> Verdict {
    match call {
        Call::Trigger { job } => Verdict::Stop(GangwayError::Uncertain {
            job: job.to_string(),
            detail,
        }),
        Call::Get { .. } | Call::List { .. } => Verdict::Retry(detail),
    }
}

/// gRPC's `Unknown`.
const UNKNOWN: i64 = 2;

/// A `google.rpc.Status` error body, or as much of one as came.
#[derive(Debug, Default, Deserialize)]
struct Status {
    code: Option<i64>,
    #[serde(default)]
    message: String,
}

impl Status {
    fn of(answer: &Answer) -> Self {
        serde_json::from_slice(&answer.body).unwrap_or_else(|_| Self {
            code: None,
            message: String::from_utf8_lossy(&answer.body)
                .chars()
                .take(200)
                .collect::<String>()
                .trim()
                .to_string(),
        })
    }

    fn detail(&self, status: StatusCode) -> String {
        if self.message.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {}", self.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
    use serde_json::json;

    use super::*;

    const JOB: &str = "periodic-ci-openshift-hypershift-release-4.22-periodics-e2e-aks";
    const TRIGGER: Call<'static> = Call::Trigger { job: JOB };
    const GET: Call<'static> = Call::Get { id: "6c2f" };

    fn answer(status: u16, code: i64, message: &str) -> Attempt {
        let body = json!({ "code": code, "message": message, "details": [] });
        Attempt::Answered(Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: serde_json::to_vec(&body).unwrap(),
        })
    }

    fn verdict(call: Call<'_>, attempt: Attempt) -> Verdict {
        judge(call, attempt).expect_err("not an answer to read")
    }

    fn stopped(call: Call<'_>, attempt: Attempt) -> GangwayError {
        match verdict(call, attempt) {
            Verdict::Stop(error) => error,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn a_trigger_is_retried_only_when_it_certainly_did_nothing() {
        let refused = Attempt::NotSent("connection refused".into());
        assert!(matches!(verdict(TRIGGER, refused), Verdict::Retry(_)));
        let mut limited = Answer {
            status: StatusCode::TOO_MANY_REQUESTS,
            headers: HeaderMap::new(),
            body: Vec::new(),
        };
        limited
            .headers
            .insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(
            verdict(TRIGGER, Attempt::Answered(limited)),
            Verdict::Hold {
                wait: Some(Duration::from_secs(7)),
                detail: "HTTP 429 Too Many Requests".into()
            }
        );
        for maybe_done in [
            answer(502, 14, "upstream connect error"),
            answer(503, 14, "unavailable"),
            answer(500, 13, "internal"),
            Attempt::Lost("connection closed before message completed".into()),
        ] {
            let error = stopped(TRIGGER, maybe_done);
            assert!(error.may_have_triggered(), "{error}");
        }
        let unread = unreadable(TRIGGER, "EOF".into());
        assert!(matches!(
            unread,
            Verdict::Stop(GangwayError::Uncertain { .. })
        ));
    }

    #[test]
    fn reads_are_retried_on_server_trouble_and_lost_answers() {
        for transient in [
            answer(502, 14, "bad gateway"),
            answer(500, 13, "internal"),
            Attempt::Lost("timed out".into()),
            Attempt::NotSent("connection refused".into()),
        ] {
            assert!(matches!(verdict(GET, transient), Verdict::Retry(_)));
        }
        assert!(matches!(unreadable(GET, "EOF".into()), Verdict::Retry(_)));
    }

    #[test]
    fn definite_refusals_name_their_cause_and_say_nothing_was_triggered() {
        let denied = stopped(
            TRIGGER,
            answer(403, 7, "client is not authorized to execute the given job"),
        );
        assert_eq!(denied, GangwayError::NotAuthorised { job: JOB.into() });
        let text = denied.to_string();
        assert!(
            text.contains(JOB) && text.contains("gangway.allowed_api_clients"),
            "{text}"
        );

        let unknown = stopped(
            TRIGGER,
            answer(
                500,
                2,
                "failed to find associated periodic job \"periodic-nope\"",
            ),
        );
        assert!(
            matches!(unknown, GangwayError::UnknownJob { .. }),
            "{unknown}"
        );
        assert!(!unknown.may_have_triggered());

        let token = stopped(GET, answer(401, 16, "the bearer token is not valid"));
        assert!(token.to_string().contains("token"), "{token}");
        let gone = stopped(
            GET,
            answer(500, 2, "prowjobs.prow.k8s.io \"6c2f\" not found"),
        );
        assert!(
            matches!(gone, GangwayError::UnknownExecution { .. }),
            "{gone}"
        );
        let bad = stopped(
            TRIGGER,
            answer(
                400,
                3,
                "invalid environment variable key/value pair: \"X\", \"\"",
            ),
        );
        assert!(
            bad.to_string().contains("invalid environment variable"),
            "{bad}"
        );
    }

    #[test]
    fn a_body_that_is_not_a_status_is_quoted_as_text() {
        let attempt = Attempt::Answered(Answer {
            status: StatusCode::NOT_FOUND,
            headers: HeaderMap::new(),
            body: b"no route\n".to_vec(),
        });
        let error = stopped(Call::List { job: "" }, attempt);
        assert_eq!(
            error.to_string(),
            "Gangway refused listing executions: HTTP 404 Not Found: no route. Nothing was triggered."
        );
    }
}
