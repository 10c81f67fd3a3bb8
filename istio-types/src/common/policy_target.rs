//! What a policy applies to: Istio's fields `selector`, `targetRef` and `targetRefs`, which
//! AuthorizationPolicy, RequestAuthentication, Telemetry and WasmPlugin share (EnvoyFilter has
//! `targetRefs` only). Here are the one type that stands for them ([`PolicyTarget`]), the one
//! wire form of the three fields ([`policy_target_wire!`]) and the one port of Istio's checks on
//! them ([`validate_target`], [`validate_target_refs`]).
//!
//! Istio's webhook applies the same checks to all four kinds at every release
//! (`pkg/config/validation/validation.go`, tags 1.20.0 to 1.30.3 and master:
//! `validateOneOfSelectorType`, `validateWorkloadSelector`, `validatePolicyTargetReference(s)`
//! in `ValidateAuthorizationPolicy`, `ValidateRequestAuthentication`, `ValidateTelemetry` and
//! `ValidateWasmPlugin`), and their CRDs give the three fields the same schema. What changed is
//! by release, not by kind: which kinds a reference may name ([`POLICY_TARGET_KINDS`]) and
//! from which release each field exists. EnvoyFilter's `targetRefs` follows other rules, which
//! it passes in as data ([`TargetKinds`]).

use serde::{Deserialize, Serialize};

use super::{PolicyTargetReference, WorkloadSelector};
use crate::rules;
use crate::validate::{Report, Validate, index, join};

/// What a policy (AuthorizationPolicy, RequestAuthentication, Telemetry, WasmPlugin) applies
/// to: the workloads it selects by label, or the objects it is attached to.
///
/// Istio's API has three fields here (`selector`, `targetRef`, `targetRefs`) and allows at
/// most one of them, so they are one enum: a value that sets two cannot be built, and reading
/// a document that sets two fails with `only one of selector, targetRef, targetRefs may be
/// set`. The spec's `target: None` (none of the three) applies the policy to every workload in
/// its namespace (to the whole mesh in the root namespace). On write, the variant becomes its
/// field, in the place Istio's field order gives it (first in the spec).
///
/// Which kinds a reference may name depends on the release: a Gateway from Istio 1.20, a
/// Service from 1.22, a ServiceEntry from 1.24, a GatewayClass from 1.25
/// ([`Validate::validate_for`] checks the release given). `targetRef` exists from Istio 1.20,
/// `targetRefs` from 1.22.
///
/// ```
/// use istio_types::common::{PolicyTarget, PolicyTargetReference};
/// use istio_types::release::IstioRelease;
/// use istio_types::security::{AuthorizationPolicy, AuthorizationPolicySpec};
/// use istio_types::validate::Validate;
///
/// let ap = AuthorizationPolicy::new("gateways", "istio-system", AuthorizationPolicySpec {
///     target: Some(PolicyTarget::TargetRef(PolicyTargetReference {
///         group: Some("gateway.networking.k8s.io".into()),
///         kind: Some("GatewayClass".into()),
///         name: Some("istio".into()),
///         namespace: None,
///     })),
///     ..Default::default()
/// });
/// let yaml = istio_types::write::to_yaml(&ap).unwrap();
/// assert!(yaml.contains(
///     "spec:\n  targetRef:\n    group: gateway.networking.k8s.io\n    kind: GatewayClass\n    name: istio\n"
/// ));
/// // Istio accepts a GatewayClass from 1.25 on.
/// assert!(!ap.validate().has_errors());
/// let old = ap.validate_for(IstioRelease::new(1, 24));
/// assert!(old.errors().any(|e| e.path == "spec.targetRef"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum PolicyTarget {
    /// `selector`: the workloads whose labels match, in the policy's namespace.
    Selector(WorkloadSelector),
    /// `targetRef` (older, single form of `targetRefs`): one Gateway, Service, ServiceEntry or
    /// GatewayClass the policy is attached to.
    TargetRef(PolicyTargetReference),
    /// `targetRefs`: the Gateways, Services, ServiceEntries or GatewayClasses (at most 16) the
    /// policy is attached to.
    TargetRefs(Vec<PolicyTargetReference>),
}

