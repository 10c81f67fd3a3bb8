//! Istio releases, `MAJOR.MINOR`: what the release-dependent rules ([`crate::analysis`], the
//! admission rules that changed between releases) and the data-plane table
//! ([`crate::dataplane`]) are keyed by.

use std::fmt;

/// An Istio release, `MAJOR.MINOR`. Ordered by release; patches are not told apart (the facts
/// this crate keeps change at minor releases).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IstioRelease {
    major: u32,
    minor: u32,
}

impl IstioRelease {
    /// The oldest release this crate has facts for (the APAN study ran Istio 1.5.10).
    pub const OLDEST_KNOWN: Self = Self::new(1, 5);
    /// The newest release this crate has facts for: what release-dependent answers follow when
    /// none is given.
    pub const NEWEST_KNOWN: Self = Self::new(1, 32);

    /// The release `major.minor`.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// The major number.
    pub const fn major(self) -> u32 {
        self.major
    }

    /// The minor number.
    pub const fn minor(self) -> u32 {
        self.minor
    }

    /// Whether this release is `major.minor` or newer.
    pub const fn at_least(self, major: u32, minor: u32) -> bool {
        self.major > major || (self.major == major && self.minor >= minor)
    }

    /// Whether this release lies in `from..=to` (both `MAJOR.MINOR`, inclusive).
    pub const fn within(self, from: (u32, u32), to: (u32, u32)) -> bool {
        self.at_least(from.0, from.1) && !self.at_least(to.0, to.1 + 1)
    }
}

impl fmt::Display for IstioRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl std::str::FromStr for IstioRelease {
    type Err = String;

    /// Parses `"1.5"` (a patch, `"1.5.10"`, is accepted and dropped).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split('.');
        let num = |p: Option<&str>| p.and_then(|p| p.parse::<u32>().ok());
        match (num(parts.next()), num(parts.next())) {
            (Some(major), Some(minor)) if parts.clone().count() <= 1 => Ok(Self::new(major, minor)),
            _ => Err(format!(
                "{s:?} is not an Istio release: write MAJOR.MINOR, e.g. \"1.5\""
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IstioRelease;

    #[test]
    fn within_is_inclusive_on_both_ends() {
        let r = IstioRelease::new(1, 17);
        assert!(r.within((1, 7), (1, 17)));
        assert!(!r.within((1, 18), (1, 30)));
        assert!(!IstioRelease::new(1, 6).within((1, 7), (1, 17)));
        assert!(IstioRelease::new(2, 0).at_least(1, 40));
    }
}
