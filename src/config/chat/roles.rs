//! `[chat.roles]`: who holds each of gatebot's chat roles (releasers, approvers, admins), by
//! Slack member id (`U…`, `W…`) or user-group id (`S…`). Ids rather than names, because names
//! change and can be taken over by someone else.

use crate::config::document::{Table, Value};
use crate::config::problems::Invalid;

use super::slack_ids::member_or_group_id;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolesConfig {
    pub releasers: Vec<String>,
    pub approvers: Vec<String>,
    pub admins: Vec<String>,
}

impl RolesConfig {
    pub(super) fn read(mut table: Table<'_>) -> Option<Self> {
        let mut role = |key: &str| {
            table
                .optional_with(key, read_ids)
                .map(Option::unwrap_or_default)
        };
        let releasers = role("releasers");
        let approvers = role("approvers");
        let admins = role("admins");
        table.finish();
        Some(Self {
            releasers: releasers?,
            approvers: approvers?,
            admins: admins?,
        })
    }
}

/// A list of ids, each of a member or a user group, none twice.
fn read_ids(value: &Value<'_>) -> Option<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    let mut complete = true;
    for item in value.array()? {
        let Some(id) = item.parse(member_or_group_id) else {
            complete = false;
            continue;
        };
        if ids.contains(&id) {
            item.problem(Invalid::new(
                format!("lists `{id}` a second time"),
                "list each member or group once",
            ));
            complete = false;
        } else {
            ids.push(id);
        }
    }
    complete.then_some(ids)
}
