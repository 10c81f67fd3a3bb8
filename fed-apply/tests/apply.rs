//! fed-apply against the in-process fake API server: results AND request counts.

mod fake;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use fake::{Failure, FakeApiServer, down_url, kubeconfig};
use fed_apply::{
    Action, Applier, ApplyOptions, ApplySetParent, ClusterTarget, Error, Event, NoProgress,
    ObjectRef, PART_OF_LABEL, RetryPolicy,
};
use kube::api::DynamicObject;
use serde_json::{Value, json};

fn options() -> ApplyOptions {
    let mut o = ApplyOptions::new(ApplySetParent::new("meshfed-test", "kube-system"));
    o.retry = RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    };
    o.poll_interval = Duration::from_millis(10);
    o.wait_timeout = Duration::from_secs(2);
    o
}

fn objects(values: Vec<Value>) -> Vec<DynamicObject> {
    values
        .into_iter()
        .map(|v| serde_json::from_value(v).expect("test object"))
        .collect()
}

fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

fn config_map(name: &str, value: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "apan"},
        "data": {"key": value}})
}

/// Written deliberately out of order: the applier sorts.
fn bundle() -> Vec<Value> {
    vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apan"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "apan"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
        config_map("settings", "one"),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "apan"},
            "data": {"password": "c2VjcmV0"}}),
        namespace("apan"),
    ]
}

fn applier(contexts: &[(&str, &str)], options: ApplyOptions) -> Applier {
    Applier::new(kubeconfig(contexts), options)
}

fn target(name: &str, values: Vec<Value>) -> ClusterTarget {
    ClusterTarget::new(name, name).with_objects(objects(values))
}

async fn apply_one(
    server: &FakeApiServer,
    opts: ApplyOptions,
    values: Vec<Value>,
) -> fed_apply::ChangeSet {
    let applier = applier(&[("gke", &server.url())], opts);
    let mut report = applier.apply(&[target("gke", values)], &NoProgress).await;
    report.clusters.remove(0)
}

fn stage_rank(path: &str) -> usize {
    if path.contains("/namespaces/kube-system/secrets/meshfed-test") {
        1
    } else if path.starts_with("/api/v1/namespaces/") && path.matches('/').count() == 4 {
        0 // a Namespace itself: /api/v1/namespaces/<name>
    } else if path.contains("customresourcedefinitions") {
        2
    } else if [
        "/configmaps/",
        "/secrets/",
        "/services/",
        "/serviceaccounts/",
    ]
    .iter()
    .any(|k| path.contains(k))
    {
        3
    } else if path.contains("/deployments/") || path.contains("horizontalpodautoscalers") {
        4
    } else {
        5
    }
}

#[tokio::test]
async fn first_apply_creates_everything_in_stage_order() {
    let server = FakeApiServer::start().await;
    let cs = apply_one(&server, options(), bundle()).await;
    assert!(cs.is_success(), "{cs}");
    // 5 objects and the ApplySet parent.
    assert_eq!(cs.count(Action::Created), 6, "{cs}");
    let writes = server.writes();
    assert_eq!(writes.len(), 6, "{writes:#?}");
    assert!(writes.iter().all(|w| w.method == "PATCH"));
    let ranks: Vec<usize> = writes.iter().map(|w| stage_rank(&w.path)).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "writes out of order: {writes:#?}"
    );
    assert_eq!(ranks.first(), Some(&0));
    assert_eq!(ranks.last(), Some(&4));
    // Objects in the namespace this apply creates cannot exist yet: no GET for them.
    let gets_in_new_namespace = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/api/v1/namespaces/apan/"))
        .count();
    assert_eq!(gets_in_new_namespace, 0, "{:#?}", server.requests());

    let id = ApplySetParent::new("meshfed-test", "kube-system").id();
    let deployment = server
        .get("apps", "deployments", "apan", "web")
        .expect("created");
    assert_eq!(deployment["metadata"]["labels"][PART_OF_LABEL], id.as_str());
    let parent = server
        .get("", "secrets", "kube-system", "meshfed-test")
        .expect("parent");
    assert_eq!(
        parent["metadata"]["labels"]["applyset.kubernetes.io/id"],
        id.as_str()
    );
    let ann = &parent["metadata"]["annotations"];
    assert_eq!(
        ann["applyset.kubernetes.io/contains-group-kinds"],
        "ConfigMap,Deployment.apps,Namespace,Secret,Service"
    );
    assert_eq!(ann["applyset.kubernetes.io/additional-namespaces"], "apan");
    assert!(
        ann["applyset.kubernetes.io/tooling"]
            .as_str()
            .unwrap()
            .starts_with("fedctl/v")
    );
}