impl PolicyTarget {
    /// Splits the target back into Istio's three fields.
    pub(crate) fn into_fields(
        target: Option<Self>,
    ) -> (
        Option<WorkloadSelector>,
        Option<PolicyTargetReference>,
        Option<Vec<PolicyTargetReference>>,
    ) {
        match target {
            None => (None, None, None),
            Some(PolicyTarget::Selector(s)) => (Some(s), None, None),
            Some(PolicyTarget::TargetRef(r)) => (None, Some(r), None),
            Some(PolicyTarget::TargetRefs(r)) => (None, None, Some(r)),
        }
    }

    /// Joins Istio's three fields into one target, or says which ones clash.
    pub(crate) fn from_fields(
        selector: Option<WorkloadSelector>,
        target_ref: Option<PolicyTargetReference>,
        target_refs: Option<Vec<PolicyTargetReference>>,
    ) -> Result<Option<Self>, String> {
        match (selector, target_ref, target_refs) {
            (None, None, None) => Ok(None),
            (Some(s), None, None) => Ok(Some(PolicyTarget::Selector(s))),
            (None, Some(r), None) => Ok(Some(PolicyTarget::TargetRef(r))),
            (None, None, Some(r)) => Ok(Some(PolicyTarget::TargetRefs(r))),
            (s, r, rs) => {
                let set: Vec<&str> = [
                    s.is_some().then_some("selector"),
                    r.is_some().then_some("targetRef"),
                    rs.is_some().then_some("targetRefs"),
                ]
                .into_iter()
                .flatten()
                .collect();
                Err(format!(
                    "only one of selector, targetRef, targetRefs may be set (found {})",
                    set.join(" and ")
                ))
            }
        }
    }
}

