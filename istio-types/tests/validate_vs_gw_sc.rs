//! Istio's admission rules for VirtualService, Gateway and Sidecar, as a table: each case is a
//! spec, the verdict Istio's webhook gives (valid, error, warning) and the field path we report.
//! The comment on each case names the Istio function (pkg/config/validation) the rule is from.

use istio_types::networking::{Gateway, Sidecar, VirtualService};
use istio_types::read::from_str;
use istio_types::validate::{Report, Severity, Validate};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Verdict {
    Valid,
    Error,
    Warning,
}
use Verdict::{Error, Valid, Warning};

#[derive(Clone, Copy)]
enum Kind {
    Vs,
    Gw,
    Sc,
}

struct Case {
    name: &'static str,
    kind: Kind,
    spec: &'static str,
    verdict: Verdict,
    path: &'static str,
}

const fn vs(name: &'static str, spec: &'static str, verdict: Verdict, path: &'static str) -> Case {
    Case {
        name,
        kind: Kind::Vs,
        spec,
        verdict,
        path,
    }
}
const fn sc(name: &'static str, spec: &'static str, verdict: Verdict, path: &'static str) -> Case {
    Case {
        name,
        kind: Kind::Sc,
        spec,
        verdict,
        path,
    }
}
const fn gw(name: &'static str, spec: &'static str, verdict: Verdict, path: &'static str) -> Case {
    Case {
        name,
        kind: Kind::Gw,
        spec,
        verdict,
        path,
    }
}

fn parse<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> T {
    from_str(text).unwrap_or_else(|e| panic!("{name}: does not parse: {e}\n{text}"))
}

fn report_of(case: &Case) -> Report {
    let (api, kind) = match case.kind {
        Kind::Vs => ("networking.istio.io/v1", "VirtualService"),
        Kind::Gw => ("networking.istio.io/v1", "Gateway"),
        Kind::Sc => ("networking.istio.io/v1", "Sidecar"),
    };
    let text = format!(
        "apiVersion: {api}\nkind: {kind}\nmetadata: {{name: x, namespace: default}}\nspec:\n{}",
        case.spec
    );
    match case.kind {
        Kind::Vs => parse::<VirtualService>(case.name, &text).validate(),
        Kind::Gw => parse::<Gateway>(case.name, &text).validate(),
        Kind::Sc => parse::<Sidecar>(case.name, &text).validate(),
    }
}

const VS_OK: &str = "  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
";

