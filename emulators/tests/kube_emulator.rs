//! The Kubernetes API emulator (`gatebot_emulators::kube`) driven by the real kube client:
//! `Api<DynamicObject>` with `ApiResource::from_gvk`, and `kube::runtime::watcher`. These tests
//! pin the behaviour gatebot's adapter relies on — error shapes, optimistic concurrency, the
//! status subresource, the Release CRD schema and webhooks, watches that survive cuts — and the
//! fault injection the adapter's own tests use. Every test is bounded by `tokio::time::timeout`.

use std::future::Future;
use std::time::Duration;

use futures::{Stream, StreamExt};
use gatebot_emulators::kube::{
    AUTHOR_LABEL, AUTO_RELEASE_LABEL, Fault, KubeEmulator, RELEASE_PLAN_LABEL, ResourceRef,
    ResourceType, SNAPSHOT_LABEL, Verb,
};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams,
};
use kube::runtime::watcher;
use kube::{Error, ResourceExt};
use serde_json::{Value, json};

const NS: &str = "hyperfleet-tenant";
const GROUP: &str = "appstudio.redhat.com";

async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test took longer than 30 s")
}

/// A kube client for the emulator: plain http, namespace `default`, and `default_retry` off so
/// the tests see every 429/503/504 (kube otherwise retries them itself).
fn client(emu: &KubeEmulator) -> kube::Client {
    let mut config = kube::Config::new(emu.url().parse().expect("the emulator URL is a valid URI"));
    config.default_namespace = "default".into();
    config.default_retry = false;
    kube::Client::try_from(config).expect("a kube client for the emulator")
}

fn ar(kind: &str) -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk(GROUP, "v1alpha1", kind))
}

fn api(emu: &KubeEmulator, kind: &str) -> Api<DynamicObject> {
    Api::namespaced_with(client(emu), NS, &ar(kind))
}

fn release(name: &str, snapshot: &str, plan: &str) -> DynamicObject {
    DynamicObject::new(name, &ar("Release"))
        .within(NS)
        .data(json!({"spec": {"snapshot": snapshot, "releasePlan": plan}}))
}

fn snapshot(name: &str, labels: Value) -> DynamicObject {
    let mut s = DynamicObject::new(name, &ar("Snapshot")).within(NS).data(json!({
        "spec": {
            "application": "hypershift-operator",
            "components": [{
                "name": "hypershift-operator",
                "containerImage": "quay.io/redhat-user-workloads/crt-redhat-acm-tenant/hypershift-operator@sha256:0000000000000000000000000000000000000000000000000000000000000001",
                "source": {"git": {"url": "https://github.com/openshift/hypershift", "revision": "a62da3432830f7dadc2d014a38e1ca8177700bb5"}}
            }]
        }
    }));
    s.metadata.labels = serde_json::from_value(labels).expect("labels map");
    s
}

/// The `Status` of a kube API error, or a panic naming what came back instead.
fn status(e: Error) -> Box<kube::core::Status> {
    match e {
        Error::Api(s) => s,
        other => panic!("expected an API error with a Status body, got {other:?}"),
    }
}

fn names(list: &[DynamicObject]) -> Vec<String> {
    list.iter().map(ResourceExt::name_any).collect()
}

#[tokio::test]
async fn list_supports_every_label_selector_form() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let snaps = api(&emu, "Snapshot");
        let fixtures = [
            (
                "snap-a",
                json!({"app": "hcp", "stream": "4-19", "event-type": "push"}),
            ),
            ("snap-b", json!({"app": "hcp", "stream": "4-20"})),
            (
                "snap-c",
                json!({"app": "cpo", "stream": "4-20", "override": "true"}),
            ),
        ];
        for (name, labels) in fixtures {
            snaps
                .create(&PostParams::default(), &snapshot(name, labels))
                .await
                .unwrap();
        }
        let cases = [
            ("app=hcp", vec!["snap-a", "snap-b"]),
            ("app==hcp", vec!["snap-a", "snap-b"]),
            ("app!=hcp", vec!["snap-c"]),
            ("stream in (4-19,4-21)", vec!["snap-a"]),
            ("stream notin (4-19)", vec!["snap-b", "snap-c"]),
            ("override", vec!["snap-c"]),
            ("!override", vec!["snap-a", "snap-b"]),
            ("app=hcp,stream=4-20", vec!["snap-b"]),
            ("event-type!=push", vec!["snap-b", "snap-c"]),
            ("app in (hcp), !event-type, stream", vec!["snap-b"]),
        ];
        for (selector, want) in cases {
            let got = snaps
                .list(&ListParams::default().labels(selector))
                .await
                .unwrap();
            assert_eq!(names(&got.items), want, "labelSelector={selector}");
        }
        let all = snaps.list(&ListParams::default()).await.unwrap();
        assert_eq!(all.items.len(), 3);
        let rv: u64 = all
            .metadata
            .resource_version
            .as_deref()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(rv, emu.resource_version());

        for bad in ["app in hcp", "app=hcp,", "app=a b", "Bad Key=1"] {
            let err = status(
                snaps
                    .list(&ListParams::default().labels(bad))
                    .await
                    .unwrap_err(),
            );
            assert_eq!(
                (err.code, err.reason.as_str()),
                (400, "BadRequest"),
                "labelSelector={bad}: {err:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn field_selectors_and_cluster_wide_lists() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        api(&emu, "Snapshot")
            .create(&PostParams::default(), &snapshot("snap-a", json!({})))
            .await
            .unwrap();
        let other: Api<DynamicObject> =
            Api::namespaced_with(client(&emu), "other-tenant", &ar("Snapshot"));
        let mut s = snapshot("snap-b", json!({}));
        s.metadata.namespace = Some("other-tenant".into());
        other.create(&PostParams::default(), &s).await.unwrap();

        let everywhere: Api<DynamicObject> = Api::all_with(client(&emu), &ar("Snapshot"));
        let all = everywhere.list(&ListParams::default()).await.unwrap();
        assert_eq!(
            names(&all.items),
            ["snap-a", "snap-b"],
            "ordered by namespace, then name"
        );
        let one = everywhere
            .list(&ListParams::default().fields("metadata.name=snap-a"))
            .await
            .unwrap();
        assert_eq!(names(&one.items), ["snap-a"]);
        let err = status(
            everywhere
                .list(&ListParams::default().fields("spec.application=x"))
                .await
                .unwrap_err(),
        );
        assert_eq!(err.code, 400);
        assert!(
            err.message.contains("field label not supported"),
            "{}",
            err.message
        );
    })
    .await;
}

