//! Which resources the emulated API server serves: the embedded Konflux CRDs plus whatever a test
//! registers. A resource type knows its names (group, plural, kind), its served versions, whether
//! `/status` is a subresource, and the compiled schema used to prune, default and validate.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use serde_json::Value;

use super::schema::CrdSchema;

/// "Which resource": group, version and plural, as they appear in the URL
/// `/apis/{group}/{version}/namespaces/{ns}/{plural}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceRef {
    pub group: Cow<'static, str>,
    pub version: Cow<'static, str>,
    pub plural: Cow<'static, str>,
}

impl ResourceRef {
    /// Konflux `Snapshot` (`appstudio.redhat.com/v1alpha1`, `snapshots`).
    pub const SNAPSHOT: ResourceRef =
        ResourceRef::from_static("appstudio.redhat.com", "v1alpha1", "snapshots");
    /// Konflux `Release` (`appstudio.redhat.com/v1alpha1`, `releases`).
    pub const RELEASE: ResourceRef =
        ResourceRef::from_static("appstudio.redhat.com", "v1alpha1", "releases");
    /// Konflux `ReleasePlan` (`appstudio.redhat.com/v1alpha1`, `releaseplans`).
    pub const RELEASE_PLAN: ResourceRef =
        ResourceRef::from_static("appstudio.redhat.com", "v1alpha1", "releaseplans");
    /// Konflux `ReleasePlanAdmission` (`appstudio.redhat.com/v1alpha1`, `releaseplanadmissions`).
    pub const RELEASE_PLAN_ADMISSION: ResourceRef =
        ResourceRef::from_static("appstudio.redhat.com", "v1alpha1", "releaseplanadmissions");

    pub const fn from_static(
        group: &'static str,
        version: &'static str,
        plural: &'static str,
    ) -> Self {
        Self {
            group: Cow::Borrowed(group),
            version: Cow::Borrowed(version),
            plural: Cow::Borrowed(plural),
        }
    }

    pub fn new(
        group: impl Into<String>,
        version: impl Into<String>,
        plural: impl Into<String>,
    ) -> Self {
        Self {
            group: Cow::Owned(group.into()),
            version: Cow::Owned(version.into()),
            plural: Cow::Owned(plural.into()),
        }
    }

    /// `appstudio.redhat.com/v1alpha1` (or `v1` for the core group).
    pub fn api_version(&self) -> String {
        api_version(&self.group, &self.version)
    }
}

impl std::fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.api_version(), self.plural)
    }
}

pub(crate) fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// One served version of a resource type.
#[derive(Debug, Clone)]
pub struct ResourceVersion {
    pub name: String,
    pub served: bool,
    pub storage: bool,
    /// `None`: no schema known, anything goes (and nothing is pruned).
    pub schema: Option<Arc<CrdSchema>>,
    pub status_subresource: bool,
}

/// A resource type the emulator serves.
#[derive(Debug, Clone)]
pub struct ResourceType {
    pub group: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub list_kind: String,
    pub short_names: Vec<String>,
    pub namespaced: bool,
    pub versions: Vec<ResourceVersion>,
}

impl ResourceType {
    /// A schema-less namespaced type with a `/status` subresource, for kinds whose CRD is not
    /// embedded (e.g. a ProwJob in a scenario). Objects are stored as sent.
    pub fn schemaless(r: &ResourceRef, kind: &str) -> Self {
        Self {
            group: r.group.to_string(),
            plural: r.plural.to_string(),
            singular: kind.to_lowercase(),
            kind: kind.to_string(),
            list_kind: format!("{kind}List"),
            short_names: Vec::new(),
            namespaced: true,
            versions: vec![ResourceVersion {
                name: r.version.to_string(),
                served: true,
                storage: true,
                schema: None,
                status_subresource: true,
            }],
        }
    }

    /// Parse a `CustomResourceDefinition` (YAML or JSON, `apiextensions.k8s.io/v1`) and compile
    /// the schema of every served version.
    pub fn from_crd_yaml(text: &str) -> Result<Self, String> {
        let crd: Value =
            serde_yaml_ng::from_str(text).map_err(|e| format!("CRD is not valid YAML: {e}"))?;
        Self::from_crd(&crd)
    }

