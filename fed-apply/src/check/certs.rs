//! Reading the certificates of Istio's CA out of PEM: which root a cluster trusts and when its
//! certificates expire.

use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};
use x509_parser::pem::Pem;

/// One certificate of a PEM file, reduced to what the checks compare and print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CertInfo {
    /// SHA-256 of the DER encoding, lowercase hex.
    pub(crate) sha256: String,
    /// The subject, as x509-parser prints it (`CN=Root CA, O=meshfed`).
    pub(crate) subject: String,
    /// `notAfter`, seconds since the Unix epoch.
    pub(crate) not_after: i64,
}

impl CertInfo {
    /// The first 16 hex digits of the fingerprint, enough to tell roots apart in a table.
    pub(crate) fn short(&self) -> &str {
        &self.sha256[..16]
    }
}

/// Every certificate in `pem`, in order. Fails with a message naming the block that is not a
/// certificate; an input without any certificate is an error too.
pub(crate) fn certificates(pem: &[u8]) -> Result<Vec<CertInfo>, String> {
    let mut out = Vec::new();
    for (i, block) in Pem::iter_from_buffer(pem).enumerate() {
        let block = block.map_err(|e| format!("PEM block {}: {e}", i + 1))?;
        if block.label != "CERTIFICATE" {
            continue;
        }
        let cert = block
            .parse_x509()
            .map_err(|e| format!("certificate {}: {e}", i + 1))?;
        let mut sha256 = String::with_capacity(64);
        for b in Sha256::digest(&block.contents) {
            let _ = write!(sha256, "{b:02x}");
        }
        out.push(CertInfo {
            sha256,
            subject: cert.subject().to_string(),
            not_after: cert.validity().not_after.timestamp(),
        });
    }
    if out.is_empty() {
        return Err("no certificate in it".into());
    }
    Ok(out)
}

/// A root set's identity: the fingerprints of its certificates, sorted, so that two files
/// holding the same roots in another order compare equal.
pub(crate) fn root_set(certs: &[CertInfo]) -> Vec<String> {
    let mut set: Vec<String> = certs.iter().map(|c| c.sha256.clone()).collect();
    set.sort();
    set.dedup();
    set
}

/// `2036-01-01` for a Unix time (UTC), for messages; days are enough to act on.
pub(crate) fn date(unix: i64) -> String {
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian calendar.
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(2_082_758_399), "2035-12-31");
        assert_eq!(date(-86_400), "1969-12-31");
    }

    #[test]
    fn text_without_certificates_is_an_error() {
        assert!(certificates(b"hello").is_err());
        let key = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(certificates(key).unwrap_err(), "no certificate in it");
    }
}
