//! The chat messages of an emergency release: the request, with Approve and Deny buttons while
//! it is open and its outcome in their place once decided, and the channel alert for a Release
//! created without its gate. Pure: store records in, messages out.
//!
//! Everything a person typed — the justification, a denial's reason — is escaped, so it shows
//! exactly as written and cannot ping the channel.

use super::EmergencyRequest;
use crate::approvals::{Approval, RequestState, decision_buttons};
use crate::chat::{Message, mrkdwn};
use crate::gate::ReleaseRecord;

/// The mark the request message carries, so that it can be found again when gatebot did not
/// learn where it landed.
pub fn request_mark(id: &str) -> String {
    format!("emergency-request:{id}")
}

/// The request message as it stands: open with its buttons, or decided with its outcome.
pub fn request_message(request: &EmergencyRequest, approvals: &[Approval]) -> Message {
    let approval = &request.approval;
    let id = &approval.id;
    let snapshot = &request.key.snapshot;
    let fallback = match approval.state {
        RequestState::Pending => {
            format!("Emergency release requested for {snapshot}: approve or deny {id}")
        }
        state => format!("Emergency release request {id} for {snapshot}: {state}"),
    };
    let mut message = Message::new(fallback)
        .header("Emergency release requested")
        .section(&format!(
            ":rotating_light: {} asks to release {} before its gate passed.",
            person(&approval.requester),
            code(snapshot)
        ))
        .section(&facts(request))
        .section(&format!(
            "*Justification*\n{}",
            quote(&request.justification)
        ));
    if !approvals.is_empty() {
        message = message.section(&format!(
            "*Approved so far* by {} ({} of {})",
            people(approvals.iter().map(|approval| approval.approver.as_str())),
            approvals.len(),
            approval.approvals_needed
        ));
    }
    if approval.state != RequestState::Pending {
        return message.section(&outcome(request));
    }
    let approvals = match approval.approvals_needed {
        1 => "one approval".to_string(),
        n => format!("{n} approvals"),
    };
    message
        .context(&format!(
            "Request {} · needs {approvals} from approvers other than {} · expires {} · \
             or type `approve {id}`, or `deny {id} <reason>`",
            code(id),
            person(&approval.requester),
            approval.expires_at
        ))
        .actions(decision_buttons(id))
}

/// The channel alert for a Release created in an emergency: what, why, who, and links to the
/// request and to the snapshot's thread.
pub fn alert_message(
    request: &EmergencyRequest,
    approvals: &[Approval],
    release: &ReleaseRecord,
    thread_link: Option<&str>,
) -> Message {
    let title = "Emergency release created — requires review";
    let mut links = Vec::new();
    if let Some(permalink) = &request.approval.permalink {
        links.push(mrkdwn::link(
            permalink,
            &format!("Emergency request {}", request.approval.id),
        ));
    }
    if let Some(thread) = thread_link {
        links.push(mrkdwn::link(
            thread,
            &format!("status thread of {}", request.key.snapshot),
        ));
    }
    let mut message = Message::new(format!(
        "{title}: Release {} of {}",
        release.name, request.key.snapshot
    ))
    .header(title)
    .section(&format!(
        ":rotating_light: Release {} of {} was created without its gate (plan {}, namespace {}).\n\
         Requested by {}, approved by {}.",
        code(&release.name),
        code(&request.key.snapshot),
        code(&release.release_plan),
        code(&release.namespace),
        person(&request.approval.requester),
        people(approvals.iter().map(|approval| approval.approver.as_str()))
    ))
    .section(&format!(
        "*Justification*\n{}",
        quote(&request.justification)
    ));
    if !links.is_empty() {
        message = message.section(&links.join(" · "));
    }
    message.context("Review the Release and why the gate was skipped; `audit` lists every step.")
}

fn facts(request: &EmergencyRequest) -> String {
    let or_unknown =
        |value: &Option<String>| value.as_deref().map_or_else(|| "unknown".to_string(), code);
    format!(
        "*Snapshot* {} (gate {})\n*Image digest* {}\n*Git revision* {}\n*Gate when requested* {}",
        code(&request.key.snapshot),
        code(&request.key.gate),
        or_unknown(&request.digest),
        or_unknown(&request.git_revision),
        mrkdwn::escape(&request.gate_state)
    )
}