#[tokio::test]
async fn reapplying_an_unchanged_bundle_makes_no_writes() {
    let server = FakeApiServer::start().await;
    assert!(apply_one(&server, options(), bundle()).await.is_success());
    server.clear_requests();
    let cs = apply_one(&server, options(), bundle()).await;
    assert!(cs.is_success(), "{cs}");
    assert_eq!(cs.count(Action::Unchanged), 6, "{cs}");
    let requests = server.requests();
    assert!(server.writes().is_empty(), "{:#?}", server.writes());
    // Reads only: discovery, then a GET and a dry-run PATCH per object and for the parent (plus
    // the parent's first GET).
    let dry_runs = requests
        .iter()
        .filter(|r| r.method == "PATCH" && r.is_dry_run())
        .count();
    assert_eq!(dry_runs, 6);
    assert!(requests.iter().all(|r| r.method == "GET" || r.is_dry_run()));
}

#[tokio::test]
async fn changing_one_field_configures_exactly_one_object() {
    let server = FakeApiServer::start().await;
    assert!(apply_one(&server, options(), bundle()).await.is_success());
    server.clear_requests();
    let mut changed = bundle();
    changed[2] = config_map("settings", "two");
    let cs = apply_one(&server, options(), changed).await;
    assert_eq!(cs.count(Action::Configured), 1, "{cs}");
    assert_eq!(cs.count(Action::Unchanged), 5, "{cs}");
    let writes = server.writes();
    assert_eq!(writes.len(), 1, "{writes:#?}");
    assert_eq!(
        writes[0].path,
        "/api/v1/namespaces/apan/configmaps/settings"
    );
    let change = cs.with_action(Action::Configured).next().unwrap();
    let diff: Vec<String> = change.diff.iter().map(ToString::to_string).collect();
    assert_eq!(diff, vec![r#"~ .data.key: "one" -> "two""#]);
    assert_eq!(
        server.get("", "configmaps", "apan", "settings").unwrap()["data"]["key"],
        "two"
    );
}

#[tokio::test]
async fn secret_changes_are_diffed_with_masked_values() {
    let server = FakeApiServer::start().await;
    assert!(apply_one(&server, options(), bundle()).await.is_success());
    let mut changed = bundle();
    changed[3]["data"]["password"] = json!("bmV3");
    let mut opts = options();
    opts.dry_run = true;
    let cs = apply_one(&server, opts, changed).await;
    let json = serde_json::to_string(&cs).unwrap();
    assert!(
        !json.contains("bmV3") && !json.contains("c2VjcmV0"),
        "{json}"
    );
    assert!(json.contains("*** (after)"), "{json}");
    assert_eq!(cs.count(Action::Configured), 1, "{cs}");
}

#[tokio::test]
async fn prune_removes_dropped_members_and_nothing_else() {
    let server = FakeApiServer::start().await;
    let mut first = bundle();
    first.push(config_map("old", "x"));
    first.push(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "gone", "namespace": "apan"}}));
    assert!(
        apply_one(&server, options(), first.clone())
            .await
            .is_success()
    );
    // Someone else's ConfigMap, same kind and namespace, not labelled.
    server
        .apply_as(
            "kubectl",
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "other", "namespace": "apan"}, "data": {"k": "v"}}),
            false,
        )
        .unwrap();

    // Without --prune nothing is deleted.
    server.clear_requests();
    let cs = apply_one(&server, options(), bundle()).await;
    assert!(cs.is_success(), "{cs}");
    assert_eq!(cs.count(Action::Pruned), 0);
    assert!(server.writes().is_empty(), "{:#?}", server.writes());

    // With --prune: the dropped ConfigMap and the ServiceAccount (a kind no longer in the
    // bundle, found through the parent's contains-group-kinds) go; nothing else.
    server.clear_requests();
    let mut opts = options();
    opts.prune = true;
    let cs = apply_one(&server, opts.clone(), bundle()).await;
    assert!(cs.is_success(), "{cs}");
    let pruned: Vec<String> = cs
        .with_action(Action::Pruned)
        .map(|c| c.object.to_string())
        .collect();
    assert_eq!(
        pruned,
        vec!["ConfigMap apan/old", "ServiceAccount apan/gone"]
    );
    let deletes: Vec<String> = server
        .writes()
        .iter()
        .filter(|w| w.method == "DELETE")
        .map(|w| w.path.clone())
        .collect();
    assert_eq!(
        deletes,
        vec![
            "/api/v1/namespaces/apan/configmaps/old",
            "/api/v1/namespaces/apan/serviceaccounts/gone"
        ]
    );
    assert!(
        server.get("", "configmaps", "apan", "other").is_some(),
        "unlabelled object survives"
    );
    assert!(server.get("", "configmaps", "apan", "settings").is_some());
    // The parent now lists only the kinds of the bundle: one more write.
    assert_eq!(server.writes().len(), 3, "{:#?}", server.writes());
    let parent = server
        .get("", "secrets", "kube-system", "meshfed-test")
        .unwrap();
    assert_eq!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"],
        "ConfigMap,Deployment.apps,Namespace,Secret,Service"
    );

    // And pruning again is reads only.
    server.clear_requests();
    let cs = apply_one(&server, opts, bundle()).await;
    assert!(cs.is_success() && cs.count(Action::Pruned) == 0, "{cs}");
    assert!(server.writes().is_empty(), "{:#?}", server.writes());
}

