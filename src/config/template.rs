//! Prow job names written once per check and platform, with `{version}` standing for the OCP
//! version: `periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aws-ovn`.
//!
//! OpenShift CI names its periodics per release branch, so one template covers every version row
//! of the gate matrix. Templates are checked when the configuration loads; rendering one can then
//! never fail.

use crate::gate::OcpVersion;

use super::problems::Invalid;

const PLACEHOLDER: &str = "version";

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
        let literal = literal_text(text)?;
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

/// The template without its placeholders, after checking that every `{…}` is `{version}`.
fn literal_text(text: &str) -> Result<String, Invalid> {
    let mut literal = String::new();
    let mut unknown = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        literal.push_str(&rest[..open]);
        if rest[open..].starts_with('}') {
            return Err(Invalid::new(
                format!("`{text}` has a `}}` without a matching `{{`"),
                "remove the stray `}`; the only placeholder is `{version}`",
            ));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(Invalid::new(
                format!("`{text}` has a `{{` that is never closed"),
                "close it as `{version}`, the only placeholder",
            ));
        };
        let name = &rest[open + 1..open + close];
        if name != PLACEHOLDER {
            unknown.push(format!("`{{{name}}}`"));
        }
        rest = &rest[open + close + 1..];
    }
    literal.push_str(rest);
    match unknown.as_slice() {
        [] => Ok(literal),
        [one] => Err(Invalid::new(
            format!("uses the unknown placeholder {one}"),
            "use `{version}`, the only placeholder, or write the name out",
        )),
        many => Err(Invalid::new(
            format!("uses the unknown placeholders {}", many.join(", ")),
            "use `{version}`, the only placeholder, or write the names out",
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
