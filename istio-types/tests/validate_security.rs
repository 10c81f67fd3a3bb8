//! Istio's admission rules for AuthorizationPolicy, PeerAuthentication, RequestAuthentication
//! and EnvoyFilter, case by case. Each case cites the Istio function (istio/istio
//! `pkg/config/validation/validation.go`, `.../envoyfilter/envoyfilter.go`,
//! `pkg/config/security/security.go`) or the CRD rule it follows.

use istio_types::IstioResource;
use istio_types::read::{Document, read_stream};
use istio_types::validate::{Report, Severity};

#[derive(Debug, Clone, Copy)]
enum Verdict {
    /// No errors, no warnings (but EnvoyFilter's warning that every EnvoyFilter gets).
    Valid,
    /// At least one error, one of them at this path.
    Error(&'static str),
    /// No errors, and a warning at this path.
    Warning(&'static str),
}
use Verdict::{Error, Valid, Warning};

struct Case {
    name: &'static str,
    kind: &'static str,
    spec: &'static str,
    verdict: Verdict,
}

const fn case(
    name: &'static str,
    kind: &'static str,
    spec: &'static str,
    verdict: Verdict,
) -> Case {
    Case {
        name,
        kind,
        spec,
        verdict,
    }
}

const AP: &str = "AuthorizationPolicy";
const PA: &str = "PeerAuthentication";
const RA: &str = "RequestAuthentication";
const EF: &str = "EnvoyFilter";

/// The warning Istio gives every EnvoyFilter (`ValidateEnvoyFilter`).
fn is_envoy_filter_notice(kind: &str, f: &istio_types::validate::Finding) -> bool {
    kind == EF && f.path == "spec" && f.message.starts_with("EnvoyFilter exposes internal")
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ------------------------------------------------------------ AuthorizationPolicy
    // ValidateAuthorizationPolicy: an ALLOW policy without rules is valid (it denies all).
    case("ap allow-nothing", AP, "{}", Valid),
    case("ap full allow", AP, "selector: {matchLabels: {app: web}}\nrules:\n- from:\n  - source: {principals: [cluster.local/ns/a/sa/b]}\n  to:\n  - operation: {methods: [GET], paths: [/api/*], ports: ['8080']}\n  when:\n  - {key: 'request.headers[x-token]', values: [abc]}\n", Valid),
    // validateWorkloadSelector: no labels is a warning.
    case("ap selector without labels", AP, "selector: {}\nrules: [{}]\n", Warning("spec.selector.matchLabels")),
    // validateWorkloadSelector: wildcard in a label value.
    case("ap selector wildcard value", AP, "selector: {matchLabels: {app: 'web*'}}\n", Error("spec.selector.matchLabels[app]")),
    // validateWorkloadSelector: empty key (and CRD key.size() != 0).
    case("ap selector empty key", AP, "selector: {matchLabels: {'': web}}\n", Error("spec.selector.matchLabels[]")),
    // CRD: matchLabels values maxLength 63.
    case("ap selector long value", AP, "selector: {matchLabels: {app: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}\n", Error("spec.selector.matchLabels[app]")),
    // validatePolicyTargetReference: Service in the core group is allowed.
    case("ap targetRef service", AP, "targetRef: {kind: Service, name: reviews}\n", Valid),
    // validatePolicyTargetReference: Gateway API Gateway is allowed.
    case("ap targetRefs gateway", AP, "targetRefs:\n- {group: gateway.networking.k8s.io, kind: Gateway, name: gw, namespace: ''}\n", Valid),
    // validatePolicyTargetReference: namespace must be empty (CRD CEL too).
    case("ap targetRef cross namespace", AP, "targetRef: {kind: Service, name: reviews, namespace: other}\n", Error("spec.targetRef.namespace")),
    // validatePolicyTargetReference: kind not in allowedTargetRefs.
    case("ap targetRef deployment", AP, "targetRef: {group: apps, kind: Deployment, name: web}\n", Error("spec.targetRef")),
    // validatePolicyTargetReference: name must be set (CRD required + minLength).
    case("ap targetRef no name", AP, "targetRef: {kind: Service}\n", Error("spec.targetRef.name")),
    // CRD: targetRef.kind is required.
    case("ap targetRef no kind", AP, "targetRef: {name: web}\n", Error("spec.targetRef.kind")),
    // CRD: targetRefs maxItems 16.
    case("ap 17 targetRefs", AP, "targetRefs: [{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a},{kind: Service, name: a}]\n", Error("spec.targetRefs")),
    // ValidateAuthorizationPolicy: DENY without rules never triggers.
    case("ap deny without rules", AP, "action: DENY\n", Error("spec.rules")),
    // ValidateAuthorizationPolicy: CUSTOM without rules never triggers.
    case("ap custom without rules", AP, "action: CUSTOM\nprovider: {name: ext}\n", Error("spec.rules")),
    // ValidateAuthorizationPolicy: CUSTOM needs provider.name.
    case("ap custom without provider", AP, "action: CUSTOM\nrules: [{}]\n", Error("spec.provider.name")),
    case("ap custom valid", AP, "action: CUSTOM\nprovider: {name: ext}\nrules:\n- to: [{operation: {paths: [/admin/*]}}]\n", Valid),
    // ValidateAuthorizationPolicy: provider only with CUSTOM.
    case("ap provider with allow", AP, "provider: {name: ext}\nrules: [{}]\n", Error("spec.provider")),
    // ValidateAuthorizationPolicy: CUSTOM cannot use principals.
    case("ap custom with principals", AP, "action: CUSTOM\nprovider: {name: ext}\nrules:\n- from: [{source: {principals: [a]}}]\n", Error("spec.rules[0].from[0].source.principals")),
    // ValidateAuthorizationPolicy: CUSTOM cannot use request.auth.* conditions.
    case("ap custom with jwt condition", AP, "action: CUSTOM\nprovider: {name: ext}\nrules:\n- when: [{key: 'request.auth.claims[iss]', values: [x]}]\n", Error("spec.rules[0].when[0].key")),
    // ValidateAuthorizationPolicy: `from.source` must not be nil.
    case("ap from without source", AP, "rules:\n- from: [{}]\n", Error("spec.rules[0].from[0].source")),
    // ValidateAuthorizationPolicy: `from.source` must not be empty.
    case("ap empty source", AP, "rules:\n- from: [{source: {}}]\n", Error("spec.rules[0].from[0].source")),
    // ValidateAuthorizationPolicy (+ CRD CEL): serviceAccounts with namespaces.
    case("ap serviceAccounts with namespaces", AP, "rules:\n- from: [{source: {serviceAccounts: [ns/sa], namespaces: [ns]}}]\n", Error("spec.rules[0].from[0].source")),
    case("ap serviceAccounts valid", AP, "rules:\n- from: [{source: {serviceAccounts: [ns/sa], notServiceAccounts: [ns/other]}}]\n", Valid),
    // CheckServiceAccount: <name> or <namespace>/<name> (istio/istio#54745), neither part empty.
    case("ap serviceAccount without namespace", AP, "rules:\n- from: [{source: {serviceAccounts: [sa]}}]\n", Valid),
    case("ap serviceAccount empty name", AP, "rules:\n- from: [{source: {serviceAccounts: [ns/]}}]\n", Error("spec.rules[0].from[0].source.serviceAccounts[0]")),
    // ValidateIPs: a bad CIDR.
    case("ap bad cidr", AP, "rules:\n- from: [{source: {ipBlocks: [10.0.0.0/33]}}]\n", Error("spec.rules[0].from[0].source.ipBlocks[0]")),
    // ValidateIPs: a bad IP in remoteIpBlocks.
    case("ap bad remote ip", AP, "rules:\n- from: [{source: {remoteIpBlocks: [1.2.3]}}]\n", Error("spec.rules[0].from[0].source.remoteIpBlocks[0]")),
    case("ap ipv6 blocks", AP, "rules:\n- from: [{source: {ipBlocks: ['2001:db8::/32', '::1'], notIpBlocks: [203.0.113.4]}}]\n", Valid),
    // CheckEmptyValues: an empty principal.
    case("ap empty principal", AP, "rules:\n- from: [{source: {principals: ['']}}]\n", Error("spec.rules[0].from[0].source.principals[0]")),
    // ValidateAuthorizationPolicy: `to.operation` must not be nil.
    case("ap to without operation", AP, "rules:\n- to: [{}]\n", Error("spec.rules[0].to[0].operation")),
    // ValidateAuthorizationPolicy: `to.operation` must not be empty.
    case("ap empty operation", AP, "rules:\n- to: [{operation: {}}]\n", Error("spec.rules[0].to[0].operation")),
    // ValidatePorts: not a number.
    case("ap bad port", AP, "rules:\n- to: [{operation: {ports: [http]}}]\n", Error("spec.rules[0].to[0].operation.ports[0]")),
    // ValidatePorts: above 65535.
    case("ap port too big", AP, "rules:\n- to: [{operation: {notPorts: ['65536']}}]\n", Error("spec.rules[0].to[0].operation.notPorts[0]")),
    // CheckValidPathTemplate: {*} with a named variable.
    case("ap bad path template", AP, "rules:\n- to: [{operation: {paths: ['/{*}/foo/{bar}']}}]\n", Error("spec.rules[0].to[0].operation.paths[0]")),
    case("ap good path template", AP, "rules:\n- to: [{operation: {paths: ['/foo/{*}/bar/{**}']}}]\n", Valid),
    // CheckValidPathTemplate: {**} mixed with a bare /* segment.
    case("ap path template with bare star", AP, "rules:\n- to: [{operation: {notPaths: ['/{**}/*']}}]\n", Error("spec.rules[0].to[0].operation.notPaths[0]")),
    // ValidateAuthorizationPolicy: `key` must not be empty.
    case("ap empty condition key", AP, "rules:\n- when: [{key: '', values: [a]}]\n", Error("spec.rules[0].when[0].key")),
    // ValidateAuthorizationPolicy: values or notValues needed.
    case("ap condition without values", AP, "rules:\n- when: [{key: source.ip}]\n", Error("spec.rules[0].when[0]")),
    // ValidateAttribute: unknown attribute.
    case("ap unknown attribute", AP, "rules:\n- when: [{key: source.color, values: [red]}]\n", Error("spec.rules[0].when[0].values")),
    // ValidateAttribute: request.headers needs [name].
    case("ap header attribute without name", AP, "rules:\n- when: [{key: request.headers, values: [a]}]\n", Error("spec.rules[0].when[0].values")),
    // ValidateAttribute: destination.port values are ports.
    case("ap destination.port bad value", AP, "rules:\n- when: [{key: destination.port, notValues: ['80x']}]\n", Error("spec.rules[0].when[0].notValues[0]")),
    // ValidateAttribute: source.ip values are IPs.
    case("ap source.ip condition", AP, "rules:\n- when: [{key: source.ip, values: [10.0.0.1, 10.0.0.0/8]}]\n", Valid),
    // ValidateAttribute: destination.labels is replaced by the selector.
    case("ap destination.labels", AP, "rules:\n- when: [{key: 'destination.labels[app]', values: [a]}]\n", Error("spec.rules[0].when[0].values")),
    // ValidateAttribute: destination.user is v1alpha1 only.
    case("ap destination.user", AP, "rules:\n- when: [{key: destination.user, values: [a]}]\n", Error("spec.rules[0].when[0].values")),
    // ValidateAuthorizationPolicy: DENY with only HTTP attributes warns about TCP ports.
    case("ap deny http-only", AP, "action: DENY\nrules:\n- to: [{operation: {methods: [POST]}}]\n", Warning("spec.rules[0]")),
    case("ap deny with port", AP, "action: DENY\nrules:\n- to: [{operation: {methods: [POST], ports: ['8080']}}]\n", Valid),
    case("ap deny request principals only", AP, "action: DENY\nrules:\n- from: [{source: {notRequestPrincipals: ['*']}}]\n", Warning("spec.rules[0]")),
    case("ap deny tcp source", AP, "action: DENY\nrules:\n- from: [{source: {ipBlocks: [1.2.3.4]}}]\n", Valid),
    case("ap audit", AP, "action: AUDIT\nrules:\n- to: [{operation: {paths: [/x]}}]\n", Valid),

    // ------------------------------------------------------------ PeerAuthentication
    case("pa strict mesh", PA, "mtls: {mode: STRICT}\n", Valid),
    case("pa port level", PA, "selector: {matchLabels: {app: web}}\nmtls: {mode: STRICT}\nportLevelMtls:\n  8080: {mode: DISABLE}\n", Valid),
    // ValidatePeerAuthentication: no port-level mTLS without selector labels (CRD CEL too).
    case("pa port level without selector", PA, "portLevelMtls:\n  8080: {mode: DISABLE}\n", Error("spec.portLevelMtls")),
    case("pa port level with empty selector", PA, "selector: {}\nportLevelMtls:\n  8080: {mode: DISABLE}\n", Error("spec.portLevelMtls")),
    // ValidatePeerAuthentication: an empty portLevelMtls map (CRD minProperties 1).
    case("pa empty port level", PA, "selector: {matchLabels: {app: web}}\nportLevelMtls: {}\n", Error("spec.portLevelMtls")),
    // ValidatePeerAuthentication: port out of range (CRD CEL too).
    case("pa port zero", PA, "selector: {matchLabels: {app: web}}\nportLevelMtls:\n  0: {mode: DISABLE}\n", Error("spec.portLevelMtls[0]")),
    case("pa port too big", PA, "selector: {matchLabels: {app: web}}\nportLevelMtls:\n  65536: {mode: DISABLE}\n", Error("spec.portLevelMtls[65536]")),
    // validateWorkloadSelector via ValidatePeerAuthentication.
    case("pa selector without labels", PA, "selector: {}\nmtls: {mode: PERMISSIVE}\n", Warning("spec.selector.matchLabels")),
    case("pa selector wildcard key", PA, "selector: {matchLabels: {'app*': web}}\n", Error("spec.selector.matchLabels[app*]")),

    // ------------------------------------------------------------ RequestAuthentication
    case("ra valid", RA, "selector: {matchLabels: {app: web}}\njwtRules:\n- issuer: https://issuer.example.com\n  jwksUri: https://issuer.example.com/jwks.json\n  outputClaimToHeaders: [{header: x-sub, claim: sub}]\n  timeout: 5s\n", Valid),
    // validateJwtRule: issuer or jwksUri needed.
    case("ra no issuer no uri", RA, "jwtRules:\n- audiences: [a]\n", Error("spec.jwtRules[0]")),
    case("ra uri only", RA, "jwtRules:\n- jwks_uri: https://keys.example.com/jwks\n", Valid),
    // validateJwtRule/ParseJwksURI: scheme must be http(s) (CRD CEL too).
    case("ra bad jwks scheme", RA, "jwtRules:\n- issuer: i\n  jwksUri: ftp://keys.example.com/jwks\n", Error("spec.jwtRules[0].jwksUri")),
    case("ra bad jwks_uri scheme", RA, "jwtRules:\n- issuer: i\n  jwks_uri: keys.example.com/jwks\n", Error("spec.jwtRules[0].jwks_uri")),
    // ParseJwksURI: a port must be numeric.
    case("ra bad jwks port", RA, "jwtRules:\n- issuer: i\n  jwksUri: 'https://keys.example.com:https/jwks'\n", Error("spec.jwtRules[0].jwksUri")),
    // validateJwtRule: jwks must parse.
    case("ra bad inline jwks", RA, "jwtRules:\n- issuer: i\n  jwks: 'not json'\n", Error("spec.jwtRules[0].jwks")),
    case("ra inline jwks", RA, "jwtRules:\n- issuer: i\n  jwks: '{\"keys\": [{\"kty\": \"RSA\", \"n\": \"x\", \"e\": \"AQAB\"}]}'\n", Valid),
    // validateJwtRule: empty audience (CRD minLength 1 too).
    case("ra empty audience", RA, "jwtRules:\n- issuer: i\n  audiences: ['']\n", Error("spec.jwtRules[0].audiences[0]")),
    // validateJwtRule: empty header name (CRD minLength 1 too).
    case("ra empty from header", RA, "jwtRules:\n- issuer: i\n  fromHeaders: [{name: ''}]\n", Error("spec.jwtRules[0].fromHeaders[0].name")),
    // validateJwtRule: empty query parameter.
    case("ra empty from param", RA, "jwtRules:\n- issuer: i\n  fromParams: ['']\n", Error("spec.jwtRules[0].fromParams[0]")),
    // validateJwtRule: empty cookie.
    case("ra empty cookie", RA, "jwtRules:\n- issuer: i\n  fromCookies: ['']\n", Error("spec.jwtRules[0].fromCookies[0]")),
    // validateJwtRule: outputClaimToHeaders needs header and claim.
    case("ra claim without header", RA, "jwtRules:\n- issuer: i\n  outputClaimToHeaders: [{header: '', claim: sub}]\n", Error("spec.jwtRules[0].outputClaimToHeaders[0]")),
    // ValidateStrictHTTPHeaderName (CRD pattern ^[-_A-Za-z0-9]+$).
    case("ra bad claim header", RA, "jwtRules:\n- issuer: i\n  outputClaimToHeaders: [{header: 'x sub', claim: sub}]\n", Error("spec.jwtRules[0].outputClaimToHeaders[0].header")),
    // CRD: issuer minLength 1.
    case("ra empty issuer", RA, "jwtRules:\n- issuer: ''\n  jwksUri: https://k.example.com/\n", Error("spec.jwtRules[0].issuer")),
    // CRD: spaceDelimitedClaims items minLength 1.
    case("ra empty space delimited claim", RA, "jwtRules:\n- issuer: i\n  spaceDelimitedClaims: ['']\n", Error("spec.jwtRules[0].spaceDelimitedClaims[0]")),
    // validatePolicyTargetReference via ValidateRequestAuthentication.
    case("ra targetRef gatewayclass", RA, "targetRef: {group: gateway.networking.k8s.io, kind: GatewayClass, name: istio}\njwtRules: [{issuer: i}]\n", Valid),
    case("ra targetRef bad group", RA, "targetRef: {group: 'Not_A_Group', kind: Service, name: a}\n", Error("spec.targetRef.group")),

    // ------------------------------------------------------------ EnvoyFilter
    // ValidateEnvoyFilter: every EnvoyFilter only gets the general warning.
    case("ef empty", EF, "{}", Valid),
    case("ef lua", EF, "workloadSelector: {labels: {app: web}}\nconfigPatches:\n- applyTo: HTTP_FILTER\n  match:\n    context: SIDECAR_INBOUND\n    listener:\n      filterChain:\n        filter:\n          name: envoy.filters.network.http_connection_manager\n          subFilter: {name: envoy.filters.http.router}\n  patch:\n    operation: INSERT_BEFORE\n    value: {name: envoy.lua}\n", Valid),
    // ValidateAlphaWorkloadSelector: no labels is a warning.
    case("ef selector without labels", EF, "workloadSelector: {}\n", Warning("spec.workloadSelector.labels")),
    // ValidateAlphaWorkloadSelector: wildcard (CRD CEL on values too).
    case("ef selector wildcard", EF, "workloadSelector: {labels: {app: '*'}}\n", Error("spec.workloadSelector.labels[app]")),
    // ValidateEnvoyFilter: missing applyTo.
    case("ef missing applyTo", EF, "configPatches:\n- patch: {operation: REMOVE}\n", Error("spec.configPatches[0].applyTo")),
    case("ef invalid applyTo", EF, "configPatches:\n- applyTo: INVALID\n  patch: {operation: REMOVE}\n", Error("spec.configPatches[0].applyTo")),
    // ValidateEnvoyFilter: missing patch.
    case("ef missing patch", EF, "configPatches:\n- applyTo: LISTENER\n", Error("spec.configPatches[0].patch")),
    // ValidateEnvoyFilter: missing patch operation.
    case("ef missing operation", EF, "configPatches:\n- applyTo: LISTENER\n  patch: {value: {a: 1}}\n", Error("spec.configPatches[0].patch.operation")),
    // ValidateEnvoyFilter: a value is needed unless REMOVE.
    case("ef add without value", EF, "configPatches:\n- applyTo: CLUSTER\n  patch: {operation: ADD}\n", Error("spec.configPatches[0].patch.value")),
    case("ef remove without value", EF, "configPatches:\n- applyTo: CLUSTER\n  match: {cluster: {name: x}}\n  patch: {operation: REMOVE}\n", Valid),
    // ValidateEnvoyFilter: proxyVersion must be a valid regex.
    case("ef bad proxy version regex", EF, "configPatches:\n- applyTo: CLUSTER\n  match: {proxy: {proxyVersion: '1.(2'}}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match.proxy.proxyVersion")),
    // ValidateEnvoyFilter: listener-class applyTo needs a listener match.
    case("ef filter with cluster match", EF, "configPatches:\n- applyTo: NETWORK_FILTER\n  match: {cluster: {name: x}}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match")),
    // ValidateEnvoyFilter: filter match with LISTENER has no effect (warning).
    case("ef filter match with listener", EF, "configPatches:\n- applyTo: LISTENER\n  match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy}}}}\n  patch: {operation: MERGE, value: {}}\n", Warning("spec.configPatches[0].match.listener.filterChain.filter")),
    // ValidateEnvoyFilter: a filter match needs a name.
    case("ef filter match without name", EF, "configPatches:\n- applyTo: NETWORK_FILTER\n  match: {listener: {filterChain: {filter: {}}}}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match.listener.filterChain.filter.name")),
    // ValidateEnvoyFilter: subFilter only with HTTP_FILTER.
    case("ef subfilter with network filter", EF, "configPatches:\n- applyTo: NETWORK_FILTER\n  match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match.listener.filterChain.filter.subFilter")),
    // ValidateEnvoyFilter: subFilter needs the HTTP connection manager.
    case("ef subfilter under tcp proxy", EF, "configPatches:\n- applyTo: HTTP_FILTER\n  match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy, subFilter: {name: x}}}}}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match.listener.filterChain.filter.subFilter")),
    // ValidateEnvoyFilter: subFilter needs a name.
    case("ef subfilter without name", EF, "configPatches:\n- applyTo: HTTP_FILTER\n  match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {}}}}}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match.listener.filterChain.filter.subFilter.name")),
    // validateListenerMatchName: a deprecated filter name warns.
    case("ef deprecated filter name", EF, "configPatches:\n- applyTo: NETWORK_FILTER\n  match: {listener: {filterChain: {filter: {name: envoy.tcp_proxy}}}}\n  patch: {operation: MERGE, value: {}}\n", Warning("spec.configPatches[0].match.listener.filterChain.filter.name")),
    // ValidateEnvoyFilter: route-class applyTo needs a routeConfiguration match.
    case("ef route with listener match", EF, "configPatches:\n- applyTo: VIRTUAL_HOST\n  match: {listener: {portNumber: 80}}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match")),
    // ValidateEnvoyFilter: CLUSTER needs a cluster match.
    case("ef cluster with route match", EF, "configPatches:\n- applyTo: CLUSTER\n  match: {routeConfiguration: {name: x}}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match")),
    // CRD CEL: a waypoint match only with context WAYPOINT.
    case("ef waypoint without context", EF, "configPatches:\n- applyTo: HTTP_FILTER\n  match: {waypoint: {portNumber: 80}}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match")),
    case("ef waypoint context without match", EF, "configPatches:\n- applyTo: HTTP_FILTER\n  match: {context: WAYPOINT}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match")),
    // CRD CEL: waypoint.portNumber in 1..65535.
    case("ef waypoint port zero", EF, "configPatches:\n- applyTo: HTTP_FILTER\n  match: {context: WAYPOINT, waypoint: {portNumber: 0}}\n  patch: {operation: MERGE, value: {}}\n", Error("spec.configPatches[0].match.waypoint.portNumber")),
    // CRD: targetRefs kind and name required; namespace empty.
    case("ef targetRefs", EF, "targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]\n", Valid),
    case("ef targetRef namespace", EF, "targetRefs: [{kind: Gateway, name: gw, namespace: x}]\n", Error("spec.targetRefs[0].namespace")),
];

