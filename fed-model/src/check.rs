//! Format checks for values that have no newtype of their own. Each returns what is wrong.

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
pub(crate) fn dns1123_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("it is empty".to_owned());
    }
    if s.len() > 253 {
        return Err(format!("it is {} characters long; at most 253", s.len()));
    }
    for label in s.split('.') {
        istio_types::primitives::Dns1123Label::new(label).map_err(|e| match e {
            istio_types::primitives::PrimitiveError::Dns1123Label { problem, .. } => {
                format!("the part {label:?} is not a DNS-1123 label ({problem})")
            }
            other => other.to_string(),
        })?;
    }
    Ok(())
}

fn is_label_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A Kubernetes label key: `[prefix/]name`.
pub(crate) fn label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        dns1123_subdomain(prefix).map_err(|p| format!("label key {key:?}: its prefix {p}"))?;
    }
    if is_label_name(name) {
        Ok(())
    } else {
        Err(format!(
            "label key {key:?} is not valid; allowed: an optional DNS prefix and '/', then 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        ))
    }
}

/// A Kubernetes label value: empty, or 1 to 63 of `[A-Za-z0-9-_.]` with alphanumeric ends.
pub(crate) fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() || is_label_name(value) {
        Ok(())
    } else {
        Err(format!(
            "label value {value:?} is not valid; allowed: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        ))
    }
}

/// A Kubernetes quantity: `[+-]?(digits[.digits]|.digits)(suffix)?`.
pub(crate) fn quantity(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let number_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(number_end);
    let mut halves = number.splitn(2, '.');
    let whole = halves.next().unwrap_or_default();
    let fraction = halves.next();
    let digits_ok = !number.is_empty()
        && !fraction.is_some_and(|f| f.contains('.'))
        && (!whole.is_empty() || fraction.is_some_and(|f| !f.is_empty()));
    if !digits_ok {
        return false;
    }
    match suffix {
        "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti"
        | "Pi" | "Ei" => true,
        exp => {
            let Some(rest) = exp.strip_prefix(['e', 'E']) else {
                return false;
            };
            let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for good in [
            "1", "100m", "0.5", ".5", "64Mi", "20Gi", "1e3", "+1", "1.5G",
        ] {
            assert!(quantity(good), "{good}");
        }
        for bad in ["", "m", "1.2.3", "10 Mi", "1MB", "1e", "abc", "."] {
            assert!(!quantity(bad), "{bad}");
        }
    }

    #[test]
    fn labels() {
        assert!(label_key("app").is_ok());
        assert!(label_key("app.kubernetes.io/name").is_ok());
        assert!(label_key("bad key").is_err());
        assert!(label_key("UPPER.io/x").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("ingressgateway").is_ok());
        assert!(label_value("-x").is_err());
    }

    #[test]
    fn subdomains() {
        assert!(dns1123_subdomain("cluster.local").is_ok());
        assert!(dns1123_subdomain("gw.example.com").is_ok());
        assert!(dns1123_subdomain("a..b").is_err());
        assert!(dns1123_subdomain("Gw.example").is_err());
    }
}
