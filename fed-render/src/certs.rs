//! The federation's certificate authority, as Istio's `tools/certs` Makefile lays it out: a
//! root CA shared by every cluster, and per cluster an intermediate CA (`CA:true`,
//! `pathlen:0`) signed by it, whose files Istio reads from Secret `istio-system/cacerts`.
//!
//! Differences from the Makefile, on purpose: keys are ECDSA P-256 rather than RSA 4096
//! (generated in pure Rust with no C toolchain; Istio accepts EC keys for a plugged-in CA, and
//! they sign workload certificates faster), and validity starts at a time the caller passes
//! in, so this module reads no clock. Key generation is the one source of randomness in this
//! crate; rendering never calls it.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};

/// Root CA validity, as in Istio's Makefile (ROOTCA_DAYS).
pub const ROOT_DAYS: i64 = 3650;
/// Intermediate CA validity, as in Istio's Makefile (INTERMEDIATE_DAYS).
pub const INTERMEDIATE_DAYS: i64 = 730;

/// Certificate generation failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot generate the {what}: {source}")]
pub struct CertError {
    /// Which certificate or key.
    pub what: String,
    /// Why.
    #[source]
    pub source: rcgen::Error,
}

/// One cluster's intermediate CA: the four files of Secret `cacerts`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClusterCa {
    /// The cluster.
    pub cluster: String,
    /// `ca-cert.pem`: the intermediate's certificate.
    pub ca_cert: String,
    /// `ca-key.pem`: the intermediate's private key (PKCS#8).
    pub ca_key: String,
    /// `cert-chain.pem`: the intermediate's certificate followed by the root's.
    pub cert_chain: String,
    /// `root-cert.pem`: the root's certificate.
    pub root_cert: String,
}

impl std::fmt::Debug for ClusterCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a private key, not even in a debug log.
        f.debug_struct("ClusterCa")
            .field("cluster", &self.cluster)
            .field("ca_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The root CA and every cluster's intermediate.
#[derive(Clone, PartialEq, Eq)]
pub struct CaSet {
    /// `root-cert.pem`.
    pub root_cert: String,
    /// `root-key.pem`.
    pub root_key: String,
    /// One intermediate per cluster, in the order asked for.
    pub clusters: Vec<ClusterCa>,
}

impl std::fmt::Debug for CaSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaSet")
            .field("root_key", &"<redacted>")
            .field("clusters", &self.clusters)
            .finish_non_exhaustive()
    }
}

impl CaSet {
    /// The files, relative to the CA folder: `root-cert.pem`, `root-key.pem`, and
    /// `<cluster>/{ca-cert,ca-key,cert-chain,root-cert}.pem`. Keys are marked secret.
    pub fn files(&self) -> Vec<crate::OutputFile> {
        let f = |path: String, contents: &str, secret: bool| crate::OutputFile {
            path,
            contents: contents.to_owned(),
            secret,
        };
        let mut out = vec![
            f("root-cert.pem".into(), &self.root_cert, false),
            f("root-key.pem".into(), &self.root_key, true),
        ];
        for c in &self.clusters {
            out.push(f(format!("{}/ca-cert.pem", c.cluster), &c.ca_cert, false));
            out.push(f(format!("{}/ca-key.pem", c.cluster), &c.ca_key, true));
            out.push(f(
                format!("{}/cert-chain.pem", c.cluster),
                &c.cert_chain,
                false,
            ));
            out.push(f(
                format!("{}/root-cert.pem", c.cluster),
                &c.root_cert,
                false,
            ));
        }
        out
    }
}

fn key_usages() -> Vec<KeyUsagePurpose> {
    vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ]
}

fn err(what: &str) -> impl FnOnce(rcgen::Error) -> CertError + '_ {
    move |source| CertError {
        what: what.to_owned(),
        source,
    }
}

/// Makes a root CA and one intermediate CA per cluster, valid from `not_before`.
pub fn generate(clusters: &[&str], not_before: time::OffsetDateTime) -> Result<CaSet, CertError> {
    let root_key = KeyPair::generate().map_err(err("root key"))?;
    let mut root = CertificateParams::default();
    root.distinguished_name = DistinguishedName::new();
    root.distinguished_name
        .push(DnType::OrganizationName, "Istio");
    root.distinguished_name.push(DnType::CommonName, "Root CA");
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root.key_usages = key_usages();
    root.not_before = not_before;
    root.not_after = not_before + time::Duration::days(ROOT_DAYS);
    let root_cert = root
        .self_signed(&root_key)
        .map_err(err("root certificate"))?;
    let issuer = rcgen::Issuer::new(root, &root_key);
    let root_pem = root_cert.pem();

    let mut out = Vec::with_capacity(clusters.len());
    for &cluster in clusters {
        let key = KeyPair::generate().map_err(err("intermediate key"))?;
        let mut p = CertificateParams::default();
        p.distinguished_name = DistinguishedName::new();
        p.distinguished_name.push(DnType::OrganizationName, "Istio");
        p.distinguished_name
            .push(DnType::CommonName, "Intermediate CA");
        p.distinguished_name.push(DnType::LocalityName, cluster);
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        p.key_usages = key_usages();
        p.subject_alt_names = vec![SanType::DnsName(
            "istiod.istio-system.svc"
                .try_into()
                .map_err(err("intermediate subjectAltName"))?,
        )];
        p.not_before = not_before;
        p.not_after = not_before + time::Duration::days(INTERMEDIATE_DAYS);
        // Strict verifiers (openssl -x509_strict, Go's) want the issuer's key named.
        p.use_authority_key_identifier_extension = true;
        let cert = p
            .signed_by(&key, &issuer)
            .map_err(err("intermediate certificate"))?;
        let ca_cert = cert.pem();
        out.push(ClusterCa {
            cluster: cluster.to_owned(),
            cert_chain: format!("{ca_cert}{root_pem}"),
            ca_cert,
            ca_key: key.serialize_pem(),
            root_cert: root_pem.clone(),
        });
    }
    Ok(CaSet {
        root_cert: root_pem,
        root_key: root_key.serialize_pem(),
        clusters: out,
    })
}
