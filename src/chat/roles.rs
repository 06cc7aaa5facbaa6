//! Who may run what: the one place a chat request is authorised, before any handler runs.
//!
//! Roles come from `[chat.roles]` as member ids and user-group ids. Admins hold every role. A
//! group's members are asked of the chat service and cached for a few minutes, so a person
//! added to the group gains the role soon without a restart, and a burst of commands costs one
//! lookup. When the service cannot answer and nothing is cached, the request is refused: a role
//! gatebot cannot check is a role it does not grant.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;

use super::surface::{ChatError, ChatSurface};
use crate::commands::Role;
use crate::config::RolesConfig;

/// How long a group's member list is trusted.
const GROUP_CACHE_TTL: Duration = Duration::from_secs(300);

/// The role holders and a cache of group members.
pub struct Roles {
    config: RolesConfig,
    surface: Arc<dyn ChatSurface>,
    groups: DashMap<String, (Instant, Vec<String>)>,
}

impl Roles {
    pub fn new(config: RolesConfig, surface: Arc<dyn ChatSurface>) -> Self {
        Self {
            config,
            surface,
            groups: DashMap::new(),
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
        let cached = self.groups.get(group).map(|entry| entry.clone());
        if let Some((at, members)) = &cached
            && at.elapsed() < GROUP_CACHE_TTL
        {
            return Ok(members.clone());
        }
        match self.surface.group_members(group).await {
            Ok(members) => {
                self.groups
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;

    use super::*;
    use crate::chat::{MarkedMessage, Message, Placement};

    /// A chat that only knows one user group, and counts how often it is asked.
    #[derive(Default)]
    struct OneGroup {
        lookups: AtomicUsize,
        down: std::sync::atomic::AtomicBool,
    }

    #[async_trait]
    impl ChatSurface for OneGroup {
        fn channel(&self) -> &str {
            "C1"
        }
        async fn post(&self, _: Placement<'_>, _: &str, _: &Message) -> Result<String, ChatError> {
            unreachable!("roles never post")
        }
        async fn marked_messages(&self, _: Option<&str>) -> Result<Vec<MarkedMessage>, ChatError> {
            unreachable!("roles never read threads")
        }
        async fn update(&self, _: &str, _: &Message) -> Result<(), ChatError> {
            unreachable!("roles never post")
        }
        async fn post_ephemeral(
            &self,
            _: &str,
            _: Option<&str>,
            _: &Message,
        ) -> Result<(), ChatError> {
            unreachable!("roles never post")
        }
        async fn group_members(&self, group: &str) -> Result<Vec<String>, ChatError> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                return Err(ChatError::Unavailable("down".into()));
            }
            Ok(match group {
                "S0RELEASE" => vec!["U0GROUPIE".to_string()],
                _ => Vec::new(),
            })
        }
        async fn permalink(&self, _: &str) -> Result<String, ChatError> {
            unreachable!("roles never post")
        }
    }

    fn roles(surface: Arc<OneGroup>) -> Roles {
        let config = RolesConfig {
            releasers: vec!["U0RITA".into(), "S0RELEASE".into()],
            approvers: vec!["U0ANNA".into()],
            admins: vec!["U0ADMIN".into()],
        };
        Roles::new(config, surface)
    }

    #[tokio::test]
    async fn members_groups_and_admins_hold_roles_and_nobody_else() {
        let roles = roles(Arc::default());
        assert!(roles.permits("U0ANYONE", Role::Everyone).await.unwrap());
        assert!(roles.permits("U0RITA", Role::Releaser).await.unwrap());
        assert!(roles.permits("U0GROUPIE", Role::Releaser).await.unwrap());
        assert!(!roles.permits("U0GROUPIE", Role::Approver).await.unwrap());
        assert!(!roles.permits("U0ANYONE", Role::Releaser).await.unwrap());
        assert!(!roles.permits("U0RITA", Role::Admin).await.unwrap());
        for role in [Role::Releaser, Role::Approver, Role::Admin] {
            assert!(roles.permits("U0ADMIN", role).await.unwrap(), "{role}");
        }
    }

    #[tokio::test]
    async fn a_group_is_looked_up_once_and_a_stale_list_outlives_an_outage() {
        let surface = Arc::new(OneGroup::default());
        let roles = roles(surface.clone());
        assert!(roles.permits("U0GROUPIE", Role::Releaser).await.unwrap());
        assert!(!roles.permits("U0OTHER", Role::Releaser).await.unwrap());
        assert_eq!(surface.lookups.load(Ordering::SeqCst), 1);
        surface.down.store(true, Ordering::SeqCst);
        roles
            .groups
            .iter_mut()
            .for_each(|mut entry| entry.0 -= GROUP_CACHE_TTL);
        assert!(roles.permits("U0GROUPIE", Role::Releaser).await.unwrap());
    }

    #[tokio::test]
    async fn a_group_that_cannot_be_checked_grants_nothing() {
        let surface = Arc::new(OneGroup::default());
        surface.down.store(true, Ordering::SeqCst);
        let roles = roles(surface);
        assert!(roles.permits("U0RITA", Role::Releaser).await.unwrap());
        assert!(roles.permits("U0GROUPIE", Role::Releaser).await.is_err());
    }
}