#[tokio::test]
async fn other_custom_resources_can_be_registered() {
    bounded(async {
        let hc = ResourceRef::from_static("hypershift.openshift.io", "v1beta1", "hostedclusters");
        let emu = KubeEmulator::builder()
            .resource(ResourceType::schemaless(&hc, "HostedCluster"))
            .start()
            .await
            .unwrap();
        let gvk = GroupVersionKind::gvk("hypershift.openshift.io", "v1beta1", "HostedCluster");
        let clusters: Api<DynamicObject> = Api::namespaced_with(client(&emu), "clusters", &ApiResource::from_gvk(&gvk));
        let obj = DynamicObject::new("hc-1", &ApiResource::from_gvk(&gvk))
            .within("clusters")
            .data(json!({"spec": {"release": {"image": "quay.io/openshift-release-dev/ocp-release:4.20.0-x86_64"}}}));
        clusters.create(&PostParams::default(), &obj).await.unwrap();
        let p = json!({"metadata": {"annotations": {"hypershift.openshift.io/control-plane-operator-image": "quay.io/x@sha256:1"}}});
        clusters.patch("hc-1", &PatchParams::default(), &Patch::Merge(&p)).await.unwrap();
        let got = emu.get(&hc, "clusters", "hc-1").unwrap();
        assert_eq!(got["spec"]["release"]["image"], "quay.io/openshift-release-dev/ocp-release:4.20.0-x86_64");
        assert_eq!(got["metadata"]["generation"], 1);
    })
    .await;
}

#[tokio::test]
async fn discovery_lists_the_served_resources() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let get = |path: &str| reqwest::get(format!("{}{path}", emu.url()));
        let groups: Value = get("/apis").await.unwrap().json().await.unwrap();
        assert_eq!(groups["groups"][0]["name"], GROUP);
        let list: Value = get("/apis/appstudio.redhat.com/v1alpha1")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        for want in [
            "snapshots",
            "releases",
            "releases/status",
            "releaseplans",
            "releaseplanadmissions",
        ] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        let version = client(&emu).apiserver_version().await.unwrap();
        assert_eq!(version.major, "1");
        assert_eq!(get("/healthz").await.unwrap().text().await.unwrap(), "ok");
    })
    .await;
}

#[tokio::test]
async fn get_of_a_missing_object_is_a_not_found_status() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let err = status(api(&emu, "Release").get("nope").await.unwrap_err());
        assert!(err.is_not_found());
        assert_eq!(err.reason, "NotFound");
        assert_eq!(
            err.message,
            "releases.appstudio.redhat.com \"nope\" not found"
        );
        assert_eq!(err.details.as_ref().unwrap().name, "nope");
        assert!(
            api(&emu, "Release")
                .get_opt("nope")
                .await
                .unwrap()
                .is_none()
        );
        // A resource type the server does not know is a 404 too, with the generic message.
        let unknown: Api<DynamicObject> = Api::namespaced_with(
            client(&emu),
            NS,
            &ApiResource::from_gvk(&GroupVersionKind::gvk(GROUP, "v1alpha1", "Gizmo")),
        );
        let err = status(unknown.list(&ListParams::default()).await.unwrap_err());
        assert_eq!(
            (err.code, err.message.as_str()),
            (404, "the server could not find the requested resource")
        );
    })
    .await;
}

#[tokio::test]
async fn server_fills_metadata_and_generate_name() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let rels = api(&emu, "Release");
        let before = emu.resource_version();
        let mut r = release("", "snap-a", "rp");
        r.metadata.name = None;
        r.metadata.generate_name = Some("snap-a-abc123-".into());
        let created = rels.create(&PostParams::default(), &r).await.unwrap();
        let name = created.name_any();
        assert!(
            name.starts_with("snap-a-abc123-") && name.len() == "snap-a-abc123-".len() + 5,
            "{name}"
        );
        assert_eq!(created.metadata.uid.as_ref().map(String::len), Some(36));
        assert_eq!(created.metadata.generation, Some(1));
        assert!(created.metadata.creation_timestamp.is_some());
        let rv: u64 = created.resource_version().unwrap().parse().unwrap();
        assert!(rv > before);
        // A second object gets a higher resourceVersion from the same counter.
        let other = rels
            .create(&PostParams::default(), &release("rel-2", "snap-b", "rp"))
            .await
            .unwrap();
        assert!(other.resource_version().unwrap().parse::<u64>().unwrap() > rv);
    })
    .await;
}

#[tokio::test]
async fn creating_an_existing_name_is_already_exists() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let rels = api(&emu, "Release");
        rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp"))
            .await
            .unwrap();
        let err = status(
            rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp"))
                .await
                .unwrap_err(),
        );
        assert!(err.is_already_exists(), "{err:?}");
        assert_eq!(err.code, 409);
        assert_eq!(
            err.message,
            "releases.appstudio.redhat.com \"rel-1\" already exists"
        );
        assert_eq!(emu.count_requests(Verb::Create, "releases"), 2);
    })
    .await;
}

