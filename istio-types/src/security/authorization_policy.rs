//! `AuthorizationPolicy`: access control for workloads in the mesh (who may call what, under
//! which conditions), enforced by their proxies.

use serde::{Deserialize, Serialize};

use super::PolicyTarget;
use crate::resource::istio_object;

/// The spec of an AuthorizationPolicy.
///
/// Serialized as Istio's fields `selector`, `targetRef`, `targetRefs`, `rules`, `action` and
/// `provider`; `target` stands for the first three (at most one may be set).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "AuthorizationPolicySpecRepr",
    into = "AuthorizationPolicySpecRepr"
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "AuthorizationPolicySpecRepr"))]
pub struct AuthorizationPolicySpec {
    /// The workloads or objects the policy applies to; `None` applies it to every workload of
    /// its namespace (of the mesh, in the root namespace).
    pub target: Option<PolicyTarget>,
    /// Requests the policy matches: a request matches when any rule matches it. With no rules
    /// nothing matches (so an ALLOW policy without rules denies everything it applies to).
    pub rules: Vec<Rule>,
    /// What to do with matching requests; Istio's default is ALLOW.
    pub action: Option<AuthorizationPolicyAction>,
    /// With action CUSTOM: the extension provider (declared in MeshConfig) that decides.
    pub provider: Option<ExtensionProvider>,
}

crate::common::policy_target_wire! {
    /// The wire form of [`AuthorizationPolicySpec`]: Istio's fields, each optional.
    struct AuthorizationPolicySpecRepr for AuthorizationPolicySpec as "AuthorizationPolicySpec" {
        /// Rules matched against requests (at most 512).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        rules: Vec<Rule>,
        /// ALLOW (default), DENY, AUDIT or CUSTOM.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        action: Option<AuthorizationPolicyAction>,
        /// The extension provider of a CUSTOM policy.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provider: Option<ExtensionProvider>,
    }
}

/// What an AuthorizationPolicy does with the requests its rules match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationPolicyAction {
    /// Let a request through only if some ALLOW policy matches it (the default).
    Allow,
    /// Reject a request that matches.
    Deny,
    /// Mark a matching request for auditing; does not change whether it is allowed.
    Audit,
    /// Hand a matching request to the extension named by `provider`, evaluated before ALLOW
    /// and DENY policies (it cannot bypass them).
    Custom,
}

/// The extension provider of a CUSTOM policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExtensionProvider {
    /// The provider's name, as declared in MeshConfig's `extensionProviders`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One rule: it matches a request when one of its sources, one of its operations and all its
/// conditions match. An empty rule matches every request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rule {
    /// Where the request comes from; any source when empty (at most 512).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<RuleFrom>,
    /// What the request does; any operation when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<RuleTo>,
    /// Further conditions on request attributes, all of which must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
}

/// One entry of a rule's `from` list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleFrom {
    /// The source to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// One entry of a rule's `to` list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleTo {
    /// The operation to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
}

/// Who sent a request. Every field that is set must match (they are ANDed); within a list any
/// value may match. Strings match exactly, by prefix (`abc*`), by suffix (`*abc`) or by
/// presence (`*`). The `not*` lists are the negative forms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Source {
    /// Peer identities from the mTLS certificate, `<trust domain>/ns/<namespace>/sa/<account>`
    /// (the `source.principal` attribute). Needs mTLS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<String>,
    /// Peer identities that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_principals: Vec<String>,
    /// Request identities from the validated JWT, `<iss>/<sub>` (`request.auth.principal`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_principals: Vec<String>,
    /// Request identities that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_request_principals: Vec<String>,
    /// Namespaces of the peer, from its certificate (`source.namespace`). Needs mTLS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Namespaces that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_namespaces: Vec<String>,
    /// Service accounts of the peer as `<namespace>/<name>` (at most 16, each at most 320
    /// characters). Cannot be combined with principals or namespaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_accounts: Vec<String>,
    /// Service accounts that must not match (at most 16).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_service_accounts: Vec<String>,
    /// Trust domains of the peer identity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_domains: Vec<String>,
    /// Trust domains that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_trust_domains: Vec<String>,
    /// Source IPs or CIDR blocks of the connection (`source.ip`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_blocks: Vec<String>,
    /// Source IPs or CIDR blocks that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ip_blocks: Vec<String>,
    /// Original client IPs or CIDR blocks, from X-Forwarded-For or the PROXY protocol
    /// (`remote.ip`; needs the gateway's `numTrustedProxies`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remote_ip_blocks: Vec<String>,
    /// Original client IPs or CIDR blocks that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_remote_ip_blocks: Vec<String>,
}