#[allow(clippy::too_many_lines, reason = "a table")]
fn cases() -> Vec<Case> {
    vec![
        // ---------------- VirtualService: ValidateVirtualService ----------------
        vs("minimal route is valid", VS_OK, Valid, ""),
        // validateHTTPRouteDestinations: sum-to-100 removed in Istio 1.15.
        vs("weights 30 and 30 are valid", "  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 30}
    - {destination: {host: reviews, subset: v2}, weight: 30}
", Valid, ""),
        // validateHTTPRouteDestinations: total destination weight = 0.
        vs("several destinations with zero total weight", "  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews, subset: v1}}
    - {destination: {host: reviews, subset: v2}}
", Error, "spec.http[0].route"),
        // validateWeight.
        vs("negative weight", "  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews}, weight: -1}
", Error, "spec.http[0].route[0].weight"),
        // ValidateVirtualService: http, tcp or tls must be provided.
        vs("no routes at all", "  hosts: [reviews]\n", Error, "spec"),
        // ValidateVirtualService: wildcard host * is not allowed for the mesh.
        vs("wildcard host bound to the mesh", "  hosts: ['*']
  http:
  - route: [{destination: {host: reviews}}]
", Error, "spec.hosts[0]"),
        // ValidateVirtualService: `*` is fine on a gateway.
        vs("wildcard host bound to a gateway", "  hosts: ['*']
  gateways: [istio-system/ingress]
  http:
  - route: [{destination: {host: reviews}}]
", Valid, ""),
        // ValidateVirtualService + ValidateWildcardDomain.
        vs("invalid host name", "  hosts: [rev_iews.com]
  http:
  - route: [{destination: {host: reviews}}]
", Error, "spec.hosts[0]"),
        // ValidateVirtualService: an IP host is accepted.
        vs("IP host", "  hosts: [10.0.0.1]
  http:
  - route: [{destination: {host: reviews}}]
", Valid, ""),
        // ValidateVirtualService: duplicate hosts (host.Name.Matches).
        vs("overlapping wildcard hosts", "  hosts: ['*.foo.com', bar.foo.com]
  http:
  - route: [{destination: {host: reviews}}]
", Error, "spec.hosts[1]"),
        // ValidateVirtualService: delegate (no hosts) must have no gateways.
        vs("delegate with gateways", "  gateways: [istio-system/ingress]
  http:
  - route: [{destination: {host: reviews}}]
", Error, "spec.gateways"),
        // ValidateVirtualService: delegate must have no tcp routes.
        vs("delegate with tcp", "  tcp:
  - route: [{destination: {host: db}}]
", Error, "spec.tcp"),
        // validateHTTPRouteConflict: a delegate's route cannot delegate.
        vs("delegate route delegating again", "  http:
  - delegate: {name: child}
", Error, "spec.http[0].delegate"),
        // validateHTTPRouteConflict: root route with delegate must not have route.
        vs("root route with delegate and route", "  hosts: [reviews]
  http:
  - delegate: {name: child, namespace: other}
    route: [{destination: {host: reviews}}]
", Error, "spec.http[0].route"),
        // validateHTTPRouteConflict: a root route with only a delegate is valid.
        vs("root route with delegate only", "  hosts: [reviews]
  http:
  - delegate: {name: child, namespace: other}
", Valid, ""),
        // validateHTTPRouteConflict: route and redirect.
        vs("route and redirect", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    redirect: {uri: /new}
", Error, "spec.http[0].route"),
        // validateHTTPRouteConflict: rewrite and redirect.
        vs("rewrite and redirect", "  hosts: [reviews]
  http:
  - redirect: {uri: /new}
    rewrite: {uri: /x}
", Error, "spec.http[0].rewrite"),
        // validateHTTPRouteConflict: fault and directResponse.
        vs("fault and direct response", "  hosts: [reviews]
  http:
  - directResponse: {status: 503}
    fault: {abort: {httpStatus: 500}}
", Error, "spec.http[0].fault"),
        // validateHTTPRouteConflict: route, redirect or direct_response is required.
        vs("http route with nothing to do", "  hosts: [reviews]
  http:
  - name: empty
    timeout: 1s
", Error, "spec.http[0]"),
        // validateHTTPRouteConflict: mirror and mirrors.
        vs("mirror and mirrors", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    mirror: {host: shadow}
    mirrors: [{destination: {host: shadow2}}]
", Error, "spec.http[0].mirrors"),
        // validateHTTPRedirect: must specify something.
        vs("empty redirect", "  hosts: [reviews]
  http:
  - redirect: {redirectCode: 301}
", Error, "spec.http[0].redirect"),
        // validateHTTPRedirect: 3xx only.
        vs("redirect code 200", "  hosts: [reviews]
  http:
  - redirect: {uri: /x, redirectCode: 200}
", Error, "spec.http[0].redirect.redirectCode"),
        // validateHTTPRedirect: scheme http or https.
        vs("redirect scheme ftp", "  hosts: [reviews]
  http:
  - redirect: {scheme: ftp}
", Error, "spec.http[0].redirect.scheme"),
        // validateHTTPRedirect: derivePort counts as a port.
        vs("redirect with derivePort only", "  hosts: [reviews]
  http:
  - redirect: {derivePort: FROM_PROTOCOL_DEFAULT}
", Valid, ""),
        // validateHTTPRedirect: port range.
        vs("redirect port out of range", "  hosts: [reviews]
  http:
  - redirect: {port: 70000}
", Error, "spec.http[0].redirect.port"),
        // validateHTTPDirectResponse: status 200-600.
        vs("direct response status 100", "  hosts: [reviews]
  http:
  - directResponse: {status: 100}
", Error, "spec.http[0].directResponse.status"),
        // validateHTTPDirectResponse (+ CRD format byte): bytes are base64.
        vs("direct response bytes not base64", "  hosts: [reviews]
  http:
  - directResponse: {status: 200, body: {bytes: 'not base64!'}}
", Error, "spec.http[0].directResponse.body.bytes"),
        // validateHTTPRetry: attempts 0 with retryOn.
        vs("retry policy with zero attempts", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    retries: {retryOn: 5xx}
", Error, "spec.http[0].retries.attempts"),
        // validateHTTPRetry: unknown retryOn policy.
        vs("unknown retryOn", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    retries: {attempts: 2, retryOn: '5xx,bogus'}
", Error, "spec.http[0].retries.retryOn"),
        // validateHTTPRetry: status codes are accepted.
        vs("retryOn with status code", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    retries: {attempts: 2, retryOn: '503,gateway-error', perTryTimeout: 2s}
", Valid, ""),
        // validateHTTPRetry: negative attempts.
        vs("negative attempts", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    retries: {attempts: -1}
", Error, "spec.http[0].retries.attempts"),
        // validateHTTPRewrite: uri and uriRegexRewrite together.
        vs("rewrite uri and regex", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    rewrite: {uri: /a, uriRegexRewrite: {match: '^/b', rewrite: /c}}
", Error, "spec.http[0].rewrite"),
        // validateURIRegexRewrite: invalid regex.
        vs("rewrite with invalid regex", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    rewrite: {uriRegexRewrite: {match: '^/(b', rewrite: /c}}
", Error, "spec.http[0].rewrite.uriRegexRewrite.match"),
        // validateAuthorityRewrite: authority set twice.
        vs("authority rewritten twice", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    rewrite: {authority: a.example.com}
    headers: {request: {set: {host: b.example.com}}}
", Error, "spec.http[0].headers.request.set[host]"),
        // validateHTTPFaultInjection: abort and/or delay.
        vs("empty fault", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    fault: {}
", Error, "spec.http[0].fault"),
        // validateHTTPStatus via validateHTTPFaultInjectionAbort.
        vs("abort status 700", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    fault: {abort: {httpStatus: 700}}
", Error, "spec.http[0].fault.abort.httpStatus"),
        // validateGRPCStatus.
        vs("abort unknown grpc status", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    fault: {abort: {grpcStatus: NOPE}}
", Error, "spec.http[0].fault.abort.grpcStatus"),
        // validateHTTPFaultInjectionAbort: no error type is a warning.
        vs("abort without error type", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    fault: {abort: {percentage: {value: 10}}}
", Warning, "spec.http[0].fault.abort"),
        // validatePercentage.
        vs("delay percentage above 100", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    fault: {delay: {fixedDelay: 1s, percentage: {value: 150}}}
", Error, "spec.http[0].fault.delay.percentage.value"),
        // validateHTTPFaultInjectionDelay: exponentialDelay not supported.
        vs("exponential delay", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    fault: {delay: {exponentialDelay: 1s}}
", Error, "spec.http[0].fault.delay.exponentialDelay"),
        // validateHTTPRoute: mirrorPercent is deprecated (warning) ...
        vs("mirrorPercent is deprecated", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    mirror: {host: shadow}
    mirrorPercent: 50
", Warning, "spec.http[0].mirrorPercent"),
        // ... and at most 100, under either spelling.
        vs("mirror_percent above 100", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    mirror: {host: shadow}
    mirror_percent: 150
", Error, "spec.http[0].mirror_percent"),
        // validateHTTPRoute: mirrorPercentage range.
        vs("mirrorPercentage above 100", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    mirror: {host: shadow}
    mirrorPercentage: {value: 101}
", Error, "spec.http[0].mirrorPercentage.value"),
        // validateDestination: host `*`.
        vs("destination host *", "  hosts: [reviews]
  http:
  - route: [{destination: {host: '*'}}]
", Error, "spec.http[0].route[0].destination.host"),
        // validateSubsetName.
        vs("destination subset invalid", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v_1}}]
", Error, "spec.http[0].route[0].destination.subset"),
        // validatePortSelector.
        vs("destination port 0", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, port: {number: 0}}}]
", Error, "spec.http[0].route[0].destination.port.number"),
        // validateStringMatch: empty prefix on a header.
        vs("empty header prefix", "  hosts: [reviews]
  http:
  - match: [{headers: {x-a: {prefix: ''}}}]
    route: [{destination: {host: reviews}}]
", Error, "spec.http[0].match[0].headers[x-a].prefix"),
        // validateStringMatchRegexp: empty uri prefix is allowed.
        vs("empty uri prefix", "  hosts: [reviews]
  http:
  - match: [{uri: {prefix: ''}}]
    route: [{destination: {host: reviews}}]
", Valid, ""),
        // validateStringRegexp: invalid RE2.
        vs("invalid uri regex", "  hosts: [reviews]
  http:
  - match: [{uri: {regex: '(unclosed'}}]
    route: [{destination: {host: reviews}}]
", Error, "spec.http[0].match[0].uri.regex"),
        // validateHTTPRouteMatchRequest: `*` in withoutHeaders is a presence match, not a regex.
        vs("withoutHeaders regex star", "  hosts: [reviews]
  http:
  - match: [{withoutHeaders: {x-a: {regex: '*'}}}]
    route: [{destination: {host: reviews}}]
", Valid, ""),
        // ValidateHTTPHeaderNameOrJwtClaimRoute.
        vs("invalid header name in match", "  hosts: [reviews]
  http:
  - match: [{headers: {'x a': {exact: b}}}]
    route: [{destination: {host: reviews}}]
", Error, "spec.http[0].match[0].headers[x a]"),
        // ValidateVirtualService: JWT claim routing only on gateways.
        vs("jwt claim routing on the mesh", "  hosts: [reviews]
  http:
  - match: [{headers: {'@request.auth.claims.group': {exact: admin}}}]
    route: [{destination: {host: reviews}}]
", Error, "spec.http[0].match[0].headers[@request.auth.claims.group]"),
        // ... and valid on a gateway.
        vs("jwt claim routing on a gateway", "  hosts: [reviews.example.com]
  gateways: [istio-system/ingress]
  http:
  - match: [{headers: {'@request.auth.claims.group': {exact: admin}}}]
    route: [{destination: {host: reviews}}]
", Valid, ""),
        // validateHTTPRouteMatchRequest: sourceNamespace is a DNS label.
        vs("invalid sourceNamespace", "  hosts: [reviews]
  http:
  - match: [{sourceNamespace: Bad_NS}]
    route: [{destination: {host: reviews}}]
", Error, "spec.http[0].match[0].sourceNamespace"),
        // labels.Instance.Validate via validateHTTPRouteMatchRequest.
        vs("invalid sourceLabels key", "  hosts: [reviews]
  http:
  - match: [{sourceLabels: {'-bad': x}}]
    route: [{destination: {host: reviews}}]
", Error, "spec.http[0].match[0].sourceLabels[-bad]"),
        // validateGatewayNames: legacy name.domain form is a warning.
        vs("legacy gateway name", "  hosts: [reviews.example.com]
  gateways: [ingress.istio-system]
  http:
  - route: [{destination: {host: reviews}}]
", Warning, "spec.gateways[0]"),
        // validateGatewayNames: namespace must be a DNS label.
        vs("invalid gateway namespace", "  hosts: [reviews.example.com]
  gateways: [Istio_System/ingress]
  http:
  - route: [{destination: {host: reviews}}]
", Error, "spec.gateways[0]"),
        // ValidateHTTPHeaderWithAuthorityOperationName: no pseudo headers.
        vs("set pseudo header", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    headers: {request: {set: {':path': /x}}}
", Error, "spec.http[0].headers.request.set[:path]"),
        // ValidateHTTPHeaderOperationName: no Host on responses.
        vs("response set host", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    headers: {response: {set: {Host: x}}}
", Error, "spec.http[0].headers.response.set[Host]"),
        // ValidateHTTPHeaderValue: un-escaped %.
        vs("header value with stray percent", "  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
      headers: {request: {add: {x-a: '100%'}}}
", Error, "spec.http[0].route[0].headers.request.add[x-a]"),
        // ValidateHTTPHeaderValue: %VAR% and %% are fine.
        vs("header value with variable", "  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
      headers: {request: {add: {x-a: '%HOSTNAME% 100%%'}}}
", Valid, ""),
        // validateCORSPolicy: unsupported method.
        vs("cors unsupported method", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    corsPolicy: {allowMethods: [FETCH]}
", Error, "spec.http[0].corsPolicy.allowMethods[0]"),
        // validateAllowOrigins: empty origin.
        vs("cors empty origin", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    corsPolicy: {allowOrigins: [{exact: ''}]}
", Error, "spec.http[0].corsPolicy.allowOrigins[0]"),
        // validateCORSPolicy: maxAge whole seconds.
        vs("cors maxAge in ms", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    corsPolicy: {maxAge: 1500ms}
", Error, "spec.http[0].corsPolicy.maxAge"),
        // analyzeUnreachableHTTPRules: duplicate match.
        vs("duplicate match is unreachable", "  hosts: [reviews]
  http:
  - match: [{uri: {exact: /a}}]
    route: [{destination: {host: reviews}}]
  - match: [{uri: {exact: /a}, name: again}]
    route: [{destination: {host: reviews}}]
", Warning, "spec.http[1]"),
        // analyzeUnreachableHTTPRules: only the last rule may have no matches.
        vs("two catch-all rules", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
  - route: [{destination: {host: ratings}}]
", Warning, "spec.http[1]"),
        // analyzeUnreachableHTTPRules/coveredValidation: an earlier shorter prefix takes it.
        vs(
            "prefix covered by an earlier prefix",
            "  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /debug}}]
    route: [{destination: {host: reviews}}]
  - match: [{uri: {prefix: /debugs}}]
    route: [{destination: {host: ratings}}]
",
            Warning,
            "spec.http[1].match[0]",
        ),
        // coveredValidation: a different method means no overlap.
        vs(
            "longer prefix first is fine",
            "  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /debugs}}]
    route: [{destination: {host: ratings}}]
  - match: [{uri: {prefix: /debug}, method: {exact: POST}}]
    route: [{destination: {host: reviews}}]
  - match: [{uri: {prefix: /debug/x}}]
    route: [{destination: {host: reviews}}]
",
            Valid,
            "",
        ),
        // validateExportTo: duplicates.
        vs("duplicate exportTo", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
  exportTo: ['.', '.']
", Error, "spec.exportTo[1]"),
        // validateExportTo: ~ only for ServiceEntry.
        vs("exportTo nobody", "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
  exportTo: ['~']
", Error, "spec.exportTo[0]"),
        // validateTLSRoute / validateSniHost: SNI not covered by hosts.
        vs("sni host outside hosts", "  hosts: ['*.example.com']
  tls:
  - match: [{sniHosts: [a.other.com]}]
    route: [{destination: {host: a}}]
", Error, "spec.tls[0].match[0].sniHosts[0]"),
        // validateSniHost: an IP SNI is a warning.
        vs("sni host IP", "  hosts: ['*.example.com']
  tls:
  - match: [{sniHosts: [10.0.0.1]}]
    route: [{destination: {host: a}}]
", Warning, "spec.tls[0].match[0].sniHosts[0]"),
        // validateTLSMatch: at least one SNI host.
        vs("tls match without sni", "  hosts: ['*.example.com']
  tls:
  - match: [{sniHosts: [], port: 443}]
    route: [{destination: {host: a}}]
", Error, "spec.tls[0].match[0].sniHosts"),
        // validateTLSRoute: route required.
        vs("tls route without route", "  hosts: ['*.example.com']
  tls:
  - match: [{sniHosts: [a.example.com]}]
", Error, "spec.tls[0].route"),
        // validateTLSRoute: valid passthrough.
        vs("tls passthrough route", "  hosts: ['*.example.com']
  gateways: [istio-system/egress]
  tls:
  - match: [{sniHosts: [a.example.com], port: 443}]
    route: [{destination: {host: a.example.com, port: {number: 443}}}]
", Valid, ""),
        // validateTCPMatch: invalid subnet.
        vs("tcp invalid subnet", "  hosts: [db]
  tcp:
  - match: [{destinationSubnets: [10.0.0.0/33]}]
    route: [{destination: {host: db}}]
", Error, "spec.tcp[0].match[0].destinationSubnets[0]"),
        // validateTCPRoute: route required.
        vs("tcp route without route", "  hosts: [db]
  tcp:
  - match: [{port: 3306}]
", Error, "spec.tcp[0].route"),
        // ---------------- Gateway: ValidateGateway ----------------
        // The east-west gateway of multi-network meshes (issue 8's example).
        gw("15443 TLS AUTO_PASSTHROUGH *.local", "  selector: {istio: eastwestgateway}
  servers:
  - port: {number: 15443, protocol: TLS, name: tls}
    hosts: ['*.local']
    tls: {mode: AUTO_PASSTHROUGH}
", Valid, ""),
        // validateServer: HTTPS/TLS needs tls settings.
        gw("15443 TLS without tls", "  servers:
  - port: {number: 15443, protocol: TLS, name: tls}
    hosts: ['*.local']
", Error, "spec.servers[0].tls"),
        // ValidateGateway: at least one server.
        gw("no servers", "  selector: {istio: ingressgateway}\n", Error, "spec.servers"),
        // validateServer: at least one host.
        gw("server without hosts", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: []
", Error, "spec.servers[0].hosts"),
        // ValidateNamespaceSlashWildcardHostname: ns/host form.
        gw("namespaced host", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: [bookinfo/reviews.example.com, './*.example.org', '*/*']
", Valid, ""),
        // validateSidecarOrGatewayHostnamePart: short names are not allowed.
        gw("short host name", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: [reviews]
", Error, "spec.servers[0].hosts[0]"),
        // validateSidecarOrGatewayHostnamePart: partial wildcards are not allowed.
        gw("partial wildcard host", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: ['*foo.example.com']
", Error, "spec.servers[0].hosts[0]"),
        // ValidateNamespaceSlashWildcardHostname: bad namespace.
        gw("invalid host namespace", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: ['Bad_NS/a.example.com']
", Error, "spec.servers[0].hosts[0]"),
        // validateServerPort: port range.
        gw("port 0 without unix bind", "  servers:
  - port: {number: 0, protocol: HTTP, name: http}
    hosts: ['*']
", Error, "spec.servers[0].port.number"),
        // validateServerPort: targetPort has no impact on Gateways.
        gw("targetPort on gateway", "  servers:
  - port: {number: 80, protocol: HTTP, name: http, targetPort: 8080}
    hosts: ['*']
", Error, "spec.servers[0].port.targetPort"),
        // validateServerPort: name must be set.
        gw("empty port name", "  servers:
  - port: {number: 80, protocol: HTTP, name: ''}
    hosts: ['*']
", Error, "spec.servers[0].port.name"),
        // ValidateGateway: port names unique.
        gw("duplicate port names", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: ['*']
  - port: {number: 8080, protocol: HTTP, name: http}
    hosts: ['*']
", Error, "spec.servers[1].port.name"),
        // validateServerBind: IP.
        gw("bind not an IP", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    bind: localhost
    hosts: ['*']
", Error, "spec.servers[0].bind"),
        // validateServerBind: unix socket with port 0.
        gw("unix bind with port 0", "  servers:
  - port: {number: 0, protocol: HTTP, name: http}
    bind: unix:///var/run/gw.sock
    hosts: ['*']
", Valid, ""),
        // validateServerBind: unix socket needs port 0.
        gw("unix bind with port 80", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    bind: unix:///var/run/gw.sock
    hosts: ['*']
", Error, "spec.servers[0].port.number"),
        // validateServer: plain HTTP may only have httpsRedirect.
        gw("http with httpsRedirect", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: ['*']
    tls: {httpsRedirect: true}
", Valid, ""),
        gw("http with SIMPLE tls", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: ['*']
    tls: {mode: SIMPLE, credentialName: cert}
", Error, "spec.servers[0].tls"),
        // validateServer: non-HTTP, non-TLS ports cannot have tls.
        gw("tcp with tls", "  servers:
  - port: {number: 3306, protocol: TCP, name: mysql}
    hosts: ['*']
    tls: {mode: PASSTHROUGH}
", Error, "spec.servers[0].tls"),
        // ValidateGateway: httpsRedirect on a non-HTTP server is a warning.
        gw("httpsRedirect on https", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*']
    tls: {mode: SIMPLE, credentialName: cert, httpsRedirect: true}
", Warning, "spec.servers[0].tls.httpsRedirect"),
        // validateTLSOptions: SIMPLE with credentialName.
        gw("https SIMPLE with credentialName", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, credentialName: example-cert}
", Valid, ""),
        // validateTLSOptions: SIMPLE needs certificates.
        gw("https SIMPLE without certificates", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, privateKey: /k.pem}
", Error, "spec.servers[0].tls.serverCertificate"),
        // validateTLSOptions: MUTUAL needs a CA bundle.
        gw("https MUTUAL without CA", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem}
", Error, "spec.servers[0].tls.caCertificates"),
        // validateTLSOptions: ISTIO_MUTUAL must have no credentials.
        gw("ISTIO_MUTUAL with credentialName", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: ISTIO_MUTUAL, credentialName: cert}
", Error, "spec.servers[0].tls.credentialName"),
        gw("ISTIO_MUTUAL with server certificate", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: ISTIO_MUTUAL, serverCertificate: /c.pem}
", Error, "spec.servers[0].tls.serverCertificate"),
        gw("ISTIO_MUTUAL alone", "  servers:
  - port: {number: 443, protocol: TLS, name: tls}
    hosts: ['*.example.com']
    tls: {mode: ISTIO_MUTUAL}
", Valid, ""),
        // validateTLSOptions: PASSTHROUGH ignores certificates (warning).
        gw("AUTO_PASSTHROUGH with credentialName", "  servers:
  - port: {number: 15443, protocol: TLS, name: tls}
    hosts: ['*.local']
    tls: {mode: AUTO_PASSTHROUGH, credentialName: cert}
", Warning, "spec.servers[0].tls.mode"),
        // validateTLSOptions: CRL not with SIMPLE.
        gw("caCrl with SIMPLE", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem, caCrl: /crl.pem}
", Error, "spec.servers[0].tls.caCrl"),
        // validateTLSOptions: old TLS versions need cipher suites (warning).
        gw("TLS 1.0 without ciphers", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_0}
", Warning, "spec.servers[0].tls.cipherSuites"),
        // validateTLSOptions: invalid cipher suites are ignored (warning).
        gw("invalid cipher suite", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, credentialName: c, cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256, NOT-A-CIPHER]}
", Warning, "spec.servers[0].tls.cipherSuites"),
        // CRD: credentialNames has at most 2 items.
        gw("three credentialNames", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, credentialNames: [a, b, c]}
", Error, "spec.servers[0].tls.credentialNames"),
        // validateTLSOptions: ISTIO_MUTUAL must have none of the credential forms (found by
        // comparing with Istio's validateTLSOptions after the schema fuzz target's Gateways).
        gw("ISTIO_MUTUAL with credentialNames", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: ISTIO_MUTUAL, credentialNames: [rsa]}
", Error, "spec.servers[0].tls.credentialNames"),
        gw("ISTIO_MUTUAL with tlsCertificates", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: ISTIO_MUTUAL, tlsCertificates: [{serverCertificate: /c.pem, privateKey: /k.pem}]}
", Error, "spec.servers[0].tls.tlsCertificates"),
        // validateTLSOptions: PASSTHROUGH ignores tlsCertificates too (warning).
        gw("PASSTHROUGH with tlsCertificates", "  servers:
  - port: {number: 443, protocol: TLS, name: tls}
    hosts: ['*.example.com']
    tls: {mode: PASSTHROUGH, tlsCertificates: [{serverCertificate: /c.pem, privateKey: /k.pem}]}
", Warning, "spec.servers[0].tls.mode"),
        // validateTLSOptions: one certificate source only; files beside a Secret are two.
        gw("credentialName and certificate files", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, credentialName: cert, serverCertificate: /c.pem, privateKey: /k.pem}
", Error, "spec.servers[0].tls"),
        gw("tlsCertificates and certificate files", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls:
      mode: SIMPLE
      serverCertificate: /c.pem
      privateKey: /k.pem
      tlsCertificates: [{serverCertificate: /c2.pem, privateKey: /k2.pem}]
", Error, "spec.servers[0].tls"),
        // A certificate file alone (no key) is no source: only the SIMPLE rules apply.
        gw("credentialName and a lone certificate file", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, credentialName: cert, serverCertificate: /c.pem}
", Valid, ""),
        // validateTLSOptions: every one of tlsCertificates needs a certificate and a key.
        gw("tlsCertificates without a key", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls:
      mode: SIMPLE
      tlsCertificates: [{serverCertificate: /rsa.pem, privateKey: /rsa.key}, {serverCertificate: /ec.pem}]
", Error, "spec.servers[0].tls.tlsCertificates[1].privateKey"),
        gw("tlsCertificates without a certificate", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, tlsCertificates: [{privateKey: /k.pem}]}
", Error, "spec.servers[0].tls.tlsCertificates[0].serverCertificate"),
        // validateTLSOptions: MUTUAL with tlsCertificates still needs the client CA bundle.
        gw("MUTUAL tlsCertificates without CA", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: MUTUAL, tlsCertificates: [{serverCertificate: /c.pem, privateKey: /k.pem}]}
", Error, "spec.servers[0].tls.caCertificates"),
        gw("SIMPLE with two tlsCertificates", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls:
      mode: SIMPLE
      tlsCertificates: [{serverCertificate: /rsa.pem, privateKey: /rsa.key}, {serverCertificate: /ec.pem, privateKey: /ec.key}]
", Valid, ""),
        // protobuf reads `credentialName: ""` as unset: beside credentialNames it is no
        // second source (Helm writes it for an empty value).
        gw("empty credentialName beside credentialNames", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, credentialName: '', credentialNames: [rsa, ecdsa]}
", Valid, ""),
        // validateTLSOptions: SIMPLE with two credentialNames.
        gw("SIMPLE with two credentialNames", "  servers:
  - port: {number: 443, protocol: HTTPS, name: https}
    hosts: ['*.example.com']
    tls: {mode: SIMPLE, credentialNames: [rsa, ecdsa]}
", Valid, ""),
        // validateSidecarOrGatewayHostnamePart: gateways accept IP hosts.
        gw("IP host on gateway", "  servers:
  - port: {number: 80, protocol: HTTP, name: http}
    hosts: [10.0.0.1]
", Valid, ""),
        // ---------------- Sidecar: ValidateSidecar ----------------
        sc("egress to own and istio-system namespaces", "  egress:
  - hosts: ['./*', 'istio-system/*']
", Valid, ""),
        // ValidateProtocol: an empty protocol means "detect it" (Helm writes `protocol: ""`
        // for an unset value); found by the schema fuzz target.
        sc("empty port protocol", "  ingress:
  - port: {number: 8080, protocol: '', name: http}
    defaultEndpoint: 127.0.0.1:8080
  egress:
  - port: {number: 9080, protocol: \"\"}
    hosts: ['./*']
", Valid, ""),
        // ValidateSidecar: empty configuration.
        sc("empty sidecar", "  workloadSelector: {labels: {app: a}}\n", Error, "spec"),
        // ValidateAlphaWorkloadSelector: no labels is a warning.
        sc("selector without labels", "  workloadSelector: {}
  egress:
  - hosts: ['./*']
", Warning, "spec.workloadSelector.labels"),
        // ValidateAlphaWorkloadSelector: wildcard in selector.
        sc("wildcard selector", "  workloadSelector: {labels: {app: '*'}}
  egress:
  - hosts: ['./*']
", Error, "spec.workloadSelector.labels[app]"),
        // CRD: selector label values are at most 63 characters.
        sc(
            "selector label value too long",
            "  workloadSelector: {labels: {app: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}
  egress:
  - hosts: ['./*']
",
            Error,
            "spec.workloadSelector.labels[app]",
        ),
        // ValidateNamespaceSlashWildcardHostname: egress hosts need ns/.
        sc("egress host without namespace", "  egress:
  - hosts: [reviews.default.svc.cluster.local]
", Error, "spec.egress[0].hosts[0]"),
        // ValidateNamespaceSlashWildcardHostname: ~ is allowed in sidecars.
        sc("egress host ~ namespace", "  egress:
  - hosts: ['~/*']
", Valid, ""),
        // ValidateSidecar: egress needs hosts.
        sc("egress without hosts", "  egress:
  - hosts: []
", Error, "spec.egress[0].hosts"),
        // ValidateSidecar: duplicated egress host (warning).
        sc("duplicated egress host", "  egress:
  - hosts: ['bookinfo/*', 'bookinfo/reviews.bookinfo.svc.cluster.local']
", Warning, "spec.egress[0].hosts[1]"),
        // ValidateSidecar: catch-all listener must be last.
        sc("catch-all egress not last", "  egress:
  - hosts: ['./*']
  - port: {number: 9080, protocol: HTTP, name: http}
    hosts: ['./*']
", Error, "spec.egress[0]"),
        // validateSidecarEgressPortBindAndCaptureMode: port 0 needs a unix bind.
        sc("egress port 0 without unix bind", "  egress:
  - port: {number: 0, protocol: HTTP, name: uds}
    hosts: ['./*']
", Error, "spec.egress[0].bind"),
        // validateSidecarEgressPortBindAndCaptureMode: a unix listener.
        sc("egress unix listener", "  egress:
  - port: {number: 0, protocol: HTTP, name: uds}
    bind: unix:///var/run/app.sock
    captureMode: NONE
    hosts: ['./*']
", Valid, ""),
        // validateSidecarEgressPortBindAndCaptureMode: unix listeners cannot use IPTABLES.
        sc("egress unix listener with iptables", "  egress:
  - port: {number: 0, protocol: HTTP, name: uds}
    bind: unix:///var/run/app.sock
    captureMode: IPTABLES
    hosts: ['./*']
", Error, "spec.egress[0].captureMode"),
        // ValidateSidecar: unique egress ports.
        sc("duplicate egress ports", "  egress:
  - port: {number: 9080, protocol: HTTP, name: a}
    hosts: ['./*']
  - port: {number: 9080, protocol: HTTP, name: b}
    hosts: ['./*']
", Error, "spec.egress[1].port.number"),
        // ValidateSidecar: targetPort has no impact on Sidecars.
        sc("ingress targetPort", "  ingress:
  - port: {number: 9080, protocol: HTTP, name: http, targetPort: 8080}
    defaultEndpoint: 127.0.0.1:8080
", Error, "spec.ingress[0].port.targetPort"),
        // ValidateSidecar: defaultEndpoint form.
        sc("ingress defaultEndpoint", "  ingress:
  - port: {number: 9080, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:8080
", Valid, ""),
        sc("ingress defaultEndpoint on another host", "  ingress:
  - port: {number: 9080, protocol: HTTP, name: http}
    defaultEndpoint: 10.0.0.1:8080
", Error, "spec.ingress[0].defaultEndpoint"),
        // validateSidecarIngressPortAndBind: bind must be an IP.
        sc("ingress bind not an IP", "  ingress:
  - port: {number: 9080, protocol: HTTP, name: http}
    bind: localhost
", Error, "spec.ingress[0].port.bind"),
        // ValidateSidecar: ingress tls cannot be ISTIO_MUTUAL.
        sc("ingress tls ISTIO_MUTUAL", "  ingress:
  - port: {number: 9080, protocol: HTTPS, name: https}
    tls: {mode: ISTIO_MUTUAL}
", Error, "spec.ingress[0].tls.mode"),
        // ValidateSidecar: ingress tls with files.
        sc("ingress tls SIMPLE with files", "  ingress:
  - port: {number: 9443, protocol: HTTPS, name: https}
    defaultEndpoint: 127.0.0.1:8443
    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}
", Valid, ""),
        // ValidateSidecar: credentialName not supported in sidecar ingress tls.
        sc("ingress tls credentialName", "  ingress:
  - port: {number: 9443, protocol: HTTPS, name: https}
    tls: {mode: SIMPLE, credentialName: cert}
", Error, "spec.ingress[0].tls.credentialName"),
        // validateConnectionPool (DestinationRule's rules): empty pool.
        sc("empty inbound connection pool", "  inboundConnectionPool: {}
", Error, "spec.inboundConnectionPool"),
        // ValidateSidecar: HTTP pool on a TCP port is a warning.
        sc("http pool on a tcp port", "  ingress:
  - port: {number: 3306, protocol: TCP, name: mysql}
    connectionPool: {http: {http2MaxRequests: 10}}
", Warning, "spec.ingress[0].connectionPool.http"),
        // validateSidecarOutboundTrafficPolicy: egressProxy needs ALLOW_ANY.
        sc("egressProxy with REGISTRY_ONLY", "  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
    egressProxy: {host: proxy.example.com, port: {number: 3128}}
", Error, "spec.outboundTrafficPolicy.egressProxy"),
        // validateSidecarOutboundTrafficPolicy: egressProxy needs a port.
        sc("egressProxy without port", "  outboundTrafficPolicy:
    mode: ALLOW_ANY
    egressProxy: {host: proxy.example.com}
", Error, "spec.outboundTrafficPolicy.egressProxy.port"),
        sc("egressProxy with ALLOW_ANY", "  outboundTrafficPolicy:
    mode: ALLOW_ANY
    egressProxy: {host: proxy.example.com, subset: v1, port: {number: 3128}}
", Valid, ""),
    ]
}

fn check(case: &Case) -> Result<(), String> {
    let report = report_of(case);
    let shown = || {
        report
            .findings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    };
    let has = |sev: Severity| {
        report
            .findings
            .iter()
            .any(|f| f.severity == sev && f.path == case.path)
    };
    let ok = match case.verdict {
        Valid => report.is_clean(),
        Error => has(Severity::Error),
        Warning => !report.has_errors() && has(Severity::Warning),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{}: expected {:?} at {:?}, got:\n  {}",
            case.name,
            case.verdict,
            case.path,
            shown()
        ))
    }
}

#[test]
fn istio_admission_rules_table() {
    let cases = cases();
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    eprintln!("{} cases, {} failed", cases.len(), failures.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_message_names_what_is_wrong() {
    // Errors carry the bad value: a reader must see what to fix without opening the file.
    let case = vs(
        "",
        "  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    retries: {attempts: 2, retryOn: 'bogus'}
",
        Error,
        "spec.http[0].retries.retryOn",
    );
    let report = report_of(&case);
    let f = report.errors().next().expect("an error");
    assert!(f.message.contains("\"bogus\""), "{f}");
    assert!(
        f.message.contains("5xx"),
        "the allowed values are listed: {f}"
    );
}

/// Istio's `ValidateGateway`: "Gateway name must conform to the DNS label format (no dots)",
/// error "invalid gateway name". Kubernetes alone would accept both bad names (subdomains).
#[test]
fn a_gateway_name_is_a_dns_label() {
    let gateway = |name: &str| {
        let text = format!(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  servers:\n  - port: {{number: 80, protocol: HTTP, name: http}}\n    hosts: ['*']\n"
        );
        parse::<Gateway>(name, &text).validate()
    };
    let longest = "g".repeat(63);
    for ok in ["http-gateway", longest.as_str()] {
        let report = gateway(ok);
        assert!(report.is_clean(), "{ok}: {:?}", report.findings);
    }
    let too_long = "g".repeat(64);
    for bad in ["gw.example", too_long.as_str()] {
        let report = gateway(bad);
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{bad}: {:?}", report.findings);
        assert_eq!(errors[0].path, "metadata.name");
        assert!(
            errors[0].message.contains("invalid gateway name"),
            "{}",
            errors[0].message
        );
    }
    // Other kinds keep Kubernetes' rule: a dotted or 64-character VirtualService name is fine.
    let text = format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {too_long}.x, namespace: default}}\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - destination: {{host: a}}\n"
    );
    let report = parse::<VirtualService>("vs", &text).validate();
    assert!(report.is_clean(), "{:?}", report.findings);
}

#[test]
fn a_sidecar_port_protocol_is_empty_or_one_istio_knows() {
    let doc = |protocol: &str| {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: x}}\nspec:\n  \
             egress:\n  - port: {{number: 9080, protocol: {protocol}}}\n    hosts: ['./*']\n"
        )
    };
    // Empty: unset, and written back without it.
    let sidecar: Sidecar = from_str(&doc("''")).unwrap();
    assert_eq!(sidecar.spec.egress[0].port.as_ref().unwrap().protocol, None);
    let written = istio_types::write::to_yaml(&sidecar).unwrap();
    assert!(!written.contains("protocol"), "{written}");
    // Known: kept as written.
    let sidecar: Sidecar = from_str(&doc("grpc")).unwrap();
    let port = sidecar.spec.egress[0].port.as_ref().unwrap();
    assert_eq!(
        port.protocol
            .as_ref()
            .map(istio_types::primitives::Protocol::as_str),
        Some("grpc")
    );
    // Unknown, or not a string: a read error at the field.
    for bad in ["QUIC", "80", "[HTTP]"] {
        let err = from_str::<Sidecar>(&doc(bad)).unwrap_err().to_string();
        assert!(err.contains("spec.egress[0].port.protocol"), "{bad}: {err}");
    }
}
