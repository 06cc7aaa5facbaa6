//! Who is who: `users.info` and `usergroups.users.list`, answered from the seeded workspace.

use serde_json::json;

use super::Shared;
use super::params::Params;
use super::web_api::Reply;

impl Shared {
    pub(super) fn user_info(&self, params: &Params) -> Reply {
        let user = params.text("user");
        match user.as_deref().and_then(|id| self.workspace.user(id)) {
            Some(user) => Reply::ok(json!({"user": user.to_json(&self.workspace.team_id)})),
            None => Reply::error("user_not_found"),
        }
    }

    pub(super) fn usergroup_members(&self, params: &Params) -> Reply {
        let group = params.text("usergroup");
        match group.as_deref().and_then(|id| self.workspace.usergroup(id)) {
            Some(group) => Reply::ok(json!({"users": group.members})),
            None => Reply::error("no_such_subteam"),
        }
    }
}
