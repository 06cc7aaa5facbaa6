//! `[chat.roles]`: who holds each of gatebot's chat roles (releasers, approvers, admins), by
//! Slack member id (`U…`, `W…`) or user-group id (`S…`). Ids rather than names, because names
//! change and can be taken over by someone else.

use serde::Deserialize;
use toml::Spanned;

use crate::config::field_path::FieldPath;
use crate::config::problems::Invalid;
use crate::config::report::{Place, Report};

use super::slack_ids::member_or_group_id;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolesConfig {
    pub releasers: Vec<String>,
    pub approvers: Vec<String>,
    pub admins: Vec<String>,
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RolesSection {
    releasers: Vec<Spanned<String>>,
    approvers: Vec<Spanned<String>>,
    admins: Vec<Spanned<String>>,
}

impl RolesSection {
    pub(super) fn validate(&self, place: &Place, report: &mut Report<'_>) -> Option<RolesConfig> {
        let releasers = ids(&place.key("releasers"), &self.releasers, report);
        let approvers = ids(&place.key("approvers"), &self.approvers, report);
        let admins = ids(&place.key("admins"), &self.admins, report);
        Some(RolesConfig {
            releasers: releasers?,
            approvers: approvers?,
            admins: admins?,
        })
    }
}

/// A list of ids, each of a member or a user group, none twice.
fn ids(
    path: &FieldPath,
    items: &[Spanned<String>],
    report: &mut Report<'_>,
) -> Option<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    let mut complete = true;
    for (index, item) in items.iter().enumerate() {
        let path = path.index(index);
        let Some(id) = report.check(&path, item, member_or_group_id) else {
            complete = false;
            continue;
        };
        if ids.contains(&id) {
            report.add(
                &path,
                Some(item.span()),
                Invalid::new(
                    format!("lists `{id}` a second time"),
                    "list each member or group once",
                ),
            );
            complete = false;
        } else {
            ids.push(id);
        }
    }
    complete.then_some(ids)
}
