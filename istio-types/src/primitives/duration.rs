//! Istio durations: Go's `time.ParseDuration` syntax with Istio's webhook limits.

use super::{PrimitiveError, str_newtype_impls};

const NANOS_PER_MILLI: u128 = 1_000_000;
/// Go's `time.Duration` is an `int64` of nanoseconds.
const MAX_NANOS: u128 = i64::MAX as u128;

/// A duration as Istio accepts it, e.g. `1s`, `1m`, `1.5s`, `1h30m`, `500ms`.
///
/// The syntax is Go's `time.ParseDuration` (what Istio's CRDs check with CEL `duration(self)`):
/// one or more decimal numbers, each with an optional fraction and a unit among `h`, `m`, `s`,
/// `ms`, `us` (also `µs`/`μs`) and `ns`, optionally preceded by `+`. On top of that, Istio's
/// admission webhook (`ValidateDuration`) requires at least 1ms and a whole number of
/// milliseconds, so `1.5s` and `1500ms` are accepted while `1500us` and `1.5ms` are rejected.
///
/// The text is kept as written: `Display` and `Serialize` give back `1m`, never `60s`.
/// Equality and hashing compare that text (`"1m" != "60s"`); ordering compares the length of
/// time first, so sorting durations sorts them by length.
///
/// ```
/// use istio_types::primitives::Duration;
///
/// let d: Duration = "1m30s".parse()?;
/// assert_eq!(d.as_millis(), 90_000);
/// assert_eq!(d.to_string(), "1m30s");
/// assert_eq!(Duration::from_millis(90_000)?.to_string(), "90s");
/// assert!(Duration::new("1500us").is_err());
/// # Ok::<(), istio_types::primitives::PrimitiveError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    millis: u64,
    text: String,
}

impl Duration {
    /// Parses and validates `s`.
    pub fn new(s: impl Into<String>) -> Result<Self, PrimitiveError> {
        let text = s.into();
        match parse_millis(&text) {
            Ok(millis) => Ok(Self { millis, text }),
            Err(problem) => Err(PrimitiveError::Duration {
                value: text,
                problem,
            }),
        }
    }

    /// A duration of `millis` milliseconds, written in the largest unit that divides it
    /// exactly, the way people write Istio resources: `1h`, `1m`, `90s`, `1500ms`.
    ///
    /// Fails for 0, which Istio rejects (durations are at least 1ms).
    pub fn from_millis(millis: u64) -> Result<Self, PrimitiveError> {
        let text = format_millis(millis);
        if millis == 0 {
            return Err(PrimitiveError::Duration {
                value: text,
                problem: "it is shorter than 1ms".to_owned(),
            });
        }
        Ok(Self { millis, text })
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The length in milliseconds (exact: Istio durations are whole milliseconds).
    pub fn as_millis(&self) -> u64 {
        self.millis
    }

    /// The length as a [`std::time::Duration`].
    pub fn as_std(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.millis)
    }
}

str_newtype_impls!(Duration, "a duration such as \"1s\" or \"500ms\"");

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        super::string_schema(
            r"^\+?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(h|m|s|ms|us|µs|μs|ns))+$",
            "A duration in Go/Istio syntax, e.g. \"500ms\", \"1s\", \"1.5s\", \"1m30s\", \"1h\". At least 1ms, whole milliseconds.",
            None,
        )
    }
}

/// Formats in the largest of h, m, s, ms that divides `millis` exactly.
fn format_millis(millis: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(3_600_000, "h"), (60_000, "m"), (1_000, "s")];
    if millis != 0 {
        for (size, unit) in UNITS {
            if millis.is_multiple_of(size) {
                return format!("{}{unit}", millis / size);
            }
        }
    }
    format!("{millis}ms")
}

/// Go's `time.ParseDuration` into nanoseconds, then Istio's limits, into milliseconds.
fn parse_millis(text: &str) -> Result<u64, String> {
    let (negative, nanos) = parse_go_nanos(text)?;
    if negative && nanos != 0 {
        return Err("it is negative".to_owned());
    }
    if nanos < NANOS_PER_MILLI {
        return Err("it is shorter than 1ms".to_owned());
    }
    if !nanos.is_multiple_of(NANOS_PER_MILLI) {
        return Err(format!(
            "only millisecond precision is supported ({text} is {nanos}ns)"
        ));
    }
    u64::try_from(nanos / NANOS_PER_MILLI).map_err(|_| "it is too long".to_owned())
}

