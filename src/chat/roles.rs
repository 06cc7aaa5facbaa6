//! Who may run what: the one place a chat request is authorised, before any handler runs.
//!
//! Roles come from `[chat.roles]` as member ids and user-group ids. Admins hold every role. A
//! group's members are asked of the chat service and cached for a few minutes, so a person
//! added to the group gains the role soon without a restart, and a burst of commands costs one
//! lookup. When the service cannot answer and nothing is cached, the request is refused: a role
//! gatebot cannot check is a role it does not grant.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::surface::{ChatError, ChatSurface};
use crate::commands::Role;
use crate::config::RolesConfig;

/// How long a group's member list is trusted.
const GROUP_CACHE_TTL: Duration = Duration::from_secs(300);

/// The role holders and a cache of group members.
pub struct Roles {
    config: RolesConfig,
    surface: Arc<dyn ChatSurface>,
    groups: Mutex<HashMap<String, (Instant, Vec<String>)>>,
}

impl Roles {
    pub fn new(config: RolesConfig, surface: Arc<dyn ChatSurface>) -> Self {
        Self {
            config,
            surface,
            groups: Mutex::default(),
        }
    }

    /// Whether `user` holds `role`; an error when a group could not be checked.
    pub async fn permits(&self, user: &str, role: Role) -> Result<bool, ChatError> {
        let holders: Vec<&String> = match role {
            Role::Everyone => return Ok(true),
            Role::Releaser => self.config.releasers.iter().collect(),
            Role::Approver => self.config.approvers.iter().collect(),
            Role::Admin => Vec::new(),
        };
        let mut first_error = None;
        for holder in holders.into_iter().chain(&self.config.admins) {
            if holder == user {
                return Ok(true);
            }
            if is_group(holder) {
                match self.members(holder).await {
                    Ok(members) if members.iter().any(|m| m == user) => return Ok(true),
                    Ok(_) => {}
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
        }
        first_error.map_or(Ok(false), Err)
    }

    async fn members(&self, group: &str) -> Result<Vec<String>, ChatError> {
        let cached = self
            .groups
            .lock()
            .expect("group cache lock poisoned")
            .get(group)
            .cloned();
        if let Some((at, members)) = &cached
            && at.elapsed() < GROUP_CACHE_TTL
        {
            return Ok(members.clone());
        }
        match self.surface.group_members(group).await {
            Ok(members) => {
                self.groups
                    .lock()
                    .expect("group cache lock poisoned")
                    .insert(group.to_string(), (Instant::now(), members.clone()));
                Ok(members)
            }
            // A stale list beats refusing everyone while the service is down.
            Err(error) => cached.map(|(_, members)| members).ok_or(error),
        }
    }
}

fn is_group(id: &str) -> bool {
    id.starts_with('S')
}
