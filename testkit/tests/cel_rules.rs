//! Every `x-kubernetes-validations` rule in the CRDs we check must be usable client-side.

use testkit::{CrdSet, UNSUPPORTED_CEL_RULES};

/// `expected`: the number of rule entries in the file (every served version counted), from an
/// independent scan with Python's YAML parser; equality proves the walk misses none.
fn check_all_rules(name: &str, set: &CrdSet, expected: usize) {
    let rules = set.cel_rules();
    eprintln!("{name}: {} CEL rules", rules.len());
    eprintln!(
        "documented unsupported CEL rules ({}): {UNSUPPORTED_CEL_RULES:?}",
        UNSUPPORTED_CEL_RULES.len()
    );
    assert_eq!(rules.len(), expected, "{name}: number of CEL rules found");
    let broken: Vec<String> = rules
        .iter()
        .filter(|r| {
            r.problem.is_some()
                && !UNSUPPORTED_CEL_RULES
                    .iter()
                    .any(|(rule, _)| *rule == r.rule)
        })
        .map(|r| {
            format!(
                "  {} {} {}: {:?}: {}",
                r.crd,
                r.version,
                r.path,
                r.rule,
                r.problem.as_deref().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        broken.is_empty(),
        "{name}: {} CEL rule(s) cannot be evaluated client-side and are not in \
         UNSUPPORTED_CEL_RULES:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn every_istio_cel_rule_compiles() {
    let Some(set) = CrdSet::istio() else { return };
    check_all_rules("istio master", set, 398);
}

#[test]
fn every_istio_1_30_3_cel_rule_compiles() {
    let Some(set) = CrdSet::istio_1_30_3() else {
        return;
    };
    check_all_rules("istio 1.30.3", set, 362);
}

#[test]
fn liqo_crd_loads_and_has_no_broken_cel_rules() {
    let Some(set) = CrdSet::liqo() else { return };
    check_all_rules("liqo", set, 0);
    assert_eq!(
        set.served(),
        vec![(
            "offloading.liqo.io".to_owned(),
            "v1beta1".to_owned(),
            "NamespaceOffloading".to_owned()
        )]
    );
}