#[tokio::test]
async fn conflict_with_another_manager_is_reported_and_force_takes_over() {
    let server = FakeApiServer::start().await;
    server.add_namespace("apan");
    server
        .apply_as(
            "kubectl",
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "apan"}, "data": {"key": "theirs"}}),
            false,
        )
        .unwrap();
    server.clear_requests();
    let cs = apply_one(&server, options(), bundle()).await;
    assert!(!cs.is_success());
    assert!(
        server.writes().is_empty(),
        "a failed dry-run writes nothing: {:#?}",
        server.writes()
    );
    let failed: Vec<_> = cs.with_action(Action::Failed).collect();
    assert_eq!(failed.len(), 1, "{cs}");
    match &failed[0].error {
        Some(Error::Conflict { conflicts, .. }) => {
            assert_eq!(conflicts.len(), 1);
            assert_eq!(conflicts[0].manager, "kubectl");
            assert_eq!(conflicts[0].field, ".data.key");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(
        cs.to_string()
            .contains(r#".data.key is managed by "kubectl""#),
        "{cs}"
    );
    assert_eq!(cs.count(Action::Skipped), 5, "{cs}");

    let mut opts = options();
    opts.force_conflicts = true;
    let cs = apply_one(&server, opts, bundle()).await;
    assert!(cs.is_success(), "{cs}");
    let settings = ObjectRef {
        group: String::new(),
        version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: Some("apan".into()),
        name: "settings".into(),
    };
    assert_eq!(cs.get(&settings).unwrap().action, Action::Configured);
    assert_eq!(
        server.get("", "configmaps", "apan", "settings").unwrap()["data"]["key"],
        "one"
    );
}

#[tokio::test]
async fn too_many_requests_twice_then_success() {
    let server = FakeApiServer::start().await;
    server.fail(Failure {
        method: Some("PATCH".into()),
        path_contains: "/configmaps/settings".into(),
        status: 429,
        times: 2,
    });
    let retries = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&retries);
    let progress = move |e: &Event<'_>| {
        if matches!(e, Event::Retrying { .. }) {
            *counter.lock().unwrap() += 1;
        }
    };
    let applier = applier(&[("gke", &server.url())], options());
    let report = applier.apply(&[target("gke", bundle())], &progress).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(*retries.lock().unwrap(), 2);
    let statuses: Vec<u16> = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/configmaps/settings") && r.method == "PATCH")
        .map(|r| r.status)
        .collect();
    // Deferred until namespace apan exists; then the dry-run: 429 twice, then 201; the apply: 201.
    assert_eq!(statuses, vec![429, 429, 201, 201]);
}