#[tokio::test]
async fn a_stale_resource_version_is_a_conflict() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let snaps = api(&emu, "Snapshot");
        let created = snaps.create(&PostParams::default(), &snapshot("snap-a", json!({}))).await.unwrap();
        let mut first = created.clone();
        first.labels_mut().insert("seen".into(), "1".into());
        snaps.replace("snap-a", &PostParams::default(), &first).await.unwrap();

        // `created` still carries the old resourceVersion.
        let mut stale = created.clone();
        stale.labels_mut().insert("seen".into(), "2".into());
        let err = status(snaps.replace("snap-a", &PostParams::default(), &stale).await.unwrap_err());
        assert!(err.is_conflict(), "{err:?}");
        assert_eq!(err.reason, "Conflict");
        assert!(err.message.contains("the object has been modified"), "{}", err.message);

        // A merge patch carrying the stale resourceVersion is refused the same way.
        let p = json!({"metadata": {"resourceVersion": created.resource_version(), "labels": {"seen": "3"}}});
        let err = status(snaps.patch("snap-a", &PatchParams::default(), &Patch::Merge(&p)).await.unwrap_err());
        assert!(err.is_conflict());

        // PUT without any resourceVersion is refused for custom resources (422).
        let mut unconditional = created.clone();
        unconditional.metadata.resource_version = None;
        let err = status(snaps.replace("snap-a", &PostParams::default(), &unconditional).await.unwrap_err());
        assert_eq!((err.code, err.reason.as_str()), (422, "Invalid"));
        assert!(err.message.contains("metadata.resourceVersion"), "{}", err.message);
    })
    .await;
}

#[tokio::test]
async fn merge_patch_changes_fields_and_generation() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let snaps = api(&emu, "Snapshot");
        let created = snaps.create(&PostParams::default(), &snapshot("snap-a", json!({"app": "hcp"}))).await.unwrap();

        let ann = json!({"metadata": {"annotations": {"gatebot.example/acked": "true"}, "labels": {"app": null}}});
        let patched = snaps.patch("snap-a", &PatchParams::default(), &Patch::Merge(&ann)).await.unwrap();
        assert_eq!(patched.annotations()["gatebot.example/acked"], "true");
        assert!(!patched.labels().contains_key("app"), "null removes the key");
        assert_eq!(patched.metadata.generation, Some(1), "metadata changes leave generation alone");
        assert_ne!(patched.resource_version(), created.resource_version());

        let spec = json!({"spec": {"displayName": "nightly"}});
        let patched = snaps.patch("snap-a", &PatchParams::default(), &Patch::Merge(&spec)).await.unwrap();
        assert_eq!(patched.data["spec"]["displayName"], "nightly");
        assert_eq!(patched.data["spec"]["application"], "hypershift-operator", "untouched fields stay");
        assert_eq!(patched.metadata.generation, Some(2));

        // A patch that changes nothing commits nothing.
        let again = snaps.patch("snap-a", &PatchParams::default(), &Patch::Merge(&spec)).await.unwrap();
        assert_eq!(again.resource_version(), patched.resource_version());

        // JSON patch works too; an unknown field is pruned, not stored.
        let ops = serde_json::from_value(json!([
            {"op": "add", "path": "/spec/bogus", "value": 1},
            {"op": "replace", "path": "/spec/displayName", "value": "weekly"}
        ]))
        .unwrap();
        let patched = snaps.patch("snap-a", &PatchParams::default(), &Patch::<()>::Json(ops)).await.unwrap();
        assert_eq!(patched.data["spec"]["displayName"], "weekly");
        assert!(patched.data["spec"].get("bogus").is_none());

        let err = status(
            snaps.patch("nope", &PatchParams::default(), &Patch::Merge(&spec)).await.unwrap_err(),
        );
        assert!(err.is_not_found());
    })
    .await;
}

#[tokio::test]
async fn status_subresource_writes_only_status() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let rels = api(&emu, "Release");
        // Status sent on create is dropped, as for any CRD with a status subresource.
        let mut r = release("rel-1", "snap-a", "rp");
        r.data["status"] = json!({"target": "ignored"});
        let created = rels.create(&PostParams::default(), &r).await.unwrap();
        assert!(created.data.get("status").is_none());

        let cond = json!({"status": {"conditions": [{
            "type": "Released", "status": "False", "reason": "Progressing", "message": "",
            "lastTransitionTime": "2026-07-14T12:00:00Z"
        }]}, "metadata": {"labels": {"sneaky": "x"}}});
        let patched = rels
            .patch_status("rel-1", &PatchParams::default(), &Patch::Merge(&cond))
            .await
            .unwrap();
        assert_eq!(
            patched.data["status"]["conditions"][0]["reason"],
            "Progressing"
        );
        assert!(
            !patched.labels().contains_key("sneaky"),
            "a status write changes only .status"
        );
        assert_eq!(patched.metadata.generation, Some(1));
        assert_eq!(
            rels.get_status("rel-1").await.unwrap().data["status"],
            patched.data["status"]
        );

        // A main-resource write keeps the existing status even when it sends another one.
        let mut obj = patched.clone();
        obj.data["status"] = json!({"target": "overwritten?"});
        obj.annotations_mut().insert("note".into(), "x".into());
        let replaced = rels
            .replace("rel-1", &PostParams::default(), &obj)
            .await
            .unwrap();
        assert_eq!(replaced.data["status"], patched.data["status"]);
        assert_eq!(replaced.annotations()["note"], "x");

        // Status validation uses the CRD schema too.
        let bad = json!({"status": {"conditions": [{"type": "Released", "status": "Maybe"}]}});
        let err = status(
            rels.patch_status("rel-1", &PatchParams::default(), &Patch::Merge(&bad))
                .await
                .unwrap_err(),
        );
        assert_eq!(err.code, 422);
        let fields: Vec<String> = err
            .details
            .unwrap()
            .causes
            .into_iter()
            .map(|c| c.field)
            .collect();
        assert!(
            fields.contains(&"status.conditions[0].status".to_string()),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"status.conditions[0].lastTransitionTime".to_string()),
            "{fields:?}"
        );
    })
    .await;
}

