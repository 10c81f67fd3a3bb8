//! RFC 1123 labels and Istio port names.

use super::{PrimitiveError, str_newtype_impls};

/// The longest RFC 1123 label.
const MAX_LABEL: usize = 63;

/// Checks `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters; `Err` says what is wrong.
fn check_label(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("it is empty".to_owned());
    }
    let chars = s.chars().count();
    if chars > MAX_LABEL {
        return Err(format!("it is {chars} characters long"));
    }
    for (i, c) in s.chars().enumerate() {
        let pos = i + 1;
        if c.is_ascii_uppercase() {
            return Err(format!(
                "uppercase letter '{c}' at position {pos} (use lowercase)"
            ));
        }
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(format!("character {c:?} at position {pos} is not allowed"));
        }
    }
    if s.starts_with('-') {
        return Err("it starts with '-'".to_owned());
    }
    if s.ends_with('-') {
        return Err("it ends with '-'".to_owned());
    }
    Ok(())
}

/// An RFC 1123 label: 1 to 63 characters of `[a-z0-9-]`, starting and ending with a letter or
/// digit. Kubernetes requires it for namespaces and most object names; meshfed uses it for
/// federation, cluster and service names.
///
/// ```
/// use istio_types::primitives::Dns1123Label;
///
/// let name: Dns1123Label = "tein".parse()?;
/// assert_eq!(name.as_str(), "tein");
/// assert!(Dns1123Label::new("gke_2").is_err());
/// # Ok::<(), istio_types::primitives::PrimitiveError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dns1123Label(String);

impl Dns1123Label {
    /// Validates `s` as an RFC 1123 label.
    pub fn new(s: impl Into<String>) -> Result<Self, PrimitiveError> {
        let s = s.into();
        match check_label(&s) {
            Ok(()) => Ok(Self(s)),
            Err(problem) => Err(PrimitiveError::Dns1123Label { value: s, problem }),
        }
    }

    /// The label.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The label, consuming `self`.
    pub fn into_string(self) -> String {
        self.0
    }
}

str_newtype_impls!(Dns1123Label, "a DNS-1123 label such as \"echo\"");

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Dns1123Label {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Dns1123Label".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        super::string_schema(
            "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
            "An RFC 1123 label: 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit.",
            Some(63),
        )
    }
}

/// The name of a service port, as Istio's `ValidatePortName` checks it: an RFC 1123 label.
///
/// Istio matches ServiceEntry and WorkloadEntry ports to Kubernetes Service ports by this name,
/// so it must be the same everywhere a port is named.
///
/// ```
/// use istio_types::primitives::PortName;
///
/// assert_eq!(PortName::new("http-web")?.as_str(), "http-web");
/// assert!(PortName::new("HTTP").is_err());
/// # Ok::<(), istio_types::primitives::PrimitiveError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortName(String);

impl PortName {
    /// Validates `s` as a port name.
    pub fn new(s: impl Into<String>) -> Result<Self, PrimitiveError> {
        let s = s.into();
        match check_label(&s) {
            Ok(()) => Ok(Self(s)),
            Err(problem) => Err(PrimitiveError::PortName { value: s, problem }),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, consuming `self`.
    pub fn into_string(self) -> String {
        self.0
    }
}

str_newtype_impls!(PortName, "a port name such as \"http\"");

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for PortName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PortName".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        super::string_schema(
            "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
            "A port name (Istio: a DNS-1123 label), e.g. \"http\" or \"grpc-api\".",
            Some(63),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn labels_follow_rfc_1123() {
        for good in ["a", "0", "echo", "tein-1", "a1-b2", &"a".repeat(63)] {
            assert!(Dns1123Label::new(good).is_ok(), "{good}");
            assert!(PortName::new(good).is_ok(), "{good}");
        }
        for (bad, problem) in [
            ("", "it is empty"),
            ("-a", "it starts with '-'"),
            ("a-", "it ends with '-'"),
            ("Echo", "uppercase letter 'E' at position 1 (use lowercase)"),
            ("a_b", "character '_' at position 2 is not allowed"),
            ("a.b", "character '.' at position 2 is not allowed"),
        ] {
            let err = Dns1123Label::new(bad).unwrap_err();
            assert_eq!(
                err,
                PrimitiveError::Dns1123Label {
                    value: bad.to_owned(),
                    problem: problem.to_owned()
                }
            );
            assert!(PortName::new(bad).is_err());
        }
        let long = "a".repeat(64);
        assert!(
            Dns1123Label::new(long)
                .unwrap_err()
                .to_string()
                .contains("it is 64 characters long")
        );
    }

    #[test]
    fn deserialize_goes_through_new() {
        let err = serde_json::from_str::<PortName>("\"Bad Name\"").unwrap_err();
        assert!(
            err.to_string().contains("is not a valid port name"),
            "{err}"
        );
        let ok: Dns1123Label = serde_saphyr::from_str("echo").unwrap();
        assert_eq!(ok.as_str(), "echo");
    }

    proptest! {
        #[test]
        fn prop_valid_labels_round_trip(s in "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?") {
            let label = Dns1123Label::new(s.clone()).unwrap();
            prop_assert_eq!(label.to_string(), s.clone());
            let json = serde_json::to_string(&label).unwrap();
            prop_assert_eq!(serde_json::from_str::<Dns1123Label>(&json).unwrap(), label);
            let port: PortName = s.parse().unwrap();
            let yaml = serde_saphyr::to_string(&port).unwrap();
            prop_assert_eq!(serde_saphyr::from_str::<PortName>(&yaml).unwrap(), port);
        }

        #[test]
        fn prop_random_strings_never_panic(s in any::<String>()) {
            if let Err(err) = Dns1123Label::new(s.clone()) {
                prop_assert_eq!(err.value(), s.as_str());
            }
            let _ = PortName::new(s);
        }
    }
}
