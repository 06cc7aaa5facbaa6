//! The chat messages of an emergency release: the request, with Approve and Deny buttons while
//! it is open and its outcome in their place once decided, and the channel alert for a Release
//! created without its gate. Pure: store records in, messages out.
//!
//! Everything a person typed — the justification, a denial's reason — is escaped, so it shows
//! exactly as written and cannot ping the channel.

use crate::chat::{Button, ButtonStyle, Message, mrkdwn};
use crate::gate::ReleaseRecord;
use crate::store::{Approval, EmergencyRequest, RequestState};

/// The `action_id`s of the request's buttons. Their values are the command lines they run.
pub const APPROVE_ACTION: &str = "emergency-approve";
pub const DENY_ACTION: &str = "emergency-deny";

/// The mark the request message carries, so that it can be found again when gatebot did not
/// learn where it landed.
pub fn request_mark(id: &str) -> String {
    format!("emergency-request:{id}")
}

/// The request message as it stands: open with its buttons, or decided with its outcome.
pub fn request_message(request: &EmergencyRequest, approvals: &[Approval]) -> Message {
    let id = &request.id;
    let snapshot = &request.snapshot;
    let fallback = match request.state {
        RequestState::Pending => {
            format!("Emergency release requested for {snapshot}: approve or deny {id}")
        }
        state => format!(
            "Emergency release request {id} for {snapshot}: {}",
            state.as_str()
        ),
    };
    let mut message = Message::new(fallback)
        .header("Emergency release requested")
        .section(&format!(
            ":rotating_light: {} asks to release {} before its gate passed.",
            person(&request.requester),
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
            request.approvals_needed
        ));
    }
    if request.state != RequestState::Pending {
        return message.section(&outcome(request));
    }
    let approvals = match request.approvals_needed {
        1 => "one approval".to_string(),
        n => format!("{n} approvals"),
    };
    message
        .context(&format!(
            "Request {} · needs {approvals} from approvers other than {} · expires {} · \
             or type `approve {id}`, or `deny {id} <reason>`",
            code(id),
            person(&request.requester),
            request.expires_at
        ))
        .actions(vec![
            Button {
                action_id: APPROVE_ACTION.into(),
                label: "Approve".into(),
                value: format!("approve {id}"),
                style: ButtonStyle::Primary,
            },
            Button {
                action_id: DENY_ACTION.into(),
                label: "Deny".into(),
                value: format!("deny {id}"),
                style: ButtonStyle::Danger,
            },
        ])
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
    if let Some(permalink) = &request.permalink {
        links.push(mrkdwn::link(
            permalink,
            &format!("Emergency request {}", request.id),
        ));
    }
    if let Some(thread) = thread_link {
        links.push(mrkdwn::link(
            thread,
            &format!("status thread of {}", request.snapshot),
        ));
    }
    let mut message = Message::new(format!(
        "{title}: Release {} of {}",
        release.name, request.snapshot
    ))
    .header(title)
    .section(&format!(
        ":rotating_light: Release {} of {} was created without its gate (plan {}, namespace {}).\n\
         Requested by {}, approved by {}.",
        code(&release.name),
        code(&request.snapshot),
        code(&release.release_plan),
        code(&release.namespace),
        person(&request.requester),
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
        code(&request.snapshot),
        code(&request.gate),
        or_unknown(&request.digest),
        or_unknown(&request.git_revision),
        mrkdwn::escape(&request.gate_state)
    )
}

fn outcome(request: &EmergencyRequest) -> String {
    let by = request
        .closed_by
        .as_deref()
        .map_or_else(String::new, person);
    let at = request
        .closed_at
        .map_or_else(String::new, |at| at.to_string());
    let release = request
        .release_name
        .as_deref()
        .map_or_else(String::new, code);
    match request.state {
        RequestState::Approved => format!(
            ":white_check_mark: *Approved* by {by} at {at}. Release {release} is created without \
             the gate and requires review."
        ),
        RequestState::Denied => {
            let reason = request
                .reason
                .as_deref()
                .map_or_else(|| "no reason given".to_string(), mrkdwn::escape);
            format!(":no_entry_sign: *Denied* by {by} at {at}: {reason}. Nothing was released.")
        }
        RequestState::Expired => format!(
            ":hourglass: *Expired* at {} without the approvals it needed. Nothing was released; \
             ask again with `emergency` if it is still needed.",
            request.expires_at
        ),
        RequestState::Overtaken => format!(
            ":fast_forward: *Closed*: {} has Release {release} already, so no emergency Release \
             was created.",
            code(&request.snapshot)
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
    use jiff::Timestamp;

    fn request(state: RequestState) -> EmergencyRequest {
        let at = |text: &str| text.parse::<Timestamp>().unwrap();
        EmergencyRequest {
            id: "em-1a2b3c4d".into(),
            gate: "hypershift-operator".into(),
            snapshot: "snap-1".into(),
            digest: Some("sha256:abc".into()),
            git_revision: None,
            gate_state: "BLOCKED — 6 of 8 required passed, 2 failed".into(),
            requester: "U0REQ".into(),
            justification: "<!channel> & <@U123>\nsecond line".into(),
            approvals_needed: 1,
            state,
            requested_at: at("2026-05-12T10:00:00Z"),
            expires_at: at("2026-05-12T12:00:00Z"),
            channel: "C0REL".into(),
            thread_ts: None,
            message_ts: None,
            permalink: None,
            closed_by: Some("U0APP".into()),
            closed_at: Some(at("2026-05-12T10:05:00Z")),
            reason: Some("not <!here>".into()),
            release_name: Some("snap-1-1a2b3c4d".into()),
        }
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
