//! What the fuzz targets check, shared by the targets in `fuzz_targets/`.
//!
//! Each `check_*` function panics when an invariant breaks; libFuzzer records the input that
//! made it panic. Apart from "never panic", the invariants are:
//!
//! - Istio YAML: what the typed reader accepts, the writer writes back and the reader reads
//!   again to the same value (faithful round trip); `validate()` never panics.
//! - lint: the library path `fedctl lint` takes (split, read, validate, line lookup) never
//!   panics and every finding gets a line inside the text.
//! - Federation text: a failed report holds at least one error; a document that parses writes
//!   back to YAML that parses to the same document; a document that validates renders.
//! - render: a validated federation always renders (`render` returns `Ok`), twice the same, with
//!   unique object names and file paths, Istio objects that pass Istio's own validation and
//!   read back to the same value, and Kubernetes names and labels the API server accepts.

use std::collections::{BTreeMap, BTreeSet};

use arbitrary::Arbitrary;
use fed_model::raw::{
    AutoscalingSpec, CaSpec, ConsumerProviderSpec, ConsumerSpec, GatewaySpec, IngressSpec,
    MeshSpec, OverflowSpec, PeerSpec, PeerToPeerSpec, PortSpec, ProviderResourcesSpec,
    ProviderSpec, ResourcesSpec, ServiceSpec, ThresholdsSpec, TopologySpec, WorkloadSpec,
};
use fed_model::{Federation, NetworkingApiVersion, Quantity, ValidatedFederation};
use fed_render::Object;
use istio_types::read::{Document, read_stream, split_documents};

pub mod schema;

/// Reads an Istio stream, validates what parses, and checks the write/read round trip.
pub fn check_istio_text(text: &str) {
    for doc in read_stream(text, None) {
        let Ok(Document::Istio(resource)) = doc.result else {
            continue;
        };
        let _ = resource.validate();
        let written = istio_types::write::to_yaml(&resource)
            .unwrap_or_else(|e| panic!("cannot write {resource:?}: {e}"));
        let again = read_stream(&written, None);
        assert_eq!(again.len(), 1, "written YAML is one document:\n{written}");
        match &again[0].result {
            Ok(Document::Istio(back)) => assert_eq!(
                *back, resource,
                "round trip changed the resource; written:\n{written}"
            ),
            other => panic!("written YAML does not read back: {other:?}\n{written}"),
        }
    }
}

/// Objects generated from Istio's CRD schemas (see [`schema`]): as text they pass
/// [`check_istio_text`] and [`check_lint`]; every object the API server would accept
/// (Istio's CRD schema and CEL rules, checked by testkit) reads into a typed resource; and
/// every resource `validate()` finds no error in, the API server accepts as istio-types
/// writes it.
///
/// The exceptions (values the CRD lets through but Istio cannot decode, or istio-types refuses
/// by design) are listed at `istio_cannot_decode`.
///
/// Returns what was generated and how each object fared, for statistics.
pub fn check_schema_objects(u: &mut arbitrary::Unstructured) -> arbitrary::Result<Vec<Fate>> {
    let objects = schema::objects(u)?;
    let text = schema::to_yaml_stream(&objects);
    check_istio_text(&text);
    check_lint(&text);
    let crds = testkit::CrdSet::istio().expect("Istio's CRDs (see above)");
    let docs = read_stream(&text, None);
    assert_eq!(
        docs.len(),
        objects.len(),
        "one document per object:\n{text}"
    );
    let mut fates = Vec::with_capacity(objects.len());
    for (object, doc) in objects.iter().zip(docs) {
        let kind = object["kind"].as_str().unwrap_or_default();
        let accepted = crds.check(object).is_empty();
        let read = match doc.result {
            Ok(Document::Istio(resource)) => {
                // What passes Istio's rules here, the API server takes as we write it.
                if !resource.validate().has_errors() {
                    let written = istio_types::write::to_yaml(&resource)
                        .unwrap_or_else(|e| panic!("cannot write {resource:?}: {e}"));
                    let value: serde_json::Value = serde_saphyr::from_str(&written)
                        .unwrap_or_else(|e| panic!("written YAML is not YAML: {e}\n{written}"));
                    let violations = crds.check(&value);
                    assert!(
                        violations.is_empty(),
                        "validate() finds no error in this {kind}, but the API server refuses it \
                         as written: {violations:?}\n{written}"
                    );
                }
                true
            }
            Ok(Document::Other { .. }) => panic!("{kind} read as a non-Istio document:\n{text}"),
            Err(e) => {
                assert!(
                    !accepted || istio_cannot_decode(kind, &e.message),
                    "the API server accepts this {kind}, but it does not read: {e}\n{text}"
                );
                false
            }
        };
        fates.push(Fate {
            kind: kind.to_owned(),
            accepted,
            read,
        });
    }
    Ok(fates)
}