    pub fn from_crd(crd: &Value) -> Result<Self, String> {
        if crd["kind"] != "CustomResourceDefinition" {
            return Err(format!(
                "expected kind CustomResourceDefinition, got {}",
                crd["kind"]
            ));
        }
        let spec = &crd["spec"];
        let s = |v: &Value, what: &str| -> Result<String, String> {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("CRD has no {what}"))
        };
        let group = s(&spec["group"], "spec.group")?;
        let names = &spec["names"];
        let plural = s(&names["plural"], "spec.names.plural")?;
        let kind = s(&names["kind"], "spec.names.kind")?;
        let singular = names["singular"]
            .as_str()
            .map_or_else(|| kind.to_lowercase(), str::to_string);
        let list_kind = names["listKind"]
            .as_str()
            .map_or_else(|| format!("{kind}List"), str::to_string);
        let short_names = names["shortNames"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let namespaced = spec["scope"].as_str() != Some("Cluster");
        let mut versions = Vec::new();
        for v in spec["versions"]
            .as_array()
            .ok_or("CRD has no spec.versions")?
        {
            let name = s(&v["name"], "spec.versions[].name")?;
            let schema = match v.pointer("/schema/openAPIV3Schema") {
                Some(raw) => Some(Arc::new(
                    CrdSchema::compile(raw).map_err(|e| format!("{plural}.{group} {name}: {e}"))?,
                )),
                None => None,
            };
            versions.push(ResourceVersion {
                name,
                served: v["served"].as_bool().unwrap_or(true),
                storage: v["storage"].as_bool().unwrap_or(false),
                schema,
                status_subresource: v.pointer("/subresources/status").is_some(),
            });
        }
        if versions.is_empty() {
            return Err(format!("CRD {plural}.{group} has no versions"));
        }
        Ok(Self {
            group,
            plural,
            singular,
            kind,
            list_kind,
            short_names,
            namespaced,
            versions,
        })
    }

    /// `releases.appstudio.redhat.com`, as used in error messages.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn version(&self, name: &str) -> Option<&ResourceVersion> {
        self.versions.iter().find(|v| v.name == name && v.served)
    }

    pub fn is(&self, r: &ResourceRef) -> bool {
        self.group == r.group && self.plural == r.plural
    }
}

const EMBEDDED_CRDS: [(&str, &str); 4] = [
    (
        "crd-snapshots.appstudio.redhat.com.yaml",
        include_str!("crds/crd-snapshots.appstudio.redhat.com.yaml"),
    ),
    (
        "crd-releases.appstudio.redhat.com.yaml",
        include_str!("crds/crd-releases.appstudio.redhat.com.yaml"),
    ),
    (
        "crd-releaseplans.appstudio.redhat.com.yaml",
        include_str!("crds/crd-releaseplans.appstudio.redhat.com.yaml"),
    ),
    (
        "crd-releaseplanadmissions.appstudio.redhat.com.yaml",
        include_str!("crds/crd-releaseplanadmissions.appstudio.redhat.com.yaml"),
    ),
];

/// The embedded Konflux CRDs, parsed and compiled once per process.
static BUILTIN: LazyLock<Vec<Arc<ResourceType>>> = LazyLock::new(|| {
    EMBEDDED_CRDS
        .iter()
        .map(|(file, text)| {
            Arc::new(
                ResourceType::from_crd_yaml(text)
                    .unwrap_or_else(|e| panic!("embedded CRD {file} does not load: {e}")),
            )
        })
        .collect()
});

/// The resource types one emulator serves, keyed by (group, plural).
#[derive(Debug, Clone)]
pub struct Registry {
    types: BTreeMap<(String, String), Arc<ResourceType>>,
}

impl Registry {
    /// The embedded Konflux CRDs: Snapshot, Release, ReleasePlan, ReleasePlanAdmission.
    pub fn konflux() -> Self {
        let mut r = Self {
            types: BTreeMap::new(),
        };
        for t in BUILTIN.iter() {
            r.add(t.clone());
        }
        r
    }

    pub fn add(&mut self, t: Arc<ResourceType>) {
        self.types.insert((t.group.clone(), t.plural.clone()), t);
    }

    /// The type served at `/apis/{group}/{version}/.../{plural}`, if that version is served.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
        self.types
            .get(&(group.to_string(), plural.to_string()))
            .filter(|t| t.version(version).is_some())
            .cloned()
    }

    pub fn by_ref(&self, r: &ResourceRef) -> Option<Arc<ResourceType>> {
        self.lookup(&r.group, &r.version, &r.plural)
    }

    /// The type whose objects have this `apiVersion` and `kind`.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<(Arc<ResourceType>, String)> {
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        self.types
            .values()
            .find(|t| t.group == group && t.kind == kind && t.version(version).is_some())
            .map(|t| (t.clone(), version.to_string()))
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<ResourceType>> {
        self.types.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_crds_load_with_status_subresources() {
        let r = Registry::konflux();
        for rr in [
            ResourceRef::SNAPSHOT,
            ResourceRef::RELEASE,
            ResourceRef::RELEASE_PLAN,
            ResourceRef::RELEASE_PLAN_ADMISSION,
        ] {
            let t = r.by_ref(&rr).unwrap_or_else(|| panic!("{rr} missing"));
            let v = t.version("v1alpha1").expect("v1alpha1 served");
            assert!(v.status_subresource, "{rr}");
            assert!(v.schema.is_some(), "{rr}");
            assert!(t.namespaced);
        }
        assert_eq!(
            r.by_kind("appstudio.redhat.com/v1alpha1", "Release")
                .unwrap()
                .0
                .plural,
            "releases"
        );
    }
}
