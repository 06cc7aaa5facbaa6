//! Text with placeholders, checked when the configuration loads so that rendering can never
//! fail:
//! - Prow job names written once per check and platform, with `{version}` standing for the OCP
//!   version: `periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aws-ovn`.
//!   OpenShift CI names its periodics per release branch, so one template covers every version
//!   row of the gate matrix;
//! - the environment gatebot gives the jobs it triggers for a snapshot, with `{image}`,
//!   `{snapshot}` and `{digest}` standing for the snapshot's operator image, its name and the
//!   image's digest ([`EnvTemplate`]).

use crate::gate::{OcpVersion, Snapshot};

use super::problems::Invalid;

/// The placeholders of a job name.
const JOB_PLACEHOLDERS: &[&str] = &["version"];
/// The placeholders of a triggered job's environment value.
const ENV_PLACEHOLDERS: &[&str] = &["image", "snapshot", "digest"];

/// A validated job-name template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTemplate(String);

impl JobTemplate {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if text.is_empty() {
            return Err(Invalid::new(
                "is empty, so the job name would be empty",
                "write the Prow job name, with `{version}` where the OCP version goes",
            ));
        }
        let literal = literal_text(text, JOB_PLACEHOLDERS)?;
        if let Some(bad) = literal.chars().find(|c| c.is_whitespace() || *c == '/') {
            return Err(Invalid::new(
                format!("`{text}` contains {}", describe(bad)),
                "a Prow job name has no spaces or slashes; copy it from the job's Prow page",
            ));
        }
        Ok(Self(text.to_string()))
    }

    /// The job name for one version.
    pub fn render(&self, version: OcpVersion) -> String {
        self.0.replace("{version}", &version.to_string())
    }
}

/// The value of one environment variable of a triggered job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvTemplate(String);

impl EnvTemplate {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        literal_text(text, ENV_PLACEHOLDERS)?;
        Ok(Self(text.to_string()))
    }

    /// The value for one snapshot; `{digest}` is empty for an image without one.
    pub fn render(&self, snapshot: &Snapshot) -> String {
        self.0
            .replace("{image}", &snapshot.image)
            .replace("{snapshot}", &snapshot.name)
            .replace("{digest}", snapshot.digest.as_deref().unwrap_or_default())
    }
}

/// The template without its placeholders, after checking that every `{…}` is one of `allowed`.
fn literal_text(text: &str, allowed: &[&str]) -> Result<String, Invalid> {
    let listed: Vec<String> = allowed.iter().map(|name| format!("`{{{name}}}`")).collect();
    let placeholders = match listed.as_slice() {
        [only] => format!("{only}, the only placeholder"),
        many => format!("one of the placeholders {}", many.join(", ")),
    };
    let mut literal = String::new();
    let mut unknown = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        literal.push_str(&rest[..open]);
        if rest[open..].starts_with('}') {
            return Err(Invalid::new(
                format!("`{text}` has a `}}` without a matching `{{`"),
                format!("remove the stray `}}`; use {placeholders}"),
            ));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(Invalid::new(
                format!("`{text}` has a `{{` that is never closed"),
                format!("close it; use {placeholders}"),
            ));
        };
        let name = &rest[open + 1..open + close];
        if !allowed.contains(&name) {
            unknown.push(format!("`{{{name}}}`"));
        }
        rest = &rest[open + close + 1..];
    }
    literal.push_str(rest);
    match unknown.as_slice() {
        [] => Ok(literal),
        [one] => Err(Invalid::new(
            format!("uses the unknown placeholder {one}"),
            format!("use {placeholders}, or write the text out"),
        )),
        many => Err(Invalid::new(
            format!("uses the unknown placeholders {}", many.join(", ")),
            format!("use {placeholders}, or write the text out"),
        )),
    }
}

fn describe(character: char) -> String {
    match character {
        ' ' => "a space".to_string(),
        '/' => "a `/`".to_string(),
        other => format!("the whitespace character {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS: &str = "periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aws-ovn";

    #[test]
    fn renders_every_placeholder_with_the_version() {
        let template = JobTemplate::parse(AWS).unwrap();
        assert_eq!(
            template.render(OcpVersion::new(4, 21)),
            "periodic-ci-openshift-hypershift-release-4.21-periodics-e2e-aws-ovn"
        );
        let twice = JobTemplate::parse("a-{version}-b-{version}").unwrap();
        assert_eq!(twice.render(OcpVersion::new(4, 9)), "a-4.9-b-4.9");
        let fixed = JobTemplate::parse("periodic-ci-fixed").unwrap();
        assert_eq!(fixed.render(OcpVersion::new(4, 9)), "periodic-ci-fixed");
    }

    #[test]
    fn unknown_placeholders_are_named() {
        let refused = JobTemplate::parse("release-{ocp}-{version}-{platform}").unwrap_err();
        assert_eq!(
            refused.message,
            "uses the unknown placeholders `{ocp}`, `{platform}`"
        );
        let refused = JobTemplate::parse("release-{Version}").unwrap_err();
        assert_eq!(refused.message, "uses the unknown placeholder `{Version}`");
    }

    #[test]
    fn an_environment_value_renders_the_snapshot_and_refuses_job_placeholders() {
        let snapshot = crate::test_fixtures::snapshot("hypershift-operator-abc12", "09:00");
        let image = EnvTemplate::parse("{image}").unwrap();
        assert_eq!(image.render(&snapshot), snapshot.image);
        let named = EnvTemplate::parse("snap={snapshot}@{digest}").unwrap();
        assert_eq!(
            named.render(&snapshot),
            format!(
                "snap=hypershift-operator-abc12@{}",
                snapshot.digest.clone().unwrap()
            )
        );
        let refused = EnvTemplate::parse("{version}").unwrap_err();
        assert_eq!(refused.message, "uses the unknown placeholder `{version}`");
        assert!(refused.fix.contains("`{snapshot}`"), "{}", refused.fix);
    }

    #[test]
    fn malformed_templates_are_refused() {
        assert!(
            JobTemplate::parse("")
                .unwrap_err()
                .message
                .contains("empty")
        );
        assert!(
            JobTemplate::parse("a-{version")
                .unwrap_err()
                .message
                .contains("never closed")
        );
        assert!(
            JobTemplate::parse("a-version}")
                .unwrap_err()
                .message
                .contains("without a matching")
        );
        assert_eq!(
            JobTemplate::parse("e2e aws").unwrap_err().message,
            "`e2e aws` contains a space"
        );
        assert!(JobTemplate::parse("logs/e2e").is_err());
    }
}
