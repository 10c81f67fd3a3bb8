//! Rule helpers shared by the kinds' validation: hosts, domains, ports, labels, IPs and
//! `exportTo`, each a port of the Istio webhook function named in its docs.
//!
//! Each helper returns `Err(message)` (the message names the bad value and what is allowed)
//! or records into a [`Report`]; callers add the field path.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::validate::{Report, index, key};

/// Istio's `labels.IsDNS1123Label`: 1 to 63 letters (either case), digits and `-`, starting
/// and ending with a letter or digit. (Kubernetes' own rule is lower case only; Istio's regex
/// takes both cases, and so does its CRD's CEL for port names.)
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// Istio's `labels.IsWildcardDNS1123Label`: `*`, or a DNS-1123 label optionally prefixed by `*`
/// or `*-`.
fn is_wildcard_dns1123_label(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let rest = s
        .strip_prefix("*-")
        .or_else(|| s.strip_prefix('*'))
        .unwrap_or(s);
    s.len() <= 63 && is_dns1123_label(rest)
}

/// Istio's `CheckDNS1123Preconditions`: not empty, at most 255 characters.
fn dns1123_preconditions(name: &str) -> Result<(), String> {
    if name.len() > 255 {
        return Err(format!(
            "domain name {name:?} is too long (at most 255 characters)"
        ));
    }
    if name.is_empty() {
        return Err("an empty domain name is not allowed".to_owned());
    }
    Ok(())
}

/// Istio's `ValidateDNS1123Labels`: every dot-separated label is a DNS-1123 label (a trailing
/// dot is allowed) and the top-level label is not all digits.
fn validate_dns1123_labels(domain: &str) -> Result<(), String> {
    let parts: Vec<&str> = domain.split('.').collect();
    let top = parts[parts.len() - 1];
    if !top.is_empty() && top.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "domain name {domain:?} is invalid: its top-level label {top:?} is all digits"
        ));
    }
    for (i, label) in parts.iter().enumerate() {
        if i == parts.len() - 1 && label.is_empty() {
            return Ok(());
        }
        if !is_dns1123_label(label) {
            return Err(format!(
                "domain name {domain:?} is invalid: label {label:?} is not a DNS-1123 label \
                 (1-63 letters, digits and '-', starting and ending with a letter or digit)"
            ));
        }
    }
    Ok(())
}

/// Istio's `ValidateFQDN`: a domain name without wildcards.
pub(crate) fn validate_fqdn(fqdn: &str) -> Result<(), String> {
    dns1123_preconditions(fqdn)?;
    validate_dns1123_labels(fqdn)
}

/// Istio's `ValidateWildcardDomain`: a domain name whose first label may be a wildcard
/// (`*`, `*.foo.com`, `*foo.com`).
pub(crate) fn validate_wildcard_domain(domain: &str) -> Result<(), String> {
    dns1123_preconditions(domain)?;
    let (first, rest) = match domain.split_once('.') {
        Some((f, r)) => (f, Some(r)),
        None => (domain, None),
    };
    if !is_wildcard_dns1123_label(first) {
        return Err(format!(
            "domain name {domain:?} is invalid: label {first:?} is not a DNS-1123 label or wildcard"
        ));
    }
    match rest {
        Some(rest) => validate_dns1123_labels(rest),
        None => Ok(()),
    }
}

/// Istio's `ValidatePartialWildCard`: a `*` is only allowed as the whole host or as a leading
/// `*.` label.
pub(crate) fn validate_partial_wildcard(host: &str) -> Result<(), String> {
    if host.contains('*') && host.len() != 1 && !host.starts_with("*.") {
        return Err(format!(
            "partial wildcard {host:?} is not allowed (use '*' alone or a leading '*.')"
        ));
    }
    Ok(())
}

/// Istio's `ValidatePort`: 1 to 65535.
pub(crate) fn validate_port(port: u64) -> Result<(), String> {
    if (1..=65535).contains(&port) {
        Ok(())
    } else {
        Err(format!("port number {port} must be in the range 1..65535"))
    }
}

/// Istio's `ValidateIPAddress`: an IPv4 or IPv6 address.
pub(crate) fn validate_ip(addr: &str) -> Result<(), String> {
    addr.parse::<IpAddr>()
        .map(|_| ())
        .map_err(|_| format!("{addr:?} is not a valid IP address"))
}

/// True for an IPv4 or IPv6 address (Istio's `netutil.IsValidIPAddress`).
pub(crate) fn is_ip(addr: &str) -> bool {
    addr.parse::<IpAddr>().is_ok()
}