fn causes(err: &kube::core::Status) -> Vec<(String, String)> {
    err.details
        .as_ref()
        .map(|d| {
            d.causes
                .iter()
                .map(|c| (c.field.clone(), c.reason.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn release_schema_violations_are_422_naming_the_field() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let rels = api(&emu, "Release");

        // spec.snapshot missing.
        let r = DynamicObject::new("rel-1", &ar("Release")).within(NS).data(json!({"spec": {"releasePlan": "rp"}}));
        let err = status(rels.create(&PostParams::default(), &r).await.unwrap_err());
        assert!(err.is_invalid());
        assert_eq!((err.code, err.reason.as_str()), (422, "Invalid"));
        assert_eq!(causes(&err), [("spec.snapshot".to_string(), "FieldValueRequired".to_string())]);
        assert_eq!(
            err.message,
            "Release.appstudio.redhat.com \"rel-1\" is invalid: spec.snapshot: Required value"
        );

        // spec.snapshot breaking the CRD's DNS-label pattern.
        let err = status(rels.create(&PostParams::default(), &release("rel-1", "Snap_A", "rp")).await.unwrap_err());
        assert_eq!(err.code, 422);
        assert!(causes(&err).contains(&("spec.snapshot".to_string(), "FieldValueInvalid".to_string())), "{err:?}");
        assert!(
            err.message.contains("spec.snapshot in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"),
            "{}",
            err.message
        );

        // A wrong type: the release-service webhooks decode the object into their Go type first,
        // so the API server answers their 400 before its own schema check runs.
        let wrong_type = json!({"spec": {"snapshot": "snap-a", "releasePlan": "rp", "gracePeriodDays": "seven"}});
        let r = DynamicObject::new("rel-1", &ar("Release")).within(NS).data(wrong_type.clone());
        let err = status(rels.create(&PostParams::default(), &r).await.unwrap_err());
        assert_eq!(err.code, 400, "{err:?}");
        assert!(err.message.contains("ReleaseSpec.spec.gracePeriodDays of type int"), "{}", err.message);
        // Without the webhooks in the way (an inserted fixture), the schema names the field.
        let mut fixture = json!({"apiVersion": "appstudio.redhat.com/v1alpha1", "kind": "Release",
                                 "metadata": {"name": "rel-1", "namespace": NS}});
        fixture["spec"] = wrong_type["spec"].clone();
        let err = emu.insert(fixture).unwrap_err();
        assert_eq!(err.code, 422);
        assert_eq!(err.details.as_ref().unwrap()["causes"][0]["field"], "spec.gracePeriodDays");
        assert_eq!(err.details.as_ref().unwrap()["causes"][0]["reason"], "FieldValueTypeInvalid");

        // A snapshot name longer than 63 characters: the CRD has no maxLength, but the webhook
        // copies it into a label, whose value may not exceed 63 characters.
        let long = "a".repeat(64);
        let err = status(rels.create(&PostParams::default(), &release("rel-1", &long, "rp")).await.unwrap_err());
        assert_eq!(err.code, 422);
        assert!(causes(&err).contains(&("metadata.labels".to_string(), "FieldValueInvalid".to_string())), "{err:?}");
        assert!(err.message.contains("must be no more than 63 characters"), "{}", err.message);

        // Several violations at once are all named.
        let r = DynamicObject::new("rel-1", &ar("Release")).within(NS).data(json!({"spec": {}}));
        let err = status(rels.create(&PostParams::default(), &r).await.unwrap_err());
        let fields: Vec<String> = causes(&err).into_iter().map(|c| c.0).collect();
        assert!(fields.contains(&"spec.snapshot".into()) && fields.contains(&"spec.releasePlan".into()), "{fields:?}");

        // Nothing was stored, and the same checks hold on update.
        assert!(emu.list(&ResourceRef::RELEASE, Some(NS)).is_empty());
        let ok = rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp")).await.unwrap();
        let mut bad = ok.clone();
        bad.metadata.annotations = Some([("bad key!".to_string(), "v".to_string())].into());
        let err = status(rels.replace("rel-1", &PostParams::default(), &bad).await.unwrap_err());
        assert_eq!(err.code, 422);
        assert_eq!(causes(&err)[0].0, "metadata.annotations");
    })
    .await;
}

#[tokio::test]
async fn release_webhook_sets_labels_and_keeps_spec_immutable() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        emu.insert(json!({
            "apiVersion": "appstudio.redhat.com/v1alpha1", "kind": "ReleasePlan",
            "metadata": {"name": "hypershift-prod", "namespace": NS,
                         "labels": {"release.appstudio.openshift.io/auto-release": "false"}},
            "spec": {"application": "hypershift-operator", "target": "rhtap-releng-tenant"}
        }))
        .unwrap();
        let rels = api(&emu, "Release");
        let created = rels
            .create(
                &PostParams::default(),
                &release("rel-1", "snap-a", "hypershift-prod"),
            )
            .await
            .unwrap();
        assert_eq!(created.labels()[SNAPSHOT_LABEL], "snap-a");
        assert_eq!(created.labels()[RELEASE_PLAN_LABEL], "hypershift-prod");
        assert_eq!(
            created.labels()[AUTHOR_LABEL],
            "system_serviceaccount_gatebot_gatebot"
        );
        assert_eq!(
            created.data["spec"]["gracePeriodDays"], 7,
            "from the ReleasePlan's CRD default"
        );

        // Any spec change is refused by the webhook, by PUT or by patch.
        let p = json!({"spec": {"snapshot": "snap-b"}});
        let err = status(
            rels.patch("rel-1", &PatchParams::default(), &Patch::Merge(&p))
                .await
                .unwrap_err(),
        );
        assert!(err.is_forbidden(), "{err:?}");
        assert_eq!((err.code, err.reason.as_str()), (403, "Forbidden"));
        assert!(
            err.message
                .contains("release resources spec cannot be updated"),
            "{}",
            err.message
        );
        let mut changed = created.clone();
        changed.data["spec"]["data"] = json!({"releaseNotes": {"topic": "x"}});
        let err = status(
            rels.replace("rel-1", &PostParams::default(), &changed)
                .await
                .unwrap_err(),
        );
        assert!(
            err.message
                .contains("release resources spec cannot be updated")
        );

        // Metadata changes are fine; the webhook-owned labels are not.
        let p =
            json!({"metadata": {"annotations": {"gatebot.example/thread": "1700000000.000100"}}});
        rels.patch("rel-1", &PatchParams::default(), &Patch::Merge(&p))
            .await
            .unwrap();
        let p = json!({"metadata": {"labels": {SNAPSHOT_LABEL: "snap-b"}}});
        let err = status(
            rels.patch("rel-1", &PatchParams::default(), &Patch::Merge(&p))
                .await
                .unwrap_err(),
        );
        assert!(
            err.message
                .contains("release snapshot label cannot be updated"),
            "{}",
            err.message
        );

        // Names the webhook refuses: longer than 63 characters.
        let long = format!("rel-{}", "x".repeat(60));
        let err = status(
            rels.create(&PostParams::default(), &release(&long, "snap-a", "rp"))
                .await
                .unwrap_err(),
        );
        assert_eq!(err.code, 403);
        assert!(
            err.message
                .contains("release name must be no more than 63 characters, got 64 characters"),
            "{}",
            err.message
        );

        // An automated Release carries no author label.
        let mut auto = release("rel-auto", "snap-a", "rp");
        auto.labels_mut().insert(
            "release.appstudio.openshift.io/automated".into(),
            "true".into(),
        );
        let auto = rels.create(&PostParams::default(), &auto).await.unwrap();
        assert!(!auto.labels().contains_key(AUTHOR_LABEL));
    })
    .await;
}

