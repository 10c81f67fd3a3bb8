//! Istio localities: `region[/zone[/subzone]]`.

use super::{PrimitiveError, str_newtype_impls};

/// Checks one segment against the Kubernetes label-value rule (localities come from the
/// `topology.kubernetes.io/region` and `/zone` node labels).
fn check_segment(segment: &str, which: &str) -> Result<(), String> {
    if segment.is_empty() {
        return Err(format!("the {which} is empty"));
    }
    if segment.contains('*') {
        return Err(format!(
            "the {which} {segment:?} is a wildcard; a workload's locality is concrete"
        ));
    }
    let len = segment.chars().count();
    if len > 63 {
        return Err(format!("the {which} is {len} characters long"));
    }
    if let Some(c) = segment
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!("the {which} {segment:?} contains {c:?}"));
    }
    if !segment.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !segment.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err(format!(
            "the {which} {segment:?} must start and end with a letter or digit"
        ));
    }
    Ok(())
}

/// Where a workload runs, as Istio's locality load balancing sees it: `region`,
/// `region/zone` or `region/zone/subzone`, e.g. `us-west1/us-west1-b`.
///
/// Segments are non-empty Kubernetes label values (1 to 63 letters, digits, `-`, `_`, `.`,
/// starting and ending with a letter or digit) because Istio reads them from the nodes'
/// `topology.kubernetes.io/region` and `topology.kubernetes.io/zone` labels. Wildcards (`*`),
/// which only locality *matchers* in a DestinationRule may use, are rejected.
///
/// ```
/// use istio_types::primitives::Locality;
///
/// let l: Locality = "us-west1/us-west1-b".parse()?;
/// assert_eq!(l.region(), "us-west1");
/// assert_eq!(l.zone(), Some("us-west1-b"));
/// assert_eq!(l.subzone(), None);
/// assert!(Locality::new("us-west1//a").is_err());
/// # Ok::<(), istio_types::primitives::PrimitiveError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Locality(String);

impl Locality {
    /// Validates `s` as a locality.
    pub fn new(s: impl Into<String>) -> Result<Self, PrimitiveError> {
        let s = s.into();
        match Self::check(&s) {
            Ok(()) => Ok(Self(s)),
            Err(problem) => Err(PrimitiveError::Locality { value: s, problem }),
        }
    }

    fn check(s: &str) -> Result<(), String> {
        if s.is_empty() {
            return Err("it is empty".to_owned());
        }
        let segments: Vec<&str> = s.split('/').collect();
        if segments.len() > 3 {
            return Err(format!(
                "it has {} segments; at most 3 (region/zone/subzone)",
                segments.len()
            ));
        }
        for (segment, which) in segments.iter().zip(["region", "zone", "subzone"]) {
            check_segment(segment, which)?;
        }
        Ok(())
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region (always present).
    pub fn region(&self) -> &str {
        self.0.split('/').next().unwrap_or_default()
    }

    /// The zone, if given.
    pub fn zone(&self) -> Option<&str> {
        self.0.split('/').nth(1)
    }

    /// The subzone, if given.
    pub fn subzone(&self) -> Option<&str> {
        self.0.split('/').nth(2)
    }
}

str_newtype_impls!(Locality, "a locality such as \"us-west1/us-west1-b\"");

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Locality {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Locality".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        super::string_schema(
            r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?(/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?){0,2}$",
            "region[/zone[/subzone]], e.g. \"us-west1/us-west1-b\"; segments are Kubernetes label values, no wildcards.",
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accessors() {
        let l = Locality::new("eu-west/provider1/rack_2").unwrap();
        assert_eq!(
            (l.region(), l.zone(), l.subzone()),
            ("eu-west", Some("provider1"), Some("rack_2"))
        );
        let l = Locality::new("asia-southeast1").unwrap();
        assert_eq!(
            (l.region(), l.zone(), l.subzone()),
            ("asia-southeast1", None, None)
        );
    }

    #[test]
    fn malformed_localities_are_errors() {
        for (text, problem) in [
            ("", "it is empty"),
            ("a//b", "the zone is empty"),
            ("/a", "the region is empty"),
            ("a/", "the zone is empty"),
            (
                "a/b/c/d",
                "it has 4 segments; at most 3 (region/zone/subzone)",
            ),
            (
                "us-west1/*",
                "the zone \"*\" is a wildcard; a workload's locality is concrete",
            ),
            ("us west", "the region \"us west\" contains ' '"),
            (
                "-a",
                "the region \"-a\" must start and end with a letter or digit",
            ),
        ] {
            assert_eq!(
                Locality::new(text).unwrap_err(),
                PrimitiveError::Locality {
                    value: text.to_owned(),
                    problem: problem.to_owned()
                },
                "{text}"
            );
        }
    }

    proptest! {
        #[test]
        fn prop_valid_localities_round_trip(
            parts in proptest::collection::vec("[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?", 1..=3)
        ) {
            let text = parts.join("/");
            let l = Locality::new(text.clone()).unwrap();
            prop_assert_eq!(l.region(), parts[0].as_str());
            prop_assert_eq!(l.zone(), parts.get(1).map(String::as_str));
            prop_assert_eq!(l.subzone(), parts.get(2).map(String::as_str));
            prop_assert_eq!(l.to_string(), text);
            let yaml = serde_saphyr::to_string(&l).unwrap();
            prop_assert_eq!(serde_saphyr::from_str::<Locality>(&yaml).unwrap(), l.clone());
            let json = serde_json::to_string(&l).unwrap();
            prop_assert_eq!(serde_json::from_str::<Locality>(&json).unwrap(), l);
        }

        #[test]
        fn prop_random_strings_never_panic(s in any::<String>()) {
            if let Err(e) = Locality::new(s.clone()) {
                prop_assert_eq!(e.value(), s.as_str());
            }
        }
    }
}
