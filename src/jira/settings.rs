//! Where Jira is and how to log in, as configured. The token itself never sits in the
//! configuration file: the file names the environment variable that holds it.

use serde::{Deserialize, Serialize};

use super::{JiraAuth, Secret};

/// Which kind of Jira gatebot talks to; it decides the login and the mention syntax.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Deployment {
    /// Jira Server or Data Center: PAT login, users named by `name`, mentions `[~username]`.
    #[default]
    Server,
    /// Jira Cloud: e-mail + API token, users named by `accountId`, mentions `[~accountid:…]`.
    Cloud,
}

/// The `[escalation.jira]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JiraSettings {
    /// Base URL, without `/rest/...`.
    pub url: String,
    pub deployment: Deployment,
    /// The environment variable holding the PAT (Server/DC) or API token (Cloud).
    pub token_env: String,
    /// The account e-mail that goes with the API token; Cloud only.
    pub email: Option<String>,
}

impl Default for JiraSettings {
    fn default() -> Self {
        Self {
            url: "https://issues.redhat.com".into(),
            deployment: Deployment::Server,
            token_env: "JIRA_TOKEN".into(),
            email: None,
        }
    }
}

impl JiraSettings {
    /// The credentials, with the token read from the environment variable named in `token_env`.
    pub fn auth_from_env(&self) -> Result<JiraAuth, String> {
        let token = std::env::var(&self.token_env).map_err(|_| {
            format!(
                "the Jira token is missing: set the environment variable {} (named by escalation.jira.token_env)",
                self.token_env
            )
        })?;
        self.auth(Secret::new(token))
    }

    /// The credentials for a token obtained elsewhere.
    pub fn auth(&self, token: Secret) -> Result<JiraAuth, String> {
        match (self.deployment, &self.email) {
            (Deployment::Server, _) => Ok(JiraAuth::Bearer(token)),
            (Deployment::Cloud, Some(email)) => Ok(JiraAuth::Basic {
                email: email.clone(),
                token,
            }),
            (Deployment::Cloud, None) => Err(
                "Jira Cloud logs in with an e-mail and an API token: set escalation.jira.email"
                    .into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_uses_a_bearer_pat_and_cloud_needs_an_email() {
        let server = JiraSettings::default();
        assert!(matches!(
            server.auth(Secret::new("t")),
            Ok(JiraAuth::Bearer(_))
        ));
        let cloud = JiraSettings {
            deployment: Deployment::Cloud,
            ..JiraSettings::default()
        };
        let error = cloud.auth(Secret::new("t")).unwrap_err();
        assert!(error.contains("set escalation.jira.email"), "{error}");
        let cloud = JiraSettings {
            email: Some("bot@example.com".into()),
            ..cloud
        };
        assert!(matches!(
            cloud.auth(Secret::new("t")),
            Ok(JiraAuth::Basic { .. })
        ));
    }

    #[test]
    fn a_missing_token_variable_is_named_in_the_error() {
        let settings = JiraSettings {
            token_env: "GATEBOT_TEST_JIRA_TOKEN_THAT_IS_NEVER_SET".into(),
            ..JiraSettings::default()
        };
        let error = settings.auth_from_env().unwrap_err();
        assert!(
            error.contains("GATEBOT_TEST_JIRA_TOKEN_THAT_IS_NEVER_SET"),
            "{error}"
        );
    }
}