/// Whether a read error is one Istio raises too, though the CRD schema lets the value through,
/// or a deliberate strictness of istio-types. Istio's webhook decodes the object into protobuf
/// messages first and rejects what does not decode, then applies its rules:
///
/// - an integer outside its protobuf type (`periodSeconds: 4294967295` in an int32); the API
///   server does not check `format: int32`;
/// - a duration that is not one (`""`, `10`, `1d`, `.5`, more than 292 years): protobuf's
///   Duration does not decode it;
/// - a port protocol Istio does not know (`ValidateProtocol`), or an empty one on a Gateway
///   (`validateServerPort`); Sidecar and ServiceEntry ports may leave it empty;
/// - by design, a negative duration: istio-types' `GoDuration` (the fields where `0s` means
///   something) is non-negative. Istio's webhook refuses one on a TCP `idleTimeout`, but does
///   not check a cookie `ttl`, `budgetInterval` or the `backendUtilization` periods.
/// - two of `credentialName`, `credentialNames` and `tlsCertificates` in a Gateway server's
///   TLS settings (or a Sidecar ingress listener's, which may have none of them): istio-types
///   reads the three as one choice (`ServerCredentials`), so the object stops at the reader
///   where Istio's `validateTLSOptions` refuses it ("only one of credential_name,
///   credential_names, server_certificate/private_key, tls_certificates"); an empty
///   `credentialName` beside another form reads, as protobuf leaves it unset.
///
/// Range rules on other well-formed durations (`0s` where Istio requires at least 1ms) are
/// not exempt: whether Istio checks them depends on the field, so the fuzzer reports them.
fn istio_cannot_decode(kind: &str, message: &str) -> bool {
    let out_of_type = message.contains("is out of range: expected a")
        && (message.contains("32-bit") || message.contains("64-bit"));
    // Every reason but the range rules (above): a syntax error, or negative by design.
    let not_a_duration = message.contains("is not a valid duration")
        && !["shorter than 1ms", "only millisecond precision"]
            .iter()
            .any(|why| message.contains(why));
    let protocol = message.contains("is not a protocol Istio knows")
        && (kind == "Gateway" || !message.starts_with("\"\""));
    let two_credentials = (kind == "Gateway" || kind == "Sidecar")
        && message.contains("only one of credentialName, credentialNames, tlsCertificates");
    out_of_type || not_a_duration || protocol || two_credentials
}

/// What became of one generated object.
#[derive(Debug)]
pub struct Fate {
    /// Its kind.
    pub kind: String,
    /// Whether Istio's CRD schema and CEL rules accept it.
    pub accepted: bool,
    /// Whether it read into a typed resource.
    pub read: bool,
}