#[tokio::test]
async fn release_plan_schema_rule_and_auto_release_label() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let plans = api(&emu, "ReleasePlan");
        let plan = |name: &str, spec: Value| {
            DynamicObject::new(name, &ar("ReleasePlan"))
                .within(NS)
                .data(json!({"spec": spec}))
        };

        // The CRD's CEL rule: exactly one of application / componentGroup.
        let err = status(
            plans
                .create(
                    &PostParams::default(),
                    &plan("rp-1", json!({"target": "t"})),
                )
                .await
                .unwrap_err(),
        );
        assert_eq!(err.code, 422);
        assert!(
            err.message
                .contains("exactly one of application or componentGroup must be specified"),
            "{}",
            err.message
        );

        // No labels at all: the webhook sets auto-release "true" (and the CRD default applies).
        let created = plans
            .create(
                &PostParams::default(),
                &plan("rp-1", json!({"application": "hcp"})),
            )
            .await
            .unwrap();
        assert_eq!(created.labels()[AUTO_RELEASE_LABEL], "true");
        assert_eq!(created.data["spec"]["releaseGracePeriodDays"], 7);

        let mut bad = plan("rp-2", json!({"application": "hcp"}));
        bad.labels_mut()
            .insert(AUTO_RELEASE_LABEL.into(), "maybe".into());
        let err = status(
            plans
                .create(&PostParams::default(), &bad)
                .await
                .unwrap_err(),
        );
        assert_eq!(err.code, 403);
    })
    .await;
}

/// Wait until `pick` returns something for an event of the watcher stream.
async fn next_matching<S, T>(
    stream: &mut S,
    mut pick: impl FnMut(&watcher::Event<DynamicObject>) -> Option<T>,
) -> T
where
    S: Stream<Item = Result<watcher::Event<DynamicObject>, watcher::Error>> + Unpin,
{
    loop {
        match stream.next().await.expect("the watcher stream ended") {
            Ok(ev) => {
                if let Some(t) = pick(&ev) {
                    return t;
                }
            }
            // The watcher reports transport errors and carries on.
            Err(_) => continue,
        }
    }
}

fn applied(name: &str) -> impl FnMut(&watcher::Event<DynamicObject>) -> Option<DynamicObject> + '_ {
    move |ev| match ev {
        watcher::Event::Apply(o) if o.name_any() == name => Some(o.clone()),
        _ => None,
    }
}

fn deleted(name: &str) -> impl FnMut(&watcher::Event<DynamicObject>) -> Option<DynamicObject> + '_ {
    move |ev| match ev {
        watcher::Event::Delete(o) if o.name_any() == name => Some(o.clone()),
        _ => None,
    }
}

fn init_done(ev: &watcher::Event<DynamicObject>) -> Option<()> {
    matches!(ev, watcher::Event::InitDone).then_some(())
}