fn unit_nanos(unit: &str) -> Option<u128> {
    Some(match unit {
        "ns" => 1,
        "us" | "µs" | "μs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Go's `time.ParseDuration`: returns (negative, magnitude in nanoseconds). Fractions below a
/// nanosecond are truncated, as Go does.
fn parse_go_nanos(text: &str) -> Result<(bool, u128), String> {
    let mut s = text;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok((negative, 0));
    }
    if s.is_empty() {
        return Err("it is empty".to_owned());
    }
    let is_num = |c: char| c == '.' || c.is_ascii_digit();
    let mut total: u128 = 0;
    while !s.is_empty() {
        if !s.starts_with(is_num) {
            return Err(format!("expected a number at {s:?}"));
        }
        // Integer part.
        let int_len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (int_digits, rest) = s.split_at(int_len);
        s = rest;
        let mut whole: u128 = 0;
        for d in int_digits.bytes() {
            whole = whole * 10 + u128::from(d - b'0');
            if whole > MAX_NANOS {
                return Err("it is too long (more than about 292 years)".to_owned());
            }
        }
        // Fraction: Go keeps digits while they fit in an int64 and ignores the rest.
        let mut frac: u128 = 0;
        let mut scale: u128 = 1;
        let mut frac_len = 0;
        if let Some(rest) = s.strip_prefix('.') {
            let len = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            frac_len = len;
            for d in rest[..len].bytes() {
                if scale >= 1_000_000_000_000_000_000 {
                    break;
                }
                frac = frac * 10 + u128::from(d - b'0');
                scale *= 10;
            }
            s = &rest[len..];
        }
        if int_len == 0 && frac_len == 0 {
            return Err("a '.' without digits".to_owned());
        }
        let unit_len = s.find(is_num).unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!(
                "missing unit after {}",
                &text[..text.len() - s.len()]
            ));
        }
        let (unit, rest) = s.split_at(unit_len);
        s = rest;
        let Some(unit_ns) = unit_nanos(unit) else {
            return Err(format!("unknown unit {unit:?}"));
        };
        total += whole * unit_ns + frac * unit_ns / scale;
        if total > MAX_NANOS {
            return Err("it is too long (more than about 292 years)".to_owned());
        }
    }
    Ok((negative, total))
}

/// A duration in Go syntax of any non-negative length, kept as written: for the few Istio
/// fields where `0s` means something (a cookie `ttl` of `0s` makes a session cookie, a TCP
/// `idleTimeout` of `0s` disables the timeout) or that Istio never checks beyond the syntax
/// (`budgetInterval`, the `backendUtilization` periods). Everywhere else use [`Duration`],
/// which enforces Istio's "at least 1ms, whole milliseconds" rule.
///
/// ```
/// use istio_types::primitives::GoDuration;
///
/// let d: GoDuration = "0s".parse()?;
/// assert!(d.is_zero());
/// assert_eq!(GoDuration::new("1500us")?.as_nanos(), 1_500_000);
/// assert!(GoDuration::new("-1s").is_err());
/// # Ok::<(), istio_types::primitives::PrimitiveError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GoDuration {
    nanos: u64,
    text: String,
}

