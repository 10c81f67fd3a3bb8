//! `fedctl check` as a user runs it, against fed-apply's in-process fake API server reached
//! through a kubeconfig file: two APAN clusters made by `fedctl certs` and `fedctl apply`, then
//! seeded as an installed Istio 1.5 federation; each broken in turn.

mod common;
#[path = "../../fed-apply/tests/fake/mod.rs"]
mod fake;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{FEDCTL, scratch};
use fake::{FakeApiServer, seed};
use serde_json::{Value, json};

/// Runs fedctl off the runtime's workers, so that the fake servers keep answering it.
async fn fedctl(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(FEDCTL)
            .args(&args)
            .env_remove("KUBECONFIG")
            .output()
            .expect("fedctl runs")
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn apan() -> PathBuf {
    common::example("apan.yaml")
}

/// `fedctl certs` for the APAN clusters into `dir/certs`.
async fn certs(dir: &Path) {
    let out = fedctl(args(&[
        "certs",
        apan().to_str().unwrap(),
        "-o",
        dir.join("certs").to_str().unwrap(),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// examples/apan.yaml with gke's context renamed and the shared CA of `dir/certs` (made first
/// by [`certs`]: validation wants the files).
fn document(dir: &Path) -> PathBuf {
    let apan = std::fs::read_to_string(apan()).unwrap();
    let doc = apan
        .replace("    # ca:", "    ca:")
        .replace("    #   dir: ./certs", "      dir: ./certs")
        .replace("      context: gke ", "      context: gke-ctx ");
    assert!(doc.contains("      dir: ./certs") && doc.contains("context: gke-ctx"));
    let path = dir.join("federation.yaml");
    std::fs::write(&path, doc).unwrap();
    path
}

struct Setup {
    doc: String,
    kubeconfig: String,
    tein: FakeApiServer,
    gke: FakeApiServer,
}

impl Setup {
    async fn check(&self, extra: &[&str]) -> Output {
        let mut a = args(&["check", &self.doc, "--kubeconfig", &self.kubeconfig]);
        a.extend(args(extra));
        fedctl(a).await
    }

    async fn check_json(&self) -> (Option<i32>, Value) {
        let out = self.check(&["--output", "json"]).await;
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code(), report)
    }
}

/// The worst verdict of `check` on `cluster` in a JSON report, and its findings.
fn verdict(report: &Value, cluster: &str, check: &str) -> (String, String) {
    let findings: Vec<&Value> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["cluster"] == cluster)
        .flat_map(|c| c["findings"].as_array().unwrap())
        .filter(|f| f["check"] == check)
        .collect();
    let worst = ["fail", "warn", "pass"]
        .into_iter()
        .find(|v| findings.iter().any(|f| f["verdict"] == *v))
        .unwrap_or("none");
    (
        worst.to_owned(),
        serde_json::to_string_pretty(&findings).unwrap(),
    )
}

async fn setup(name: &str) -> Setup {
    let dir = scratch(name);
    certs(&dir).await;
    let doc = document(&dir);
    let tein = FakeApiServer::start().await;
    let gke = FakeApiServer::start().await;
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        fake::kubeconfig_yaml(&[("tein", &tein.url()), ("gke-ctx", &gke.url())]),
    )
    .unwrap();
    let s = Setup {
        doc: doc.display().to_string(),
        kubeconfig: kubeconfig.display().to_string(),
        tein,
        gke,
    };
    for (server, region, zone, gateway) in [
        (&s.tein, "asia-southeast1", "tein-a", "202.28.193.112"),
        (&s.gke, "us-west1", "us-west1-b", "202.28.193.115"),
    ] {
        seed::serve_istio(server, "v1alpha3");
        seed::istiod(server, "docker.io/istio/pilot:1.5.10");
        seed::zoned_node(server, "node-1", region, zone);
        seed::pod(
            server,
            "default",
            "echo-5f7",
            &[("app", "echo")],
            "node-1",
            &[],
        );
        seed::gateway(
            server,
            "node-1",
            &[80, 443, 15443],
            gateway,
            &[("ISTIO_META_ROUTER_MODE", "sni-dnat")],
        );
    }
    let applied = fedctl(args(&["apply", &s.doc, "--kubeconfig", &s.kubeconfig])).await;
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stdout)
    );
    for server in [&s.tein, &s.gke] {
        seed::available(server, "default", "echo");
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_holds_on_the_applied_federation_and_fails_for_each_broken_cluster() {
    let s = setup("apan").await;
    let (code, report) = s.check_json().await;
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["holds"], true);
    for cluster in ["tein", "gke"] {
        for check in [
            "reachable",
            "crds",
            "istiod-version",
            "root-ca",
            "node-labels",
            "objects",
            "field-owners",
            "ready",
        ] {
            let (v, text) = verdict(&report, cluster, check);
            assert_eq!(v, "pass", "{cluster} {check}: {text}");
        }
    }
    // Only gke is an overflow target: only its gateway is checked, in 1.5's sni-dnat mode.
    let (v, text) = verdict(&report, "gke", "gateway");
    assert_eq!(v, "pass", "{text}");
    assert!(
        text.contains("set ISTIO_META_ROUTER_MODE=sni-dnat"),
        "{text}"
    );
    assert_eq!(verdict(&report, "tein", "gateway").0, "none");
    let (_, text) = verdict(&report, "tein", "root-ca");
    assert!(text.contains("certs/root-cert.pem"), "{text}");

    // The human table.
    let out = s.check(&[]).await;
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("check           tein  gke\nreachable       ✓     ✓\n"),
        "{text}"
    );
    assert!(text.contains("\ngateway         -     ✓\n"), "{text}");
    assert!(
        text.ends_with("every check holds on 2 cluster(s)\n"),
        "{text}"
    );

    // gke runs Istio 1.6: an error, for gke alone.
    seed::istiod(&s.gke, "docker.io/istio/pilot:1.6.14");
    // gke's gateway Service lost 15443.
    seed::service(
        &s.gke,
        "istio-system",
        "istio-ingressgateway",
        &[("istio", "ingressgateway"), ("app", "istio-ingressgateway")],
        &[80, 443],
        "202.28.193.115",
    );
    let (code, report) = s.check_json().await;
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["holds"], false);
    let (v, text) = verdict(&report, "gke", "istiod-version");
    assert_eq!(v, "fail", "{text}");
    assert!(text.contains("Istio 1.6, not 1.5"), "{text}");
    let (v, text) = verdict(&report, "gke", "gateway");
    assert_eq!(v, "fail", "{text}");
    assert!(text.contains("none exposes 15443"), "{text}");
    // 1.5's default gateway Service exposes 15443 and 1.5 has no east-west gateway: the fix
    // says to put the port back on the ingress gateway's Service.
    assert!(
        text.contains("a `tls` port 15443 on the ingress gateway's Service (see gke/RUNBOOK.md)"),
        "{text}"
    );
    assert_eq!(verdict(&report, "tein", "istiod-version").0, "pass");

    let out = s.check(&[]).await;
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("\nistiod-version  ✓     ✗\n"), "{text}");
    assert!(
        text.contains("✗ gke istiod-version istiod in istio-system: istio-system/istiod runs docker.io/istio/pilot:1.6.14: Istio 1.6, not 1.5\n    fix: run istiod 1.5"),
        "{text}"
    );
    assert!(text.ends_with("1 of 2 cluster(s) fail a check\n"), "{text}");

    // --cluster checks one cluster only.
    let out = s.check(&["--cluster", "tein"]).await;
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("check           tein\n"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_fails_and_the_other_is_still_checked() {
    let s = setup("down").await;
    std::fs::write(
        &s.kubeconfig,
        fake::kubeconfig_yaml(&[("tein", &s.tein.url()), ("gke-ctx", &fake::down_url())]),
    )
    .unwrap();
    let (code, report) = s.check_json().await;
    assert_eq!(code, Some(1), "{report:#}");
    let (v, text) = verdict(&report, "gke", "reachable");
    assert_eq!(v, "fail", "{text}");
    assert!(text.contains("API server does not answer"), "{text}");
    let (v, text) = verdict(&report, "tein", "objects");
    assert_eq!(v, "pass", "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    let dir = scratch("usage");
    certs(&dir).await;
    let doc = document(&dir).display().to_string();
    let out = fedctl(args(&[
        "check",
        &doc,
        "--kubeconfig",
        "/nonexistent/kubeconfig",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/kubeconfig"));
    let out = fedctl(args(&["check", &doc, "--cluster", "nope"])).await;
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no cluster \"nope\""));
}

/// `cluster=context,...` from `MESHFED_E2E_CONTEXTS` (as for tests/tests/e2e_apan.rs).
fn e2e_contexts() -> Vec<(String, String)> {
    std::env::var("MESHFED_E2E_CONTEXTS")
        .unwrap_or_default()
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (cluster, context) = pair
                .split_once('=')
                .unwrap_or_else(|| panic!("MESHFED_E2E_CONTEXTS: {pair:?} is not cluster=context"));
            (cluster.to_owned(), context.to_owned())
        })
        .collect()
}

/// examples/apan.yaml with each peer's `context` set from `contexts`.
fn e2e_document(dir: &Path, contexts: &[(String, String)]) -> PathBuf {
    let mut doc = String::new();
    for line in std::fs::read_to_string(apan()).unwrap().lines() {
        if line.trim_start().starts_with("context:") {
            continue;
        }
        doc.push_str(line);
        doc.push('\n');
        let trimmed = line.trim_start();
        if let Some(name) = trimmed.strip_prefix("- name: ") {
            let name = name.split_whitespace().next().unwrap_or_default();
            if let Some((_, ctx)) = contexts.iter().find(|(c, _)| c == name) {
                let indent = line.len() - trimmed.len() + 2;
                doc.push_str(&" ".repeat(indent));
                doc.push_str("context: ");
                doc.push_str(ctx);
                doc.push('\n');
            }
        }
    }
    let path = dir.join("federation.yaml");
    std::fs::write(&path, doc).unwrap();
    path
}

/// `fedctl apply` then `fedctl check` on real clusters: the kind/k3d setup of README.md
/// ("Tests"), with `KUBECONFIG` and `MESHFED_E2E_CONTEXTS` set as for tests/tests/e2e_apan.rs.
/// That setup installs Istio's CRDs but not istiod, gateways or node labels, so the checks of
/// what `apply` made must hold, and the others must each report their finding (holding or not)
/// instead of stopping the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs cluster"]
async fn check_on_real_clusters_after_apply() {
    let kubeconfig = std::env::var("KUBECONFIG")
        .expect("set KUBECONFIG to a kubeconfig whose contexts are disposable test clusters");
    let dir = scratch("e2e");
    let doc = e2e_document(&dir, &e2e_contexts()).display().to_string();
    let applied = fedctl(args(&["apply", &doc, "--kubeconfig", &kubeconfig])).await;
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&applied.stdout),
        String::from_utf8_lossy(&applied.stderr)
    );
    let out = fedctl(args(&[
        "check",
        &doc,
        "--kubeconfig",
        &kubeconfig,
        "--output",
        "json",
    ]))
    .await;
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    println!("{report:#}");
    for cluster in ["tein", "gke"] {
        for check in ["reachable", "crds", "objects", "field-owners"] {
            let (v, text) = verdict(&report, cluster, check);
            assert_eq!(v, "pass", "{cluster} {check}: {text}");
        }
        for check in ["istiod-version", "root-ca", "node-labels", "ready"] {
            let (v, text) = verdict(&report, cluster, check);
            assert_ne!(v, "none", "{cluster} {check}: {text}");
        }
    }
    assert_ne!(verdict(&report, "gke", "gateway").0, "none");
    assert_eq!(report["holds"], out.status.code() == Some(0));
    let human = fedctl(args(&["check", &doc, "--kubeconfig", &kubeconfig])).await;
    println!("{}", String::from_utf8_lossy(&human.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_end_to_end_document_names_the_given_contexts() {
    let dir = scratch("e2e-doc");
    let contexts = [
        ("tein".to_owned(), "kind-tein".to_owned()),
        ("gke".to_owned(), "kind-gke".to_owned()),
    ];
    let doc = e2e_document(&dir, &contexts).display().to_string();
    let out = fedctl(args(&["render", &doc])).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = std::fs::read_to_string(&doc).unwrap();
    assert!(
        text.contains(
            "        - name: tein           # IoTcloudServe@TEIN\n          context: kind-tein\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("          context: kind-gke\n") && !text.contains("context: gke"),
        "{text}"
    );
}

/// The LIQO example's document, its kubeconfig, and its consumer and provider servers, seeded.
async fn liqo_setup() -> (String, String, FakeApiServer, FakeApiServer) {
    let dir = scratch("liqo");
    let doc = dir.join("federation.yaml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/liqo.yaml"),
        &doc,
    )
    .unwrap();
    let doc = doc.display().to_string();
    let consumer = FakeApiServer::start().await;
    let provider = FakeApiServer::start().await;
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        fake::kubeconfig_yaml(&[
            ("consumer", &consumer.url()),
            ("provider1", &provider.url()),
        ]),
    )
    .unwrap();
    let kubeconfig = kubeconfig.display().to_string();
    seed::serve_istio(&consumer, "v1beta1");
    seed::serve_liqo(&consumer);
    seed::istiod(&consumer, "docker.io/istio/pilot:1.22.8");
    seed::ca_root_configmap(&consumer, &root_pem(&dir).await);
    seed::zoned_node(&consumer, "c-1", "eu-west", "consumer");
    seed::virtual_node(
        &consumer,
        "provider1",
        &[
            ("topology.kubernetes.io/region", "eu-west"),
            ("topology.kubernetes.io/zone", "provider1"),
        ],
    );
    seed::foreign_cluster(&consumer, "provider1", "Established");
    seed::pod(
        &consumer,
        "fluidosmesh",
        "s0-consumer-1",
        &[("app", "s0"), ("app-t", "s0-consumer")],
        "c-1",
        &[],
    );
    seed::zoned_node(&provider, "p-1", "eu-west", "provider1");
    seed::pod(
        &provider,
        "fluidosmesh",
        "s0-provider1-1",
        &[("app", "s0"), ("app-t", "s0-provider1")],
        "p-1",
        &[],
    );
    (doc, kubeconfig, consumer, provider)
}

/// examples/liqo.yaml applied to a consumer and seeded as LIQO and Istio 1.22 would leave it:
/// istiod and LIQO's peering in the consumer only, the provider's virtual node carrying its
/// locality, each cluster's own instance of s0 on its labelled nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_follows_the_consumer_provider_topology() {
    let (doc, kubeconfig, consumer, provider) = liqo_setup().await;
    let applied = fedctl(args(&["apply", &doc, "--kubeconfig", &kubeconfig])).await;
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stdout)
    );
    for name in ["s0-consumer", "s0-provider1"] {
        seed::available(&consumer, "fluidosmesh", name);
    }
    let check = || {
        fedctl(args(&[
            "check",
            &doc,
            "--kubeconfig",
            &kubeconfig,
            "--output",
            "json",
        ]))
    };
    let out = check().await;
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    for c in [
        "reachable",
        "crds",
        "istiod-version",
        "root-ca",
        "node-labels",
        "objects",
        "field-owners",
        "ready",
        "liqo-peering",
        "virtual-nodes",
    ] {
        let (v, text) = verdict(&report, "consumer", c);
        assert_eq!(v, "pass", "consumer {c}: {text}");
    }
    // The provider runs no control plane and holds no manifests: reachable and its nodes.
    for c in [
        "istiod-version",
        "root-ca",
        "objects",
        "liqo-peering",
        "gateway",
    ] {
        assert_eq!(verdict(&report, "provider1", c).0, "none", "provider1 {c}");
    }
    let (v, text) = verdict(&report, "provider1", "node-labels");
    assert_eq!(v, "pass", "{text}");
    assert!(text.contains("the 1 node(s) running the services carry topology.kubernetes.io/region=eu-west topology.kubernetes.io/zone=provider1"), "{text}");

    // The service namespace's offloading is stuck, and the provider's node lost its zone.
    consumer.set_status(
        "offloading.liqo.io",
        "namespaceoffloadings",
        "fluidosmesh",
        "offloading",
        json!({"offloadingPhase": "SomeFailed"}),
    );
    seed::zoned_node(&provider, "p-1", "eu-west", "elsewhere");
    let out = check().await;
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let (v, text) = verdict(&report, "consumer", "ready");
    assert_eq!(v, "fail", "{text}");
    assert!(
        text.contains("\"subject\": \"NamespaceOffloading fluidosmesh/offloading\"")
            && text.contains("offloadingPhase SomeFailed, not Ready"),
        "{text}"
    );
    let (v, text) = verdict(&report, "provider1", "node-labels");
    assert_eq!(v, "fail", "{text}");
    assert!(
        text.contains(
            "topology.kubernetes.io/zone=elsewhere (runs fluidosmesh/app-t=s0-provider1)"
        ),
        "{text}"
    );
}

