//! CEL's `duration(string)` with Go's `time.ParseDuration` grammar, as the API server (cel-go)
//! evaluates it.
//!
//! The `cel` crate's own parser accepts what Go rejects (`1e3s`, `1h-1m`, trailing garbage such
//! as `5m junk`) and rejects what Go accepts (`1µs`), so Istio's
//! `duration(self) >= duration('1ms')` rules would pass objects the API server refuses.

use std::sync::Arc;

use kube_cel::cel::{ExecutionError, Value};

/// Go's unit table, in nanoseconds.
fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Parses `[-+]?([0-9]*(\.[0-9]*)?[a-zµμ]+)+` (or `0`) into signed nanoseconds, with Go's
/// overflow and error rules.
pub(crate) fn parse_go_duration(input: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {input:?}");
    let (negative, mut rest) = match input.as_bytes().first() {
        Some(b'-') => (true, &input[1..]),
        Some(b'+') => (false, &input[1..]),
        _ => (false, input),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let limit: u128 = 1 << 63;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        rest = after;
        let mut frac_part = "";
        if let Some(after_dot) = rest.strip_prefix('.') {
            let frac_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            (frac_part, rest) = after_dot.split_at(frac_len);
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {input:?}"));
        }
        let (unit, after) = rest.split_at(unit_len);
        rest = after;
        let Some(unit) = unit_nanos(unit) else {
            return Err(format!("time: unknown unit {unit:?} in duration {input:?}"));
        };
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        let mut value = whole
            .checked_mul(u128::from(unit))
            .filter(|v| *v <= limit)
            .ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            // Go keeps at most the digits that fit; 18 significant digits is beyond any unit's
            // resolution here, and it truncates toward zero as Go does.
            let digits = &frac_part[..frac_part.len().min(18)];
            let numerator: u128 = digits.parse().map_err(|_| invalid())?;
            let scale = 10u128.pow(u32::try_from(digits.len()).map_err(|_| invalid())?);
            value += numerator * u128::from(unit) / scale;
        }
        total = total
            .checked_add(value)
            .filter(|v| *v <= limit)
            .ok_or_else(invalid)?;
    }
    if !negative && total == limit {
        return Err(invalid());
    }
    let total = i128::try_from(total).map_err(|_| invalid())?;
    Ok(if negative { -total } else { total })
}

/// The CEL value for a Go duration string.
pub(crate) fn to_value(input: &str) -> Result<Value, ExecutionError> {
    let nanos =
        parse_go_duration(input).map_err(|why| ExecutionError::function_error("duration", why))?;
    let sign = if nanos < 0 { "-" } else { "" };
    let magnitude = nanos.unsigned_abs();
    // `cel`'s parser is exact for this canonical spelling: whole seconds, then nanoseconds.
    let canonical = format!(
        "{sign}{}s{}ns",
        magnitude / 1_000_000_000,
        magnitude % 1_000_000_000
    );
    kube_cel::cel::functions::duration(Arc::new(canonical))
}

/// `duration(string)` for the CEL environment.
#[allow(
    clippy::needless_pass_by_value,
    reason = "the cel crate passes string arguments as Arc<String>"
)]
pub(crate) fn cel_duration(value: Arc<String>) -> Result<Value, ExecutionError> {
    to_value(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_go_accepts() {
        for (input, nanos) in [
            ("0", 0),
            ("-0", 0),
            ("+1s", 1_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("1h30m", 5_400_000_000_000),
            (".5s", 500_000_000),
            ("1.s", 1_000_000_000),
            ("1\u{b5}s", 1_000),
            ("1\u{3bc}s", 1_000),
            ("1us", 1_000),
            ("-1.5ms", -1_500_000),
            ("2562047h47m16.854775807s", i128::from(i64::MAX)),
            ("-2562047h47m16.854775808s", i128::from(i64::MIN)),
        ] {
            assert_eq!(parse_go_duration(input), Ok(nanos), "{input}");
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        for input in [
            "",
            "1",
            "s",
            ".s",
            "1e3s",
            "1h-1m",
            "1s ",
            " 1s",
            "5m junk",
            "NaNs",
            "inf",
            "1d",
            "9999999999h",
            "2562047h47m16.854775808s",
            "+-1s",
        ] {
            assert!(parse_go_duration(input).is_err(), "{input:?} accepted");
        }
    }

    #[test]
    fn cel_values_compare() {
        let Ok(Value::Duration(d)) = to_value("1m1.000000001s") else {
            panic!("not a duration")
        };
        assert_eq!(d.num_nanoseconds(), Some(61_000_000_001));
    }
}
