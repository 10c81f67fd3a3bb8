//! The target of AuthorizationPolicy, RequestAuthentication, Telemetry and WasmPlugin
//! (`selector`, `targetRef`, `targetRefs`): one wire form and one set of admission rules for
//! all four, as Istio's webhook and CRDs have it (`pkg/config/validation/validation.go` and
//! crd-all.gen.yaml, 1.20.0 to 1.30.3 and master).

use istio_types::IstioResource;
use istio_types::common::{PolicyTarget, PolicyTargetReference};
use istio_types::read::{Document, read_stream};
use istio_types::release::IstioRelease;
use istio_types::validate::Finding;

/// Each kind: the document up to `spec:`, and the spec's other fields after the target.
const KINDS: [(&str, &str, &str); 4] = [
    (
        "AuthorizationPolicy",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n  namespace: default\nspec:\n",
        "  rules:\n  - to:\n    - operation:\n        ports:\n        - \"8080\"\n  action: DENY\n",
    ),
    (
        "RequestAuthentication",
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata:\n  name: p\n  namespace: default\nspec:\n",
        "  jwtRules:\n  - issuer: example.com\n",
    ),
    (
        "Telemetry",
        "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: p\n  namespace: default\nspec:\n",
        "  accessLogging:\n  - providers:\n    - name: envoy\n",
    ),
    (
        "WasmPlugin",
        "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: p\n  namespace: default\nspec:\n",
        "  url: oci://example.com/plugin:v1\n",
    ),
];

/// Targets in the form the writer gives them, each of which must come back unchanged.
const WRITTEN_TARGETS: [&str; 5] = [
    "  selector:\n    matchLabels:\n      app: httpbin\n",
    "  selector: {}\n",
    "  targetRef:\n    group: \"\"\n    kind: Service\n    name: reviews\n    namespace: \"\"\n",
    "  targetRefs:\n  - kind: Service\n    name: a\n  - group: networking.istio.io\n    kind: ServiceEntry\n    name: b\n",
    "  targetRefs: []\n",
];

/// Targets good and bad for some release, to compare the kinds' verdicts on.
const CHECKED_TARGETS: [&str; 12] = [
    "  selector:\n    matchLabels:\n      app: httpbin\n",
    "  selector: {}\n",
    "  selector:\n    matchLabels:\n      'app*': httpbin\n",
    "  targetRef:\n    group: gateway.networking.k8s.io\n    kind: Gateway\n    name: gw\n",
    "  targetRef:\n    kind: Gateway\n    name: gw\n",
    "  targetRef:\n    group: core\n    kind: Service\n    name: reviews\n",
    "  targetRef:\n    group: apps\n    kind: Deployment\n    name: web\n    namespace: other\n",
    "  targetRef:\n    group: Not_A_Group\n    kind: '-x'\n",
    "  targetRefs:\n  - group: networking.istio.io\n    kind: ServiceEntry\n    name: b\n  - group: gateway.networking.k8s.io\n    kind: GatewayClass\n    name: istio\n",
    "  targetRefs:\n  - kind: Service\n    name: ''\n",
    "  targetRefs: []\n",
    "  targetRefs:\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n  - {kind: Service, name: a}\n",
];

/// Releases on both sides of every change to the target rules.
const RELEASES: [(u32, u32); 9] = [
    (1, 19),
    (1, 20),
    (1, 21),
    (1, 22),
    (1, 23),
    (1, 24),
    (1, 25),
    (1, 30),
    (1, 32),
];

fn read(yaml: &str) -> IstioResource {
    let docs = read_stream(yaml, None);
    assert_eq!(docs.len(), 1);
    match docs.into_iter().next().unwrap().result {
        Ok(Document::Istio(r)) => r,
        other => panic!("does not read: {other:?}\n{yaml}"),
    }
}

fn target_of(r: &IstioResource) -> Option<&PolicyTarget> {
    match r {
        IstioResource::AuthorizationPolicy(o) => o.spec.target.as_ref(),
        IstioResource::RequestAuthentication(o) => o.spec.target.as_ref(),
        IstioResource::Telemetry(o) => o.spec.target.as_ref(),
        IstioResource::WasmPlugin(o) => o.spec.target.as_ref(),
        other => panic!("not a policy kind: {other:?}"),
    }
}

/// The findings of `r` at Istio `release` on the target's fields.
fn target_findings(r: &IstioResource, release: IstioRelease) -> Vec<Finding> {
    r.validate_for(release)
        .findings
        .into_iter()
        .filter(|f| {
            ["spec.selector", "spec.targetRef"]
                .iter()
                .any(|p| f.path.starts_with(p))
        })
        .collect()
}

#[test]
fn every_kind_writes_its_target_first_and_unchanged() {
    for (kind, head, tail) in KINDS {
        for target in WRITTEN_TARGETS {
            let doc = format!("{head}{target}{tail}");
            let r = read(&doc);
            assert!(target_of(&r).is_some(), "{kind}: no target read\n{doc}");
            let yaml = istio_types::write::to_yaml(&r).unwrap();
            assert_eq!(yaml, doc, "{kind}: the YAML written differs");
            let json = istio_types::write::to_json(&r).unwrap();
            assert_eq!(
                read(&json),
                r,
                "{kind}: the JSON round trip differs\n{json}"
            );
        }
    }
}