/// The root of a fresh `fedctl certs` run, as istiod would publish its own.
async fn root_pem(dir: &Path) -> String {
    certs(dir).await;
    std::fs::read_to_string(dir.join("certs/root-cert.pem")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_with_another_root_fails_with_the_fix_for_this_document() {
    let s = setup("roots").await;
    let other = scratch("roots-other");
    certs(&other).await;
    let read = |f: &str| std::fs::read_to_string(other.join("certs").join(f)).unwrap();
    seed::cacerts(&s.gke, &read("root-cert.pem"), &read("gke/ca-cert.pem"));
    let (code, report) = s.check_json().await;
    assert_eq!(code, Some(1), "{report:#}");
    for cluster in ["tein", "gke"] {
        let (v, text) = verdict(&report, cluster, "root-ca");
        assert_eq!(v, "fail", "{text}");
        assert!(
            text.contains("the clusters trust different roots"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "`fedctl apply {}` puts the intermediate CAs of mesh.ca.dir in Secret istio-system/cacerts",
                s.doc
            )),
            "{text}"
        );
    }
    let (_, text) = verdict(&report, "gke", "root-ca");
    assert!(
        text.contains("/certs/root-cert.pem (O=Istio, CN=Root CA sha256:"),
        "{text}"
    );
}
