//! API discovery with the fallback kube 5.0.0 needs, cached per cluster for one apply.

use std::collections::HashMap;

use kube::{
    Client,
    discovery::{ApiResource, Discovery, Scope},
};

/// The kinds one cluster serves.
#[derive(Debug, Default)]
pub(crate) struct ServedKinds {
    by_gvk: HashMap<(String, String, String), (ApiResource, bool)>,
    /// Preferred version per group and kind, for listing ApplySet members of a kind.
    by_gk: HashMap<(String, String), (ApiResource, bool)>,
    pub(crate) aggregated: bool,
}

impl ServedKinds {
    /// Runs aggregated discovery (2 requests) and falls back to legacy discovery (N+2 requests)
    /// when the result lacks the core group: kube 5.0.0's `run_aggregated` returns an empty
    /// discovery, without error, from servers that do not serve aggregated discovery.
    pub(crate) async fn discover(client: &Client) -> Result<Self, kube::Error> {
        if let Ok(d) = Discovery::new(client.clone()).run_aggregated().await
            && d.has_group("")
        {
            return Ok(Self::from_discovery(&d, true));
        }
        let d = Discovery::new(client.clone()).run().await?;
        Ok(Self::from_discovery(&d, false))
    }

    fn from_discovery(d: &Discovery, aggregated: bool) -> Self {
        let mut me = Self {
            aggregated,
            ..Self::default()
        };
        for group in d.groups() {
            for (ar, caps) in group.recommended_resources() {
                let namespaced = caps.scope == Scope::Namespaced;
                me.by_gk.insert(
                    (ar.group.clone(), ar.kind.clone()),
                    (ar.clone(), namespaced),
                );
            }
            let versions: Vec<String> = group.versions().map(str::to_string).collect();
            for v in versions {
                for (ar, caps) in group.versioned_resources(&v) {
                    me.insert(ar, caps.scope == Scope::Namespaced);
                }
            }
        }
        me
    }

    pub(crate) fn insert(&mut self, ar: ApiResource, namespaced: bool) {
        self.by_gk
            .entry((ar.group.clone(), ar.kind.clone()))
            .or_insert_with(|| (ar.clone(), namespaced));
        self.by_gvk.insert(
            (ar.group.clone(), ar.version.clone(), ar.kind.clone()),
            (ar, namespaced),
        );
    }

    pub(crate) fn len(&self) -> usize {
        self.by_gvk.len()
    }

    pub(crate) fn resolve(
        &self,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Option<&(ApiResource, bool)> {
        self.by_gvk
            .get(&(group.to_string(), version.to_string(), kind.to_string()))
    }

    pub(crate) fn resolve_gk(&self, group: &str, kind: &str) -> Option<&(ApiResource, bool)> {
        self.by_gk.get(&(group.to_string(), kind.to_string()))
    }
}

/// What to suggest when a kind is not served.
pub(crate) fn hint(group: &str) -> String {
    if group == "istio.io" || group.ends_with(".istio.io") {
        "is Istio installed?".into()
    } else if group == "liqo.io" || group.ends_with(".liqo.io") {
        "is LIQO installed?".into()
    } else if group.contains('.') {
        format!("is the CustomResourceDefinition for group {group} installed?")
    } else {
        "is this API version served by the cluster's Kubernetes version?".into()
    }
}