/// What `fedctl lint` does to one file's text, without printing.
pub fn check_lint(text: &str) {
    let raw: Vec<_> = split_documents(text)
        .into_iter()
        .filter(|d| !d.is_blank())
        .collect();
    let total_lines = yaml_lines(text);
    for doc in read_stream(text, None) {
        assert!(doc.line >= 1, "document lines are 1-based");
        match doc.result {
            Err(e) => {
                assert!(!e.message.is_empty(), "a read error says what is wrong");
                // serde-saphyr can point at the line after the last one (end of input).
                if let Some(line) = e.location.line {
                    assert!(line <= total_lines + 1, "line {line} of {total_lines}: {e}");
                }
            }
            Ok(Document::Other { .. }) => {}
            Ok(Document::Istio(r)) => {
                let report = r.validate();
                let source = raw.get(doc.index);
                let index = source.map(|d| istio_types::primitives::LineIndex::new(d.text));
                // The fast line lookup `fedctl lint` uses agrees with the full YAML parse.
                if let (Some(d), Some(ix)) = (source, &index) {
                    let paths: Vec<&str> =
                        report.findings.iter().map(|f| f.path.as_str()).collect();
                    let fast = istio_types::read::lines_of(d.text, &paths);
                    for (path, line) in paths.iter().zip(fast) {
                        assert_eq!(line, ix.line(path), "line of {path} in\n{}", d.text);
                    }
                }
                for f in report.findings {
                    assert!(!f.message.is_empty());
                    if let (Some(d), Some(ix)) = (source, &index)
                        && let Some(l) = ix.line(&f.path)
                    {
                        let line = d.first_line + l - 1;
                        assert!(line <= total_lines, "finding line {line} of {total_lines}");
                    }
                }
            }
        }
    }
}

/// Lines as YAML counts them: `\r\n`, a lone `\r` and `\n` each end one (a file saved with
/// classic Mac line endings has only `\r`; serde-saphyr and editors count those lines too).
fn yaml_lines(text: &str) -> usize {
    let breaks =
        text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count();
    breaks + 1
}

/// Parses and validates a Federation document; renders it when it validates.
pub fn check_federation_text(text: &str) {
    match fed_model::validate_yaml_str(text, None, None) {
        Ok(validated) => {
            assert!(validated.warnings.iter().all(|d| !d.is_error()));
            check_render(&validated.federation);
        }
        Err(report) => assert!(
            report.errors().count() > 0,
            "a failed report holds an error: {report}"
        ),
    }
    if let Ok(federation) = fed_model::from_yaml_str(text, None) {
        let yaml = federation.to_yaml();
        let mut back = fed_model::from_yaml_str(&yaml, None)
            .unwrap_or_else(|r| panic!("written document does not read back: {r}\n{yaml}"));
        back.source.clone_from(&federation.source);
        assert_eq!(back, federation, "round trip changed the document:\n{yaml}");
    }
}

/// Renders a validated federation and checks everything rendered.
pub fn check_render(fed: &ValidatedFederation) {
    let bundles = fed_render::render(fed)
        .unwrap_or_else(|e| panic!("render failed on a validated federation: {e}\n{fed:?}"));
    let again = fed_render::render(fed).expect("render succeeded once");
    assert_eq!(bundles, again, "render is deterministic");
    assert_eq!(
        bundles.len(),
        fed.clusters().count(),
        "one bundle per cluster"
    );
    let mut paths = BTreeSet::new();
    for bundle in &bundles {
        let stream = bundle
            .to_yaml_stream()
            .unwrap_or_else(|e| panic!("cannot write the stream: {e}"));
        let files = bundle
            .to_files()
            .unwrap_or_else(|e| panic!("cannot write the files: {e}"));
        for f in &files {
            assert!(paths.insert(f.path.clone()), "two files at {}", f.path);
        }
        let mut keys = BTreeSet::new();
        for o in &bundle.objects {
            let key = (
                o.kind().to_owned(),
                o.namespace().unwrap_or_default().to_owned(),
                o.name().to_owned(),
            );
            assert!(keys.insert(key.clone()), "duplicate object {key:?}");
            check_object(o);
        }
        // Every Istio object reads back to itself and passes Istio's rules.
        let istio: Vec<_> = bundle
            .objects
            .iter()
            .filter_map(|o| match o {
                Object::Istio(r) => Some(r),
                _ => None,
            })
            .collect();
        let read: Vec<_> = read_stream(&stream, None)
            .into_iter()
            .filter_map(|d| match d.result {
                Ok(Document::Istio(r)) => Some(r),
                Ok(Document::Other { .. }) => None,
                Err(e) => panic!("rendered YAML does not read: {e}\n{stream}"),
            })
            .collect();
        assert_eq!(read.len(), istio.len(), "every Istio object reads back");
        for (back, original) in read.iter().zip(&istio) {
            assert_eq!(
                back, *original,
                "Istio object changed on the way through YAML"
            );
            let report = original.validate();
            assert!(
                !report.has_errors(),
                "rendered {} {:?} fails Istio validation: {:?}",
                original.kind(),
                original.metadata().name,
                report.findings
            );
        }
    }
}