/// What a request does. Every field that is set must match; within a list any value may.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Operation {
    /// HTTP hosts (`Host`/`:authority`), matched case-insensitively. HTTP only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Hosts that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_hosts: Vec<String>,
    /// Destination ports of the connection, as decimal strings (e.g. `"8080"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    /// Ports that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ports: Vec<String>,
    /// HTTP methods (always `POST` for gRPC). HTTP only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// Methods that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_methods: Vec<String>,
    /// Normalized request paths (for gRPC `/package.Service/Method`); `{*}` and `{**}` path
    /// templates are allowed. HTTP only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Paths that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_paths: Vec<String>,
}

/// A condition on one request attribute (see Istio's list of authorization conditions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Condition {
    /// The attribute, e.g. `request.headers[User-Agent]`, `source.ip`, `request.auth.claims[iss]`.
    /// Required.
    pub key: String,
    /// Values the attribute may have (at least one of `values`, `notValues` is needed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Values the attribute must not have.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_values: Vec<String>,
}

istio_object! {
    /// A `security.istio.io` AuthorizationPolicy: allows, denies, audits or delegates requests
    /// to the workloads it selects.
    ///
    /// ```
    /// use istio_types::security::{AuthorizationPolicy, AuthorizationPolicySpec, Rule};
    /// let ap = AuthorizationPolicy::new("allow-nothing", "default", AuthorizationPolicySpec::default());
    /// let yaml = istio_types::write::to_yaml(&ap).unwrap();
    /// assert!(yaml.starts_with("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"));
    /// ```
    AuthorizationPolicy {
        spec: AuthorizationPolicySpec,
        group: Security,
        plural: "authorizationpolicies",
        served: [V1beta1, V1],
        storage: V1,
        absent_spec: empty,
    }
}

impl crate::validate::Validate for AuthorizationPolicySpec {
    /// Istio's `ValidateAuthorizationPolicy` and the CRD's limits.
    fn validate_at(&self, path: &str, report: &mut crate::validate::Report) {
        use crate::validate::join;
        use AuthorizationPolicyAction as A;

        crate::common::validate_target(self.target.as_ref(), path, report);
        let action = self.action.unwrap_or(A::Allow);
        let rules_path = join(path, "rules");
        if self.rules.len() > 512 {
            report.error(
                &rules_path,
                format!("{} rules: at most 512 are allowed", self.rules.len()),
            );
        }
        if action == A::Custom {
            if self.rules.is_empty() {
                report.error(
                    &rules_path,
                    "a CUSTOM policy without rules never triggers: add an empty rule `{}` to trigger it for every request",
                );
            } else if self
                .provider
                .as_ref()
                .and_then(|p| p.name.as_deref())
                .is_none_or(str::is_empty)
            {
                report.error(
                    join(&join(path, "provider"), "name"),
                    "a CUSTOM policy needs provider.name",
                );
            }
            for (i, rule) in self.rules.iter().enumerate() {
                rule.check_custom(&crate::validate::index(&rules_path, i), report);
            }
        }
        if self.provider.is_some() && action != A::Custom {
            report.error(
                join(path, "provider"),
                format!("provider may only be set with action CUSTOM, not {action:?}"),
            );
        }
        if action == A::Deny && self.rules.is_empty() {
            report.error(
                &rules_path,
                "a DENY policy without rules never triggers: add an empty rule `{}` to trigger it for every request",
            );
        }
        for (i, rule) in self.rules.iter().enumerate() {
            rule.check(
                &crate::validate::index(&rules_path, i),
                action == A::Deny,
                report,
            );
        }
    }
}

impl Rule {
    /// The parts of a rule a CUSTOM policy cannot use (Istio: "... is currently not supported
    /// with CUSTOM action").
    fn check_custom(&self, path: &str, report: &mut crate::validate::Report) {
        use crate::validate::{index, join};
        let from_path = join(path, "from");
        for (i, from) in self.from.iter().enumerate() {
            let Some(src) = &from.source else { continue };
            let src_path = join(&index(&from_path, i), "source");
            for (name, list) in [
                ("namespaces", &src.namespaces),
                ("notNamespaces", &src.not_namespaces),
                ("serviceAccounts", &src.service_accounts),
                ("notServiceAccounts", &src.not_service_accounts),
                ("trustDomains", &src.trust_domains),
                ("notTrustDomains", &src.not_trust_domains),
                ("principals", &src.principals),
                ("notPrincipals", &src.not_principals),
                ("requestPrincipals", &src.request_principals),
                ("notRequestPrincipals", &src.not_request_principals),
            ] {
                if !list.is_empty() {
                    report.error(
                        join(&src_path, name),
                        format!("from.source.{name} is not supported with action CUSTOM"),
                    );
                }
            }
        }
        let when_path = join(path, "when");
        for (i, c) in self.when.iter().enumerate() {
            let k = c.key.as_str();
            if matches!(
                k,
                "source.namespace"
                    | "source.serviceAccount"
                    | "source.principal"
                    | "source.trustDomain"
            ) || k.starts_with("request.auth.")
            {
                report.error(
                    join(&index(&when_path, i), "key"),
                    format!("condition key {k} is not supported with action CUSTOM"),
                );
            }
        }
    }

