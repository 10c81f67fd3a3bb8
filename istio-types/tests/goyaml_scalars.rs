//! Plain scalars are typed as Kubernetes types them: sigs.k8s.io/yaml reads YAML with go-yaml v2
//! (YAML 1.1 rules) before any schema sees it. A string field takes what go-yaml gives as a
//! string; a number or boolean field takes what go-yaml gives as a number or boolean (with
//! go-yaml's value), and refuses the rest.

use istio_types::IstioResource;
use istio_types::read::{Document, ReadError, read_stream};

fn read(yaml: &str) -> Result<IstioResource, Box<ReadError>> {
    match read_stream(yaml, None).remove(0).result {
        Ok(Document::Istio(r)) => Ok(r),
        Ok(other) => panic!("not an Istio resource: {other:?}"),
        Err(e) => Err(Box::new(e)),
    }
}

/// Reads, checks against the CRD, and checks that what is written reads back equal.
fn read_valid(yaml: &str) -> IstioResource {
    let r = read(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    if let Some(crds) = testkit::CrdSet::istio() {
        crds.assert_valid(&serde_json::to_value(&r).unwrap());
    }
    let written = istio_types::write::to_yaml(&r).unwrap();
    assert_eq!(read(&written).unwrap(), r, "{written}");
    r
}

#[test]
fn an_ipv6_address_ending_in_colons_in_a_flow_list_is_a_string() {
    // istio/istio 1.30.3 pkg/config/validation/testdata/crds/serviceentry-valid.yaml: go-yaml
    // ends a plain scalar in a flow list at `,` or `]`, not at the `:` before it.
    let r = read_valid(
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: addresses\nspec:\n  hosts: [example.com]\n  addresses: [1.2.3.4, 001:db8::]\n  ports:\n  - number: 80\n    name: http\n    protocol: HTTP\n",
    );
    let IstioResource::ServiceEntry(se) = r else {
        panic!()
    };
    assert_eq!(se.spec.addresses, ["1.2.3.4", "001:db8::"]);
}

#[test]
fn strings_that_look_like_numbers_to_yaml_1_2_are_strings() {
    // Sexagesimal-looking, IPv6, dotted and timestamp-like plain scalars are strings to go-yaml.
    for value in [
        "12:30",
        "2001:db8::1",
        "190:20:30",
        "2001-12-14",
        "1.2.3",
        "0x",
    ] {
        let r = read_valid(&format!(
            "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: w\nspec:\n  url: oci://r/p\n  pluginName: {value}\n"
        ));
        let IstioResource::WasmPlugin(w) = r else {
            panic!()
        };
        assert_eq!(w.spec.plugin_name.as_deref(), Some(value));
    }
}

#[test]
fn strings_that_go_yaml_types_as_something_else_are_refused() {
    // `0755` is the integer 493, `1e3` a float, `yes` a boolean: to the API server none is a
    // string.
    for value in ["0755", "0x1F", "1_000", "1e3", "+5", "yes", "On", "Y"] {
        let e = read(&format!(
            "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: w\nspec:\n  url: oci://r/p\n  pluginName: {value}\n"
        ))
        .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("spec.pluginName"), "{value}: {e}");
    }
}

#[test]
fn numbers_take_go_yaml_s_value() {
    for (value, want) in [
        ("0x1F90", 8080),
        ("017620", 8080),
        ("0o17620", 8080),
        ("8_080", 8080),
        ("+8080", 8080),
        ("08080", 8080),
        ("8.08e3", 8080),
    ] {
        let r = read_valid(&format!(
            "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: w\nspec:\n  url: oci://r/p\n  match:\n  - ports:\n    - number: {value}\n"
        ));
        let IstioResource::WasmPlugin(w) = &r else {
            panic!()
        };
        assert_eq!(w.spec.match_[0].ports[0].number, want, "{value}");
        // Written back in the value's plain spelling.
        assert!(
            istio_types::write::to_yaml(&r)
                .unwrap()
                .contains("number: 8080\n")
        );
    }
}

#[test]
fn numbers_and_booleans_refuse_what_go_yaml_gives_as_a_string() {
    for value in ["12:30", "0b", "1.2.3", "10ms", "'8080'"] {
        let e = read(&format!(
            "apiVersion: networking.istio.io/v1beta1\nkind: ProxyConfig\nmetadata:\n  name: p\nspec:\n  concurrency: {value}\n"
        ))
        .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("spec.concurrency"), "{value}: {e}");
    }
    // `.inf` is a float JSON cannot hold: sigs.k8s.io/yaml refuses the whole document.
    let e = read("apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\nspec:\n  tracing:\n  - randomSamplingPercentage: .inf\n").unwrap_err();
    assert_eq!(
        e.path.as_deref(),
        Some("spec.tracing[0].randomSamplingPercentage"),
        "{e}"
    );
    assert_eq!(e.location.line, Some(7));
}

#[test]
fn yaml_1_1_booleans_are_booleans() {
    for (value, want) in [
        ("yes", true),
        ("On", true),
        ("Y", true),
        ("TRUE", true),
        ("no", false),
        ("OFF", false),
    ] {
        let r = read_valid(&format!(
            "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\nspec:\n  accessLogging:\n  - disabled: {value}\n"
        ));
        let IstioResource::Telemetry(t) = r else {
            panic!()
        };
        assert_eq!(t.spec.access_logging[0].disabled, Some(want), "{value}");
    }
}

#[test]
fn mapping_keys_become_the_strings_kubernetes_makes_of_them() {
    // sigs.k8s.io/yaml writes a number key in decimal: `0x1F90` is the port 8080.
    let r = read_valid(
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: p\n  namespace: foo\nspec:\n  selector:\n    matchLabels: {app: a}\n  portLevelMtls:\n    0x1F90: {mode: STRICT}\n",
    );
    let IstioResource::PeerAuthentication(p) = r else {
        panic!()
    };
    assert!(p.spec.port_level_mtls.unwrap().contains_key(&8080));
    // A boolean key is "true" or "false".
    let r = read_valid(
        "apiVersion: networking.istio.io/v1beta1\nkind: ProxyConfig\nmetadata:\n  name: p\nspec:\n  environmentVariables:\n    on: x\n    '0755': z\n",
    );
    let IstioResource::ProxyConfig(p) = r else {
        panic!()
    };
    let keys: Vec<_> = p.spec.environment_variables.unwrap().into_keys().collect();
    assert_eq!(keys, ["0755", "true"]);
}