#[tokio::test]
async fn retries_give_up_after_the_limit() {
    let server = FakeApiServer::start().await;
    // The namespace exists, so the ConfigMap is dry-run before any write.
    server.add_namespace("apan");
    server.fail(Failure {
        method: Some("PATCH".into()),
        path_contains: "/configmaps/settings".into(),
        status: 503,
        times: 100,
    });
    let cs = apply_one(&server, options(), bundle()).await;
    assert!(!cs.is_success());
    assert!(server.writes().is_empty());
    let tries = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/configmaps/settings") && r.method == "PATCH")
        .count();
    assert_eq!(tries, 4, "max_attempts");
    let failed = cs.with_action(Action::Failed).next().unwrap();
    assert_eq!(failed.error.as_ref().unwrap().http_status(), Some(503));
}

fn destination_rule() -> Value {
    json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
        "metadata": {"name": "reviews", "namespace": "apan"},
        "spec": {"host": "reviews.apan.svc.cluster.local"}})
}

fn destination_rule_crd() -> Value {
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "destinationrules.networking.istio.io"},
        "spec": {"group": "networking.istio.io", "scope": "Namespaced",
            "names": {"kind": "DestinationRule", "plural": "destinationrules", "listKind": "DestinationRuleList", "singular": "destinationrule"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}})
}

#[tokio::test]
async fn missing_istio_crds_give_a_clear_error_and_no_writes() {
    let server = FakeApiServer::start().await;
    let mut values = bundle();
    values.push(destination_rule());
    let cs = apply_one(&server, options(), values).await;
    let error = cs.error.as_ref().expect("cluster fails").to_string();
    assert_eq!(
        error,
        "cluster gke does not serve networking.istio.io/v1 DestinationRule: is Istio installed?"
    );
    assert!(server.writes().is_empty());
}

#[tokio::test]
async fn crds_in_the_bundle_are_applied_and_awaited_before_their_objects() {
    let server = FakeApiServer::start().await;
    let mut values = bundle();
    values.push(destination_rule());
    values.push(destination_rule_crd());
    let cs = apply_one(&server, options(), values.clone()).await;
    assert!(cs.is_success(), "{cs}");
    assert_eq!(cs.count(Action::Created), 8, "{cs}");
    let paths: Vec<String> = server.writes().iter().map(|w| w.path.clone()).collect();
    let crd = paths
        .iter()
        .position(|p| p.contains("customresourcedefinitions"))
        .unwrap();
    let dr = paths
        .iter()
        .position(|p| p.contains("/destinationrules/"))
        .unwrap();
    assert!(crd < dr, "{paths:#?}");
    assert_eq!(dr, paths.len() - 1, "Istio objects come last: {paths:#?}");
    assert!(
        server
            .get("networking.istio.io", "destinationrules", "apan", "reviews")
            .is_some()
    );

    server.clear_requests();
    let cs = apply_one(&server, options(), values).await;
    assert_eq!(cs.count(Action::Unchanged), 8, "{cs}");
    assert!(server.writes().is_empty(), "{:#?}", server.writes());
}