    /// The checks on one rule of any policy.
    #[allow(
        clippy::too_many_lines,
        reason = "one linear port of Istio's per-rule checks reads best in one piece"
    )]
    fn check(&self, path: &str, deny: bool, report: &mut crate::validate::Report) {
        use super::checks;
        use crate::validate::{index, join};

        let from_path = join(path, "from");
        if self.from.len() > 512 {
            report.error(
                &from_path,
                format!("{} sources: at most 512 are allowed", self.from.len()),
            );
        }
        let mut from_exists = false;
        let mut tcp_in_from = false;
        for (i, from) in self.from.iter().enumerate() {
            let src_path = join(&index(&from_path, i), "source");
            let Some(src) = &from.source else {
                report.error(&src_path, "from.source is required");
                continue;
            };
            from_exists = true;
            let peer_fields = src.principals.len()
                + src.not_principals.len()
                + src.namespaces.len()
                + src.not_namespaces.len();
            let sa_fields = src.service_accounts.len() + src.not_service_accounts.len();
            if peer_fields > 0 && sa_fields > 0 {
                report.error(
                    &src_path,
                    "serviceAccounts cannot be set together with namespaces or principals",
                );
            }
            let lists: [(&str, &Vec<String>); 14] = [
                ("principals", &src.principals),
                ("notPrincipals", &src.not_principals),
                ("requestPrincipals", &src.request_principals),
                ("notRequestPrincipals", &src.not_request_principals),
                ("namespaces", &src.namespaces),
                ("notNamespaces", &src.not_namespaces),
                ("serviceAccounts", &src.service_accounts),
                ("notServiceAccounts", &src.not_service_accounts),
                ("trustDomains", &src.trust_domains),
                ("notTrustDomains", &src.not_trust_domains),
                ("ipBlocks", &src.ip_blocks),
                ("notIpBlocks", &src.not_ip_blocks),
                ("remoteIpBlocks", &src.remote_ip_blocks),
                ("notRemoteIpBlocks", &src.not_remote_ip_blocks),
            ];
            if lists.iter().all(|(_, l)| l.is_empty()) {
                report.error(&src_path, "from.source must not be empty");
            }
            let release = report.release();
            for (name, list) in lists {
                let p = join(&src_path, name);
                if let Some((major, minor)) = source_field_since(name)
                    && !list.is_empty()
                    && !release.at_least(major, minor)
                {
                    report.error(
                        &p,
                        format!(
                            "from.source.{name} exists from Istio {major}.{minor}: Istio {release} has no such \
                             field, so the API server drops it and the rule matches any {name}"
                        ),
                    );
                    continue;
                }
                checks::empty_values(list, &p, report);
                match name {
                    "ipBlocks" | "notIpBlocks" | "remoteIpBlocks" | "notRemoteIpBlocks" => {
                        checks::ips(list, &p, report);
                    }
                    "serviceAccounts" | "notServiceAccounts" => {
                        service_accounts(list, &p, report);
                    }
                    "trustDomains" | "notTrustDomains" => {
                        wildcard_values(list, true, &p, report);
                    }
                    _ => {}
                }
            }
            tcp_in_from |= [
                &src.principals,
                &src.not_principals,
                &src.ip_blocks,
                &src.not_ip_blocks,
                &src.namespaces,
                &src.not_namespaces,
                &src.remote_ip_blocks,
                &src.not_remote_ip_blocks,
                &src.service_accounts,
                &src.not_service_accounts,
            ]
            .iter()
            .any(|l| !l.is_empty());
        }

        let to_path = join(path, "to");
        let mut to_exists = false;
        let mut tcp_in_to = false;
        for (i, to) in self.to.iter().enumerate() {
            let op_path = join(&index(&to_path, i), "operation");
            let Some(op) = &to.operation else {
                report.error(&op_path, "to.operation is required");
                continue;
            };
            to_exists = true;
            let lists: [(&str, &Vec<String>); 8] = [
                ("hosts", &op.hosts),
                ("notHosts", &op.not_hosts),
                ("ports", &op.ports),
                ("notPorts", &op.not_ports),
                ("methods", &op.methods),
                ("notMethods", &op.not_methods),
                ("paths", &op.paths),
                ("notPaths", &op.not_paths),
            ];
            if lists.iter().all(|(_, l)| l.is_empty()) {
                report.error(&op_path, "to.operation must not be empty");
            }
            for (name, list) in lists {
                let p = join(&op_path, name);
                match name {
                    "ports" | "notPorts" => checks::ports(list, &p, report),
                    "paths" | "notPaths" => {
                        checks::empty_values(list, &p, report);
                        checks::path_templates(list, &p, report);
                    }
                    _ => checks::empty_values(list, &p, report),
                }
            }
            tcp_in_to |= !op.ports.is_empty() || !op.not_ports.is_empty();
        }

        let when_path = join(path, "when");
        for (i, c) in self.when.iter().enumerate() {
            let c_path = index(&when_path, i);
            if c.key.is_empty() {
                report.error(join(&c_path, "key"), "key must not be empty");
            } else if c.values.is_empty() && c.not_values.is_empty() {
                report.error(
                    &c_path,
                    format!(
                        "at least one of values, notValues must be set for key {}",
                        c.key
                    ),
                );
            } else {
                checks::attribute(&c.key, &c.values, &join(&c_path, "values"), report);
                checks::attribute(&c.key, &c.not_values, &join(&c_path, "notValues"), report);
            }
        }

        if deny && ((from_exists && !to_exists && !tcp_in_from) || (to_exists && !tcp_in_to)) {
            report.warning(
                path,
                "this DENY rule uses only HTTP attributes, so it denies all traffic to TCP ports \
                 the policy applies to; name the ports explicitly",
            );
        }
    }
}

