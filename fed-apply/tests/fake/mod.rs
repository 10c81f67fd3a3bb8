//! An in-process fake Kubernetes API server on 127.0.0.1, speaking the real REST protocol well
//! enough for kube::Client and fed-apply:
//!
//! - discovery: `/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`; aggregated discovery
//!   (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`) only when
//!   [`FakeApiServer::set_aggregated`] is on: otherwise the legacy documents are returned whatever
//!   the Accept header says, as servers before 1.26 do (kube 5.0.0 then yields an empty
//!   discovery, which the applier must notice);
//! - GET, LIST (with `labelSelector` equality terms), DELETE (with uid/resourceVersion
//!   preconditions);
//! - PATCH `application/apply-patch+yaml` with `fieldManager`, `force` and `dryRun=All`: a
//!   simplified server-side apply that merges maps, treats lists as atomic, tracks the managers
//!   of every leaf field, answers 409 with `FieldManagerConflict` causes when another manager owns
//!   a field whose value changes, and removes fields a manager stopped applying;
//! - 404 for objects in a namespace that does not exist (dry-run included), 422 for objects
//!   labelled `fake.test/invalid`, injectable failures (429/5xx n times), latency, a request log;
//! - creating a CRD serves its kinds and marks it Established;
//! - `/version`, and objects stored as they are ([`FakeApiServer::insert`], status included) for
//!   what controllers make: Nodes, Pods, istiod's Deployment, LIQO's ForeignClusters;
//!   `managedFields` in the API server's `FieldsV1` format.
#![allow(
    dead_code,
    clippy::missing_panics_doc,
    clippy::format_push_string,
    clippy::format_collect,
    clippy::too_many_lines,
    reason = "test support: each test binary uses a different part, panics are test failures, \
              and string building speed does not matter here"
)]

use std::{
    collections::{BTreeMap, BTreeSet},
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

pub mod seed;

use http_body_util::{BodyExt as _, Full};
use hyper::{Request, Response, body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use kube::config::Kubeconfig;
use serde_json::{Map, Value, json};

/// A served kind.
#[derive(Clone, Debug)]
pub struct Resource {
    /// API group, empty for core.
    pub group: String,
    /// Version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Plural (URL segment).
    pub plural: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
}

impl Resource {
    /// A served kind.
    pub fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            namespaced,
        }
    }

    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// GET, PATCH, DELETE...
    pub method: String,
    /// The path.
    pub path: String,
    /// The decoded query parameters.
    pub query: BTreeMap<String, String>,
    /// The response status.
    pub status: u16,
}

impl Recorded {
    /// True for `dryRun=All` requests.
    pub fn is_dry_run(&self) -> bool {
        self.query.get("dryRun").is_some_and(|v| v == "All")
    }

    /// True for requests that may change state: non-dry-run PATCH, POST, PUT, DELETE.
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "PATCH" | "POST" | "PUT" | "DELETE") && !self.is_dry_run()
    }
}

/// A failure to inject: the next `times` requests matching `method` and `path_contains` get
/// `status`.
#[derive(Clone, Debug)]
pub struct Failure {
    /// Method to match, any when None.
    pub method: Option<String>,
    /// Substring of the path to match.
    pub path_contains: String,
    /// Status to answer (429, 500, 503...).
    pub status: u16,
    /// How many times.
    pub times: usize,
}

type Key = (String, String, String, String); // group, plural, namespace ("" when cluster-scoped), name

#[derive(Clone, Debug)]
struct Stored {
    object: Value,
    owners: BTreeMap<String, BTreeSet<String>>,
}

#[derive(Default)]
struct State {
    resources: Vec<Resource>,
    objects: BTreeMap<Key, Stored>,
    log: Vec<Recorded>,
    failures: Vec<Failure>,
    latency: Duration,
    aggregated: bool,
    offloading_phase: Option<String>,
    rv: u64,
    uid: u64,
}