#[tokio::test]
async fn one_cluster_down_does_not_stop_the_other() {
    let server = FakeApiServer::start().await;
    let down = down_url();
    let applier = applier(&[("gke", &server.url()), ("aks", &down)], options());
    let report = applier
        .apply(
            &[target("gke", bundle()), target("aks", bundle())],
            &NoProgress,
        )
        .await;
    assert_eq!(report.failed_clusters(), vec!["aks"]);
    let gke = report.cluster("gke").unwrap();
    assert!(gke.is_success());
    assert_eq!(gke.count(Action::Created), 6);
    let aks = report.cluster("aks").unwrap();
    assert!(matches!(aks.error, Some(Error::Discovery { .. })), "{aks}");
    assert!(aks.changes.is_empty());
    let json = serde_json::to_value(&report).unwrap();
    assert!(
        json["clusters"][1]["error"]
            .as_str()
            .unwrap()
            .starts_with("cluster aks: API discovery failed")
    );
}

#[tokio::test]
async fn dry_run_on_an_empty_cluster_accounts_for_namespaces_it_would_create() {
    let server = FakeApiServer::start().await;
    let mut opts = options();
    opts.dry_run = true;
    let cs = apply_one(&server, opts, bundle()).await;
    assert!(cs.is_success(), "{cs}");
    assert!(cs.dry_run);
    assert_eq!(cs.count(Action::Created), 6, "{cs}");
    assert!(server.writes().is_empty(), "{:#?}", server.writes());
    assert!(server.get("", "namespaces", "", "apan").is_none());
    // Objects in the namespace the bundle creates cannot be dry-run (the server would answer
    // 404): they were not sent at all.
    assert!(
        !server
            .requests()
            .iter()
            .any(|r| r.path.contains("/namespaces/apan/")),
        "{:#?}",
        server.requests()
    );
}

#[tokio::test]
async fn a_namespace_neither_on_the_cluster_nor_in_the_bundle_fails_the_dry_run() {
    let server = FakeApiServer::start().await;
    let cs = apply_one(&server, options(), vec![config_map("settings", "one")]).await;
    assert!(!cs.is_success());
    let failed = cs.with_action(Action::Failed).next().unwrap();
    assert!(
        matches!(failed.error, Some(Error::NamespaceMissing { .. })),
        "{cs}"
    );
    assert!(server.writes().is_empty());
}

#[tokio::test]
async fn an_invalid_object_stops_the_cluster_before_any_write() {
    let server = FakeApiServer::start().await;
    server.add_namespace("apan");
    let mut values = bundle();
    values[1]["metadata"]["labels"] = json!({"fake.test/invalid": "yes"});
    let cs = apply_one(&server, options(), values).await;
    assert!(
        matches!(cs.error, Some(Error::ObjectsFailed { failed: 1, .. })),
        "{cs}"
    );
    assert_eq!(
        cs.with_action(Action::Failed)
            .next()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .http_status(),
        Some(422)
    );
    assert!(server.writes().is_empty(), "{:#?}", server.writes());
}

#[tokio::test]
async fn aggregated_discovery_is_used_when_served_and_legacy_otherwise() {
    for aggregated in [true, false] {
        let server = FakeApiServer::start().await;
        server.set_aggregated(aggregated);
        let seen = Arc::new(Mutex::new(None));
        let s = Arc::clone(&seen);
        let progress = move |e: &Event<'_>| {
            if let Event::Discovered { aggregated, .. } = e {
                *s.lock().unwrap() = Some(*aggregated);
            }
        };
        let applier = applier(&[("gke", &server.url())], options());
        let report = applier.apply(&[target("gke", bundle())], &progress).await;
        assert!(report.is_success(), "{report}");
        assert_eq!(*seen.lock().unwrap(), Some(aggregated));
        let per_group = server
            .requests()
            .iter()
            .filter(|r| r.path == "/apis/apps/v1")
            .count();
        assert_eq!(
            per_group,
            usize::from(!aggregated),
            "aggregated={aggregated}"
        );
    }
}

