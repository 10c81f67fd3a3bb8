//! The applier: per cluster, discover, dry-run everything, write what drifted stage by stage,
//! prune ApplySet members that left the bundle.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    path::Path,
    time::Duration,
};

use futures::{StreamExt as _, stream};
use kube::{
    Api, Client, Config,
    api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams, Preconditions},
    config::{KubeConfigOptions, Kubeconfig},
    core::{GroupVersionKind, Status},
    discovery::ApiResource,
};

use crate::{
    Action, ApplyReport, ApplySetParent, Change, ChangeSet, ClusterTarget, Conflict, Error, Event,
    FieldDiff, GroupKind, ObjectRef, Operation, Progress, RetryPolicy, Stage,
    applyset::{
        ADDITIONAL_NAMESPACES_ANNOTATION, CONTAINS_GROUP_KINDS_ANNOTATION, PART_OF_LABEL,
        TOOLING_ANNOTATION, split_list,
    },
    diff::{diff, normalize},
    discovery::{ServedKinds, hint},
    object::ObjectKey,
    order::stage_of,
};

/// How [`Applier`] applies.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// The ApplySet parent (one per federation; the same name on every cluster).
    pub applyset: ApplySetParent,
    /// Dry run: dry-run every object on the server and report what would happen, write nothing.
    pub dry_run: bool,
    /// Delete ApplySet members that are no longer in the bundle, after every apply of the
    /// cluster succeeded.
    pub prune: bool,
    /// Take over fields other field managers own instead of failing with a conflict.
    pub force_conflicts: bool,
    /// The server-side apply field manager (`fedctl`); also the tool name of the ApplySet.
    pub field_manager: String,
    /// Retries of transient failures (429, 5xx, connection errors).
    pub retry: RetryPolicy,
    /// Requests in flight per cluster (at least 1).
    pub concurrency: usize,
    /// How long to wait for a CRD to be Established and its kind served.
    pub wait_timeout: Duration,
    /// How often to poll while waiting.
    pub poll_interval: Duration,
}

impl ApplyOptions {
    /// Defaults: apply for real, no prune, no force, field manager `fedctl`, default retries,
    /// 8 requests in flight per cluster, 60 s waits polled every second.
    pub fn new(applyset: ApplySetParent) -> Self {
        Self {
            applyset,
            dry_run: false,
            prune: false,
            force_conflicts: false,
            field_manager: "fedctl".into(),
            retry: RetryPolicy::default(),
            concurrency: 8,
            wait_timeout: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
        }
    }
}

/// Applies bundles to clusters. See the crate documentation for the flow.
#[derive(Clone, Debug)]
pub struct Applier {
    kubeconfig: Kubeconfig,
    options: ApplyOptions,
}

impl Applier {
    /// An applier reaching clusters through the contexts of `kubeconfig`.
    pub fn new(kubeconfig: Kubeconfig, options: ApplyOptions) -> Self {
        Self {
            kubeconfig,
            options,
        }
    }

    /// An applier reading the kubeconfig file at `path`.
    pub fn from_kubeconfig_path(path: &Path, options: ApplyOptions) -> Result<Self, Error> {
        let kubeconfig = utf16_whole(path)
            .and_then(|()| Kubeconfig::read_from(path))
            .map_err(|source| Error::Kubeconfig {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Self::new(kubeconfig, options))
    }

    /// Checks that kube can read the kubeconfig file at `path` without panicking: kube-client
    /// 5.0.0 panics on a file that starts with a UTF-16 byte-order mark followed by an odd
    /// number of bytes. [`Applier::from_kubeconfig_path`] checks this itself; a caller that
    /// reads `$KUBECONFIG` through kube (`Kubeconfig::read`) calls this first on every file it
    /// names. A file that cannot be read at all passes: kube reports that itself.
    pub fn check_kubeconfig_file(path: &Path) -> Result<(), Error> {
        utf16_whole(path).map_err(|source| Error::Kubeconfig {
            path: path.display().to_string(),
            source,
        })
    }

    /// The options.
    pub fn options(&self) -> &ApplyOptions {
        &self.options
    }

    /// Applies every target, clusters in parallel. A cluster that fails does not stop the
    /// others; the report has one change set per target, in the targets' order.
    pub async fn apply(&self, targets: &[ClusterTarget], progress: &dyn Progress) -> ApplyReport {
        let clusters =
            futures::future::join_all(targets.iter().map(|t| self.apply_cluster(t, progress)))
                .await;
        ApplyReport { clusters }
    }

    /// Applies one target.
    pub async fn apply_cluster(
        &self,
        target: &ClusterTarget,
        progress: &dyn Progress,
    ) -> ChangeSet {
        let opts = &self.options;
        let mut cs = ChangeSet::new(&target.name, opts.dry_run, opts.applyset.id());
        progress.event(&Event::ClusterStarted {
            cluster: &target.name,
            objects: target.objects.len(),
        });
        match self.client(target).await {
            Ok(client) => {
                let run = Run {
                    cluster: &target.name,
                    client,
                    opts,
                    progress,
                    id: opts.applyset.id(),
                    tooling: format!("{}/v{}", opts.field_manager, env!("CARGO_PKG_VERSION")),
                };
                if let Err(e) = run.run(target, &mut cs).await {
                    cs.error = Some(e);
                }
            }
            Err(e) => cs.error = Some(e),
        }
        progress.event(&Event::ClusterFinished {
            cluster: &target.name,
            changes: &cs,
        });
        cs
    }

    async fn client(&self, target: &ClusterTarget) -> Result<Client, Error> {
        client(&self.kubeconfig, &target.name, &target.context).await
    }
}

/// A client for `context` of `kubeconfig`, without kube's own retries: our [`RetryPolicy`] is
/// the only retry layer (bounded, reported, counted). `cluster` names it in errors.
pub(crate) async fn client(
    kubeconfig: &Kubeconfig,
    cluster: &str,
    context: &str,
) -> Result<Client, Error> {
    let options = KubeConfigOptions {
        context: Some(context.to_owned()),
        ..KubeConfigOptions::default()
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|source| Error::Context {
            cluster: cluster.to_owned(),
            context: context.to_owned(),
            source,
        })?;
    config.default_retry = false;
    Client::try_from(config).map_err(|source| Error::Client {
        cluster: cluster.to_owned(),
        source,
    })
}

/// Why an object could not be dry-run yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deferral {
    /// Its Namespace is in the bundle and not created yet.
    Namespace,
    /// Its kind is defined by a CRD in the bundle and not served yet.
    Crd,
}