/// The fake server. Dropping it does not stop it: it lives as long as the test's runtime.
#[derive(Clone)]
pub struct FakeApiServer {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

fn builtin_resources() -> Vec<Resource> {
    vec![
        Resource::new("", "v1", "Namespace", "namespaces", false),
        Resource::new("", "v1", "Node", "nodes", false),
        Resource::new("", "v1", "Pod", "pods", true),
        Resource::new("", "v1", "ConfigMap", "configmaps", true),
        Resource::new("", "v1", "Secret", "secrets", true),
        Resource::new("", "v1", "Service", "services", true),
        Resource::new("", "v1", "ServiceAccount", "serviceaccounts", true),
        Resource::new("apps", "v1", "Deployment", "deployments", true),
        Resource::new(
            "autoscaling",
            "v2",
            "HorizontalPodAutoscaler",
            "horizontalpodautoscalers",
            true,
        ),
        Resource::new(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            false,
        ),
    ]
}

/// An address nothing listens on: connecting to it is refused (a cluster that is down).
pub fn down_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

/// A kubeconfig with one context per `(context, server url)`, no credentials.
pub fn kubeconfig(contexts: &[(&str, &str)]) -> Kubeconfig {
    Kubeconfig::from_yaml(&kubeconfig_yaml(contexts)).expect("test kubeconfig parses")
}

/// The text of [`kubeconfig`], for a kubeconfig file.
pub fn kubeconfig_yaml(contexts: &[(&str, &str)]) -> String {
    let mut yaml = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (name, url) in contexts {
        yaml.push_str(&format!(
            "- name: {name}\n  cluster:\n    server: \"{url}\"\n"
        ));
    }
    yaml.push_str("contexts:\n");
    for (name, _) in contexts {
        yaml.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: nobody\n    namespace: default\n"
        ));
    }
    yaml.push_str("users:\n- name: nobody\n  user: {}\n");
    yaml.push_str(&format!("current-context: {}\n", contexts[0].0));
    yaml
}

fn status(code: u16, reason: &str, message: &str, details: &Value) -> (u16, Value) {
    (
        code,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "details": details, "code": code}),
    )
}

fn not_found(plural: &str, name: &str) -> (u16, Value) {
    status(
        404,
        "NotFound",
        &format!("{plural} \"{name}\" not found"),
        &json!({"name": name, "kind": plural}),
    )
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(q: Option<&str>) -> BTreeMap<String, String> {
    q.unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Leaf paths of an applied object (maps recursed, everything else a leaf), without the
/// identity fields.
fn leaves(value: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let path = format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1"));
                if matches!(
                    path.as_str(),
                    "/apiVersion" | "/kind" | "/metadata/name" | "/metadata/namespace" | "/status"
                ) {
                    continue;
                }
                leaves(v, &path, out);
            }
        }
        _ => {
            out.insert(prefix.to_string(), value.clone());
        }
    }
}