#[tokio::test]
async fn invalid_bundles_name_the_object_and_field() {
    let server = FakeApiServer::start().await;
    let values = vec![
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "apan"}}),
        config_map("a", "1"),
        config_map("a", "2"),
    ];
    let cs = apply_one(&server, options(), values).await;
    let error = cs.error.unwrap().to_string();
    assert!(
        error.contains("objects[0].metadata.name: missing"),
        "{error}"
    );
    assert!(
        error.contains("objects[2]: ConfigMap apan/a is also objects[1]"),
        "{error}"
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn reapply_reads_one_list_per_kind_and_namespace_instead_of_a_get_per_object() {
    let server = FakeApiServer::start().await;
    let mut values = bundle();
    values.extend((0..4).map(|i| config_map(&format!("extra-{i}"), "x")));
    assert!(
        apply_one(&server, options(), values.clone())
            .await
            .is_success()
    );
    server.clear_requests();
    let cs = apply_one(&server, options(), values).await;
    assert_eq!(cs.count(Action::Unchanged), 10, "{cs}");
    let requests = server.requests();
    let lists: Vec<&str> = requests
        .iter()
        .filter(|r| r.path == "/api/v1/namespaces/apan/configmaps")
        .map(|r| r.query.get("labelSelector").map_or("", String::as_str))
        .collect();
    assert_eq!(lists, vec![format!("{PART_OF_LABEL}={}", cs.applyset_id)]);
    let gets = requests
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/api/v1/namespaces/apan/configmaps/"))
        .count();
    assert_eq!(gets, 0, "{requests:#?}");
    assert!(server.writes().is_empty());
}

fn offloading() -> Value {
    json!({"apiVersion": "offloading.liqo.io/v1beta1", "kind": "NamespaceOffloading",
        "metadata": {"name": "offloading", "namespace": "apan"},
        "spec": {"namespaceMappingStrategy": "DefaultName", "podOffloadingStrategy": "LocalAndRemote"}})
}

fn serve_liqo(server: &FakeApiServer) {
    server.serve_kind(fake::Resource::new(
        "offloading.liqo.io",
        "v1beta1",
        "NamespaceOffloading",
        "namespaceoffloadings",
        true,
    ));
}

#[tokio::test]
async fn namespace_offloading_is_applied_and_ready_before_workloads() {
    let server = FakeApiServer::start().await;
    serve_liqo(&server);
    let mut values = bundle();
    values.push(offloading());
    let cs = apply_one(&server, options(), values).await;
    assert!(cs.is_success(), "{cs}");
    let paths: Vec<String> = server.writes().iter().map(|w| w.path.clone()).collect();
    let offload = paths
        .iter()
        .position(|p| p.contains("/namespaceoffloadings/"))
        .unwrap();
    let first_config = paths
        .iter()
        .position(|p| p.contains("/configmaps/"))
        .unwrap();
    assert!(offload < first_config, "{paths:#?}");
}

#[tokio::test]
async fn namespace_offloading_that_never_gets_ready_stops_before_workloads() {
    let server = FakeApiServer::start().await;
    serve_liqo(&server);
    server.set_offloading_phase("InProgress");
    let mut values = bundle();
    values.push(offloading());
    let mut opts = options();
    opts.wait_timeout = Duration::from_millis(100);
    let cs = apply_one(&server, opts, values).await;
    let error = cs.error.as_ref().expect("fails").to_string();
    assert!(
        error.contains("not Ready (status.offloadingPhase)"),
        "{error}"
    );
    assert!(server.get("apps", "deployments", "apan", "web").is_none());
    assert_eq!(cs.count(Action::Skipped), 4, "{cs}");
}

#[tokio::test]
async fn prune_never_deletes_namespaces_even_when_dropped() {
    let server = FakeApiServer::start().await;
    let mut first = bundle();
    first.push(namespace("scratch"));
    assert!(apply_one(&server, options(), first).await.is_success());
    let mut opts = options();
    opts.prune = true;
    server.clear_requests();
    let cs = apply_one(&server, opts, bundle()).await;
    assert!(cs.is_success(), "{cs}");
    assert_eq!(cs.count(Action::Pruned), 0, "{cs}");
    assert!(
        !server.writes().iter().any(|w| w.method == "DELETE"),
        "{:#?}",
        server.writes()
    );
    assert!(server.get("", "namespaces", "", "scratch").is_some());
}