#[derive(Debug)]
enum State {
    Deferred(Deferral),
    Planned(Action, Vec<FieldDiff>),
    Done(Action, Vec<FieldDiff>),
    Failed(Error),
    Skipped,
}

struct Item {
    oref: ObjectRef,
    object: DynamicObject,
    api: Option<(ApiResource, bool)>,
    step: usize,
    order: (Stage, usize),
    state: State,
}

/// The steps writes happen in: Namespaces, the ApplySet parent, other foundations (CRDs), then
/// the remaining stages.
const STEP_NAMESPACES: usize = 0;
const STEP_PARENT: usize = 1;
const STEP_CRDS: usize = 2;
const STEP_PLACEMENT: usize = 3;
const STEPS: usize = 7;

fn step_of(stage: Stage, is_namespace: bool) -> usize {
    match stage {
        Stage::Foundations if is_namespace => STEP_NAMESPACES,
        Stage::Foundations => STEP_CRDS,
        Stage::Placement => STEP_PLACEMENT,
        Stage::Config => 4,
        Stage::Workloads => 5,
        Stage::Extensions => 6,
    }
}

fn stage_of_step(step: usize) -> Stage {
    match step {
        0..=2 => Stage::Foundations,
        STEP_PLACEMENT => Stage::Placement,
        4 => Stage::Config,
        5 => Stage::Workloads,
        _ => Stage::Extensions,
    }
}

/// Group, version, kind and namespace: what one LIST reads.
type ListKey = (String, String, String, Option<String>);

struct Run<'a> {
    cluster: &'a str,
    client: Client,
    opts: &'a ApplyOptions,
    progress: &'a dyn Progress,
    id: String,
    tooling: String,
}

const CRD_GROUP: &str = "apiextensions.k8s.io";
const CRD_KIND: &str = "CustomResourceDefinition";

fn secret_resource() -> ApiResource {
    ApiResource {
        group: String::new(),
        version: "v1".into(),
        api_version: "v1".into(),
        kind: "Secret".into(),
        plural: "secrets".into(),
    }
}

fn crd_resource() -> ApiResource {
    ApiResource {
        group: CRD_GROUP.into(),
        version: "v1".into(),
        api_version: format!("{CRD_GROUP}/v1"),
        kind: CRD_KIND.into(),
        plural: "customresourcedefinitions".into(),
    }
}

/// The kinds a CRD in the bundle will serve: (group, version, kind) -> namespaced.
fn crd_kinds(objects: &[DynamicObject]) -> HashMap<(String, String, String), bool> {
    let mut out = HashMap::new();
    for o in objects {
        let Some(t) = &o.types else { continue };
        if t.kind != CRD_KIND || !t.api_version.starts_with(CRD_GROUP) {
            continue;
        }
        let spec = &o.data["spec"];
        let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str())
        else {
            continue;
        };
        let namespaced = spec["scope"].as_str() != Some("Cluster");
        for v in spec["versions"].as_array().into_iter().flatten() {
            if v["served"].as_bool() == Some(false) {
                continue;
            }
            if let Some(name) = v["name"].as_str() {
                out.insert(
                    (group.to_string(), name.to_string(), kind.to_string()),
                    namespaced,
                );
            }
        }
    }
    out
}

/// The kind and name of bundle object `i`, or the problem with it.
fn identify(i: usize, obj: &DynamicObject) -> Result<(GroupVersionKind, String), String> {
    let Some(types) = &obj.types else {
        return Err(format!("objects[{i}]: apiVersion and kind are missing"));
    };
    let Ok(gvk) = GroupVersionKind::try_from(types) else {
        return Err(format!(
            "objects[{i}].apiVersion: {:?} is not `group/version` or `version`",
            types.api_version
        ));
    };
    if gvk.kind.is_empty() {
        return Err(format!("objects[{i}].kind: missing"));
    }
    let name = obj.metadata.name.clone().unwrap_or_default();
    if name.is_empty() {
        return Err(format!(
            "objects[{i}].metadata.name: missing ({} {}); generateName is not supported by server-side apply",
            types.api_version, gvk.kind
        ));
    }
    Ok((gvk, name))
}

fn conflicts_of(status: &Status) -> Vec<Conflict> {
    let mut out: Vec<Conflict> = status
        .details
        .iter()
        .flat_map(|d| &d.causes)
        .filter(|c| !c.field.is_empty())
        .map(|c| Conflict {
            manager: c
                .message
                .split('"')
                .nth(1)
                .unwrap_or(c.message.as_str())
                .to_string(),
            field: c.field.clone(),
        })
        .collect();
    if out.is_empty() {
        out.push(Conflict {
            manager: "unknown".into(),
            field: status.message.clone(),
        });
    }
    out
}

fn is_missing_namespace(status: &Status) -> bool {
    status.code == 404
        && (status
            .details
            .as_ref()
            .is_some_and(|d| d.kind == "namespaces")
            || status.message.starts_with("namespaces \""))
}

fn is_established(crd: &DynamicObject) -> bool {
    crd.data["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Established" && c["status"] == "True")
}