fn set_path(target: &mut Value, path: &str, value: Value) {
    let mut cur = target;
    let parts: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let map = cur.as_object_mut().expect("object");
        if i == parts.len() - 1 {
            map.insert(part.clone(), value);
            return;
        }
        cur = map
            .entry(part.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

fn remove_rec(cur: &mut Value, parts: &[String]) {
    let Some(map) = cur.as_object_mut() else {
        return;
    };
    if parts.len() == 1 {
        map.remove(&parts[0]);
        return;
    }
    if let Some(child) = map.get_mut(&parts[0]) {
        remove_rec(child, &parts[1..]);
        if child.as_object().is_some_and(Map::is_empty) {
            map.remove(&parts[0]);
        }
    }
}

fn remove_path(target: &mut Value, path: &str) {
    let parts: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    remove_rec(target, &parts);
}

fn label_matches(object: &Value, selector: &str) -> bool {
    selector.split(',').filter(|t| !t.is_empty()).all(|term| {
        let (k, v) = term.split_once('=').unwrap_or((term, ""));
        let v = v.trim_start_matches('=');
        object["metadata"]["labels"][k].as_str() == Some(v)
    })
}

/// The API server's `fieldsV1` tree of a manager's leaf paths: `f:<field>` per map key, `{}`
/// at each leaf (lists are atomic here, so a list is one leaf, as for an atomic list).
fn fields_v1(paths: &[&String]) -> Value {
    let mut root = Value::Object(Map::new());
    for path in paths {
        let mut cur = &mut root;
        for part in path.split('/').skip(1) {
            let key = format!("f:{}", part.replace("~1", "/").replace("~0", "~"));
            cur = cur
                .as_object_mut()
                .expect("fieldsV1 nodes are objects")
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    root
}

fn display_path(path: &str) -> String {
    path.split('/')
        .skip(1)
        .map(|p| format!(".{}", p.replace("~1", "/").replace("~0", "~")))
        .collect()
}

impl FakeApiServer {
    /// Starts a server with the built-in kinds and the namespaces `default` and `kube-system`.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let me = Self {
            addr,
            state: Arc::new(Mutex::new(State {
                resources: builtin_resources(),
                ..State::default()
            })),
        };
        me.add_namespace("default");
        me.add_namespace("kube-system");
        let server = me.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let server = server.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let server = server.clone();
                        async move { Ok::<_, Infallible>(server.serve(req).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        me
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serve aggregated discovery (Kubernetes 1.26+) or not (default: not).
    pub fn set_aggregated(&self, on: bool) {
        self.state().aggregated = on;
    }

    /// The `status.offloadingPhase` a created NamespaceOffloading gets, as LIQO's controller
    /// would set it (default `Ready`).
    pub fn set_offloading_phase(&self, phase: &str) {
        self.state().offloading_phase = Some(phase.to_string());
    }

    /// Delay every response by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        self.state().latency = latency;
    }

    /// Injects a failure.
    pub fn fail(&self, failure: Failure) {
        self.state().failures.push(failure);
    }

    /// Serves an extra kind (as if its CRD were installed).
    pub fn serve_kind(&self, resource: Resource) {
        self.state().resources.push(resource);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().log.clone()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.state().log.clear();
    }

    /// The requests that may change state.
    pub fn writes(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(Recorded::is_write)
            .collect()
    }

    /// Creates a namespace directly (no request logged).
    pub fn add_namespace(&self, name: &str) {
        self.apply_as(
            "test-setup",
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
            true,
        )
        .expect("namespace");
    }

    /// Applies `object` as field manager `manager` directly (no request logged).
    pub fn apply_as(&self, manager: &str, object: &Value, force: bool) -> Result<Value, Value> {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let kind = object["kind"].as_str().unwrap_or_default();
        let res = self
            .state()
            .resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.kind == kind)
            .cloned()
            .expect("kind served");
        let ns = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default");
        let ns = if res.namespaced { ns } else { "" };
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let (code, body) = self.apply(&res, ns, name, object, manager, force, false);
        if code < 300 { Ok(body) } else { Err(body) }
    }

    /// Stores `object` as it is, `status` included, with no field manager (no request logged):
    /// what controllers and kubelets make (Nodes, Pods, istiod's Deployment). The kind must be
    /// served; namespaced objects without a namespace go to `default`.
    pub fn insert(&self, object: &Value) {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let kind = object["kind"].as_str().unwrap_or_default();
        let mut st = self.state();
        let res = st
            .resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.kind == kind)
            .cloned()
            .unwrap_or_else(|| panic!("{api_version} {kind} is not served"));
        let ns = if res.namespaced {
            object["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_owned()
        } else {
            String::new()
        };
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let mut object = object.clone();
        st.rv += 1;
        st.uid += 1;
        set_path(
            &mut object,
            "/metadata/resourceVersion",
            json!(st.rv.to_string()),
        );
        set_path(
            &mut object,
            "/metadata/uid",
            json!(format!("uid-{}", st.uid)),
        );
        if res.namespaced {
            set_path(&mut object, "/metadata/namespace", json!(ns));
        }
        st.objects.insert(
            (res.group, res.plural, ns, name),
            Stored {
                object,
                owners: BTreeMap::new(),
            },
        );
    }

    /// Replaces the `status` of a stored object, as its controller would (no request logged).
    pub fn set_status(
        &self,
        group: &str,
        plural: &str,
        namespace: &str,
        name: &str,
        status: Value,
    ) {
        let mut st = self.state();
        st.rv += 1;
        let rv = st.rv.to_string();
        let stored = st
            .objects
            .get_mut(&(group.into(), plural.into(), namespace.into(), name.into()))
            .unwrap_or_else(|| panic!("no {plural} {namespace}/{name}"));
        set_path(&mut stored.object, "/status", status);
        set_path(&mut stored.object, "/metadata/resourceVersion", json!(rv));
    }

    /// The stored object, if any.
    pub fn get(&self, group: &str, plural: &str, namespace: &str, name: &str) -> Option<Value> {
        self.state()
            .objects
            .get(&(group.into(), plural.into(), namespace.into(), name.into()))
            .map(|s| s.object.clone())
    }

    /// How many objects of `plural` exist.
    pub fn count(&self, group: &str, plural: &str) -> usize {
        self.state()
            .objects
            .keys()
            .filter(|k| k.0 == group && k.1 == plural)
            .count()
    }

    async fn serve(&self, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
        let method = req.method().to_string();
        let path = req.uri().path().to_string();
        let query = parse_query(req.uri().query());
        let accept = req
            .headers()
            .get("accept")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let content_type = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = req
            .into_body()
            .collect()
            .await
            .map(http_body_util::Collected::to_bytes)
            .unwrap_or_default();
        let latency = self.state().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let (code, value) = self.handle(&method, &path, &query, &accept, &content_type, &body);
        self.state().log.push(Recorded {
            method,
            path,
            query,
            status: code,
        });
        Response::builder()
            .status(code)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(value.to_string())))
            .expect("response")
    }

    fn handle(
        &self,
        method: &str,
        path: &str,
        query: &BTreeMap<String, String>,
        accept: &str,
        content_type: &str,
        body: &[u8],
    ) -> (u16, Value) {
        {
            let mut st = self.state();
            if let Some(f) = st.failures.iter_mut().find(|f| {
                f.times > 0
                    && f.method.as_deref().is_none_or(|m| m == method)
                    && path.contains(&f.path_contains)
            }) {
                f.times -= 1;
                let code = f.status;
                let reason = if code == 429 {
                    "TooManyRequests"
                } else {
                    "InternalError"
                };
                return status(
                    code,
                    reason,
                    "injected failure",
                    &json!({"retryAfterSeconds": 0}),
                );
            }
        }
        let aggregated = self.state().aggregated && accept.contains("apidiscovery.k8s.io");
        match (method, path) {
            ("GET", "/api") if aggregated => return (200, self.aggregated_discovery(true)),
            ("GET", "/apis") if aggregated => return (200, self.aggregated_discovery(false)),
            ("GET", "/api") => {
                return (
                    200,
                    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
                );
            }
            ("GET", "/apis") => return (200, self.group_list()),
            ("GET", "/version") => {
                return (
                    200,
                    json!({"major": "1", "minor": "34", "gitVersion": "v1.34.0-fake", "platform": "linux/amd64"}),
                );
            }
            _ => {}
        }
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let (group, version, rest) = match segs.as_slice() {
            ["api", v, rest @ ..] => ("", *v, rest),
            ["apis", g, v, rest @ ..] => (*g, *v, rest),
            _ => return not_found("paths", path),
        };
        if rest.is_empty() {
            return match method {
                "GET" => self.resource_list(group, version),
                _ => status(405, "MethodNotAllowed", "method not allowed", &json!({})),
            };
        }
        let resources = self.state().resources.clone();
        let find = |plural: &str| {
            resources
                .iter()
                .find(|r| r.group == group && r.version == version && r.plural == plural)
                .cloned()
        };
        let (res, ns, name) = match rest {
            ["namespaces", ns, plural, tail @ ..]
                if tail.len() <= 1 && find(plural).is_some_and(|r| r.namespaced) =>
            {
                (
                    find(plural).expect("found"),
                    (*ns).to_string(),
                    tail.first().map(|s| (*s).to_string()),
                )
            }
            [plural] | [plural, _] if find(plural).is_some() => (
                find(plural).expect("found"),
                String::new(),
                rest.get(1).map(|s| (*s).to_string()),
            ),
            _ => return not_found("resources", path),
        };
        match (method, name) {
            ("GET", None) => self.list(
                &res,
                &ns,
                query.get("labelSelector").map_or("", String::as_str),
            ),
            ("GET", Some(name)) => match self.get(&res.group, &res.plural, &ns, &name) {
                Some(obj) => (200, obj),
                None => not_found(&res.plural, &name),
            },
            ("PATCH", Some(name)) => {
                if !content_type.starts_with("application/apply-patch+yaml") {
                    return status(
                        415,
                        "UnsupportedMediaType",
                        "only apply patches",
                        &json!({}),
                    );
                }
                let Some(manager) = query.get("fieldManager") else {
                    return status(
                        400,
                        "BadRequest",
                        "fieldManager is required for apply",
                        &json!({}),
                    );
                };
                let Ok(applied) = serde_json::from_slice::<Value>(body) else {
                    return status(400, "BadRequest", "body is not JSON", &json!({}));
                };
                let force = query.get("force").is_some_and(|f| f == "true");
                let dry_run = query.get("dryRun").is_some_and(|d| d == "All");
                self.apply(&res, &ns, &name, &applied, manager, force, dry_run)
            }
            ("DELETE", Some(name)) => self.delete(&res, &ns, &name, body),
            _ => status(405, "MethodNotAllowed", "method not allowed", &json!({})),
        }
    }

    fn group_list(&self) -> Value {
        let st = self.state();
        let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for r in st.resources.iter().filter(|r| !r.group.is_empty()) {
            groups.entry(&r.group).or_default().insert(&r.version);
        }
        let groups: Vec<Value> = groups
            .iter()
            .map(|(g, vs)| {
                let versions: Vec<Value> = vs
                    .iter()
                    .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                    .collect();
                json!({"name": g, "versions": versions.clone(), "preferredVersion": versions[0]})
            })
            .collect();
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
    }

    fn resource_list(&self, group: &str, version: &str) -> (u16, Value) {
        let st = self.state();
        let resources: Vec<Value> = st
            .resources
            .iter()
            .filter(|r| r.group == group && r.version == version)
            .map(|r| {
                json!({"name": r.plural, "singularName": "", "namespaced": r.namespaced, "kind": r.kind,
                    "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
            })
            .collect();
        if resources.is_empty() {
            return not_found("groupversions", &format!("{group}/{version}"));
        }
        let gv = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        (
            200,
            json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
        )
    }

    fn aggregated_discovery(&self, core: bool) -> Value {
        let st = self.state();
        let mut groups: BTreeMap<&str, BTreeMap<&str, Vec<Value>>> = BTreeMap::new();
        for r in st.resources.iter().filter(|r| r.group.is_empty() == core) {
            groups
                .entry(&r.group)
                .or_default()
                .entry(&r.version)
                .or_default()
                .push(json!({
                    "resource": r.plural,
                    "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
                    "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                    "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                }));
        }
        let items: Vec<Value> = groups
            .into_iter()
            .map(|(g, versions)| {
                let versions: Vec<Value> = versions
                    .into_iter()
                    .map(|(v, resources)| json!({"version": v, "resources": resources, "freshness": "Current"}))
                    .collect();
                json!({"metadata": {"name": g}, "versions": versions})
            })
            .collect();
        json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
    }

    fn list(&self, res: &Resource, ns: &str, selector: &str) -> (u16, Value) {
        let st = self.state();
        let items: Vec<Value> = st
            .objects
            .iter()
            .filter(|(k, _)| k.0 == res.group && k.1 == res.plural && (ns.is_empty() || k.2 == ns))
            .map(|(_, s)| s.object.clone())
            .filter(|o| label_matches(o, selector))
            .collect();
        (
            200,
            json!({"kind": format!("{}List", res.kind), "apiVersion": res.api_version(),
                "metadata": {"resourceVersion": st.rv.to_string()}, "items": items}),
        )
    }

    #[allow(
        clippy::too_many_arguments,
        clippy::too_many_lines,
        reason = "a fake server's one big handler"
    )]
    fn apply(
        &self,
        res: &Resource,
        ns: &str,
        name: &str,
        applied: &Value,
        manager: &str,
        force: bool,
        dry_run: bool,
    ) -> (u16, Value) {
        let mut st = self.state();
        if applied["metadata"]["name"].as_str() != Some(name) {
            return status(
                422,
                "Invalid",
                &format!(
                    "{} \"{name}\": metadata.name: Invalid value: must match the URL",
                    res.kind
                ),
                &json!({"name": name, "kind": res.plural}),
            );
        }
        if applied["metadata"]["labels"]["fake.test/invalid"].is_string() {
            return status(
                422,
                "Invalid",
                &format!(
                    "{} \"{name}\" is invalid: metadata.labels: Invalid value: rejected by the fake server",
                    res.kind
                ),
                &json!({"name": name, "kind": res.plural, "causes": [{"reason": "FieldValueInvalid", "message": "rejected", "field": "metadata.labels"}]}),
            );
        }
        if res.namespaced
            && !st.objects.contains_key(&(
                String::new(),
                "namespaces".into(),
                String::new(),
                ns.to_string(),
            ))
        {
            return status(
                404,
                "NotFound",
                &format!("namespaces \"{ns}\" not found"),
                &json!({"name": ns, "kind": "namespaces"}),
            );
        }
        let key: Key = (
            res.group.clone(),
            res.plural.clone(),
            ns.to_string(),
            name.to_string(),
        );
        let existing = st.objects.get(&key).cloned();
        let created = existing.is_none();
        let mut stored = existing.unwrap_or_else(|| Stored {
            object: json!({"apiVersion": res.api_version(), "kind": res.kind, "metadata": {"name": name}}),
            owners: BTreeMap::new(),
        });
        let mut new_leaves = BTreeMap::new();
        leaves(applied, "", &mut new_leaves);
        let live_leaves = {
            let mut l = BTreeMap::new();
            leaves(&stored.object, "", &mut l);
            l
        };
        let mut conflicts = Vec::new();
        for (path, value) in &new_leaves {
            if live_leaves.get(path).is_some_and(|live| live != value) {
                let others: Vec<&String> = stored
                    .owners
                    .get(path)
                    .into_iter()
                    .flatten()
                    .filter(|m| *m != manager)
                    .collect();
                for other in others {
                    conflicts.push((path.clone(), other.clone()));
                }
            }
        }
        if !conflicts.is_empty() && !force {
            let causes: Vec<Value> = conflicts
                .iter()
                .map(|(p, m)| json!({"reason": "FieldManagerConflict", "message": format!("conflict with \"{m}\" using {}", res.api_version()), "field": display_path(p)}))
                .collect();
            let fields: Vec<String> = conflicts.iter().map(|(p, _)| display_path(p)).collect();
            return status(
                409,
                "Conflict",
                &format!(
                    "Apply failed with {} conflict(s): {}",
                    conflicts.len(),
                    fields.join(", ")
                ),
                &json!({"name": name, "kind": res.plural, "causes": causes}),
            );
        }
        let before = stored.object.clone();
        let before_owners = stored.owners.clone();
        // Fields this manager stops applying and nobody else owns go away.
        let dropped: Vec<String> = stored
            .owners
            .iter()
            .filter(|(p, ms)| ms.contains(manager) && !new_leaves.contains_key(*p))
            .map(|(p, _)| p.clone())
            .collect();
        for p in dropped {
            let owners = stored.owners.get_mut(&p).expect("present");
            owners.remove(manager);
            if owners.is_empty() {
                stored.owners.remove(&p);
                remove_path(&mut stored.object, &p);
            }
        }
        for (path, value) in &new_leaves {
            let owners = stored.owners.entry(path.clone()).or_default();
            if live_leaves.get(path).is_some_and(|live| live != value) {
                owners.clear(); // force took it over, or it was ours alone
            }
            owners.insert(manager.to_string());
            set_path(&mut stored.object, path, value.clone());
        }
        let meta_changed = {
            let strip = |v: &Value| {
                let mut v = v.clone();
                if let Some(m) = v["metadata"].as_object_mut() {
                    for k in [
                        "resourceVersion",
                        "managedFields",
                        "uid",
                        "creationTimestamp",
                        "generation",
                    ] {
                        m.remove(k);
                    }
                }
                v
            };
            strip(&before) != strip(&stored.object) || before_owners != stored.owners
        };
        if created {
            st.uid += 1;
            set_path(
                &mut stored.object,
                "/metadata/uid",
                json!(format!("uid-{}", st.uid)),
            );
            set_path(
                &mut stored.object,
                "/metadata/creationTimestamp",
                json!("2026-01-01T00:00:00Z"),
            );
            set_path(&mut stored.object, "/metadata/generation", json!(1));
            if res.namespaced {
                set_path(&mut stored.object, "/metadata/namespace", json!(ns));
            }
            match res.kind.as_str() {
                "Namespace" => set_path(&mut stored.object, "/status", json!({"phase": "Active"})),
                "NamespaceOffloading" => {
                    let phase = st
                        .offloading_phase
                        .clone()
                        .unwrap_or_else(|| "Ready".into());
                    set_path(
                        &mut stored.object,
                        "/status",
                        json!({"offloadingPhase": phase}),
                    );
                }
                "CustomResourceDefinition" => set_path(
                    &mut stored.object,
                    "/status",
                    json!({"conditions": [{"type": "NamesAccepted", "status": "True"}, {"type": "Established", "status": "True"}]}),
                ),
                _ => {}
            }
        }
        if meta_changed {
            st.rv += 1;
            set_path(
                &mut stored.object,
                "/metadata/resourceVersion",
                json!(st.rv.to_string()),
            );
            if !created && before["spec"] != stored.object["spec"] {
                let g = stored.object["metadata"]["generation"]
                    .as_i64()
                    .unwrap_or(1)
                    + 1;
                set_path(&mut stored.object, "/metadata/generation", json!(g));
            }
            let managed_fields: Vec<Value> = stored
                .owners
                .values()
                .flatten()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(|m| {
                    let fields: Vec<&String> = stored
                        .owners
                        .iter()
                        .filter(|(_, ms)| ms.contains(m))
                        .map(|(p, _)| p)
                        .collect();
                    json!({"manager": m, "operation": "Apply", "apiVersion": res.api_version(), "fieldsType": "FieldsV1", "fieldsV1": fields_v1(&fields)})
                })
                .collect();
            set_path(
                &mut stored.object,
                "/metadata/managedFields",
                json!(managed_fields),
            );
        }
        let result = stored.object.clone();
        if !dry_run {
            if created && res.kind == "CustomResourceDefinition" {
                let spec = &applied["spec"];
                for v in spec["versions"].as_array().into_iter().flatten() {
                    st.resources.push(Resource::new(
                        spec["group"].as_str().unwrap_or_default(),
                        v["name"].as_str().unwrap_or_default(),
                        spec["names"]["kind"].as_str().unwrap_or_default(),
                        spec["names"]["plural"].as_str().unwrap_or_default(),
                        spec["scope"].as_str() != Some("Cluster"),
                    ));
                }
            }
            st.objects.insert(key, stored);
        }
        (if created { 201 } else { 200 }, result)
    }

    fn delete(&self, res: &Resource, ns: &str, name: &str, body: &[u8]) -> (u16, Value) {
        let mut st = self.state();
        let key: Key = (
            res.group.clone(),
            res.plural.clone(),
            ns.to_string(),
            name.to_string(),
        );
        let Some(stored) = st.objects.get(&key) else {
            return not_found(&res.plural, name);
        };
        let options: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let pre = &options["preconditions"];
        for (field, meta) in [("uid", "uid"), ("resourceVersion", "resourceVersion")] {
            if let Some(want) = pre[field].as_str()
                && stored.object["metadata"][meta].as_str() != Some(want)
            {
                return status(
                    409,
                    "Conflict",
                    &format!("Precondition failed: {field} in precondition: {want}"),
                    &json!({"name": name, "kind": res.plural}),
                );
            }
        }
        st.objects.remove(&key);
        (
            200,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": {"name": name, "kind": res.plural}}),
        )
    }
}
