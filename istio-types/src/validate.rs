//! Istio's admission rules, offline.
//!
//! [`Validate`] is implemented by every kind and by the types inside them. A check collects
//! every problem into a [`Report`] as `(severity, field path, message)`, kept apart the way
//! Istio's webhook keeps them: an *error* is a document Istio rejects, a *warning* one it
//! accepts but that will not do what it says (a deprecated field it ignores, failover without
//! outlier detection).
//!
//! Some rules changed between Istio releases (a field accepted from 1.25, a key from 1.30). A
//! report is made for one release ([`Report::for_release`], [`Validate::validate_for`]); the
//! rules that depend on it read [`Report::release`]. [`Validate::validate`] checks against
//! [`IstioRelease::NEWEST_KNOWN`].

use std::fmt;

use crate::release::IstioRelease;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Istio accepts it, but it will not behave as written.
    Warning,
    /// Istio rejects it.
    Error,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The field path from the object's root, e.g. `spec.trafficPolicy.loadBalancer`.
    pub path: String,
    /// What is wrong, with the bad value and what is allowed.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.severity, self.path, self.message)
    }
}

/// Every finding of one check, in the order they were found, for one Istio release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
    /// The release whose rules apply.
    release: IstioRelease,
}

impl Default for Report {
    fn default() -> Self {
        Self::for_release(IstioRelease::NEWEST_KNOWN)
    }
}

impl Report {
    /// An empty report for the newest release this crate knows.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty report for the rules of Istio `release`.
    pub const fn for_release(release: IstioRelease) -> Self {
        Self {
            findings: Vec::new(),
            release,
        }
    }

    /// The release whose rules apply: what the rules that changed between releases read.
    pub const fn release(&self) -> IstioRelease {
        self.release
    }

    /// Records an error at `path`.
    pub fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.findings.push(Finding {
            severity: Severity::Error,
            path: path.into(),
            message: message.into(),
        });
    }

    /// Records a warning at `path`.
    pub fn warning(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.findings.push(Finding {
            severity: Severity::Warning,
            path: path.into(),
            message: message.into(),
        });
    }

    /// True when nothing at all was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// True when there is at least one error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }
}

/// Something Istio's admission webhook checks.
pub trait Validate {
    /// Checks `self`, found at field path `path` (e.g. `spec.trafficPolicy`), into `report`.
    fn validate_at(&self, path: &str, report: &mut Report);

    /// Checks `self` as a whole object (or at the root) with the rules of the newest release
    /// this crate knows ([`IstioRelease::NEWEST_KNOWN`]) and returns what was found.
    fn validate(&self) -> Report {
        self.validate_for(IstioRelease::NEWEST_KNOWN)
    }

    /// Checks `self` as a whole object with the rules of Istio `release`: where the webhook's
    /// verdict changed between releases, the one `release` gives.
    fn validate_for(&self, release: IstioRelease) -> Report {
        let mut report = Report::for_release(release);
        self.validate_at("", &mut report);
        report
    }
}

/// Joins a path and a field name: `join("spec", "host") == "spec.host"`, `join("", "spec") == "spec"`.
pub fn join(path: &str, field: &str) -> String {
    // Every node the validators visit gets a path, most never used in a finding: built with
    // one allocation and no formatting machinery.
    if path.is_empty() {
        return field.to_owned();
    }
    let mut out = String::with_capacity(path.len() + 1 + field.len());
    out.push_str(path);
    out.push('.');
    out.push_str(field);
    out
}