#[test]
fn the_three_forms_are_the_three_variants() {
    let (_, head, tail) = KINDS[2];
    let r = read(&format!("{head}{}{tail}", WRITTEN_TARGETS[2]));
    assert_eq!(
        target_of(&r),
        Some(&PolicyTarget::TargetRef(PolicyTargetReference {
            group: Some(String::new()),
            kind: Some("Service".into()),
            name: Some("reviews".into()),
            namespace: Some(String::new()),
        }))
    );
    let r = read(&format!("{head}{}{tail}", WRITTEN_TARGETS[4]));
    assert_eq!(target_of(&r), Some(&PolicyTarget::TargetRefs(Vec::new())));
    let r = read(&format!("{head}{tail}"));
    assert_eq!(target_of(&r), None);
}

#[test]
fn every_kind_refuses_two_target_fields_when_read() {
    let pairs = [
        (
            "selector and targetRef",
            WRITTEN_TARGETS[0],
            WRITTEN_TARGETS[2],
        ),
        (
            "selector and targetRefs",
            WRITTEN_TARGETS[0],
            WRITTEN_TARGETS[3],
        ),
        (
            "targetRef and targetRefs",
            WRITTEN_TARGETS[2],
            WRITTEN_TARGETS[3],
        ),
    ];
    for (kind, head, tail) in KINDS {
        for (found, a, b) in pairs {
            let doc = format!("{head}{a}{b}{tail}");
            let docs = read_stream(&doc, None);
            let Err(e) = &docs[0].result else {
                panic!("{kind} read {found}:\n{doc}")
            };
            let message = e.to_string();
            assert!(
                message.contains(&format!(
                    "only one of selector, targetRef, targetRefs may be set (found {found})"
                )),
                "{kind}: {message}"
            );
        }
    }
}

/// Istio gives the four kinds the same checks at every release: so does this crate. Every
/// target but the first has a finding at some release, so the test has something to compare.
#[test]
fn the_four_kinds_get_the_same_verdict_on_the_same_target_at_every_release() {
    for target in CHECKED_TARGETS {
        let mut found_somewhere = false;
        for (major, minor) in RELEASES {
            let release = IstioRelease::new(major, minor);
            let mut verdicts = KINDS.iter().map(|(kind, head, tail)| {
                let r = read(&format!("{head}{target}{tail}"));
                (*kind, target_findings(&r, release))
            });
            let (first_kind, first) = verdicts.next().unwrap();
            for (kind, findings) in verdicts {
                assert_eq!(
                    findings, first,
                    "Istio {release}: {kind} and {first_kind} differ on\n{target}"
                );
            }
            found_somewhere |= !first.is_empty();
        }
        assert_eq!(found_somewhere, target != CHECKED_TARGETS[0], "{target}");
    }
}

#[test]
fn the_kinds_a_reference_may_name_follow_the_release() {
    let (_, head, tail) = KINDS[0];
    let at = |target: &str, major, minor| {
        let r = read(&format!("{head}{target}{tail}"));
        target_findings(&r, IstioRelease::new(major, minor))
    };
    // A Service: from 1.22 (istio/istio#50436); 1.20 and 1.21 take only a Gateway.
    let service = "  targetRef:\n    kind: Service\n    name: reviews\n";
    let refused = at(service, 1, 21);
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0].path, "spec.targetRef");
    assert!(
        refused[0].message.contains("Istio 1.21")
            && refused[0]
                .message
                .contains("gateway.networking.k8s.io/Gateway")
            && refused[0].message.contains("not core/Service"),
        "{}",
        refused[0].message
    );
    assert!(at(service, 1, 22).is_empty());
    // `core` is the core group's other name from 1.22 (Istio's CanonicalGroup).
    assert!(at(CHECKED_TARGETS[5], 1, 22).is_empty());
    // A GatewayClass from 1.25 (istio/istio#54910), a ServiceEntry from 1.24 (#52154).
    let both = CHECKED_TARGETS[8];
    let paths = |f: Vec<Finding>| f.into_iter().map(|f| f.path).collect::<Vec<_>>();
    assert_eq!(
        paths(at(both, 1, 23)),
        ["spec.targetRefs[0]", "spec.targetRefs[1]"]
    );
    assert_eq!(paths(at(both, 1, 24)), ["spec.targetRefs[1]"]);
    assert!(at(both, 1, 25).is_empty());
    // Before the field exists, one error at the field, naming both releases.
    let old = at(both, 1, 21);
    assert_eq!(paths(old.clone()), ["spec.targetRefs"]);
    assert!(
        old[0].message.contains("1.22") && old[0].message.contains("1.21"),
        "{}",
        old[0].message
    );
}

#[test]
fn the_crd_rules_on_a_reference_name_each_field() {
    let (_, head, tail) = KINDS[1];
    let r = read(&format!("{head}{}{tail}", CHECKED_TARGETS[6]));
    let paths: Vec<String> = target_findings(&r, IstioRelease::NEWEST_KNOWN)
        .into_iter()
        .map(|f| f.path)
        .collect();
    assert_eq!(paths, ["spec.targetRef", "spec.targetRef.namespace"]);
    let r = read(&format!("{head}{}{tail}", CHECKED_TARGETS[7]));
    let paths: Vec<String> = target_findings(&r, IstioRelease::NEWEST_KNOWN)
        .into_iter()
        .map(|f| f.path)
        .collect();
    assert_eq!(
        paths,
        [
            "spec.targetRef.group",
            "spec.targetRef.kind",
            "spec.targetRef.name"
        ]
    );
}