/// Declares the wire form of a spec whose `target: Option<PolicyTarget>` stands for Istio's
/// first three fields `selector`, `targetRef` and `targetRefs`: a private struct with those
/// three fields followed by the spec's other fields as written (attributes and doc comments,
/// which are the JSON Schema's descriptions, kept), and the conversions `TryFrom<Repr> for
/// Spec` and `From<Spec> for Repr`. The spec names each other field as the wire form does.
///
/// The spec then derives `Serialize`/`Deserialize` with `#[serde(try_from = "Repr", into =
/// "Repr")]` and `schemars(with = "Repr")`; the wire form refuses unknown fields and writes
/// fields in declaration order, so Istio's order holds on write.
macro_rules! policy_target_wire {
    (
        $(#[$meta:meta])*
        struct $repr:ident for $spec:ident as $schema_name:tt {
            $( $(#[$field_meta:meta])* $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "schemars", schemars(rename = $schema_name))]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        struct $repr {
            /// Workloads chosen by label (at most one of selector, targetRef, targetRefs).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            selector: Option<$crate::common::WorkloadSelector>,
            /// One object it is attached to (a Service, ServiceEntry, Gateway or GatewayClass).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            target_ref: Option<$crate::common::PolicyTargetReference>,
            /// Objects it is attached to (at most 16).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            target_refs: Option<Vec<$crate::common::PolicyTargetReference>>,
            $( $(#[$field_meta])* $field: $ty, )*
        }

        impl TryFrom<$repr> for $spec {
            type Error = String;

            fn try_from(r: $repr) -> Result<Self, String> {
                Ok(Self {
                    target: $crate::common::PolicyTarget::from_fields(
                        r.selector,
                        r.target_ref,
                        r.target_refs,
                    )?,
                    $( $field: r.$field, )*
                })
            }
        }

        impl From<$spec> for $repr {
            fn from(s: $spec) -> Self {
                let (selector, target_ref, target_refs) =
                    $crate::common::PolicyTarget::into_fields(s.target);
                Self {
                    selector,
                    target_ref,
                    target_refs,
                    $( $field: s.$field, )*
                }
            }
        }
    };
}
pub(crate) use policy_target_wire;

/// A kind a target reference may name: its API group (`""` for the core group, which may also
/// be written `core`), its kind, and the first release that accepts it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TargetKind {
    /// The API group; `""` for the core group.
    group: &'static str,
    /// The kind.
    kind: &'static str,
    /// The first release that accepts it, `(major, minor)`.
    since: (u32, u32),
}

impl TargetKind {
    /// The kind `group`/`kind` (group `""` for the core group), accepted from `since`.
    pub(crate) const fn new(group: &'static str, kind: &'static str, since: (u32, u32)) -> Self {
        Self { group, kind, since }
    }

    /// Whether a reference to `group`/`kind` names this kind. An empty group is the core
    /// group, which may also be written `core` (Istio's `CanonicalGroup`).
    fn names(&self, group: &str, kind: &str) -> bool {
        self.kind == kind && (self.group == group || (self.group.is_empty() && group == "core"))
    }
}

/// Which kinds the target references of one kind of resource may name, by release.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TargetKinds {
    /// The releases whose rules restrict the kind: from `.0`, up to and including `.1` when a
    /// later release dropped the rule. Outside them any kind of valid form is accepted.
    pub(crate) checked: ((u32, u32), Option<(u32, u32)>),
    /// The kinds accepted while the rule holds, each from its own release.
    pub(crate) kinds: &'static [TargetKind],
}

/// The kinds a policy's `targetRef` and `targetRefs` may name: Istio's `allowedTargetRefs`
/// (`pkg/config/validation/validation.go`), read at each tag. 1.20 accepts only a Gateway
/// API Gateway (group `gateway.networking.k8s.io` exactly); 1.22 adds the core Service, 1.24
/// the ServiceEntry, 1.25 the GatewayClass; unchanged up to 1.30.3 and master. Before 1.20
/// there is no `targetRef` to check.
pub(crate) const POLICY_TARGET_KINDS: TargetKinds = TargetKinds {
    checked: ((1, 20), None),
    kinds: &[
        TargetKind::new("", "Service", (1, 22)),
        TargetKind::new("networking.istio.io", "ServiceEntry", (1, 24)),
        TargetKind::new("gateway.networking.k8s.io", "Gateway", (1, 20)),
        TargetKind::new("gateway.networking.k8s.io", "GatewayClass", (1, 25)),
    ],
};

/// The first release whose CRDs have `targetRef` (AuthorizationPolicy, RequestAuthentication,
/// Telemetry and WasmPlugin in crd-all.gen.yaml at 1.20.0, not at 1.19.0).
const TARGET_REF_SINCE: (u32, u32) = (1, 20);
/// The first release whose CRDs have `targetRefs` (those four and EnvoyFilter, crd-all.gen.yaml
/// at 1.22.0, not at 1.21.0).
const TARGET_REFS_SINCE: (u32, u32) = (1, 22);

/// Whether the CRDs of the report's release have `field` (from `since`); when not, an error at
/// `path`: the API server drops an unknown field, so what it would narrow applies widely.
fn field_exists(field: &str, since: (u32, u32), path: &str, report: &mut Report) -> bool {
    let release = report.release();
    if release.at_least(since.0, since.1) {
        return true;
    }
    report.error(
        path,
        format!(
            "{field} exists from Istio {}.{}: Istio {release} has no such field, so the API \
             server drops it and this applies to every workload of the namespace",
            since.0, since.1
        ),
    );
    false
}

/// The checks on a policy's target, for the spec at `spec_path` (the three fields are the
/// spec's own): Istio's `validateWorkloadSelector` and `validatePolicyTargetReference(s)` with
/// [`POLICY_TARGET_KINDS`], the CRD's rules on the three fields, and whether the report's
/// release has the field at all. `validateOneOfSelectorType` needs no check here: a
/// [`PolicyTarget`] holds one field, and reading two fails.
pub(crate) fn validate_target(target: Option<&PolicyTarget>, spec_path: &str, report: &mut Report) {
    match target {
        None => {}
        Some(PolicyTarget::Selector(s)) => s.validate_at(&join(spec_path, "selector"), report),
        Some(PolicyTarget::TargetRef(r)) => {
            let path = join(spec_path, "targetRef");
            if field_exists("targetRef", TARGET_REF_SINCE, &path, report) {
                validate_target_ref(r, &path, &POLICY_TARGET_KINDS, report);
            }
        }
        Some(PolicyTarget::TargetRefs(refs)) => {
            validate_target_refs(
                refs,
                &join(spec_path, "targetRefs"),
                &POLICY_TARGET_KINDS,
                report,
            );
        }
    }
}

/// The checks on a `targetRefs` list at `path`, whose references may name `kinds`: the field
/// exists in the report's release, at most 16 references (the CRD's `maxItems`), each checked.
pub(crate) fn validate_target_refs(
    refs: &[PolicyTargetReference],
    path: &str,
    kinds: &TargetKinds,
    report: &mut Report,
) {
    if !field_exists("targetRefs", TARGET_REFS_SINCE, path, report) {
        return;
    }
    if refs.len() > 16 {
        report.error(
            path,
            format!("{} target references: at most 16 are allowed", refs.len()),
        );
    }
    for (i, r) in refs.iter().enumerate() {
        validate_target_ref(r, &index(path, i), kinds, report);
    }
}

/// One reference at `path`: the CRD's rules (`kind` and `name` required, their forms and
/// lengths, the group's form, an empty namespace), Istio's `validatePolicyTargetReference`
/// (a name, no namespace) and the kinds `kinds` accepts in the report's release.
fn validate_target_ref(
    r: &PolicyTargetReference,
    path: &str,
    kinds: &TargetKinds,
    report: &mut Report,
) {
    let group = r.group.as_deref().unwrap_or_default();
    if group.len() > 253 || !(group.is_empty() || crate::validate::is_dns1123_subdomain(group)) {
        report.error(
            join(path, "group"),
            format!("{group:?} is not a valid API group: use a DNS subdomain (at most 253 characters) or \"\" for the core group"),
        );
    }
    match r.kind.as_deref() {
        None => report.error(join(path, "kind"), "kind is required"),
        Some(kind) if !is_kind(kind) => report.error(
            join(path, "kind"),
            format!(
                "{kind:?} is not a valid kind: 1-63 letters, digits and '-', starting with a letter"
            ),
        ),
        Some(kind) => kind_accepted(group, kind, path, kinds, report),
    }
    match r.name.as_deref() {
        None | Some("") => report.error(join(path, "name"), "targetRef name must be set"),
        Some(n) if n.len() > 253 => report.error(
            join(path, "name"),
            format!(
                "the name is {} characters long: at most 253 are allowed",
                n.len()
            ),
        ),
        Some(_) => {}
    }
    if let Some(ns) = r.namespace.as_deref()
        && !ns.is_empty()
    {
        report.error(
            join(path, "namespace"),
            format!("namespace {ns:?} must be empty: cross-namespace references are not supported"),
        );
    }
}

/// The CRD's pattern for `kind`: `^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`, at most 63.
fn is_kind(kind: &str) -> bool {
    let b = kind.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// Whether `kinds` accepts `group`/`kind` in the report's release; an error at `path` (the
/// reference) naming what the release accepts when not.
fn kind_accepted(group: &str, kind: &str, path: &str, kinds: &TargetKinds, report: &mut Report) {
    let release = report.release();
    let ((from_major, from_minor), until) = kinds.checked;
    let checked = release.at_least(from_major, from_minor)
        && until.is_none_or(|(major, minor)| !release.at_least(major, minor + 1));
    if !checked {
        return;
    }
    let accepted: Vec<&TargetKind> = kinds
        .kinds
        .iter()
        .filter(|k| release.at_least(k.since.0, k.since.1))
        .collect();
    if accepted.iter().any(|k| k.names(group, kind)) {
        return;
    }
    let names: Vec<String> = accepted
        .iter()
        .map(|k| {
            let group = if k.group.is_empty() { "core" } else { k.group };
            format!("{group}/{}", k.kind)
        })
        .collect();
    let written = if group.is_empty() { "core" } else { group };
    report.error(
        path,
        format!(
            "Istio {release} accepts a reference only to {}, not {written}/{kind}",
            names.join(", ")
        ),
    );
}

impl Validate for WorkloadSelector {
    /// Istio's `validateWorkloadSelector` (`pkg/config/validation/validation.go`), the same
    /// for every kind with a `selector` (and DestinationRule's `workloadSelector`), plus the
    /// CRD's rules on `matchLabels`: values of at most 63 characters, at most 4096 labels.
    fn validate_at(&self, path: &str, report: &mut Report) {
        rules::validate_selector_labels(
            &self.match_labels,
            &join(path, "matchLabels"),
            "workload selector specified without labels",
            4096,
            report,
        );
    }
}