/// A path to a list item: `index("spec.hosts", 2) == "spec.hosts[2]"`.
pub fn index(path: &str, i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = i;
    loop {
        at -= 1;
        digits[at] = b'0' + u8::try_from(n % 10).unwrap_or(0);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let digits = std::str::from_utf8(&digits[at..]).unwrap_or_default();
    let mut out = String::with_capacity(path.len() + digits.len() + 2);
    out.push_str(path);
    out.push('[');
    out.push_str(digits);
    out.push(']');
    out
}

/// A path to a map entry: `key("spec.ports", "http") == "spec.ports[http]"`.
pub fn key(path: &str, k: &str) -> String {
    let mut out = String::with_capacity(path.len() + k.len() + 2);
    out.push_str(path);
    out.push('[');
    out.push_str(k);
    out.push(']');
    out
}

/// What the API server requires of every namespaced object's metadata: a name that is a
/// DNS-1123 subdomain (at most 253 characters of `a-z`, `0-9`, `-` and `.`, starting and ending
/// alphanumeric) and, when given, a namespace that is a DNS-1123 label.
pub fn metadata(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    path: &str,
    report: &mut Report,
) {
    match (&meta.name, &meta.generate_name) {
        (Some(name), _) => {
            if !is_dns1123_subdomain(name) {
                report.error(join(path, "name"), format!("{name:?} is not a valid name: use at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"));
            }
        }
        (None, Some(_)) => {}
        (None, None) => report.error(join(path, "name"), "a name is required"),
    }
    if let Some(ns) = &meta.namespace
        && crate::primitives::Dns1123Label::new(ns.as_str()).is_err()
    {
        {
            report.error(join(path, "namespace"), format!("{ns:?} is not a valid namespace: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"));
        }
    }
}

/// RFC 1123 subdomain, as Kubernetes checks object names (`IsDNS1123Subdomain`): at most 253
/// characters; dot-separated parts of lower-case letters, digits and `-` that start and end
/// with a letter or digit. Unlike a DNS label, a part may be longer than 63 characters.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253
        && !s.is_empty()
        && s.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

/// Name rules a kind adds to Kubernetes' own. Istio's `ValidateGateway`: a Gateway's name must
/// be a DNS-1123 label (no dots, at most 63 characters).
pub(crate) fn kind_name(
    kind: &str,
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    path: &str,
    report: &mut Report,
) {
    if kind == "Gateway"
        && let Some(name) = &meta.name
        // A name that is not even a subdomain already has its error.
        && is_dns1123_subdomain(name)
        && crate::primitives::Dns1123Label::new(name.as_str()).is_err()
    {
        report.error(
            join(path, "name"),
            format!("invalid gateway name {name:?}: a Gateway's name must be a DNS-1123 label (at most 63 lower-case letters, digits and '-', no dots)"),
        );
    }
}

/// The few webhook rules that read both an object's metadata and its spec; `spec` is any kind's
/// spec, and only the kinds with such a rule are looked at.
pub(crate) fn object_rules(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    spec: &dyn std::any::Any,
    path: &str,
    report: &mut Report,
) {
    if let Some(se) = spec.downcast_ref::<crate::networking::ServiceEntrySpec>() {
        crate::networking::service_entry::dynamic_dns_waypoint(se, meta, path, report);
    }
}

#[cfg(test)]
mod path_tests {
    use super::{index, join, key};

    #[test]
    fn paths_are_written_as_diagnostics_show_them() {
        assert_eq!(join("", "spec"), "spec");
        assert_eq!(join("spec", "host"), "spec.host");
        for i in [0usize, 7, 10, 99, 1234, usize::MAX] {
            assert_eq!(index("spec.http", i), format!("spec.http[{i}]"));
        }
        assert_eq!(index("", 3), "[3]");
        assert_eq!(key("spec.ports", "http"), "spec.ports[http]");
    }

    /// Kubernetes' `IsDNS1123Subdomain`: 253 characters in all, no limit per part.
    #[test]
    fn subdomains_as_kubernetes_checks_them() {
        use super::is_dns1123_subdomain as ok;
        assert!(ok("a") && ok("a.b-c.d1") && ok("0abc"));
        assert!(ok(&"a".repeat(64)), "a part of 64 characters is fine");
        assert!(ok(&"a".repeat(253)) && !ok(&"a".repeat(254)));
        for bad in [
            "", "A", "a.", ".a", "a..b", "-a", "a-", "a.-b", "a_b", "a b",
        ] {
            assert!(!ok(bad), "{bad:?}");
        }
    }
}