#[tokio::test]
async fn watcher_sees_added_modified_deleted_filtered_by_selector() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let snaps = api(&emu, "Snapshot");
        snaps
            .create(
                &PostParams::default(),
                &snapshot("before", json!({"app": "hcp"})),
            )
            .await
            .unwrap();

        let mut events =
            watcher(snaps.clone(), watcher::Config::default().labels("app=hcp")).boxed();
        let init = next_matching(&mut events, |ev| match ev {
            watcher::Event::InitApply(o) => Some(o.name_any()),
            _ => None,
        })
        .await;
        assert_eq!(init, "before");
        next_matching(&mut events, init_done).await;

        snaps
            .create(
                &PostParams::default(),
                &snapshot("other", json!({"app": "cpo"})),
            )
            .await
            .unwrap();
        snaps
            .create(
                &PostParams::default(),
                &snapshot("snap-a", json!({"app": "hcp"})),
            )
            .await
            .unwrap();
        let added = next_matching(&mut events, applied("snap-a")).await;
        assert_eq!(added.labels()["app"], "hcp");

        let p = json!({"metadata": {"annotations": {"seen": "yes"}}});
        snaps
            .patch("other", &PatchParams::default(), &Patch::Merge(&p))
            .await
            .unwrap();
        snaps
            .patch("snap-a", &PatchParams::default(), &Patch::Merge(&p))
            .await
            .unwrap();
        let modified = next_matching(&mut events, applied("snap-a")).await;
        assert_eq!(modified.annotations()["seen"], "yes");

        // Relabelling out of the selector arrives as a deletion; into it, as an addition.
        let out = json!({"metadata": {"labels": {"app": "retired"}}});
        snaps
            .patch("before", &PatchParams::default(), &Patch::Merge(&out))
            .await
            .unwrap();
        next_matching(&mut events, deleted("before")).await;
        let into = json!({"metadata": {"labels": {"app": "hcp"}}});
        snaps
            .patch("other", &PatchParams::default(), &Patch::Merge(&into))
            .await
            .unwrap();
        next_matching(&mut events, applied("other")).await;

        snaps
            .delete("snap-a", &DeleteParams::default())
            .await
            .unwrap();
        let gone = next_matching(&mut events, deleted("snap-a")).await;
        assert!(gone.resource_version().is_some());

        // The watch request carried the selector, bookmarks and a timeout.
        let watch = emu
            .requests()
            .into_iter()
            .find(|r| r.verb == Some(Verb::Watch))
            .expect("a watch request");
        assert!(
            watch.query.contains("labelSelector=app%3Dhcp"),
            "{}",
            watch.query
        );
        assert!(
            watch.query.contains("allowWatchBookmarks=true"),
            "{}",
            watch.query
        );
    })
    .await;
}

#[tokio::test]
async fn watcher_recovers_after_drop_watches_and_sees_later_changes() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let rels = api(&emu, "Release");
        let mut events = watcher(rels.clone(), watcher::Config::default()).boxed();
        next_matching(&mut events, init_done).await;

        rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp")).await.unwrap();
        next_matching(&mut events, applied("rel-1")).await;
        assert_eq!(emu.open_watches(), 1);

        emu.drop_watches();
        // Changes made while the watcher is cut off are replayed from its last resourceVersion.
        rels.create(&PostParams::default(), &release("rel-2", "snap-b", "rp")).await.unwrap();
        next_matching(&mut events, applied("rel-2")).await;
        emu.insert(json!({
            "apiVersion": "appstudio.redhat.com/v1alpha1", "kind": "Release",
            "metadata": {"name": "rel-3", "namespace": NS},
            "spec": {"snapshot": "snap-c", "releasePlan": "rp"},
            "status": {"conditions": [{"type": "Released", "status": "True", "reason": "Succeeded",
                                       "message": "", "lastTransitionTime": "2026-07-14T12:00:00Z"}]}
        }))
        .unwrap();
        let three = next_matching(&mut events, applied("rel-3")).await;
        assert_eq!(three.data["status"]["conditions"][0]["reason"], "Succeeded");

        let watches = emu.count_requests(Verb::Watch, "releases");
        assert!(watches >= 2, "the watcher should have re-watched, saw {watches} watch requests");
        assert_eq!(emu.count_requests(Verb::List, "releases"), 1, "a resumable cut needs no relist");
    })
    .await;
}

#[tokio::test]
async fn a_compacted_history_makes_the_watcher_relist() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let rels = api(&emu, "Release");
        let mut events = watcher(rels.clone(), watcher::Config::default()).boxed();
        next_matching(&mut events, init_done).await;

        rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp"))
            .await
            .unwrap();
        next_matching(&mut events, applied("rel-1")).await;
        // The next resume finds its resourceVersion compacted away: 410 Expired, then a relist.
        rels.create(&PostParams::default(), &release("rel-2", "snap-b", "rp"))
            .await
            .unwrap();
        next_matching(&mut events, applied("rel-2")).await;
        // Hold the watcher's next watch request back while the history moves on and is compacted.
        emu.inject(Fault::on(Verb::Watch, "releases").delay(Duration::from_millis(500)));
        emu.drop_watches();
        rels.create(&PostParams::default(), &release("rel-3", "snap-c", "rp"))
            .await
            .unwrap();
        emu.compact();
        let relisted = next_matching(&mut events, |ev| match ev {
            watcher::Event::InitApply(o) if o.name_any() == "rel-3" => Some(()),
            watcher::Event::Apply(o) if o.name_any() == "rel-3" => Some(()),
            _ => None,
        });
        relisted.await;
        assert_eq!(
            emu.count_requests(Verb::List, "releases"),
            2,
            "the 410 made the watcher relist"
        );
    })
    .await;
}