/// Istio's `ValidateIPSubnet`: an IP address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`).
pub(crate) fn validate_ip_subnet(subnet: &str) -> Result<(), String> {
    if subnet.matches('/').count() == 1 {
        let (ip, bits) = subnet.split_once('/').unwrap_or_default();
        let max = match ip.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => 32,
            Ok(IpAddr::V6(_)) => 128,
            Err(_) => return Err(format!("{subnet:?} is not a valid CIDR block")),
        };
        let ok = !bits.is_empty()
            && bits.bytes().all(|c| c.is_ascii_digit())
            && !(bits.len() > 1 && bits.starts_with('0'))
            && bits.parse::<u32>().is_ok_and(|b| b <= max);
        return if ok {
            Ok(())
        } else {
            Err(format!("{subnet:?} is not a valid CIDR block"))
        };
    }
    validate_ip(subnet)
}

/// Kubernetes label name part: at most 63 characters of `[A-Za-z0-9_.-]`, starting and ending
/// alphanumeric.
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Kubernetes label value: empty, or a label name.
fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_label_name(s)
}

/// Istio's `labels.Instance.Validate` (Kubernetes label syntax): keys `[prefix/]name` with a
/// DNS-1123 subdomain prefix, values at most 63 characters of `[A-Za-z0-9_.-]`.
pub(crate) fn validate_labels(labels: &BTreeMap<String, String>, path: &str, report: &mut Report) {
    for (k, v) in labels {
        let key_ok = match k.split('/').collect::<Vec<_>>().as_slice() {
            [name] => is_label_name(name),
            [prefix, name] => crate::validate::is_dns1123_subdomain(prefix) && is_label_name(name),
            _ => false,
        };
        if !key_ok {
            report.error(
                key(path, k),
                format!(
                    "invalid label key {k:?}: use [prefix/]name, name at most 63 letters, digits, \
                     '-', '_' and '.', starting and ending with a letter or digit"
                ),
            );
        }
        if !is_label_value(v) {
            report.error(
                key(path, k),
                format!(
                    "invalid label value {v:?}: use at most 63 letters, digits, '-', '_' and '.', \
                     starting and ending with a letter or digit"
                ),
            );
        }
    }
}

/// Istio's `validateWorkloadSelector` (`matchLabels` flavour) and `ValidateAlphaWorkloadSelector`
/// (`labels` flavour): no empty keys, no `*` in keys or values; a selector without labels is a
/// warning, with `empty_warning` as the message. `path` is the labels map's own path.
///
/// Also the CRD's limits, the same on every selector: values of at most 63 characters (the
/// API server counts characters, not bytes), and at most `max_labels` labels (4096 for
/// `matchLabels`, 256 for `labels`). Istio's webhook leaves both to the API server.
pub(crate) fn validate_selector_labels(
    labels: &BTreeMap<String, String>,
    path: &str,
    empty_warning: &str,
    max_labels: usize,
    report: &mut Report,
) {
    if labels.len() > max_labels {
        report.error(
            path,
            format!(
                "at most {max_labels} labels are allowed (there are {})",
                labels.len()
            ),
        );
    }
    for (k, v) in labels {
        let chars = v.chars().count();
        if chars > 63 {
            report.error(
                key(path, k),
                format!("label value {v:?} is {chars} characters long: at most 63 are allowed"),
            );
        }
        if k.is_empty() {
            report.error(
                key(path, k),
                format!("an empty key is not supported in a selector: \"={v}\""),
            );
        }
        if k.contains('*') || v.contains('*') {
            report.error(
                key(path, k),
                format!("a wildcard is not supported in a selector: \"{k}={v}\""),
            );
        }
    }
    if labels.is_empty() {
        report.warning(path, empty_warning);
    }
}

/// Istio's `visibility.Instance.Validate`: `.`, `*`, or a namespace name; `~` (no one) only
/// for ServiceEntry.
fn validate_visibility(e: &str, is_service_entry: bool) -> Result<(), String> {
    match e {
        "." | "*" => Ok(()),
        "~" if is_service_entry => Ok(()),
        "~" => Err("exportTo \"~\" (no one) is only allowed for ServiceEntry".to_owned()),
        _ if is_dns1123_label(e) => Ok(()),
        _ => Err(format!(
            "invalid exportTo entry {e:?}: only '.', '*' or a namespace name (DNS-1123 label) is allowed"
        )),
    }
}