fn record(
    cs: &mut ChangeSet,
    object: ObjectRef,
    action: Action,
    diff: Vec<FieldDiff>,
    error: Option<Error>,
) {
    let diff = if action == Action::Configured {
        diff
    } else {
        Vec::new()
    };
    cs.changes.push(Change {
        object,
        action,
        diff,
        error,
    });
}

fn classify_error(
    item: &Item,
    error: kube::Error,
    operation: Operation,
    bundle_nss: &HashSet<String>,
) -> State {
    if let kube::Error::Api(status) = &error {
        if is_missing_namespace(status)
            && let Some(ns) = &item.oref.namespace
        {
            return if bundle_nss.contains(ns) && operation == Operation::DryRun {
                State::Deferred(Deferral::Namespace)
            } else {
                State::Failed(Error::NamespaceMissing {
                    object: item.oref.clone(),
                    namespace: ns.clone(),
                })
            };
        }
        if status.code == 409 {
            return State::Failed(Error::Conflict {
                object: item.oref.clone(),
                conflicts: conflicts_of(status),
            });
        }
    }
    State::Failed(Error::Api {
        object: item.oref.clone(),
        operation,
        source: error,
    })
}

impl Run<'_> {
    fn api(&self, ar: &ApiResource, namespaced: bool, ns: Option<&str>) -> Api<DynamicObject> {
        match (namespaced, ns) {
            (true, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, ar),
            _ => Api::all_with(self.client.clone(), ar),
        }
    }

    fn item_api(&self, item: &Item) -> Option<Api<DynamicObject>> {
        let (ar, namespaced) = item.api.as_ref()?;
        Some(self.api(ar, *namespaced, item.oref.namespace.as_deref()))
    }

    fn on_retry(&self) -> impl Fn(u32, Duration, &kube::Error) + '_ {
        move |attempt, delay, error| {
            self.progress.event(&Event::Retrying {
                cluster: self.cluster,
                attempt,
                delay,
                error,
            });
        }
    }

    async fn run(&self, target: &ClusterTarget, cs: &mut ChangeSet) -> Result<(), Error> {
        let mut kinds = self.discover().await?;
        let mut items = self.prepare(&target.objects, &kinds)?;
        let current_gks: BTreeSet<GroupKind> = items.iter().map(|i| i.oref.group_kind()).collect();
        let current_nss: BTreeSet<String> = items
            .iter()
            .filter_map(|i| i.oref.namespace.clone())
            .collect();
        let bundle_nss: HashSet<String> = items
            .iter()
            .filter(|i| i.oref.group.is_empty() && i.oref.kind == "Namespace")
            .map(|i| i.oref.name.clone())
            .collect();

        // The ApplySet parent, extended to the superset of the kinds and namespaces it had and
        // the bundle has (KEP-3659 "superset" update).
        let parent_ref = self.opts.applyset.object_ref();
        let (prev_gks, prev_nss) = self.read_parent(&parent_ref).await?;
        let superset_gks: BTreeSet<GroupKind> = prev_gks.union(&current_gks).cloned().collect();
        let superset_nss: BTreeSet<String> = prev_nss.union(&current_nss).cloned().collect();
        items.push(Item {
            oref: parent_ref.clone(),
            object: self
                .opts
                .applyset
                .object(&self.tooling, &superset_gks, &superset_nss),
            api: Some((secret_resource(), true)),
            step: STEP_PARENT,
            order: (Stage::Foundations, 0),
            state: State::Deferred(Deferral::Namespace),
        });
        let parent_index = items.len() - 1;
        items.sort_by_key(|i| (i.step, i.order, i.oref.key()));
        let parent_index = items
            .iter()
            .position(|i| i.oref == parent_ref)
            .unwrap_or(parent_index);

        // Dry-run everything that can be dry-run now; nothing is written before this succeeds.
        self.plan_all(&mut items, &bundle_nss).await;
        let failed = items
            .iter()
            .filter(|i| matches!(i.state, State::Failed(_)))
            .count();
        let changes = items
            .iter()
            .filter(|i| {
                matches!(
                    i.state,
                    State::Planned(Action::Created | Action::Configured, _)
                )
            })
            .count();
        self.progress.event(&Event::DryRunFinished {
            cluster: self.cluster,
            changes,
            failed,
        });
        if failed > 0 {
            return Err(self.stop(items, cs, "dry-run"));
        }

        if self.opts.dry_run {
            return self.report_dry_run(items, &kinds, &superset_gks, cs).await;
        }

        // Write, step by step.
        match self.write_steps(&mut items, &mut kinds, &bundle_nss).await {
            Ok(()) => {}
            Err(None) => return Err(self.stop(items, cs, "apply")),
            Err(Some(e)) => {
                self.stop(items, cs, "apply");
                return Err(e);
            }
        }

        let parent_action = match &items[parent_index].state {
            State::Done(a, _) => *a,
            _ => Action::Unchanged,
        };
        for item in items {
            if let State::Done(a, d) = item.state {
                record(cs, item.oref, a, d, None);
            }
        }

        if self.opts.prune {
            let keep: HashSet<ObjectKey> = cs.changes.iter().map(|c| c.object.key()).collect();
            self.prune(&kinds, &superset_gks, &keep, cs).await?;
            if cs.count(Action::Failed) > 0 {
                return Ok(());
            }
            self.update_parent_latest(
                &parent_ref,
                parent_action,
                &current_gks,
                &current_nss,
                &bundle_nss,
                cs,
            )
            .await;
        }
        Ok(())
    }

    /// The first dry-run of everything that can be dry-run: Namespaces first, because objects
    /// in a Namespace that does not exist yet cannot be dry-run (the server answers 404); they
    /// are deferred without asking.
    async fn plan_all(&self, items: &mut [Item], bundle_nss: &HashSet<String>) {
        let namespaces: Vec<usize> = (0..items.len())
            .filter(|&i| items[i].step == STEP_NAMESPACES)
            .collect();
        self.plan(items, &namespaces, bundle_nss, false).await;
        let new_nss: HashSet<String> = namespaces
            .iter()
            .filter(|&&i| matches!(items[i].state, State::Planned(Action::Created, _)))
            .map(|&i| items[i].oref.name.clone())
            .collect();
        let mut ready = Vec::with_capacity(items.len());
        for (i, item) in items.iter_mut().enumerate() {
            if item.step == STEP_NAMESPACES || item.api.is_none() {
                continue;
            }
            if item
                .oref
                .namespace
                .as_deref()
                .is_some_and(|ns| new_nss.contains(ns))
            {
                item.state = State::Deferred(Deferral::Namespace);
            } else {
                ready.push(i);
            }
        }
        self.plan(items, &ready, bundle_nss, false).await;
    }

    async fn discover(&self) -> Result<ServedKinds, Error> {
        let kinds = self
            .opts
            .retry
            .run(|| ServedKinds::discover(&self.client), self.on_retry())
            .await
            .map_err(|source| Error::Discovery {
                cluster: self.cluster.to_string(),
                source,
            })?;
        self.progress.event(&Event::Discovered {
            cluster: self.cluster,
            kinds: kinds.len(),
            aggregated: kinds.aggregated,
        });
        Ok(kinds)
    }

    /// A dry run's change set: the planned actions, then what prune would delete.
    async fn report_dry_run(
        &self,
        items: Vec<Item>,
        kinds: &ServedKinds,
        superset_gks: &BTreeSet<GroupKind>,
        cs: &mut ChangeSet,
    ) -> Result<(), Error> {
        for item in items {
            let (action, diff) = match item.state {
                State::Planned(a, d) => (a, d),
                // Its namespace or kind does not exist yet, so neither does it.
                _ => (Action::Created, Vec::new()),
            };
            record(cs, item.oref, action, diff, None);
        }
        if self.opts.prune {
            let keep: HashSet<ObjectKey> = cs.changes.iter().map(|c| c.object.key()).collect();
            self.prune(kinds, superset_gks, &keep, cs).await?;
        }
        Ok(())
    }

    /// Reads the ApplySet parent's kinds and namespaces, refusing a parent another tool owns.
    async fn read_parent(
        &self,
        parent_ref: &ObjectRef,
    ) -> Result<(BTreeSet<GroupKind>, BTreeSet<String>), Error> {
        let parent_api = self.api(&secret_resource(), true, parent_ref.namespace.as_deref());
        let live_parent = self
            .opts
            .retry
            .run(|| parent_api.get_opt(&parent_ref.name), self.on_retry())
            .await
            .map_err(|source| Error::Api {
                object: parent_ref.clone(),
                operation: Operation::Get,
                source,
            })?;
        let annotations = live_parent
            .as_ref()
            .and_then(|p| p.metadata.annotations.clone())
            .unwrap_or_default();
        if let Some(tooling) = annotations.get(TOOLING_ANNOTATION) {
            let tool = tooling.split('/').next().unwrap_or_default();
            if tool != self.opts.field_manager {
                return Err(Error::ForeignApplySet {
                    object: parent_ref.clone(),
                    tooling: tooling.clone(),
                    ours: self.tooling.clone(),
                });
            }
        }
        let prev_gks: BTreeSet<GroupKind> =
            split_list(annotations.get(CONTAINS_GROUP_KINDS_ANNOTATION))
                .filter_map(GroupKind::parse)
                .collect();
        let prev_nss: BTreeSet<String> =
            split_list(annotations.get(ADDITIONAL_NAMESPACES_ANNOTATION))
                .map(str::to_string)
                .collect();
        Ok((prev_gks, prev_nss))
    }

    /// Writes step by step. `Err(None)`: objects failed (their states say why); `Err(Some(e))`:
    /// the cluster failed otherwise.
    async fn write_steps(
        &self,
        items: &mut [Item],
        kinds: &mut ServedKinds,
        bundle_nss: &HashSet<String>,
    ) -> Result<(), Option<Error>> {
        for step in 0..STEPS {
            let in_step: Vec<usize> = (0..items.len())
                .filter(|&i| items[i].step == step)
                .collect();
            if in_step.is_empty() {
                continue;
            }
            let deferred: Vec<usize> = in_step
                .iter()
                .copied()
                .filter(|&i| matches!(items[i].state, State::Deferred(_)))
                .collect();
            if !deferred.is_empty() {
                // Their Namespace or kind did not exist, so neither did they: no reads needed.
                self.plan(items, &deferred, bundle_nss, true).await;
                // What its namespace or CRD should have made possible by now and did not.
                for &i in &deferred {
                    if let State::Deferred(why) = items[i].state {
                        let oref = items[i].oref.clone();
                        items[i].state = State::Failed(match (why, oref.namespace.clone()) {
                            (Deferral::Namespace, Some(namespace)) => Error::NamespaceMissing {
                                object: oref,
                                namespace,
                            },
                            _ => Error::NotServed {
                                cluster: self.cluster.to_string(),
                                api_version: oref.api_version(),
                                kind: oref.kind.clone(),
                                hint: hint(&oref.group),
                            },
                        });
                    }
                }
            }
            let writes: Vec<usize> = in_step
                .iter()
                .copied()
                .filter(|&i| {
                    matches!(
                        items[i].state,
                        State::Planned(Action::Created | Action::Configured, _)
                    )
                })
                .collect();
            self.progress.event(&Event::StageStarted {
                cluster: self.cluster,
                stage: stage_of_step(step),
                writes: writes.len(),
            });
            self.write(items, &writes).await;
            for &i in &in_step {
                if let State::Planned(Action::Unchanged, d) = &mut items[i].state {
                    let d = std::mem::take(d);
                    items[i].state = State::Done(Action::Unchanged, d);
                    self.progress.event(&Event::Object {
                        cluster: self.cluster,
                        object: &items[i].oref,
                        action: Action::Unchanged,
                    });
                }
            }
            if in_step
                .iter()
                .any(|&i| matches!(items[i].state, State::Failed(_)))
            {
                return Err(None);
            }
            if step == STEP_CRDS {
                self.after_crds(items, &in_step, kinds)
                    .await
                    .map_err(Some)?;
            }
            if step == STEP_PLACEMENT {
                self.wait_offloading_ready(items, &in_step)
                    .await
                    .map_err(Some)?;
            }
        }
        Ok(())
    }

    /// KEP-3659 "latest" update after a prune: the parent lists only what the bundle has.
    async fn update_parent_latest(
        &self,
        parent_ref: &ObjectRef,
        parent_action: Action,
        current_gks: &BTreeSet<GroupKind>,
        current_nss: &BTreeSet<String>,
        bundle_nss: &HashSet<String>,
        cs: &mut ChangeSet,
    ) {
        // KEP-3659 "latest" update: the parent now lists only what the bundle has.
        let latest = self
            .opts
            .applyset
            .object(&self.tooling, current_gks, current_nss);
        let mut parent = vec![Item {
            oref: parent_ref.clone(),
            object: latest,
            api: Some((secret_resource(), true)),
            step: STEP_PARENT,
            order: (Stage::Foundations, 0),
            state: State::Deferred(Deferral::Namespace),
        }];
        self.plan(&mut parent, &[0], bundle_nss, false).await;
        if matches!(parent[0].state, State::Planned(Action::Configured, _)) {
            self.write(&mut parent, &[0]).await;
        }
        let entry = cs.changes.iter_mut().find(|c| c.object == *parent_ref);
        match (parent.pop().map(|p| p.state), entry) {
            (Some(State::Failed(e)), Some(entry)) => {
                entry.action = Action::Failed;
                entry.error = Some(e);
            }
            (Some(State::Done(Action::Configured, d)), Some(entry))
                if parent_action == Action::Unchanged =>
            {
                entry.action = Action::Configured;
                entry.diff = d;
            }
            _ => {}
        }
    }

    /// Records every item (failed ones with their error, unapplied ones as skipped) and returns
    /// the cluster's error.
    fn stop(&self, items: Vec<Item>, cs: &mut ChangeSet, phase: &'static str) -> Error {
        let mut failed = 0;
        let mut skipped = 0;
        for item in items {
            match item.state {
                State::Done(a, d) => record(cs, item.oref, a, d, None),
                State::Failed(e) => {
                    failed += 1;
                    record(cs, item.oref, Action::Failed, Vec::new(), Some(e));
                }
                State::Planned(..) | State::Deferred(_) | State::Skipped => {
                    skipped += 1;
                    record(cs, item.oref, Action::Skipped, Vec::new(), None);
                }
            }
        }
        Error::ObjectsFailed {
            cluster: self.cluster.to_string(),
            phase,
            failed,
            skipped,
        }
    }

    /// Validates the bundle, labels members, and resolves each kind against discovery or a CRD
    /// in the bundle.
    fn prepare(&self, objects: &[DynamicObject], kinds: &ServedKinds) -> Result<Vec<Item>, Error> {
        let from_crds = crd_kinds(objects);
        let mut problems = Vec::new();
        let mut not_served: BTreeMap<(String, String), String> = BTreeMap::new();
        let mut seen: HashMap<ObjectKey, usize> = HashMap::new();
        let mut items = Vec::with_capacity(objects.len() + 1);
        for (i, obj) in objects.iter().enumerate() {
            let (gvk, name) = match identify(i, obj) {
                Ok(found) => found,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            let key = (gvk.group.clone(), gvk.version.clone(), gvk.kind.clone());
            let (api, namespaced) = match kinds.resolve(&gvk.group, &gvk.version, &gvk.kind) {
                Some((ar, namespaced)) => (Some((ar.clone(), *namespaced)), *namespaced),
                None => {
                    if let Some(namespaced) = from_crds.get(&key) {
                        (None, *namespaced)
                    } else {
                        not_served.insert((gvk.api_version(), gvk.kind.clone()), gvk.group.clone());
                        continue;
                    }
                }
            };
            let namespace = namespaced.then(|| {
                obj.metadata
                    .namespace
                    .clone()
                    .filter(|ns| !ns.is_empty())
                    .unwrap_or_else(|| self.client.default_namespace().to_string())
            });
            let oref = ObjectRef {
                group: gvk.group.clone(),
                version: gvk.version.clone(),
                kind: gvk.kind.clone(),
                namespace: namespace.clone(),
                name,
            };
            if let Some(first) = seen.insert(oref.key(), i) {
                problems.push(format!(
                    "objects[{i}]: {oref} is also objects[{first}]; each object may appear once"
                ));
                continue;
            }
            let mut object = obj.clone();
            object.metadata.namespace = namespace;
            object.metadata.resource_version = None;
            object.metadata.uid = None;
            object.metadata.managed_fields = None;
            object.metadata.creation_timestamp = None;
            object.metadata.generation = None;
            object
                .metadata
                .labels
                .get_or_insert_with(BTreeMap::new)
                .insert(PART_OF_LABEL.to_string(), self.id.clone());
            let order = stage_of(&gvk.group, &gvk.kind);
            let is_namespace = gvk.group.is_empty() && gvk.kind == "Namespace";
            items.push(Item {
                step: step_of(order.0, is_namespace),
                order,
                state: State::Deferred(Deferral::Crd),
                api,
                object,
                oref,
            });
        }
        if !problems.is_empty() {
            return Err(Error::InvalidBundle { problems });
        }
        let mut errors: Vec<Error> = not_served
            .into_iter()
            .map(|((api_version, kind), group)| Error::NotServed {
                cluster: self.cluster.to_string(),
                api_version,
                kind,
                hint: hint(&group),
            })
            .collect();
        match errors.len() {
            0 => Ok(items),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Several(errors)),
        }
    }

    /// Dry-runs `which` items concurrently and classifies them against their live objects
    /// (`absent`: known not to exist, nothing to read).
    async fn plan(
        &self,
        items: &mut [Item],
        which: &[usize],
        bundle_nss: &HashSet<String>,
        absent: bool,
    ) {
        let known = if absent {
            HashMap::new()
        } else {
            self.prefetch(items, which).await
        };
        let outcomes: Vec<(usize, State)> = stream::iter(which.iter().copied())
            .map(|i| {
                let item = &items[i];
                let live = known.get(&item.oref.key()).cloned();
                async move { (i, self.plan_one(item, live, absent, bundle_nss).await) }
            })
            .buffer_unordered(self.opts.concurrency.max(1))
            .collect()
            .await;
        for (i, state) in outcomes {
            items[i].state = state;
        }
    }

    /// Lists our live members per kind and namespace where the bundle has several objects, so
    /// that re-applying reads one list instead of one GET per object. Only members already
    /// labelled as ours are found; the others (and everything when a list fails) are read one by
    /// one.
    async fn prefetch(&self, items: &[Item], which: &[usize]) -> HashMap<ObjectKey, DynamicObject> {
        let mut groups: BTreeMap<ListKey, (usize, &Item)> = BTreeMap::new();
        for &i in which {
            let item = &items[i];
            if item.api.is_none() {
                continue;
            }
            let o = &item.oref;
            let key = (
                o.group.clone(),
                o.version.clone(),
                o.kind.clone(),
                o.namespace.clone(),
            );
            groups.entry(key).or_insert((0, item)).0 += 1;
        }
        let selector = format!("{PART_OF_LABEL}={}", self.id);
        let lists: Vec<Vec<(ObjectKey, DynamicObject)>> =
            stream::iter(groups.into_values().filter(|(n, _)| *n > 1))
                .map(|(_, item)| {
                    let selector = &selector;
                    async move {
                        let Some(api) = self.item_api(item) else {
                            return Vec::new();
                        };
                        let lp = ListParams::default().labels(selector);
                        let Ok(list) = self.opts.retry.run(|| api.list(&lp), self.on_retry()).await
                        else {
                            return Vec::new();
                        };
                        list.items
                            .into_iter()
                            .map(|obj| {
                                let mut oref = item.oref.clone();
                                oref.name = obj.metadata.name.clone().unwrap_or_default();
                                (oref.key(), obj)
                            })
                            .collect()
                    }
                })
                .buffer_unordered(self.opts.concurrency.max(1))
                .collect()
                .await;
        lists.into_iter().flatten().collect()
    }

    async fn plan_one(
        &self,
        item: &Item,
        known: Option<DynamicObject>,
        absent: bool,
        bundle_nss: &HashSet<String>,
    ) -> State {
        let Some(api) = self.item_api(item) else {
            return State::Deferred(Deferral::Crd);
        };
        let name = &item.oref.name;
        let live = match known {
            Some(live) => Ok(Some(live)),
            None if absent => Ok(None),
            None => {
                self.opts
                    .retry
                    .run(|| api.get_opt(name), self.on_retry())
                    .await
            }
        };
        let live = match live {
            Ok(live) => live,
            Err(source) => {
                return State::Failed(Error::Api {
                    object: item.oref.clone(),
                    operation: Operation::Get,
                    source,
                });
            }
        };
        let mut params = PatchParams::apply(&self.opts.field_manager).dry_run();
        params.force = self.opts.force_conflicts;
        let patch = Patch::Apply(&item.object);
        let dry = self
            .opts
            .retry
            .run(|| api.patch(name, &params, &patch), self.on_retry())
            .await;
        let dry = match dry {
            Ok(dry) => dry,
            Err(e) => return classify_error(item, e, Operation::DryRun, bundle_nss),
        };
        let Some(live) = live else {
            return State::Planned(Action::Created, Vec::new());
        };
        let (Ok(live), Ok(dry)) = (serde_json::to_value(&live), serde_json::to_value(&dry)) else {
            return State::Planned(Action::Configured, Vec::new());
        };
        if normalize(&live) == normalize(&dry) {
            State::Planned(Action::Unchanged, Vec::new())
        } else {
            State::Planned(Action::Configured, diff(&live, &dry))
        }
    }

    /// Applies `which` items concurrently (they are Planned as created or configured).
    async fn write(&self, items: &mut [Item], which: &[usize]) {
        let no_ns = HashSet::new();
        let outcomes: Vec<(usize, State)> = stream::iter(which.iter().copied())
            .map(|i| {
                let item = &items[i];
                let no_ns = &no_ns;
                async move {
                    let Some(api) = self.item_api(item) else {
                        return (i, State::Skipped);
                    };
                    let mut params = PatchParams::apply(&self.opts.field_manager);
                    params.force = self.opts.force_conflicts;
                    let patch = Patch::Apply(&item.object);
                    let result = self
                        .opts
                        .retry
                        .run(
                            || api.patch(&item.oref.name, &params, &patch),
                            self.on_retry(),
                        )
                        .await;
                    let state = match (result, &item.state) {
                        (Ok(_), State::Planned(a, d)) => State::Done(*a, d.clone()),
                        (Ok(_), _) => State::Done(Action::Configured, Vec::new()),
                        (Err(e), _) => classify_error(item, e, Operation::Apply, no_ns),
                    };
                    (i, state)
                }
            })
            .buffer_unordered(self.opts.concurrency.max(1))
            .collect()
            .await;
        for (i, state) in outcomes {
            if let State::Done(action, _) | State::Planned(action, _) = &state {
                self.progress.event(&Event::Object {
                    cluster: self.cluster,
                    object: &items[i].oref,
                    action: *action,
                });
            } else if matches!(state, State::Failed(_)) {
                self.progress.event(&Event::Object {
                    cluster: self.cluster,
                    object: &items[i].oref,
                    action: Action::Failed,
                });
            }
            items[i].state = state;
        }
    }

    /// Waits for the bundle's CRDs to be Established, then resolves the kinds they define.
    async fn after_crds(
        &self,
        items: &mut [Item],
        in_step: &[usize],
        kinds: &mut ServedKinds,
    ) -> Result<(), Error> {
        let crd_api = Api::<DynamicObject>::all_with(self.client.clone(), &crd_resource());
        for &i in in_step {
            if items[i].oref.kind != CRD_KIND || items[i].oref.group != CRD_GROUP {
                continue;
            }
            let oref = items[i].oref.clone();
            self.wait_for(&oref, "Established", || async {
                let crd = self
                    .opts
                    .retry
                    .run(|| crd_api.get_opt(&oref.name), self.on_retry())
                    .await
                    .map_err(|source| Error::Api {
                        object: oref.clone(),
                        operation: Operation::Get,
                        source,
                    })?;
                Ok(crd.as_ref().is_some_and(is_established))
            })
            .await?;
        }
        let pending: BTreeSet<(String, String, String)> = items
            .iter()
            .filter(|i| i.api.is_none())
            .map(|i| {
                (
                    i.oref.group.clone(),
                    i.oref.version.clone(),
                    i.oref.kind.clone(),
                )
            })
            .collect();
        for (group, version, kind) in pending {
            let gvk = GroupVersionKind::gvk(&group, &version, &kind);
            let oref = ObjectRef {
                group: group.clone(),
                version: version.clone(),
                kind: kind.clone(),
                namespace: None,
                name: "*".into(),
            };
            if kinds.resolve(&group, &version, &kind).is_none() {
                let client = &self.client;
                let found = std::sync::Mutex::new(None);
                self.wait_for(&oref, "served", || async {
                    match kube::discovery::pinned_kind(client, &gvk).await {
                        Ok(found_kind) => {
                            *found.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                                Some(found_kind);
                            Ok(true)
                        }
                        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
                        Err(kube::Error::Discovery(_)) => Ok(false),
                        Err(e) if crate::retry::is_transient(&e) => Ok(false),
                        Err(source) => Err(Error::Discovery {
                            cluster: self.cluster.to_string(),
                            source,
                        }),
                    }
                })
                .await
                .map_err(|e| match e {
                    Error::WaitTimeout { .. } => Error::NotServed {
                        cluster: self.cluster.to_string(),
                        api_version: oref.api_version(),
                        kind: kind.clone(),
                        hint: "its CustomResourceDefinition was applied but the kind is still not served".into(),
                    },
                    e => e,
                })?;
                if let Some((ar, caps)) = found
                    .into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                {
                    kinds.insert(ar, caps.scope == kube::discovery::Scope::Namespaced);
                }
            }
            if let Some((ar, namespaced)) = kinds.resolve(&group, &version, &kind) {
                for item in items.iter_mut().filter(|i| {
                    i.api.is_none()
                        && i.oref.group == group
                        && i.oref.version == version
                        && i.oref.kind == kind
                }) {
                    item.api = Some((ar.clone(), *namespaced));
                }
            }
        }
        Ok(())
    }

    /// Waits until LIQO reports every NamespaceOffloading `Ready` (its remote namespaces
    /// exist), so the workloads that follow can be offloaded.
    async fn wait_offloading_ready(&self, items: &[Item], in_step: &[usize]) -> Result<(), Error> {
        for &i in in_step {
            let item = &items[i];
            let Some(api) = self.item_api(item) else {
                continue;
            };
            let oref = &item.oref;
            let condition = "Ready (status.offloadingPhase)";
            self.wait_for(oref, condition, || async {
                let live = self
                    .opts
                    .retry
                    .run(|| api.get_opt(&oref.name), self.on_retry())
                    .await
                    .map_err(|source| Error::Api {
                        object: oref.clone(),
                        operation: Operation::Get,
                        source,
                    })?;
                Ok(live.is_some_and(|o| o.data["status"]["offloadingPhase"] == "Ready"))
            })
            .await?;
        }
        Ok(())
    }

    async fn wait_for<F, Fut>(
        &self,
        object: &ObjectRef,
        condition: &'static str,
        mut check: F,
    ) -> Result<(), Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool, Error>>,
    {
        let deadline = tokio::time::Instant::now() + self.opts.wait_timeout;
        let mut announced = false;
        loop {
            if check().await? {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::WaitTimeout {
                    object: object.clone(),
                    condition,
                    timeout: self.opts.wait_timeout,
                });
            }
            if !announced {
                announced = true;
                self.progress.event(&Event::Waiting {
                    cluster: self.cluster,
                    object,
                    condition,
                });
            }
            tokio::time::sleep(self.opts.poll_interval).await;
        }
    }

    /// Deletes members of our ApplySet (of the kinds the parent lists) that are not in `keep`
    /// (but never Namespaces or CRDs: see [`never_pruned`]),
    /// re-reading each right before deleting it. In a dry run, only reports them.
    async fn prune(
        &self,
        kinds: &ServedKinds,
        group_kinds: &BTreeSet<GroupKind>,
        keep: &HashSet<ObjectKey>,
        cs: &mut ChangeSet,
    ) -> Result<(), Error> {
        let selector = format!("{PART_OF_LABEL}={}", self.id);
        let mut candidates: Vec<(ObjectRef, ApiResource, bool)> = Vec::new();
        for gk in group_kinds {
            // A kind the cluster no longer serves has no members left to prune.
            let Some((ar, namespaced)) = kinds.resolve_gk(&gk.group, &gk.kind) else {
                continue;
            };
            let all = Api::<DynamicObject>::all_with(self.client.clone(), ar);
            let lp = ListParams::default().labels(&selector);
            let list = self
                .opts
                .retry
                .run(|| all.list(&lp), self.on_retry())
                .await
                .map_err(|source| Error::Api {
                    object: ObjectRef {
                        group: ar.group.clone(),
                        version: ar.version.clone(),
                        kind: ar.kind.clone(),
                        namespace: None,
                        name: "*".into(),
                    },
                    operation: Operation::List,
                    source,
                })?;
            for obj in list.items {
                let oref = ObjectRef {
                    group: ar.group.clone(),
                    version: ar.version.clone(),
                    kind: ar.kind.clone(),
                    namespace: if *namespaced {
                        obj.metadata.namespace.clone()
                    } else {
                        None
                    },
                    name: obj.metadata.name.clone().unwrap_or_default(),
                };
                if !keep.contains(&oref.key()) && !never_pruned(&oref.group, &oref.kind) {
                    candidates.push((oref, ar.clone(), *namespaced));
                }
            }
        }
        // Reverse apply order: custom resources and workloads before what they live in, Namespaces
        // and CRDs last (deleting those first would cascade under our feet).
        candidates
            .sort_by_key(|(o, _, _)| (std::cmp::Reverse(stage_of(&o.group, &o.kind)), o.clone()));
        for (oref, ar, namespaced) in candidates {
            if self.opts.dry_run {
                record(cs, oref, Action::Pruned, Vec::new(), None);
                continue;
            }
            let api = self.api(&ar, namespaced, oref.namespace.as_deref());
            match self.delete_member(&api, &oref).await {
                Ok(true) => {
                    self.progress.event(&Event::Object {
                        cluster: self.cluster,
                        object: &oref,
                        action: Action::Pruned,
                    });
                    record(cs, oref, Action::Pruned, Vec::new(), None);
                }
                Ok(false) => {}
                Err(e) => record(cs, oref, Action::Failed, Vec::new(), Some(e)),
            }
        }
        Ok(())
    }

    /// Deletes one member if it is still ours; `Ok(false)` when it is gone or no longer ours.
    async fn delete_member(
        &self,
        api: &Api<DynamicObject>,
        oref: &ObjectRef,
    ) -> Result<bool, Error> {
        let live = self
            .opts
            .retry
            .run(|| api.get_opt(&oref.name), self.on_retry())
            .await
            .map_err(|source| Error::Api {
                object: oref.clone(),
                operation: Operation::Get,
                source,
            })?;
        let Some(live) = live else { return Ok(false) };
        let ours = live
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(PART_OF_LABEL))
            .is_some_and(|v| *v == self.id);
        if !ours {
            return Ok(false);
        }
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                uid: live.metadata.uid.clone(),
                resource_version: live.metadata.resource_version.clone(),
            }),
            ..DeleteParams::background()
        };
        match self
            .opts
            .retry
            .run(|| api.delete(&oref.name, &params), self.on_retry())
            .await
        {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(source) => Err(Error::Api {
                object: oref.clone(),
                operation: Operation::Delete,
                source,
            }),
        }
    }
}