impl GoDuration {
    /// Parses `s` with Go's `time.ParseDuration` syntax; negative durations are refused.
    pub fn new(s: impl Into<String>) -> Result<Self, PrimitiveError> {
        let text = s.into();
        let parsed = parse_go_nanos(&text).and_then(|(negative, nanos)| {
            if negative && nanos != 0 {
                Err("it is negative".to_owned())
            } else {
                u64::try_from(nanos).map_err(|_| "it is too long".to_owned())
            }
        });
        match parsed {
            Ok(nanos) => Ok(Self { nanos, text }),
            Err(problem) => Err(PrimitiveError::Duration {
                value: text,
                problem,
            }),
        }
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The length in nanoseconds.
    pub fn as_nanos(&self) -> u64 {
        self.nanos
    }

    /// True for a zero length (`0`, `0s`, `0ms` ...).
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// The same length as a [`Duration`], if Istio's webhook would accept it there (at least
    /// 1ms, whole milliseconds).
    pub fn to_duration(&self) -> Result<Duration, PrimitiveError> {
        Duration::new(self.text.clone())
    }
}

str_newtype_impls!(GoDuration, "a duration such as \"0s\", \"1s\" or \"500ms\"");

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for GoDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "GoDuration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        super::string_schema(
            r"^\+?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(h|m|s|ms|us|µs|μs|ns))+)$",
            "A non-negative duration in Go syntax, e.g. \"0s\", \"500ms\", \"1m30s\".",
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn go_syntax_parses() {
        for (text, millis) in [
            ("1s", 1_000),
            ("1m", 60_000),
            ("1.5s", 1_500),
            ("1h30m", 5_400_000),
            ("500ms", 500),
            ("1ms", 1),
            ("+2s", 2_000),
            ("1000us", 1),
            ("1000000ns", 1),
            (".5s", 500),
            ("1.s", 1_000),
            ("1m0s", 60_000),
            ("1µs999us", 1),
            ("2h45m30.5s", 9_930_500),
        ] {
            let d = Duration::new(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(d.as_millis(), millis, "{text}");
            assert_eq!(d.as_str(), text);
            assert_eq!(d.as_std(), std::time::Duration::from_millis(millis));
        }
    }

    #[test]
    fn istio_limits_and_bad_syntax_are_errors() {
        for (text, problem) in [
            (
                "1500us",
                "only millisecond precision is supported (1500us is 1500000ns)",
            ),
            (
                "1.5ms",
                "only millisecond precision is supported (1.5ms is 1500000ns)",
            ),
            ("10us", "it is shorter than 1ms"),
            ("0", "it is shorter than 1ms"),
            ("0s", "it is shorter than 1ms"),
            ("-1s", "it is negative"),
            ("", "it is empty"),
            ("1", "missing unit after 1"),
            ("1d", "unknown unit \"d\""),
            ("s", "expected a number at \"s\""),
            (".s", "a '.' without digits"),
            ("1 s", "unknown unit \" s\""),
            (
                "99999999999999999999h",
                "it is too long (more than about 292 years)",
            ),
            ("3000000h", "it is too long (more than about 292 years)"),
        ] {
            let err = Duration::new(text).unwrap_err();
            assert_eq!(
                err,
                PrimitiveError::Duration {
                    value: text.to_owned(),
                    problem: problem.to_owned()
                },
                "{text}"
            );
        }
    }

    #[test]
    fn from_millis_picks_the_largest_exact_unit() {
        for (millis, text) in [
            (1, "1ms"),
            (1_500, "1500ms"),
            (1_000, "1s"),
            (90_000, "90s"),
            (60_000, "1m"),
            (3_600_000, "1h"),
            (5_400_000, "90m"),
        ] {
            assert_eq!(Duration::from_millis(millis).unwrap().as_str(), text);
        }
        assert!(Duration::from_millis(0).is_err());
    }

    #[test]
    fn order_is_by_length() {
        let mut v: Vec<Duration> = ["1m", "10s", "1h", "500ms"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort();
        let texts: Vec<&str> = v.iter().map(Duration::as_str).collect();
        assert_eq!(texts, ["500ms", "10s", "1m", "1h"]);
    }

    proptest! {
        #[test]
        fn prop_from_millis_round_trips(ms in 1u64..=9_000_000_000_000) {
            let d = Duration::from_millis(ms).unwrap();
            let back: Duration = d.to_string().parse().unwrap();
            prop_assert_eq!(back.as_millis(), ms);
            prop_assert_eq!(&back, &d);
            let yaml = serde_saphyr::to_string(&d).unwrap();
            prop_assert_eq!(serde_saphyr::from_str::<Duration>(&yaml).unwrap(), d.clone());
            let json = serde_json::to_string(&d).unwrap();
            prop_assert_eq!(serde_json::from_str::<Duration>(&json).unwrap(), d);
        }

        #[test]
        fn prop_composite_text_is_kept(h in 0u64..100, m in 0u64..60, s in 0u64..60, ms in 1u64..1000) {
            let text = format!("{h}h{m}m{s}s{ms}ms");
            let d = Duration::new(text.clone()).unwrap();
            prop_assert_eq!(d.as_millis(), ((h * 60 + m) * 60 + s) * 1000 + ms);
            prop_assert_eq!(d.to_string(), text);
        }

        #[test]
        fn prop_random_strings_never_panic(s in any::<String>()) {
            if let Ok(d) = Duration::new(s.clone()) {
                prop_assert!(d.as_millis() >= 1);
            }
        }

        #[test]
        fn prop_durationish_strings_never_panic(s in "[-+]?[0-9.]{0,25}(h|m|s|ms|us|ns|µs|x)?[0-9.]{0,5}") {
            let _ = Duration::new(s);
        }
    }
}
