//! The CA `fedctl certs` makes is a CA chain Istio can plug in: checked with a real X.509
//! parser and signature verifier (x509-parser with ring) and, where the machine has it, with
//! `openssl verify`.

use fed_render::certs::{CaSet, generate};
use x509_parser::extensions::ParsedExtension;
use x509_parser::pem::parse_x509_pem;
use x509_parser::prelude::*;

fn ca() -> CaSet {
    let not_before = ::time::OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap(); // 2026-01-01
    generate(&["tein", "gke"], not_before).expect("generation works")
}

fn der(pem: &str) -> Vec<u8> {
    let (_, p) = parse_x509_pem(pem.as_bytes()).expect("PEM");
    p.contents
}

fn basic_constraints(cert: &X509Certificate<'_>) -> (bool, Option<u32>) {
    for ext in cert.extensions() {
        if let ParsedExtension::BasicConstraints(bc) = ext.parsed_extension() {
            assert!(
                ext.critical,
                "basicConstraints is critical, as Istio's Makefile makes it"
            );
            return (bc.ca, bc.path_len_constraint);
        }
    }
    panic!("no basicConstraints");
}

#[test]
fn root_signs_each_intermediate_which_is_a_ca_with_pathlen_0() {
    let ca = ca();
    let root_der = der(&ca.root_cert);
    let (_, root) = X509Certificate::from_der(&root_der).unwrap();
    assert_eq!(basic_constraints(&root), (true, None));
    root.verify_signature(None)
        .expect("the root is self-signed");
    assert!(root.subject().to_string().contains("CN=Root CA"));
    assert_eq!(root.validity().not_before.timestamp(), 1_767_225_600);

    assert_eq!(ca.clusters.len(), 2);
    for c in &ca.clusters {
        let int_der = der(&c.ca_cert);
        let (_, int) = X509Certificate::from_der(&int_der).unwrap();
        assert_eq!(basic_constraints(&int), (true, Some(0)), "{}", c.cluster);
        int.verify_signature(Some(root.public_key()))
            .expect("signed by the root");
        assert_eq!(int.issuer(), root.subject());
        assert!(
            int.subject()
                .to_string()
                .contains(&format!("L={}", c.cluster))
        );
        let ku = int.key_usage().unwrap().expect("keyUsage").value;
        assert!(ku.key_cert_sign() && ku.digital_signature());
        // cert-chain = ca-cert + root-cert; root-cert is the shared root.
        assert_eq!(c.cert_chain, format!("{}{}", c.ca_cert, ca.root_cert));
        assert_eq!(c.root_cert, ca.root_cert);
        assert!(c.ca_key.starts_with("-----BEGIN PRIVATE KEY-----"));
    }
    assert_ne!(
        ca.clusters[0].ca_key, ca.clusters[1].ca_key,
        "each cluster has its own key"
    );
}

#[test]
fn a_foreign_root_does_not_verify() {
    let a = ca();
    let b = ca();
    let (other_der, int_der) = (der(&b.root_cert), der(&a.clusters[0].ca_cert));
    let (_, other_root) = X509Certificate::from_der(&other_der).unwrap();
    let (_, int) = X509Certificate::from_der(&int_der).unwrap();
    assert!(int.verify_signature(Some(other_root.public_key())).is_err());
}

#[test]
fn keys_never_show_in_debug_output() {
    let ca = ca();
    let shown = format!("{ca:?}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    let files = ca.files();
    let secrets: Vec<_> = files
        .iter()
        .filter(|f| f.secret)
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        secrets,
        ["root-key.pem", "tein/ca-key.pem", "gke/ca-key.pem"]
    );
}

#[test]
fn openssl_verifies_the_chain() {
    let Ok(out) = std::process::Command::new("openssl")
        .arg("version")
        .output()
    else {
        eprintln!("SKIPPED: no openssl on this machine; x509-parser checked the chain above");
        return;
    };
    assert!(out.status.success());
    let ca = ca();
    let dir = std::env::temp_dir().join(format!("meshfed-certs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = dir.join("root.pem");
    let int = dir.join("int.pem");
    std::fs::write(&root, &ca.root_cert).unwrap();
    std::fs::write(&int, &ca.clusters[0].ca_cert).unwrap();
    // -attime: the certificates are valid from 2026-01-01 for 730 days.
    let verify = std::process::Command::new("openssl")
        .args(["verify", "-x509_strict", "-attime", "1780000000", "-CAfile"])
        .arg(&root)
        .arg(&int)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}