/// Names and labels the Kubernetes API server would refuse.
fn check_object(o: &Object) {
    let meta = o.metadata();
    let name = o.name();
    // Namespaces, Services and the like are DNS-1123 labels; everything else a subdomain.
    let label_named = matches!(o.kind(), "Namespace" | "Service");
    assert!(
        if label_named {
            is_dns1123_label(name)
        } else {
            istio_types::validate::is_dns1123_subdomain(name)
        },
        "{} name {name:?} is not valid",
        o.kind()
    );
    if let Some(ns) = o.namespace() {
        assert!(
            is_dns1123_label(ns),
            "namespace {ns:?} is not a DNS-1123 label"
        );
    }
    for (k, v) in meta.labels.iter().flatten() {
        assert!(is_label_key(k), "label key {k:?} of {} {name}", o.kind());
        assert!(
            is_label_value(v),
            "label value {v:?} ({k}) of {} {name}",
            o.kind()
        );
    }
}

fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Kubernetes' qualified name: `[prefix/]name`, name 1..63 of `[A-Za-z0-9._-]` starting and
/// ending alphanumeric, prefix a DNS-1123 subdomain.
fn is_label_key(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    prefix.is_none_or(istio_types::validate::is_dns1123_subdomain)
        && !name.is_empty()
        && is_label_value(name)
}

/// Kubernetes' label value: empty, or up to 63 of `[A-Za-z0-9._-]` starting and ending
/// alphanumeric.
fn is_label_value(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && v.as_bytes()[0].is_ascii_alphanumeric()
            && v.as_bytes()[v.len() - 1].is_ascii_alphanumeric())
}

// ---------------------------------------------------------------------------------------------
// The structured input: a Federation built from plausible values most of the time, so the
// renderer sees documents that validate, with an escape to arbitrary text for every field.

/// A text field: one of a few plausible values, or anything.
#[derive(Arbitrary, Debug, Clone)]
pub enum Text {
    /// The n-th plausible value for the field.
    Pick(u8),
    /// Any text.
    Raw(String),
}

impl Text {
    fn get(&self, vocabulary: &[&str]) -> String {
        match self {
            Self::Pick(i) => vocabulary[usize::from(*i) % vocabulary.len()].to_owned(),
            Self::Raw(s) => s.clone(),
        }
    }
}

