//! `fedctl simulate`: the seeds' experiment on the APAN example per release, objects edited in
//! a `render -o` folder, and bad input.

mod common;

use std::path::{Path, PathBuf};

use common::fedctl;

use istio_types::IstioResource;
use istio_types::networking::{ConnectionPoolSettings, DestinationRule};
use istio_types::read::{Document, read_stream_map};
use serde_json::Value;

fn apan_at(version: &str) -> String {
    std::fs::read_to_string(common::example("apan.yaml"))
        .unwrap()
        .replace("version: \"1.5\"", &format!("version: \"{version}\""))
}

fn simulate(doc: &str, extra: &[&str]) -> Value {
    let mut args = vec!["simulate", "-", "--service", "echo", "--output", "json"];
    args.extend_from_slice(extra);
    let out = fedctl(&args, doc);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn n(v: &Value, path: &str) -> u64 {
    v.pointer(path)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{path} in {v}"))
}

fn conserved(v: &Value) {
    let served: u64 = v["served"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x.as_u64().unwrap())
        .sum();
    let failed: u64 = v["failed"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x.as_u64().unwrap())
        .sum();
    assert_eq!(served + failed, n(v, "/requests"), "{v}");
}

#[test]
fn seeds_experiment_at_1_5_one_then_three_connections() {
    let doc = apan_at("1.5");
    let one = simulate(&doc, &["--concurrency", "1", "--requests", "300"]);
    assert_eq!(one["istio"], "1.5");
    assert_eq!(
        one["lb_policy"], "ROUND_ROBIN",
        "Istio's default before 1.14"
    );
    assert_eq!(one["from"], "tein");
    assert_eq!(n(&one, "/served/tein"), 300, "{one}");
    assert!(one["ejections"].as_array().unwrap().is_empty());
    conserved(&one);

    let three = simulate(&doc, &["--concurrency", "3", "--requests", "300"]);
    conserved(&three);
    let ejections = three["ejections"].as_array().unwrap();
    assert_eq!(ejections[0]["cluster"], "tein", "{three}");
    assert!(
        ejections[0]["endpoint"]
            .as_str()
            .unwrap()
            .starts_with("tein/")
    );
    assert!(n(&three, "/served/gke") > 0, "{three}");
    // The failures before the switch are reported: the pod's own overflow that ejected it,
    // and the gateway's shared limits refusing requests.
    assert!(n(&three, "/server_overflows/tein") >= 1, "{three}");
    assert!(n(&three, "/failed/UO") > 0, "{three}");
    let first_gke = three["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| n(s, "/served/gke") > 0)
        .unwrap();
    assert!(first_gke["t_ms"].as_f64().unwrap() >= ejections[0]["at_ms"].as_f64().unwrap() - 5.0);
}

#[test]
fn same_seed_same_output_and_the_seed_matters() {
    let doc = apan_at("1.5");
    let run = |seed: &str| simulate(&doc, &["--concurrency", "3", "--seed", seed]);
    assert_eq!(run("1"), run("1"));
    assert_ne!(run("1"), run("7"));
}

#[test]
fn at_1_30_the_document_also_overflows() {
    let v = simulate(
        &apan_at("1.30"),
        &["--concurrency", "3", "--requests", "300"],
    );
    conserved(&v);
    assert_eq!(v["lb_policy"], "LEAST_REQUEST", "Istio's default from 1.14");
    // The pod's own inbound limits (a Sidecar inboundConnectionPool on 1.21+) overflow, the
    // gateway ejects it on that upstream 503, and gke serves the rest.
    assert!(n(&v, "/server_overflows/tein") > 0, "{v}");
    assert_eq!(v["ejections"][0]["cluster"], "tein", "{v}");
    assert!(n(&v, "/served/gke") > n(&v, "/served/tein"), "{v}");
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fedctl-simulate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Edits tein's objects so that the limits are client-side only: no Sidecar
/// inboundConnectionPool, no connectionPool in the service's namespace, and a DestinationRule
/// in the root namespace (the ingress gateway's, which it looks up first) holding the seeds'
/// limits beside the service rule's traffic policy.
fn client_side_only(dir: &Path) {
    let tein = dir.join("tein");
    let mut limits: Option<DestinationRule> = None;
    let kustomization = tein.join("kustomization.yaml");
    let listed = std::fs::read_to_string(&kustomization).unwrap();
    for line in listed.lines() {
        let Some(file) = line.strip_prefix("- ") else {
            continue;
        };
        let path = tein.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut out = String::new();
        for (raw, doc) in read_stream_map(&text, None, |raw, d| (raw.text.to_owned(), d.result)) {
            match doc.unwrap() {
                Document::Istio(IstioResource::Sidecar(mut s)) => {
                    s.spec.inbound_connection_pool = None;
                    for i in &mut s.spec.ingress {
                        i.connection_pool = None;
                    }
                    out.push_str("---\n");
                    out.push_str(&istio_types::write::to_yaml(&*s).unwrap());
                }
                Document::Istio(IstioResource::DestinationRule(mut dr))
                    if dr.metadata.namespace.as_deref() == Some("default") =>
                {
                    let mut client = (*dr).clone();
                    client.metadata.name = Some("echo-client-limits".into());
                    client.metadata.namespace = Some("istio-system".into());
                    client.spec.export_to = Vec::new();
                    let tp = client.spec.traffic_policy.get_or_insert_default();
                    tp.connection_pool = Some(seeds_pool());
                    limits = Some(client);
                    if let Some(tp) = dr.spec.traffic_policy.as_mut() {
                        tp.connection_pool = None;
                    }
                    out.push_str("---\n");
                    out.push_str(&istio_types::write::to_yaml(&*dr).unwrap());
                }
                Document::Istio(IstioResource::DestinationRule(_)) => {}
                _ => {
                    out.push_str("---\n");
                    out.push_str(&raw);
                    out.push('\n');
                }
            }
        }
        std::fs::write(&path, out).unwrap();
    }
    let limits = limits.expect("tein has the service's DestinationRule");
    std::fs::write(
        tein.join("zz-client-limits.yaml"),
        istio_types::write::to_yaml(&limits).unwrap(),
    )
    .unwrap();
    std::fs::write(kustomization, listed + "\n- zz-client-limits.yaml\n").unwrap();
}

/// The APAN example at `version`, written to a file and rendered with `render -o` into a
/// folder beside it.
fn rendered(name: &str, version: &str) -> (PathBuf, PathBuf) {
    let dir = tempdir(name);
    let file = dir.with_extension("yaml");
    std::fs::write(&file, apan_at(version)).unwrap();
    let out = fedctl(
        &[
            "render",
            file.to_str().unwrap(),
            "-o",
            dir.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    (dir, file)
}

fn seeds_pool() -> ConnectionPoolSettings {
    istio_types::read::from_str(
        "tcp: {maxConnections: 1}\nhttp: {http1MaxPendingRequests: 1, http2MaxRequests: 1, maxRequestsPerConnection: 1}\n",
    )
    .unwrap()
}

#[test]
fn at_1_30_client_side_limits_only_give_503_uo_and_nothing_in_gke() {
    let (dir, file) = rendered("client-side", "1.30");
    client_side_only(&dir);
    let out = fedctl(
        &[
            "simulate",
            file.to_str().unwrap(),
            "--service",
            "echo",
            "--concurrency",
            "3",
            "--requests",
            "300",
            "--rendered",
            dir.to_str().unwrap(),
            "--output",
            "json",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    conserved(&v);
    assert!(n(&v, "/failed/UO") > 0, "{v}");
    assert_eq!(n(&v, "/served/gke"), 0, "{v}");
    assert!(v["ejections"].as_array().unwrap().is_empty(), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn text_output_and_plot() {
    let plot = tempdir("plot").with_extension("svg");
    let out = fedctl(
        &[
            "simulate",
            "-",
            "--service",
            "echo",
            "--concurrency",
            "3",
            "--requests",
            "200",
            "--plot",
            plot.to_str().unwrap(),
        ],
        &apan_at("1.5"),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("gateway with 4 workers"), "{text}");
    assert!(text.contains("ejections:"), "{text}");
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let _ = std::fs::remove_file(&plot);
}

fn fails(args: &[&str], stdin: &str, code: i32, message: &str) {
    let out = fedctl(args, stdin);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(err.contains(message), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_is_named() {
    let doc = apan_at("1.5");
    fails(&["simulate", "-", "--service", "nope"], &doc, 2, "\"nope\"");
    fails(
        &["simulate", "-", "--service", "echo", "--concurrency", "0"],
        &doc,
        2,
        "concurrency: 0 is not allowed",
    );
    fails(
        &["simulate", "-", "--service", "echo", "--duration", "1000h"],
        &doc,
        2,
        "duration",
    );
    fails(
        &[
            "simulate",
            "-",
            "--service",
            "echo",
            "--service-time",
            "soon",
        ],
        &doc,
        2,
        "--service-time \"soon\"",
    );
    fails(
        &["simulate", "-", "--service", "echo", "--from", "mars"],
        &doc,
        2,
        "cluster \"mars\"",
    );
    // A third peer that does not run echo.
    let three = doc.replace(
        "  services:\n",
        "        - name: edge\n          locality: eu-west1/eu-west1-a\n          gateway: {address: 202.28.193.120}\n  services:\n",
    );
    fails(
        &["simulate", "-", "--service", "echo", "--from", "edge"],
        &three,
        2,
        "cluster \"edge\" does not run service default/echo",
    );
}

#[test]
fn broken_yaml_in_a_rendered_folder_is_named() {
    let (dir, file) = rendered("broken", "1.5");
    let broken = dir.join("tein").join("broken.yaml");
    std::fs::write(
        &broken,
        "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata: {name: x, namespace: default}\nspec:\n  host: [unclosed\n",
    )
    .unwrap();
    let kustomization = dir.join("tein").join("kustomization.yaml");
    let listed = std::fs::read_to_string(&kustomization).unwrap();
    std::fs::write(&kustomization, listed + "\n- broken.yaml\n").unwrap();
    let out = fedctl(
        &[
            "simulate",
            file.to_str().unwrap(),
            "--service",
            "echo",
            "--rendered",
            dir.to_str().unwrap(),
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("broken.yaml"), "{err}");
    let missing = fedctl(
        &[
            "simulate",
            file.to_str().unwrap(),
            "--service",
            "echo",
            "--rendered",
            dir.join("nowhere").to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(missing.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn a_rendered_folder_as_written_simulates_like_the_document() {
    let (dir, file) = rendered("as-written", "1.5");
    let args = |rendered: bool| {
        let mut a = vec![
            "simulate".to_owned(),
            file.display().to_string(),
            "--service".into(),
            "echo".into(),
            "--concurrency".into(),
            "3".into(),
            "--output".into(),
            "json".into(),
        ];
        if rendered {
            a.extend(["--rendered".to_owned(), dir.display().to_string()]);
        }
        a
    };
    let run = |rendered: bool| {
        let a = args(rendered);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        fedctl(&a, "")
    };
    let (memory, folder) = (run(false), run(true));
    assert_eq!(folder.status.code(), Some(0), "{folder:?}");
    assert_eq!(memory.stdout, folder.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&file);
}
