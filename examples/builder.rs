//! Builds a federation in Rust code instead of YAML, validates it and renders it: the library
//! use of meshfed. `cargo run --example builder`
//!
//! Three peers in three regions; clients of `checkout` in `eu` overflow to `us` and then `ap`.
//! A deliberate mistake is made first, to show that a document built in code is validated
//! exactly like one read from a file.

use std::process::ExitCode;

use fed_model::Federation;
use fed_model::raw::{
    GatewaySpec, OverflowSpec, PeerSpec, PeerToPeerSpec, PortSpec, ServiceSpec, ThresholdsSpec,
    WorkloadSpec,
};

fn peer(name: &str, locality: &str, address: &str) -> PeerSpec {
    PeerSpec {
        name: name.to_owned(),
        locality: locality.to_owned(),
        gateway: GatewaySpec {
            address: address.to_owned(),
            ..GatewaySpec::default()
        },
        ..PeerSpec::default()
    }
}

fn main() -> ExitCode {
    let mut fed = Federation::new("shop");
    fed.spec.istio.version = Some("1.30".to_owned());
    fed.spec.topology.peer_to_peer = Some(PeerToPeerSpec {
        peers: vec![
            peer("eu", "europe-west1/europe-west1-b", "203.0.113.10"),
            peer("us", "us-east1/us-east1-c", "198.51.100.20"),
            peer("ap", "asia-east1/asia-east1-a", "192.0.2.30"),
        ],
    });
    fed.spec.services.push(ServiceSpec {
        name: "checkout".to_owned(),
        namespace: Some("shop".to_owned()),
        ports: vec![PortSpec {
            name: "http".to_owned(),
            number: 8080,
            protocol: "HTTP".to_owned(),
            target_port: None,
        }],
        workload: Some(WorkloadSpec {
            image: "example/checkout:3.2".to_owned(),
            replicas: Some(2),
            ..WorkloadSpec::default()
        }),
        overflow: vec![OverflowSpec {
            from: "eu".to_owned(),
            to: vec!["us".to_owned(), "asia".to_owned()], // the mistake: there is no peer "asia"
            thresholds: Some(ThresholdsSpec {
                max_connections: Some(200),
                consecutive_errors: Some(5),
                interval: Some("10s".to_owned()),
                base_ejection_time: Some("30s".to_owned()),
                max_ejection_percent: Some(100),
                ..ThresholdsSpec::default()
            }),
            ..OverflowSpec::default()
        }],
        ..ServiceSpec::default()
    });

    // Validation reports the mistake with its path, as it would for a file.
    let Err(report) = fed.clone().validate(None) else {
        eprintln!("expected the misspelt peer to be reported");
        return ExitCode::FAILURE;
    };
    println!("# validating the first draft:");
    for d in report.diagnostics() {
        println!("#   {d}");
    }

    // Fix it and render.
    fed.spec.services[0].overflow[0].to[1] = String::from("ap");
    let validated = match fed.validate(None) {
        Ok(v) => v,
        Err(report) => {
            eprintln!("{report}");
            return ExitCode::FAILURE;
        }
    };
    let bundles = match fed_render::render(&validated.federation) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for b in &bundles {
        let kinds: Vec<String> = b
            .objects
            .iter()
            .map(|o| format!("{} {}", o.kind(), o.name()))
            .collect();
        println!("# {}: {}", b.cluster, kinds.join(", "));
    }
    // The overflowing peer's objects in full.
    match bundles[0].to_yaml_stream() {
        Ok(yaml) => print!("{yaml}"),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