const NAMES: &[&str] = &[
    "a",
    "b",
    "c",
    "tein",
    "gke",
    "consumer",
    "provider1",
    "default",
    "istio-system",
    "istio-ingress-a",
    "kube-system",
    "x0123456789012345678901234567890123456789012345678901234567890y",
    "x012345678901234567890123456789012345678901234567890123456789",
    "0a",
];
const CLUSTERS: &[&str] = &["a", "b", "c", "tein", "gke"];
const LOCALITIES: &[&str] = &[
    "r1/z1",
    "r1/z2",
    "r2/z1",
    "r1",
    "r2/z2/s1",
    "us-west1/us-west1-b",
    "eu-west/provider1",
];
const ADDRESSES: &[&str] = &[
    "10.0.0.1",
    "10.0.0.2",
    "202.28.193.112",
    "2001:db8::1",
    "gw.example.com",
    "10.0.0.1",
];
const PROTOCOLS: &[&str] = &[
    "HTTP", "TCP", "GRPC", "HTTP2", "HTTPS", "TLS", "grpc-web", "MONGO", "REDIS", "MYSQL", "UDP",
    "http",
];
const PORT_NAMES: &[&str] = &["http", "grpc", "tcp", "http-web", "p", "https-1"];
const DURATIONS: &[&str] = &["1s", "1ms", "10s", "1m", "1h", "500ms", "1h30m", "0.5s"];
const IMAGES: &[&str] = &["nginx", "ealen/echo-server:0.9.2", "example/s0:1.0"];
const PATHS: &[&str] = &["/", "/echo", "/a/b", "/s0"];
const QUANTITIES: &[&str] = &["100m", "64Mi", "1", "0.5", "20Gi"];
const LABEL_KEYS: &[&str] = &["app", "istio", "version", "example.com/tier"];
const LABEL_VALUES: &[&str] = &["echo", "ingressgateway", "v1", "s0", ""];
const DOMAINS: &[&str] = &["cluster.local", "example.org", "c1"];

/// A whole federation.
#[derive(Arbitrary, Debug, Clone)]
pub struct FedInput {
    name: Text,
    /// `1.<minor>`; `None` leaves the default.
    minor: Option<u8>,
    api_version: Option<u8>,
    mesh_id: Option<Text>,
    cluster_domain: Option<Text>,
    ca_dir: Option<Text>,
    topology: TopologyInput,
    services: Vec<ServiceInput>,
}

#[derive(Arbitrary, Debug, Clone)]
enum TopologyInput {
    PeerToPeer(Vec<PeerInput>),
    ConsumerProvider {
        consumer: PeerInput,
        providers: Vec<PeerInput>,
    },
}

#[derive(Arbitrary, Debug, Clone)]
struct PeerInput {
    name: Text,
    context: Option<Text>,
    network: Option<Text>,
    locality: Text,
    address: Text,
    port: Option<u32>,
    selector: Option<Vec<(Text, Text)>>,
    cpu: Option<Text>,
    memory: Option<Text>,
}

#[derive(Arbitrary, Debug, Clone)]
struct ServiceInput {
    name: Text,
    namespace: Option<Text>,
    ports: Vec<(Text, u16, Text, Option<u16>)>,
    runs_in: Option<Vec<Text>>,
    selector: Option<Vec<(Text, Text)>>,
    service_account: Option<Text>,
    workload: Option<WorkloadInput>,
    ingress: Option<Text>,
    overflow: Vec<OverflowInput>,
    thresholds: Option<ThresholdsInput>,
}

#[derive(Arbitrary, Debug, Clone)]
struct WorkloadInput {
    image: Text,
    replicas: Option<u8>,
    autoscaling: Option<(Option<u8>, u8, Option<u8>)>,
    requests: Vec<(Text, Text)>,
    limits: Vec<(Text, Text)>,
}

#[derive(Arbitrary, Debug, Clone)]
struct OverflowInput {
    from: Text,
    to: Vec<Text>,
    thresholds: Option<ThresholdsInput>,
    retry_remote: Option<bool>,
}

#[derive(Arbitrary, Debug, Clone)]
struct ThresholdsInput {
    max_connections: Option<u32>,
    http1_max_pending_requests: Option<u32>,
    http2_max_requests: Option<u32>,
    max_requests_per_connection: Option<u32>,
    consecutive_errors: Option<u32>,
    interval: Option<Text>,
    base_ejection_time: Option<Text>,
    max_ejection_percent: Option<u8>,
}

fn map(pairs: &[(Text, Text)], keys: &[&str], values: &[&str]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.get(keys), v.get(values)))
        .collect()
}

