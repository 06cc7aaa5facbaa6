//! The Konflux adapter: reads Snapshots and ReleasePlans, and creates and follows Releases,
//! through the Kubernetes API (kube 5, `DynamicObject`: gatebot does not own these CRDs and
//! never writes back fields it does not model).
//!
//! Outside objects become domain types here, at the edge; anything malformed is reported as a
//! `Problem` with its source and never reaches the gate.

mod release;
mod release_plan;
mod retry;
mod snapshot;

use std::time::Duration;

use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::{Api, Client};

pub use release::{
    CreateOutcome, ReleaseError, ReleaseObservation, ReleaseRequest, ReleasedCondition,
    observe_release, release_name,
};
pub use release_plan::{AUTO_RELEASE_LABEL, AutoReleaseCheck, check_auto_release};
pub use retry::AttemptError;
pub use snapshot::{SnapshotProblem, parse_snapshot};

/// Labels and annotations gatebot puts on what it creates.
pub mod marks {
    /// Marks a Release as created by gatebot; Releases for a gated plan without it are unexpected.
    pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
    pub const MANAGED_BY_VALUE: &str = "gatebot";
    /// Which gate created the Release.
    pub const GATE_LABEL: &str = "gatebot.hypershift.io/gate";
    /// Why the Release was created: `gated`, `manual` or `emergency`.
    pub const KIND_ANNOTATION: &str = "gatebot.hypershift.io/kind";
    /// The gate's one-line verdict when the Release was decided.
    pub const VERDICT_ANNOTATION: &str = "gatebot.hypershift.io/verdict";
}

const GROUP: &str = "appstudio.redhat.com";
const VERSION: &str = "v1alpha1";

fn resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(GROUP, VERSION, kind), plural)
}

/// What gatebot reads and writes in one Konflux tenant namespace.
#[derive(Clone)]
pub struct Konflux {
    client: Client,
    snapshot: ApiResource,
    release: ApiResource,
    release_plan: ApiResource,
    /// How long one create or get may take before it is abandoned and retried.
    request_timeout: Duration,
}

impl Konflux {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            snapshot: resource("Snapshot", "snapshots"),
            release: resource("Release", "releases"),
            release_plan: resource("ReleasePlan", "releaseplans"),
            request_timeout: Duration::from_secs(30),
        }
    }

    /// Changes how long one create or get may take (30 s by default).
    pub fn with_request_timeout(mut self, limit: Duration) -> Self {
        self.request_timeout = limit;
        self
    }

    pub fn snapshots(&self, namespace: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), namespace, &self.snapshot)
    }

    pub fn releases(&self, namespace: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), namespace, &self.release)
    }

    pub fn release_plans(&self, namespace: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), namespace, &self.release_plan)
    }

    pub fn release_resource(&self) -> &ApiResource {
        &self.release
    }
}
