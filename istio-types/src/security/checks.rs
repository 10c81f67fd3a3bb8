//! Rule helpers of Istio's `pkg/config/security` package (attribute keys, ports, path
//! templates, JWKS URIs). The checks on a policy's target are shared with Telemetry and
//! WasmPlugin: see `crate::common::validate_target`.

use crate::rules;
use crate::validate::{Report, index};

/// Istio's `CheckEmptyValues`: no list item may be the empty string.
pub(crate) fn empty_values(values: &[String], path: &str, report: &mut Report) {
    for (i, v) in values.iter().enumerate() {
        if v.is_empty() {
            report.error(index(path, i), "an empty value is not allowed");
        }
    }
}

/// Istio's `ValidateIPs`: each item is an IP address or a CIDR block.
pub(crate) fn ips(values: &[String], path: &str, report: &mut Report) {
    for (i, v) in values.iter().enumerate() {
        if v.is_empty() {
            continue; // reported by empty_values
        }
        if let Err(m) = rules::validate_ip_subnet(v) {
            report.error(index(path, i), m);
        }
    }
}

/// Istio's `ValidatePorts`: each item is a decimal port number, 0 to 65535.
pub(crate) fn ports(values: &[String], path: &str, report: &mut Report) {
    for (i, v) in values.iter().enumerate() {
        if !is_port_string(v) {
            report.error(
                index(path, i),
                format!("bad port {v:?}: expected a decimal number from 0 to 65535"),
            );
        }
    }
}

fn is_port_string(v: &str) -> bool {
    !v.is_empty()
        && v.bytes().all(|c| c.is_ascii_digit())
        && v.parse::<u32>().is_ok_and(|p| p <= 65535)
}

/// Go regexp `\w`.
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Istio's `CheckValidPathTemplate`: a path that uses `{*}` or `{**}` must not also use named
/// variables (`{name}`, `/{name=*}`), empty braces or bare `*`/`**` segments.
pub(crate) fn path_templates(values: &[String], path: &str, report: &mut Report) {
    for (i, v) in values.iter().enumerate() {
        let is_template = v.contains("{*}") || v.contains("{**}");
        if is_template && has_unsupported_template(v) {
            report.error(
                index(path, i),
                format!(
                    "invalid or unsupported path template {v:?}: only {{*}} and {{**}} may be used, \
                     not named variables, empty braces or bare '*' segments"
                ),
            );
        }
    }
}

/// Istio's `unsupportedPathTempRegex`:
/// `/{\w+=\*[*]?}` | `{\w*}` | `/\*[*]?` | `\*[*]?/`.
fn has_unsupported_template(p: &str) -> bool {
    let b = p.as_bytes();
    if p.contains("/*") || p.contains("*/") {
        return true;
    }
    for (i, &c) in b.iter().enumerate() {
        if c != b'{' {
            continue;
        }
        // `{\w*}`
        let mut j = i + 1;
        while j < b.len() && is_word(b[j]) {
            j += 1;
        }
        if j < b.len() && b[j] == b'}' {
            return true;
        }
        // `/{\w+=*}` or `/{\w+=**}`
        if i > 0 && b[i - 1] == b'/' && j > i + 1 {
            let rest = &p[j..];
            if rest.starts_with("=*}") || rest.starts_with("=**}") {
                return true;
            }
        }
    }
    false
}

/// Istio's `validateMapKey`: `name[key]` with a non-empty name and key.
fn map_key(key: &str) -> Result<(), String> {
    match key.find('[') {
        Some(open) if key.ends_with(']') && open > 0 && open < key.len() - 2 => Ok(()),
        _ => Err(format!("bad key {key:?}: expected the form a[b]")),
    }
}