fn quantities(pairs: &[(Text, Text)]) -> BTreeMap<String, Quantity> {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            Some((
                k.get(&["cpu", "memory"]),
                Quantity::new(v.get(QUANTITIES)).ok()?,
            ))
        })
        .collect()
}

impl ThresholdsInput {
    fn build(&self) -> ThresholdsSpec {
        ThresholdsSpec {
            max_connections: self.max_connections,
            http1_max_pending_requests: self.http1_max_pending_requests,
            http2_max_requests: self.http2_max_requests,
            max_requests_per_connection: self.max_requests_per_connection,
            consecutive_errors: self.consecutive_errors,
            interval: self.interval.as_ref().map(|t| t.get(DURATIONS)),
            base_ejection_time: self.base_ejection_time.as_ref().map(|t| t.get(DURATIONS)),
            max_ejection_percent: self.max_ejection_percent.map(u32::from),
        }
    }
}

impl PeerInput {
    fn peer(&self) -> PeerSpec {
        PeerSpec {
            name: self.name.get(CLUSTERS),
            context: self.context.as_ref().map(|t| t.get(NAMES)),
            network: self.network.as_ref().map(|t| t.get(NAMES)),
            locality: self.locality.get(LOCALITIES),
            gateway: GatewaySpec {
                address: self.address.get(ADDRESSES),
                port: self.port,
                selector: self
                    .selector
                    .as_ref()
                    .map(|s| map(s, LABEL_KEYS, LABEL_VALUES)),
            },
        }
    }

    fn resources(&self) -> Option<ProviderResourcesSpec> {
        if self.cpu.is_none() && self.memory.is_none() {
            return None;
        }
        Some(ProviderResourcesSpec {
            cpu: self
                .cpu
                .as_ref()
                .and_then(|t| Quantity::new(t.get(QUANTITIES)).ok()),
            memory: self
                .memory
                .as_ref()
                .and_then(|t| Quantity::new(t.get(QUANTITIES)).ok()),
        })
    }
}

impl FedInput {
    /// The raw document this input describes (not necessarily valid).
    pub fn federation(&self) -> Federation {
        let mut f = Federation::new(self.name.get(NAMES));
        f.spec.istio.version = self.minor.map(|m| format!("1.{}", m % 40));
        f.spec.istio.api_version = self.api_version.and_then(|v| match v % 4 {
            0 => None,
            1 => Some(NetworkingApiVersion::V1alpha3),
            2 => Some(NetworkingApiVersion::V1beta1),
            _ => Some(NetworkingApiVersion::V1),
        });
        f.spec.mesh = MeshSpec {
            id: self.mesh_id.as_ref().map(|t| t.get(NAMES)),
            cluster_domain: self.cluster_domain.as_ref().map(|t| t.get(DOMAINS)),
            // Only a directory that does not exist: rendering reads nothing from disk here.
            ca: self.ca_dir.as_ref().map(|t| CaSpec {
                dir: format!("/nonexistent/{}", t.get(NAMES)),
            }),
        };
        f.spec.topology = match &self.topology {
            TopologyInput::PeerToPeer(peers) => TopologySpec {
                peer_to_peer: Some(PeerToPeerSpec {
                    peers: peers.iter().take(6).map(PeerInput::peer).collect(),
                }),
                consumer_provider: None,
            },
            TopologyInput::ConsumerProvider {
                consumer,
                providers,
            } => {
                let c = consumer.peer();
                TopologySpec {
                    peer_to_peer: None,
                    consumer_provider: Some(ConsumerProviderSpec {
                        consumer: ConsumerSpec {
                            name: c.name,
                            context: c.context,
                            network: c.network,
                            locality: c.locality,
                        },
                        providers: providers
                            .iter()
                            .take(5)
                            .map(|p| {
                                let spec = p.peer();
                                ProviderSpec {
                                    name: spec.name,
                                    context: spec.context,
                                    network: spec.network,
                                    locality: spec.locality,
                                    resources: p.resources(),
                                }
                            })
                            .collect(),
                    }),
                }
            }
        };
        f.spec.services = self
            .services
            .iter()
            .take(6)
            .map(ServiceInput::build)
            .collect();
        f
    }
}