#[tokio::test]
async fn streaming_list_watchers_get_initial_events_then_changes() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let snaps = api(&emu, "Snapshot");
        snaps
            .create(&PostParams::default(), &snapshot("snap-a", json!({})))
            .await
            .unwrap();
        let cfg = watcher::Config::default().streaming_lists();
        let mut events = watcher(snaps.clone(), cfg).boxed();
        let first = next_matching(&mut events, |ev| match ev {
            watcher::Event::InitApply(o) => Some(o.name_any()),
            _ => None,
        })
        .await;
        assert_eq!(first, "snap-a");
        next_matching(&mut events, init_done).await;
        snaps
            .create(&PostParams::default(), &snapshot("snap-b", json!({})))
            .await
            .unwrap();
        next_matching(&mut events, applied("snap-b")).await;
        assert_eq!(
            emu.count_requests(Verb::List, "snapshots"),
            0,
            "no list in streaming mode"
        );
        let watch = emu
            .requests()
            .into_iter()
            .find(|r| r.verb == Some(Verb::Watch))
            .unwrap();
        assert!(
            watch.query.contains("sendInitialEvents=true"),
            "{}",
            watch.query
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_fields_are_pruned_with_a_warning_or_refused_when_strict() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let url = format!("{}/apis/appstudio.redhat.com/v1alpha1/namespaces/{NS}/releases", emu.url());
        let body = json!({
            "apiVersion": "appstudio.redhat.com/v1alpha1", "kind": "Release",
            "metadata": {"name": "rel-1"},
            "spec": {"snapshot": "snap-a", "releasePlan": "rp", "bogus": true, "data": {"free": {"form": 1}}}
        });
        let http = reqwest::Client::new();
        let resp = http.post(format!("{url}?fieldValidation=Strict")).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), 400);
        let status: Value = resp.json().await.unwrap();
        assert_eq!(status["message"], "strict decoding error: unknown field \"spec.bogus\"");

        let resp = http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), 201);
        assert_eq!(resp.headers()["warning"], "299 - \"unknown field \\\"spec.bogus\\\"\"");
        let created: Value = resp.json().await.unwrap();
        assert!(created["spec"].get("bogus").is_none());
        assert_eq!(created["spec"]["data"]["free"]["form"], 1, "x-kubernetes-preserve-unknown-fields keeps data");
        assert_eq!(created["metadata"]["namespace"], NS, "the namespace comes from the URL");

        // JSON patch through the raw API.
        let ops = json!([{"op": "add", "path": "/metadata/labels/extra", "value": "1"}]);
        let resp = http
            .patch(format!("{url}/rel-1"))
            .header("content-type", "application/json-patch+json")
            .body(ops.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let patched: Value = resp.json().await.unwrap();
        assert_eq!(patched["metadata"]["labels"]["extra"], "1");
        // Strategic merge patch is not for custom resources.
        let resp = http
            .patch(format!("{url}/rel-1"))
            .header("content-type", "application/strategic-merge-patch+json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 415);
    })
    .await;
}

#[tokio::test]
async fn raw_watch_resumes_from_a_resource_version_and_ends_on_timeout() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let rels = api(&emu, "Release");
        let first = rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp")).await.unwrap();
        rels.create(&PostParams::default(), &release("rel-2", "snap-b", "rp")).await.unwrap();
        let url = format!(
            "{}/apis/appstudio.redhat.com/v1alpha1/namespaces/{NS}/releases?watch=true&resourceVersion={}&timeoutSeconds=1&allowWatchBookmarks=true",
            emu.url(),
            first.resource_version().unwrap()
        );
        let body = reqwest::get(&url).await.unwrap().text().await.unwrap();
        let lines: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["type"], "ADDED");
        assert_eq!(lines[0]["object"]["metadata"]["name"], "rel-2");
        assert_eq!(lines.last().unwrap()["type"], "BOOKMARK", "a bookmark before the timeout ends the stream");

        emu.compact();
        let body = reqwest::get(&url).await.unwrap().text().await.unwrap();
        let ev: Value = serde_json::from_str(body.lines().next().unwrap()).unwrap();
        assert_eq!(ev["type"], "ERROR");
        assert_eq!(ev["object"]["code"], 410);
        assert_eq!(ev["object"]["reason"], "Expired");
    })
    .await;
}

#[tokio::test]
async fn list_pages_with_limit_and_continue_over_a_consistent_snapshot() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let snaps = api(&emu, "Snapshot");
        for i in 0..5 {
            snaps
                .create(
                    &PostParams::default(),
                    &snapshot(&format!("snap-{i}"), json!({})),
                )
                .await
                .unwrap();
        }
        let page1 = snaps.list(&ListParams::default().limit(2)).await.unwrap();
        assert_eq!(names(&page1.items), ["snap-0", "snap-1"]);
        assert_eq!(page1.metadata.remaining_item_count, Some(3));
        let token = page1.metadata.continue_.clone().expect("a continue token");

        // Changes after the first page do not show up in the later pages of the same list.
        snaps
            .delete("snap-3", &DeleteParams::default())
            .await
            .unwrap();
        snaps
            .create(&PostParams::default(), &snapshot("snap-9", json!({})))
            .await
            .unwrap();
        let page2 = snaps
            .list(&ListParams::default().limit(2).continue_token(&token))
            .await
            .unwrap();
        assert_eq!(names(&page2.items), ["snap-2", "snap-3"]);
        assert_eq!(
            page2.metadata.resource_version,
            page1.metadata.resource_version
        );
        let token2 = page2.metadata.continue_.clone().unwrap();
        let page3 = snaps
            .list(&ListParams::default().limit(2).continue_token(&token2))
            .await
            .unwrap();
        assert_eq!(names(&page3.items), ["snap-4"]);
        assert!(page3.metadata.continue_.is_none());

        emu.compact();
        let err = status(
            snaps
                .list(&ListParams::default().limit(2).continue_token(&token))
                .await
                .unwrap_err(),
        );
        assert_eq!((err.code, err.reason.as_str()), (410, "Expired"));
    })
    .await;
}

#[tokio::test]
async fn two_injected_500s_on_create_then_success() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        emu.inject(Fault::on(Verb::Create, "releases").times(2).status(500));
        let rels = api(&emu, "Release");
        for attempt in 1..=2 {
            let err = status(
                rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp"))
                    .await
                    .unwrap_err(),
            );
            assert_eq!(
                (err.code, err.reason.as_str()),
                (500, "InternalError"),
                "attempt {attempt}"
            );
            assert!(
                emu.get(&ResourceRef::RELEASE, NS, "rel-1").is_none(),
                "nothing was committed"
            );
        }
        rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp"))
            .await
            .unwrap();
        assert_eq!(emu.count_requests(Verb::Create, "releases"), 3);
        let statuses: Vec<Option<u16>> = emu.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [Some(500), Some(500), Some(201)]);
        assert!(emu.pending_faults().is_empty());
    })
    .await;
}