/// Istio's `validateExportTo`. `path` is the `exportTo` field. The object's namespace is not
/// known to a spec, so `.` and the namespace's own name are not recognised as duplicates of
/// each other, and a workload-selector DestinationRule exported to a namespace by name is not
/// flagged (Istio flags it unless that name is its own namespace).
pub(crate) fn validate_export_to(
    export_to: &[String],
    is_service_entry: bool,
    is_dr_with_selector: bool,
    path: &str,
    report: &mut Report,
) {
    if export_to.is_empty() {
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, e) in export_to.iter().enumerate() {
        let at = index(path, i);
        if seen.contains(&e.as_str()) {
            report.error(at, format!("duplicate entry {e:?} in exportTo"));
            continue;
        }
        match validate_visibility(e, is_service_entry) {
            Ok(()) => seen.push(e),
            Err(m) => report.error(at, m),
        }
    }
    if is_dr_with_selector && (seen.contains(&"*") || seen.contains(&"~")) {
        report.error(
            path,
            "a DestinationRule with a workloadSelector cannot be exported beyond its own namespace",
        );
    } else if is_dr_with_selector && seen.contains(&".") && seen.len() > 1 {
        report.error(
            path,
            "a DestinationRule with a workloadSelector cannot have several exportTo entries",
        );
    }
    if seen.contains(&"*") && export_to.len() > 1 {
        report.error(
            path,
            "cannot mix public ('*') and other exportTo values: '*' already exports everywhere",
        );
    }
    if seen.contains(&"~") && export_to.len() > 1 {
        report.error(
            path,
            "cannot export to no one ('~') and to someone at the same time",
        );
    }
}

/// Istio's `ValidatePercent`: 0 to 100.
pub(crate) fn validate_percent(v: i64, path: &str, report: &mut Report) {
    if !(0..=100).contains(&v) {
        report.error(path, format!("percentage {v} is not in the range 0..100"));
    }
}

/// Istio's `ValidateUnixAddress`: a non-empty absolute path to a file (not ending in `/`), or
/// an abstract socket (`@name`).
pub(crate) fn validate_unix_address(addr: &str) -> Result<(), String> {
    if addr.is_empty() {
        return Err("a unix address must not be empty".to_owned());
    }
    if addr.starts_with('@') {
        return Ok(());
    }
    if !addr.starts_with('/') || addr.ends_with('/') {
        return Err(format!("{addr:?} is not an absolute path to a file"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_follow_istio() {
        for ok in [
            "a",
            "a.b.com",
            "*",
            "*.foo.com",
            "*foo.com",
            "istio.io.",
            "A.Example.COM",
        ] {
            assert!(validate_wildcard_domain(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(256);
        for bad in [
            "",
            "a_b.com",
            "foo.*.com",
            "foo.123",
            "-a.com",
            long.as_str(),
        ] {
            assert!(validate_wildcard_domain(bad).is_err(), "{bad}");
        }
        assert!(validate_fqdn("*.foo.com").is_err());
        assert!(validate_partial_wildcard("*foo.com").is_err());
        assert!(validate_partial_wildcard("*.foo.com").is_ok());
    }

    #[test]
    fn addresses_and_ports() {
        for ok in ["10.0.0.1", "::1", "10.0.0.0/8", "2001:db8::/32"] {
            assert!(validate_ip_subnet(ok).is_ok(), "{ok}");
        }
        for bad in [
            "300.0.0.1",
            "10.0.0.0/33",
            "10.0.0.0/",
            "a/8",
            "10.0.0.0/08",
        ] {
            assert!(validate_ip_subnet(bad).is_err(), "{bad}");
        }
        assert!(validate_port(0).is_err() && validate_port(65536).is_err());
        assert!(validate_port(1).is_ok() && validate_port(65535).is_ok());
        assert!(validate_unix_address("/var/run/a.sock").is_ok());
        assert!(validate_unix_address("@abstract").is_ok());
        assert!(validate_unix_address("a.sock").is_err());
        assert!(validate_unix_address("/var/run/").is_err());
    }

    #[test]
    fn labels_and_export_to() {
        let mut report = Report::new();
        let labels = BTreeMap::from([
            ("app".to_owned(), "a".to_owned()),
            ("example.com/tier".to_owned(), String::new()),
            ("bad key".to_owned(), "v".to_owned()),
            ("k".to_owned(), "bad value".to_owned()),
        ]);
        validate_labels(&labels, "labels", &mut report);
        let paths: Vec<_> = report.findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["labels[bad key]", "labels[k]"]);
        let mut report = Report::new();
        validate_export_to(
            &[".".into(), "ns1".into()],
            false,
            false,
            "exportTo",
            &mut report,
        );
        assert!(report.is_clean());
        validate_export_to(&["~".into()], true, false, "exportTo", &mut report);
        assert!(report.is_clean());
        validate_export_to(&["~".into()], false, false, "exportTo", &mut report);
        assert!(report.has_errors());
    }
}