impl ServiceInput {
    fn build(&self) -> ServiceSpec {
        ServiceSpec {
            name: self.name.get(NAMES),
            namespace: self.namespace.as_ref().map(|t| t.get(NAMES)),
            ports: self
                .ports
                .iter()
                .take(5)
                .map(|(name, number, protocol, target)| PortSpec {
                    name: name.get(PORT_NAMES),
                    number: u32::from(*number),
                    protocol: protocol.get(PROTOCOLS),
                    target_port: target.map(u32::from),
                })
                .collect(),
            runs_in: self
                .runs_in
                .as_ref()
                .map(|r| r.iter().map(|t| t.get(CLUSTERS)).collect()),
            selector: self
                .selector
                .as_ref()
                .map(|s| map(s, LABEL_KEYS, LABEL_VALUES)),
            service_account: self.service_account.as_ref().map(|t| t.get(NAMES)),
            workload: self.workload.as_ref().map(|w| WorkloadSpec {
                image: w.image.get(IMAGES),
                replicas: w.replicas.map(u32::from),
                autoscaling: w.autoscaling.map(|(min, max, cpu)| AutoscalingSpec {
                    min_replicas: min.map(u32::from),
                    max_replicas: u32::from(max),
                    target_cpu_utilization_percentage: cpu.map(u32::from),
                }),
                resources: (!w.requests.is_empty() || !w.limits.is_empty()).then(|| {
                    ResourcesSpec {
                        requests: quantities(&w.requests),
                        limits: quantities(&w.limits),
                    }
                }),
            }),
            ingress: self
                .ingress
                .as_ref()
                .map(|t| IngressSpec { path: t.get(PATHS) }),
            overflow: self
                .overflow
                .iter()
                .take(4)
                .map(|o| OverflowSpec {
                    from: o.from.get(CLUSTERS),
                    to: o.to.iter().take(5).map(|t| t.get(CLUSTERS)).collect(),
                    thresholds: o.thresholds.as_ref().map(ThresholdsInput::build),
                    retry_remote: o.retry_remote,
                })
                .collect(),
            thresholds: self.thresholds.as_ref().map(ThresholdsInput::build),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use arbitrary::Unstructured;

    /// The generator is worth running: from plain pseudo-random bytes it makes every kind,
    /// most objects read, and a fair share pass the CRD (a CRD file of another shape, or a
    /// generator bug, would make it produce empty or rejected objects only).
    #[test]
    fn generated_objects_cover_every_kind_and_mostly_read() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut by_kind = BTreeMap::<String, [usize; 3]>::new();
        for _ in 0..1500 {
            let bytes: Vec<u8> = (0..4096)
                .map(|_| {
                    // xorshift64: deterministic, no dependency.
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[0]
                })
                .collect();
            let fates = super::check_schema_objects(&mut Unstructured::new(&bytes)).unwrap();
            for fate in fates {
                let counts = by_kind.entry(fate.kind).or_default();
                counts[0] += 1;
                counts[1] += usize::from(fate.read);
                counts[2] += usize::from(fate.accepted);
            }
        }
        eprintln!("kind: generated, read, accepted by the CRD: {by_kind:?}");
        assert_eq!(by_kind.len(), super::schema::KINDS.len(), "{by_kind:?}");
        let [total, read, accepted] = by_kind.values().fold([0; 3], |mut sum, counts| {
            for (s, c) in sum.iter_mut().zip(counts) {
                *s += c;
            }
            sum
        });
        assert!(read * 2 > total, "{read} of {total} read");
        assert!(accepted * 10 > total, "{accepted} of {total} accepted");
    }
}