fn validate(kind: &str, spec: &str) -> Report {
    let api = if kind == EF {
        "networking.istio.io/v1alpha3"
    } else {
        "security.istio.io/v1"
    };
    let mut indented = String::new();
    for line in spec.lines() {
        indented.push_str("  ");
        indented.push_str(line);
        indented.push('\n');
    }
    let yaml = format!(
        "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: t\n  namespace: default\nspec:\n{indented}"
    );
    let docs = read_stream(&yaml, None);
    let Ok(Document::Istio(r)) = &docs[0].result else {
        panic!("does not read: {:?}\n{yaml}", docs[0].result)
    };
    let r: &IstioResource = r;
    r.validate()
}

#[test]
fn every_case_gets_istios_verdict_at_the_right_path() {
    let mut failures = Vec::new();
    for c in CASES {
        let report = validate(c.kind, c.spec);
        let errors: Vec<_> = report.errors().collect();
        let warnings: Vec<_> = report
            .warnings()
            .filter(|f| !is_envoy_filter_notice(c.kind, f))
            .collect();
        let ok = match c.verdict {
            Valid => errors.is_empty() && warnings.is_empty(),
            Error(path) => errors.iter().any(|f| f.path == path),
            Warning(path) => errors.is_empty() && warnings.iter().any(|f| f.path == path),
        };
        if !ok {
            failures.push(format!(
                "{}: expected {:?}, got {:#?}",
                c.name, c.verdict, report.findings
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
    eprintln!("{} cases", CASES.len());
}

#[test]
fn every_envoy_filter_gets_istios_general_warning() {
    let report = validate(EF, "{}");
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    let f = &report.findings[0];
    assert_eq!((f.severity, f.path.as_str()), (Severity::Warning, "spec"));
}

#[test]
fn messages_name_the_bad_value() {
    let report = validate(
        AP,
        "rules:\n- from: [{source: {ipBlocks: [10.0.0.0/33]}}]\n",
    );
    let e = report.errors().next().unwrap();
    assert!(e.message.contains("10.0.0.0/33"), "{e}");
    let report = validate(
        RA,
        "jwtRules:\n- issuer: i\n  jwksUri: ftp://k.example.com/\n",
    );
    let e = report.errors().next().unwrap();
    assert!(e.message.contains("\"ftp\""), "{e}");
}

#[test]
fn the_table_is_large_and_covers_every_kind_and_verdict() {
    assert!(CASES.len() >= 50, "{}", CASES.len());
    for kind in [AP, PA, RA, EF] {
        for verdict in ["Valid", "Error", "Warning"] {
            if kind == RA && verdict == "Warning" {
                continue; // RequestAuthentication's only warning is the selector's, tested for AP and PA
            }
            assert!(
                CASES
                    .iter()
                    .any(|c| c.kind == kind && format!("{:?}", c.verdict).starts_with(verdict)),
                "no {verdict} case for {kind}"
            );
        }
    }
}
