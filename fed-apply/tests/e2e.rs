//! End-to-end against real clusters: opt-in, see README.md ("Running the end-to-end test").

use fed_apply::{Action, Applier, ApplyOptions, ApplySetParent, ClusterTarget, NoProgress};
use kube::config::Kubeconfig;
use serde_json::json;

fn bundle() -> Vec<serde_json::Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fed-apply-e2e"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "fed-apply-e2e"}, "data": {"greeting": "hello"}}),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "fed-apply-e2e"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "fed-apply-e2e"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}),
    ]
}

#[tokio::test]
#[ignore = "needs cluster"]
async fn applies_reapplies_without_writes_and_prunes_on_real_clusters() {
    let path = std::env::var("KUBECONFIG")
        .expect("set KUBECONFIG to a kubeconfig whose contexts are disposable test clusters");
    let kubeconfig = Kubeconfig::read_from(&path).expect("kubeconfig");
    let contexts: Vec<String> = match std::env::var("FED_APPLY_E2E_CONTEXTS") {
        Ok(list) => list.split(',').map(str::to_string).collect(),
        Err(_) => kubeconfig.contexts.iter().map(|c| c.name.clone()).collect(),
    };
    assert!(!contexts.is_empty(), "no contexts in {path}");
    let options = ApplyOptions::new(ApplySetParent::new("fed-apply-e2e", "kube-system"));
    let applier = Applier::new(kubeconfig, options.clone());
    let targets = |objects: Vec<serde_json::Value>| -> Vec<ClusterTarget> {
        contexts
            .iter()
            .map(|c| {
                ClusterTarget::new(c, c)
                    .with_json_objects(objects.clone())
                    .expect("objects")
            })
            .collect()
    };

    let first = applier.apply(&targets(bundle()), &NoProgress).await;
    assert!(first.is_success(), "{first}");

    // Re-applying the same bundle writes nothing: everything, the parent included, is unchanged.
    let again = applier.apply(&targets(bundle()), &NoProgress).await;
    assert!(again.is_success(), "{again}");
    for cs in &again.clusters {
        assert_eq!(cs.count(Action::Unchanged), bundle().len() + 1, "{cs}");
    }

    // Clean up: an empty bundle with prune deletes every member, the Namespace included.
    let mut prune = options;
    prune.prune = true;
    let cleanup = Applier::new(Kubeconfig::read_from(&path).expect("kubeconfig"), prune)
        .apply(&targets(Vec::new()), &NoProgress)
        .await;
    assert!(cleanup.is_success(), "{cleanup}");
    for cs in &cleanup.clusters {
        assert_eq!(cs.count(Action::Pruned), bundle().len(), "{cs}");
    }
}