#[tokio::test]
async fn commit_then_500_leaves_the_object_created() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        emu.inject(Fault::on(Verb::Create, "releases").commit_then_status(500));
        let rels = api(&emu, "Release");
        let err = status(
            rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp"))
                .await
                .unwrap_err(),
        );
        assert_eq!(err.code, 500);
        let stored = emu
            .get(&ResourceRef::RELEASE, NS, "rel-1")
            .expect("the write was committed");
        assert_eq!(stored["spec"]["snapshot"], "snap-a");
        // The retry learns the truth from AlreadyExists.
        let err = status(
            rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp"))
                .await
                .unwrap_err(),
        );
        assert!(err.is_already_exists());
    })
    .await;
}

#[tokio::test]
async fn throttling_delays_and_hangs() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        emu.inject(
            Fault::on(Verb::List, "snapshots")
                .status(429)
                .retry_after(2),
        );
        let url = format!(
            "{}/apis/appstudio.redhat.com/v1alpha1/namespaces/{NS}/snapshots",
            emu.url()
        );
        let resp = reqwest::get(&url).await.unwrap();
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers()["retry-after"], "2");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            (body["kind"].as_str(), body["reason"].as_str()),
            (Some("Status"), Some("TooManyRequests"))
        );
        assert_eq!(body["details"]["retryAfterSeconds"], 2);

        emu.inject(Fault::on(Verb::Get, "snapshots").delay(Duration::from_millis(300)));
        let started = std::time::Instant::now();
        let err = status(api(&emu, "Snapshot").get("x").await.unwrap_err());
        assert!(err.is_not_found());
        assert!(started.elapsed() >= Duration::from_millis(300));

        // commit-then-hang: the client never hears back, yet the object exists.
        emu.inject(Fault::on(Verb::Create, "releases").commit_then_hang());
        let rels = api(&emu, "Release");
        let pending = tokio::time::timeout(
            Duration::from_millis(500),
            rels.create(&PostParams::default(), &release("rel-1", "snap-a", "rp")),
        )
        .await;
        assert!(pending.is_err(), "the create should still be hanging");
        assert!(emu.get(&ResourceRef::RELEASE, NS, "rel-1").is_some());
        let open = emu
            .requests()
            .into_iter()
            .filter(|r| r.status.is_none())
            .count();
        assert_eq!(open, 1, "the hung request is logged without a status");
    })
    .await;
}

#[tokio::test]
async fn finalizers_hold_deletion_until_removed() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let rels = api(&emu, "Release");
        let mut r = release("rel-1", "snap-a", "rp");
        r.metadata.finalizers = Some(vec!["appstudio.redhat.com/release-finalizer".into()]);
        rels.create(&PostParams::default(), &r).await.unwrap();
        rels.delete("rel-1", &DeleteParams::default())
            .await
            .unwrap();
        let marked = rels.get("rel-1").await.unwrap();
        assert!(marked.metadata.deletion_timestamp.is_some());
        let p = json!({"metadata": {"finalizers": null}});
        rels.patch("rel-1", &PatchParams::default(), &Patch::Merge(&p))
            .await
            .unwrap();
        assert!(rels.get_opt("rel-1").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn test_side_api_inserts_reads_and_writes_status() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let snap = emu
            .insert(json!({
                "apiVersion": "appstudio.redhat.com/v1alpha1", "kind": "Snapshot",
                "metadata": {"name": "snap-a", "namespace": NS, "labels": {"appstudio.openshift.io/application": "hcp"}},
                "spec": {"application": "hcp", "components": [{"name": "c", "containerImage": "quay.io/x/y@sha256:00"}]},
                "status": {"conditions": [{"type": "AppStudioTestSucceeded", "status": "True", "reason": "Passed",
                                           "message": "", "lastTransitionTime": "2026-07-14T12:00:00Z"}]}
            }))
            .unwrap();
        assert_eq!(snap["status"]["conditions"][0]["reason"], "Passed", "insert keeps status");
        // The client sees exactly what was inserted.
        let seen = api(&emu, "Snapshot").get("snap-a").await.unwrap();
        assert_eq!(seen.data["status"], snap["status"]);

        // A fixture the CRD refuses is refused here too.
        let err = emu
            .insert(json!({"apiVersion": "appstudio.redhat.com/v1alpha1", "kind": "Snapshot",
                           "metadata": {"name": "bad", "namespace": NS}, "spec": {"components": [{"name": "c"}]}}))
            .unwrap_err();
        assert_eq!(err.code, 422);
        assert!(err.message.contains("spec.components[0].containerImage: Required value"), "{}", err.message);

        let patched = emu
            .patch_status(&ResourceRef::SNAPSHOT, NS, "snap-a", json!({"conditions": []}))
            .unwrap();
        assert_eq!(patched["status"]["conditions"], json!([]));
        assert_eq!(emu.list(&ResourceRef::SNAPSHOT, None).len(), 1);
        assert!(emu.delete(&ResourceRef::SNAPSHOT, NS, "snap-a").is_some());
        assert!(emu.get(&ResourceRef::SNAPSHOT, NS, "snap-a").is_none());
        assert!(emu.requests().iter().all(|r| r.plural.as_deref() != Some("snapshots") || r.verb == Some(Verb::Get)));
    })
    .await;
}

#[tokio::test]
async fn dropping_the_emulator_stops_the_server() {
    bounded(async {
        let emu = KubeEmulator::start().await;
        let rels = api(&emu, "Release");
        let mut events = watcher(rels.clone(), watcher::Config::default()).boxed();
        next_matching(&mut events, init_done).await;
        let url = emu.url();
        emu.shutdown().await;
        assert!(
            reqwest::get(format!("{url}/healthz")).await.is_err(),
            "nothing listens any more"
        );
    })
    .await;
}
