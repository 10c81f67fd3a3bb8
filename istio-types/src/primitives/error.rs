//! The one error type of the primitives: which format a value failed, the value, and why.

use thiserror::Error;

/// A string that is not a valid primitive value.
///
/// Every variant carries the offending `value` and the `problem` found; its `Display` also says
/// what is allowed, so the message stands alone in a diagnostic:
///
/// ```
/// use istio_types::primitives::Dns1123Label;
///
/// let err = Dns1123Label::new("Echo").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "\"Echo\" is not a valid DNS-1123 label: uppercase letter 'E' at position 1 (use lowercase); \
///      allowed: \
///      1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PrimitiveError {
    /// Not an RFC 1123 label (Kubernetes names, cluster names, namespaces).
    #[error(
        "{value:?} is not a valid DNS-1123 label: {problem}; allowed: {}",
        Self::DNS1123_ALLOWED
    )]
    Dns1123Label {
        /// The rejected text.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Not a valid Istio port name.
    #[error(
        "{value:?} is not a valid port name: {problem}; allowed: {}",
        Self::DNS1123_ALLOWED
    )]
    PortName {
        /// The rejected text.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Not a `region[/zone[/subzone]]` locality.
    #[error(
        "{value:?} is not a valid locality: {problem}; allowed: {}",
        Self::LOCALITY_ALLOWED
    )]
    Locality {
        /// The rejected text.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Not a duration Istio accepts.
    #[error(
        "{value:?} is not a valid duration: {problem}; allowed: {}",
        Self::DURATION_ALLOWED
    )]
    Duration {
        /// The rejected text.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Not one of Istio's protocol names.
    #[error(
        "{value:?} is not a protocol Istio knows; allowed (any case): {}",
        Self::protocols_allowed()
    )]
    Protocol {
        /// The rejected text.
        value: String,
    },
}

impl PrimitiveError {
    const DNS1123_ALLOWED: &'static str =
        "1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit";
    const LOCALITY_ALLOWED: &'static str = "region[/zone[/subzone]], each segment 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, no wildcards";
    const DURATION_ALLOWED: &'static str = "a Go/Istio duration such as \"500ms\", \"1s\", \"1.5s\", \"1m30s\" or \"1h\" (units h, m, s, ms, us, ns), at least 1ms and a whole number of milliseconds";

    fn protocols_allowed() -> String {
        super::ProtocolKind::ALL
            .iter()
            .map(|kind| kind.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The text that was rejected, exactly as given.
    pub fn value(&self) -> &str {
        match self {
            Self::Dns1123Label { value, .. }
            | Self::PortName { value, .. }
            | Self::Locality { value, .. }
            | Self::Duration { value, .. }
            | Self::Protocol { value } => value,
        }
    }
}