/// Istio's `ValidateAttribute`: `key` is an attribute Istio knows, and the values suit it.
/// `source.serviceAccount` is known from Istio 1.25 and `source.trustDomain` from Istio 1.30 (`pkg/config/security/security.go` at 1.30.0;
/// its values are checked as wildcards from 1.30.3, istio/istio#59358).
pub(crate) fn attribute(key: &str, values: &[String], path: &str, report: &mut Report) {
    if values.iter().any(String::is_empty) {
        empty_values(values, path, report);
        return;
    }
    let result = match key {
        k if k.starts_with("request.headers") => map_key(k),
        "source.ip" | "remote.ip" | "destination.ip" => {
            ips(values, path, report);
            Ok(())
        }
        "source.serviceAccount" if report.release().at_least(1, 25) => {
            super::authorization_policy::service_accounts(values, path, report);
            Ok(())
        }
        "source.serviceAccount" => Err(format!(
            "attribute {key} is known from Istio 1.25 (istio/istio#54745); Istio {} refuses it",
            report.release()
        )),
        "source.trustDomain" if report.release().at_least(1, 30) => {
            super::authorization_policy::wildcard_values(values, false, path, report);
            Ok(())
        }
        "source.trustDomain" => Err(format!(
            "attribute {key} is known from Istio 1.30; Istio {} refuses it",
            report.release()
        )),
        "source.namespace"
        | "source.principal"
        | "request.auth.principal"
        | "request.auth.audiences"
        | "request.auth.presenter"
        | "connection.sni" => Ok(()),
        k if k.starts_with("request.auth.claims") => map_key(k),
        "destination.port" => {
            ports(values, path, report);
            Ok(())
        }
        k if k.starts_with("experimental.envoy.filters.") => map_key(k),
        "destination.namespace" => Err(format!(
            "attribute {key} is replaced by the policy's metadata.namespace"
        )),
        k if k.starts_with("destination.labels") => Err(format!(
            "attribute {key} is replaced by the workload selector"
        )),
        "destination.name" | "destination.user" => Err(format!(
            "deprecated attribute {key}: only supported in v1alpha1"
        )),
        _ => Err(format!("unknown attribute {key:?}")),
    };
    if let Err(m) = result {
        report.error(path, m);
    }
}

/// Istio's `ParseJwksURI` and the CRD's rules on `jwksUri`: at most 2048 characters, an
/// `http` or `https` URL with an optional numeric port.
pub(crate) fn jwks_uri(uri: &str) -> Result<(), String> {
    if uri.len() > 2048 {
        return Err(format!(
            "the JWKS URI is {} characters long: at most 2048 are allowed",
            uri.len()
        ));
    }
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Err(format!("{uri:?} is not an http:// or https:// URL"));
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!(
            "URI scheme {scheme:?} of {uri:?} is not supported: use http or https"
        ));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    // `[v6]:port` or `host:port`
    let port = if let Some(after) = host_port.strip_prefix('[') {
        after.split_once(']').and_then(|(_, p)| p.strip_prefix(':'))
    } else {
        host_port.split_once(':').map(|(_, p)| p)
    };
    if let Some(p) = port
        && !p.is_empty()
        && !p.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(format!("invalid port {p:?} in URI {uri:?}"));
    }
    Ok(())
}

/// Istio's `jwk.Parse` check on an inline JWKS: a JSON object that is a key (`kty`) or a key
/// set (`keys`, a list of keys).
pub(crate) fn jwks_inline(jwks: &str) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_str(jwks).map_err(|e| format!("jwks parse error: {e}"))?;
    let is_key = |v: &serde_json::Value| v.get("kty").is_some_and(serde_json::Value::is_string);
    match value.get("keys") {
        Some(serde_json::Value::Array(keys)) if keys.iter().all(is_key) => Ok(()),
        Some(_) => Err(
            "jwks parse error: `keys` must be a list of JSON Web Keys (each with a \"kty\")"
                .to_owned(),
        ),
        None if is_key(&value) => Ok(()),
        None => Err(
            "jwks parse error: expected a JSON Web Key Set (`keys`) or a JSON Web Key (`kty`)"
                .to_owned(),
        ),
    }
}

/// Istio's `validHeaderRegex`: `^[-_A-Za-z0-9]+$`.
pub(crate) fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}
