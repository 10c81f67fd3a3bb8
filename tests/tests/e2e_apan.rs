//! The APAN example applied to real clusters: opt-in (`#[ignore = "needs cluster"]`).
//!
//! Renders `examples/apan.yaml`, applies every cluster's bundle with fed-apply to the matching
//! kubeconfig context, re-applies it and checks that the second apply writes nothing, then
//! prunes what it applied. How to run it against kind or k3d: README.md, "End-to-end test".
//!
//! - `KUBECONFIG`: a kubeconfig whose contexts are disposable test clusters with Istio's CRDs
//!   installed (the bundle holds Istio resources; without the CRDs each cluster stops with
//!   "does not serve networking.istio.io/v1 ...: is Istio installed?").
//! - `MESHFED_E2E_CONTEXTS` (optional): `cluster=context,...` when the contexts are not named
//!   like the document says (kind prefixes them: `tein=kind-tein,gke=kind-gke`).

use std::collections::BTreeMap;

use fed_apply::{Action, Applier, ApplyOptions, ApplySetParent, ClusterTarget, NoProgress};
use kube::config::Kubeconfig;

const APAN: &str = include_str!("../../examples/apan.yaml");

fn contexts() -> BTreeMap<String, String> {
    std::env::var("MESHFED_E2E_CONTEXTS")
        .map(|list| {
            list.split(',')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (cluster, context) = pair.split_once('=').unwrap_or_else(|| {
                        panic!("MESHFED_E2E_CONTEXTS: {pair:?} is not cluster=context")
                    });
                    (cluster.to_owned(), context.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn targets(objects: bool) -> Vec<ClusterTarget> {
    let fed = fed_model::validate_yaml_str(APAN, None, None)
        .expect("examples/apan.yaml validates")
        .federation;
    let overrides = contexts();
    fed_render::render(&fed)
        .expect("examples/apan.yaml renders")
        .into_iter()
        .map(|b| {
            let context = overrides.get(&b.cluster).unwrap_or(&b.context).clone();
            let objects: Vec<_> = if objects {
                b.objects
                    .iter()
                    .map(fed_render::Object::to_json_value)
                    .collect()
            } else {
                Vec::new()
            };
            ClusterTarget::new(&b.cluster, &context)
                .with_json_objects(objects)
                .expect("rendered objects are Kubernetes objects")
        })
        .collect()
}

fn kubeconfig() -> Kubeconfig {
    let path = std::env::var("KUBECONFIG")
        .expect("set KUBECONFIG to a kubeconfig whose contexts are disposable test clusters");
    Kubeconfig::read_from(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
#[ignore = "needs cluster"]
async fn apan_applies_then_reapplies_with_no_writes() {
    let options = ApplyOptions::new(ApplySetParent::new("meshfed-apan-e2e", "kube-system"));

    let first = Applier::new(kubeconfig(), options.clone())
        .apply(&targets(true), &NoProgress)
        .await;
    assert!(first.is_success(), "{first}");

    let again = Applier::new(kubeconfig(), options.clone())
        .apply(&targets(true), &NoProgress)
        .await;
    assert!(again.is_success(), "{again}");
    for cs in &again.clusters {
        let changed = cs
            .changes
            .iter()
            .filter(|c| c.action != Action::Unchanged)
            .count();
        assert_eq!(changed, 0, "the second apply wrote something:\n{cs}");
    }

    // Clean up: an empty bundle with prune deletes what the first apply created (Namespaces
    // excepted: fed-apply never prunes them).
    let mut prune = options;
    prune.prune = true;
    let cleanup = Applier::new(kubeconfig(), prune)
        .apply(&targets(false), &NoProgress)
        .await;
    assert!(cleanup.is_success(), "{cleanup}");
}