/// Kinds that are applied but never pruned. Deleting a Namespace deletes everything in it,
/// including objects nobody asked us to manage (a federation shares `istio-system` and
/// `default` with everyone), and deleting a CRD deletes every custom resource of its kind.
/// Dropping them from a bundle stops managing them; removing them is the user's decision.
pub(crate) fn never_pruned(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("", "Namespace") | ("apiextensions.k8s.io", "CustomResourceDefinition")
    )
}

/// kube-client 5.0.0 decodes a file that starts with a UTF-16 byte-order mark two bytes at a
/// time and panics (index out of bounds) when an odd number of bytes follows the mark: refuse
/// such a file with an error before kube reads it (found by fedctl's broken-input tests).
pub(crate) fn utf16_whole(path: &Path) -> Result<(), kube::config::KubeconfigError> {
    let Ok(bytes) = std::fs::read(path) else {
        // kube reports unreadable files itself.
        return Ok(());
    };
    match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] | [0xFE, 0xFF, rest @ ..] if rest.len() % 2 == 1 => {
            Err(kube::config::KubeconfigError::ReadConfig(
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "not UTF-16: an odd number of bytes follows the byte-order mark",
                ),
                path.to_path_buf(),
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_name_the_field_and_the_manager() {
        let status: Status = serde_json::from_value(serde_json::json!({
            "code": 409, "reason": "Conflict",
            "message": "Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas",
            "details": {"causes": [{"reason": "FieldManagerConflict",
                "message": "conflict with \"kubectl\" using apps/v1", "field": ".spec.replicas"}]}
        }))
        .unwrap();
        assert_eq!(
            conflicts_of(&status),
            vec![Conflict {
                manager: "kubectl".into(),
                field: ".spec.replicas".into()
            }]
        );
    }

    #[test]
    fn crds_in_the_bundle_define_served_kinds_and_scope() {
        let crd: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Widget", "plural": "widgets"},
                "versions": [{"name": "v1", "served": true}, {"name": "v0", "served": false}]}
        }))
        .unwrap();
        let kinds = crd_kinds(&[crd]);
        assert_eq!(
            kinds.get(&("example.com".into(), "v1".into(), "Widget".into())),
            Some(&false)
        );
        assert_eq!(kinds.len(), 1);
    }
}
