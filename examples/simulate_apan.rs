//! The APAN-50 experiment, simulated before anything is applied: the study's federation
//! (examples/apan.yaml, Istio 1.5.10) rendered in memory, then the echo service's traffic
//! through TEIN's ingress gateway with 1 connection, then 3 parallel connections, side by side.
//! `cargo run --example simulate_apan`.
//!
//! This is what `fedctl simulate examples/apan.yaml --service echo --concurrency N` does,
//! through the libraries.

use std::path::Path;
use std::process::ExitCode;

use fed_render::Object;
use fed_sim::{Amount, Load, Mesh};

/// The simulator takes Istio objects and Kubernetes Services and Deployments per cluster,
/// plus where each cluster is and which address reaches it.
fn mesh(fed: &fed_model::ValidatedFederation, bundles: &[fed_render::Bundle]) -> Mesh {
    let mut mesh = Mesh {
        release: fed_render::analyze::release(fed),
        cluster_domain: fed.mesh().cluster_domain().to_owned(),
        root_namespace: "istio-system".to_owned(),
        clusters: Vec::new(),
    };
    for (cluster, bundle) in fed.clusters().zip(bundles) {
        let mut c = fed_sim::Cluster {
            name: bundle.cluster.clone(),
            locality: Some(cluster.locality().to_string()),
            gateway: cluster
                .gateway()
                .map(|g| (g.address().to_string(), u32::from(g.port().get()))),
            ..fed_sim::Cluster::default()
        };
        for object in &bundle.objects {
            match object {
                Object::Istio(r) => c.istio.push(r.clone()),
                Object::Service(s) => c.add_service(s),
                Object::Deployment(d) => c.add_deployment(d),
                _ => {}
            }
        }
        mesh.clusters.push(c);
    }
    mesh
}

fn main() -> ExitCode {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("apan.yaml");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let fed = match fed_model::validate_yaml_str(&text, Some(&path), path.parent()) {
        Ok(v) => v.federation,
        Err(report) => {
            for d in report.into_diagnostics() {
                eprintln!("{d}");
            }
            return ExitCode::from(1);
        }
    };
    let bundles = match fed_render::render(&fed) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot render: {e}");
            return ExitCode::from(2);
        }
    };
    let mesh = mesh(&fed, &bundles);
    let mut runs = Vec::new();
    for concurrency in [1, 3] {
        let load = Load {
            service: "echo".into(),
            from: "tein".into(),
            concurrency,
            amount: Amount::Requests(300),
            ..Load::default()
        };
        match fed_sim::run(&mesh, &load) {
            Ok(o) => runs.push((concurrency, o)),
            Err(e) => {
                eprintln!("cannot simulate: {e}");
                return ExitCode::from(2);
            }
        }
    }
    println!(
        "APAN-50 at Istio {}: 300 requests for echo through tein's ingress gateway\n",
        mesh.release
    );
    println!("{:<28} {:>16} {:>16}", "", "1 connection", "3 connections");
    let row = |label: &str, f: &dyn Fn(&fed_sim::Outcome) -> String| {
        println!("{label:<28} {:>16} {:>16}", f(&runs[0].1), f(&runs[1].1));
    };
    for cluster in ["tein", "gke"] {
        row(&format!("served in {cluster}"), &|o| {
            o.served[cluster].to_string()
        });
    }
    for flag in ["UO", "UH", "UF"] {
        row(&format!("failed {flag}"), &|o| o.failed[flag].to_string());
    }
    row("server pods' overflow 503s", &|o| {
        o.server_overflows.values().sum::<u64>().to_string()
    });
    row("first ejection", &|o| {
        o.ejections.first().map_or_else(
            || "none".to_owned(),
            |e| format!("{} at {:.0} ms", e.cluster, e.at_ms),
        )
    });
    row("p50 latency in gke (ms)", &|o| {
        o.latency
            .get("gke")
            .map_or_else(|| "-".to_owned(), |l| format!("{:.0}", l.p50_ms))
    });
    println!(
        "\nWith one connection every request is served in tein. With three, tein's pod refuses \
         the third request with its own 503 UO (its sidecar applies the DestinationRule's \
         limits inbound), the gateway's outlier detection ejects it after that gateway error, \
         and requests go to gke; requests over the gateway's own shared limits fail with 503 UO \
         on the way, before and after the switch."
    );
    ExitCode::SUCCESS
}
