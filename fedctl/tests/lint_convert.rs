//! `fedctl lint` and `fedctl convert` as a user runs them.

mod common;

use std::process::Command;

use common::fedctl;

const BAD: &str = "apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata: {name: a, namespace: default}
spec:
  host: a.default.svc.cluster.local
  trafficPolicy:
    outlierDetection:
      maxEjectionPercent: 150
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
---
apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata: {name: b, namespace: default}
spec:
  host: b.default.svc.cluster.local
  tls:
    mode: ISTIO_MUTUAL
";

#[test]
fn lint_reports_each_problem_with_file_line_object_and_path() {
    let out = fedctl(&["lint", "-"], BAD);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("<stdin>:8: error: DestinationRule default/a: spec.trafficPolicy.outlierDetection.maxEjectionPercent: "), "{}", lines[0]);
    // The seed-002 mistake: tls one level too high. The API server would prune it silently.
    assert!(
        lines[1].starts_with(
            "<stdin>:20: error: DestinationRule default/b: spec.tls: unknown field `tls`"
        ),
        "{}",
        lines[1]
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("skipped what is not an Istio resource: 1 ConfigMap (v1)"),
        "{stderr}"
    );
}

#[test]
fn lint_json_has_the_contract_fields() {
    let out = fedctl(&["lint", "--output", "json", "-"], BAD);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &v[0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["kind"], "DestinationRule");
    assert_eq!(first["name"], "a");
    assert_eq!(first["namespace"], "default");
    assert_eq!(
        first["path"],
        "spec.trafficPolicy.outlierDetection.maxEjectionPercent"
    );
    assert_eq!(first["line"], 8);
    assert!(first["message"].as_str().unwrap().contains("150"));
}

#[test]
fn lint_passes_warnings_with_exit_0() {
    let dr = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a, namespace: default}\nspec:\n  host: a\n  trafficPolicy:\n    outlierDetection:\n      consecutiveErrors: 3\n";
    let out = fedctl(&["lint", "-"], dr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(
        "warning: DestinationRule default/a: spec.trafficPolicy.outlierDetection.consecutiveErrors"
    ));
}

#[test]
fn lint_of_a_missing_file_is_a_usage_error() {
    let out = fedctl(&["lint", "/nonexistent/x.yaml"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rendered_apan_lints_clean_but_for_the_expected_warning() {
    let apan = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/apan.yaml");
    let rendered = Command::new(env!("CARGO_BIN_EXE_fedctl"))
        .args(["render", apan])
        .output()
        .unwrap();
    assert_eq!(rendered.status.code(), Some(0));
    let out = fedctl(&["lint", "-"], &String::from_utf8(rendered.stdout).unwrap());
    assert_eq!(out.status.code(), Some(0));
    // Istio 1.5 needs consecutiveErrors; today's webhook warns that 1.7+ ignores it.
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("consecutiveErrors"));
}

const OLD: &str = "apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata:
  name: a
  namespace: default
spec:
  host: a.default.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      simple: UNSPECIFIED
    tls:
      mode: ISTIO_MUTUAL
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: ef
  namespace: default
spec:
  priority: 1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: keep
data:
  k: v
";

#[test]
fn convert_moves_versions_and_keeps_every_field() {
    let out = fedctl(&["convert", "--to", "v1", "-"], OLD);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let docs = istio_types::read::read_stream(&text, None);
    assert_eq!(docs.len(), 3);
    let Ok(istio_types::read::Document::Istio(dr)) = &docs[0].result else {
        panic!("{text}")
    };
    assert_eq!(dr.api_version_string(), "networking.istio.io/v1");
    // The explicit default the user wrote survives.
    assert!(text.contains("simple: UNSPECIFIED"), "{text}");
    let before = istio_types::read::read_stream(OLD, None);
    let Ok(istio_types::read::Document::Istio(old)) = &before[0].result else {
        panic!()
    };
    let (
        istio_types::IstioResource::DestinationRule(a),
        istio_types::IstioResource::DestinationRule(b),
    ) = (old, dr)
    else {
        panic!()
    };
    assert_eq!(a.spec, b.spec);
    // EnvoyFilter is only served at v1alpha3: kept, with a note.
    assert!(text.contains("apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("EnvoyFilter is not served"));
    // Other kinds pass through unchanged.
    assert!(text.contains("kind: ConfigMap\nmetadata:\n  name: keep\ndata:\n  k: v\n"));
}

#[test]
fn convert_writes_nothing_when_a_document_is_bad() {
    let out = fedctl(&["convert", "--to", "v1", "-"], BAD);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("spec.tls"));
}

/// Telemetry, WasmPlugin, ProxyConfig and a policy without spec: Istio resources, linted and
/// converted like the others (not skipped as "not an Istio resource").
const NEWER_KINDS: &str = "apiVersion: telemetry.istio.io/v1alpha1
kind: Telemetry
metadata: {name: mesh-default, namespace: istio-system}
spec:
  accessLogging:
  - providers:
    - name: envoy
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: openid, namespace: default}
spec:
  url: oci://ghcr.io/example/openid:1.0
---
apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata: {name: per-workload, namespace: default}
spec:
  concurrency: 0
---
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: {name: inherit, namespace: default}
";

#[test]
fn lint_and_convert_read_telemetry_wasm_plugin_proxy_config_and_specless_policies() {
    let out = fedctl(&["lint", "-"], NEWER_KINDS);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("not an Istio resource"), "{stderr}");

    let out = fedctl(&["convert", "--to", "v1", "-"], NEWER_KINDS);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("apiVersion: telemetry.istio.io/v1\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("apiVersion: security.istio.io/v1\n"),
        "{stdout}"
    );
    // WasmPlugin and ProxyConfig have one version each: kept, with a note.
    assert!(stdout.contains("apiVersion: extensions.istio.io/v1alpha1\n"));
    assert!(stdout.contains("apiVersion: networking.istio.io/v1beta1\n"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("WasmPlugin is not served at extensions.istio.io/v1"),
        "{stderr}"
    );
    // The PeerAuthentication had no spec and is written without one.
    assert!(
        stdout.ends_with(
            "kind: PeerAuthentication\nmetadata:\n  name: inherit\n  namespace: default\n"
        ),
        "{stdout}"
    );

    let back = fedctl(&["convert", "--to", "v1alpha1", "-"], &stdout);
    assert_eq!(back.status.code(), Some(0));
    let back = String::from_utf8(back.stdout).unwrap();
    assert!(
        back.contains("apiVersion: telemetry.istio.io/v1alpha1\n"),
        "{back}"
    );
}