/// Istio's `CheckServiceAccount` (`pkg/config/security/security.go`, from 1.25, when the fields
/// were added by istio/istio#54745) and the CRD's limits: at most 16 items, each at most 320
/// characters, without `*`, written `<name>` or `<namespace>/<name>` with neither part empty.
/// Also what the `source.serviceAccount` condition's values are checked with.
pub(crate) fn service_accounts(list: &[String], path: &str, report: &mut crate::validate::Report) {
    use crate::validate::index;
    if list.len() > 16 {
        report.error(
            path,
            format!("{} service accounts: at most 16 are allowed", list.len()),
        );
    }
    for (i, sa) in list.iter().enumerate() {
        if sa.is_empty() {
            continue; // reported as an empty value
        }
        let at = || index(path, i);
        if sa.contains('*') {
            report.error(
                at(),
                format!("service account {sa:?}: a wildcard is not allowed"),
            );
            continue;
        }
        if sa.len() > 320 {
            report.error(
                at(),
                format!(
                    "the service account is {} characters long: at most 320 are allowed",
                    sa.len()
                ),
            );
        }
        let well_formed = match sa.split_once('/') {
            None => true,
            Some((ns, name)) => !ns.is_empty() && !name.is_empty() && !name.contains('/'),
        };
        if !well_formed {
            report.error(
                at(),
                format!("service account {sa:?} must be written <name> or <namespace>/<name>"),
            );
        }
    }
}

/// Istio's `CheckWildcardValues`, and with `trust_domain` its `CheckTrustDomainValues`
/// (`pkg/config/security/security.go`, Istio 1.30 with istio/istio#59358): at most one `*`,
/// only at the start or the end; a trust domain has no `/`. Empty values are reported apart.
pub(crate) fn wildcard_values(
    list: &[String],
    trust_domain: bool,
    path: &str,
    report: &mut crate::validate::Report,
) {
    for (i, v) in list.iter().enumerate() {
        let stars = v.matches('*').count();
        if stars > 1 {
            report.error(
                crate::validate::index(path, i),
                format!("{v:?}: at most one wildcard is allowed"),
            );
        } else if stars == 1 && !v.starts_with('*') && !v.ends_with('*') {
            report.error(
                crate::validate::index(path, i),
                format!("{v:?}: a wildcard is only allowed at the start or the end"),
            );
        } else if trust_domain && v.contains('/') {
            report.error(
                crate::validate::index(path, i),
                format!("trust domain {v:?} must not contain '/'"),
            );
        }
    }
}

/// The first release with a source field, or `None` when every release has it:
/// `serviceAccounts` from 1.25 (istio/istio#54745), `trustDomains` from 1.30
/// (istio/istio#59358, in 1.30.3). Before, the CRD has no such field, so the API server drops
/// it and the rule matches more than it says.
fn source_field_since(name: &str) -> Option<(u32, u32)> {
    match name {
        "serviceAccounts" | "notServiceAccounts" => Some((1, 25)),
        "trustDomains" | "notTrustDomains" => Some((1, 30)),
        _ => None,
    }
}