fn outcome(request: &EmergencyRequest) -> String {
    let approval = &request.approval;
    let by = approval
        .closed_by
        .as_deref()
        .map_or_else(String::new, person);
    let at = approval
        .closed_at
        .map_or_else(String::new, |at| at.to_string());
    let release = request
        .release_name
        .as_deref()
        .map_or_else(String::new, code);
    match approval.state {
        RequestState::Approved => format!(
            ":white_check_mark: *Approved* by {by} at {at}. Release {release} is created without \
             the gate and requires review."
        ),
        RequestState::Denied => {
            let reason = approval
                .reason
                .as_deref()
                .map_or_else(|| "no reason given".to_string(), mrkdwn::escape);
            format!(":no_entry_sign: *Denied* by {by} at {at}: {reason}. Nothing was released.")
        }
        RequestState::Expired => format!(
            ":hourglass: *Expired* at {} without the approvals it needed. Nothing was released; \
             ask again with `emergency` if it is still needed.",
            approval.expires_at
        ),
        RequestState::Overtaken => format!(
            ":fast_forward: *Closed*: {} has Release {release} already, so no emergency Release \
             was created.",
            code(&request.key.snapshot)
        ),
        RequestState::Pending => String::new(),
    }
}

/// A chat user: a mention for a member id, escaped text for anything else.
fn person(user: &str) -> String {
    if !user.is_empty() && user.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("<@{user}>")
    } else {
        mrkdwn::escape(user)
    }
}

fn people<'a>(users: impl Iterator<Item = &'a str>) -> String {
    users.map(person).collect::<Vec<_>>().join(", ")
}

/// Outside text as a block quote, line by line.
fn quote(text: &str) -> String {
    text.lines()
        .map(|line| format!("> {}", mrkdwn::escape(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn code(text: &str) -> String {
    format!("`{}`", mrkdwn::escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Block;
    use crate::emergency::test_request::sample_request;

    fn request(state: RequestState) -> EmergencyRequest {
        let mut request = sample_request(state);
        request.digest = Some("sha256:abc".into());
        request.gate_state = "BLOCKED — 6 of 8 required passed, 2 failed".into();
        request.justification = "<!channel> & <@U123>\nsecond line".into();
        request.approval.approvals_needed = 1;
        request.approval.closed_by = Some("U0APP".into());
        request.approval.closed_at = Some("2026-05-12T10:05:00Z".parse().unwrap());
        request.approval.reason = Some("not <!here>".into());
        request.release_name = Some("snap-1-1a2b3c4d".into());
        request
    }

    fn text(message: &Message) -> String {
        format!("{message:?}")
    }

    #[test]
    fn an_open_request_has_its_facts_escaped_and_two_buttons_that_run_commands() {
        let message = request_message(&request(RequestState::Pending), &[]);
        let shown = text(&message);
        assert!(
            shown.contains("> &lt;!channel&gt; &amp; &lt;@U123&gt;"),
            "{shown}"
        );
        assert!(!shown.contains("<!channel>"), "{shown}");
        assert!(shown.contains("`sha256:abc`") && shown.contains("*Git revision* unknown"));
        assert!(shown.contains("BLOCKED — 6 of 8"), "{shown}");
        let Some(Block::Actions(buttons)) = message.blocks.last() else {
            panic!("{shown}")
        };
        let values: Vec<&str> = buttons.iter().map(|b| b.value.as_str()).collect();
        assert_eq!(values, ["approve em-1a2b3c4d", "deny em-1a2b3c4d"]);
    }

    #[test]
    fn a_decided_request_shows_its_outcome_instead_of_buttons() {
        for (state, says) in [
            (RequestState::Approved, "*Approved* by <@U0APP>"),
            (
                RequestState::Denied,
                "not &lt;!here&gt;. Nothing was released.",
            ),
            (RequestState::Expired, "*Expired* at 2026-05-12T12:00:00Z"),
            (
                RequestState::Overtaken,
                "has Release `snap-1-1a2b3c4d` already",
            ),
        ] {
            let message = request_message(&request(state), &[]);
            assert!(
                !message
                    .blocks
                    .iter()
                    .any(|b| matches!(b, Block::Actions(_))),
                "{state:?}"
            );
            assert!(
                text(&message).contains(says),
                "{state:?}: {}",
                text(&message)
            );
        }
    }
}
