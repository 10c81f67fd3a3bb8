//! The string formats the API server checks (kube-openapi's `strfmt` registry), as far as the
//! CRDs we check use them.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The checker for one name of `schema::CHECKED_FORMATS`.
pub(crate) fn checker(name: &str) -> fn(&str) -> bool {
    match name {
        "byte" => is_base64,
        "date-time" | "datetime" => is_date_time,
        "date" => is_date,
        "ipv4" => |s| s.parse::<Ipv4Addr>().is_ok(),
        "ipv6" => |s| s.parse::<Ipv6Addr>().is_ok(),
        "cidr" => is_cidr,
        _ => is_uuid,
    }
}

/// Go's `base64.StdEncoding.DecodeString` (padded standard alphabet; `\r`/`\n` ignored).
fn is_base64(s: &str) -> bool {
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'\r' && *b != b'\n').collect();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let padding = bytes.iter().rev().take_while(|b| **b == b'=').count();
    if padding > 2 {
        return false;
    }
    bytes[..bytes.len() - padding]
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn is_date(s: &str) -> bool {
    let mut parts = s.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Some(year), Some(month), Some(day)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// strfmt's `DateTime`: `date` `T` `hh:mm:ss[.frac]` and an optional zone (`Z`, `±hh:mm`,
/// `±hhmm`).
fn is_date_time(s: &str) -> bool {
    let Some((date, rest)) = s.split_once(['T', 't']) else {
        return false;
    };
    let (Some(clock), Some(mut rest)) = (rest.get(..8), rest.get(8..)) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    let mut fields = clock.split(':');
    let (Some(h), Some(m), Some(sec), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return false;
    };
    match (digits(h, 2), digits(m, 2), digits(sec, 2)) {
        (Some(h), Some(m), Some(sec)) if h < 24 && m < 60 && sec < 61 => {}
        _ => return false,
    }
    if let Some(frac) = rest.strip_prefix('.') {
        let len = frac.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return false;
        }
        rest = &frac[len..];
    }
    match rest {
        "" | "Z" | "z" => true,
        zone => {
            let Some(offset) = zone.strip_prefix(['+', '-']) else {
                return false;
            };
            let (h, m) = match offset.split_once(':') {
                Some(parts) => parts,
                None => match (offset.get(..2), offset.get(2..)) {
                    (Some(h), Some(m)) => (h, m),
                    _ => return false,
                },
            };
            matches!((digits(h, 2), digits(m, 2)), (Some(h), Some(m)) if h < 24 && m < 60)
        }
    }
}

fn is_cidr(s: &str) -> bool {
    let Some((ip, bits)) = s.split_once('/') else {
        return false;
    };
    let Some(bits) = digits(bits, bits.len()).filter(|_| !bits.is_empty()) else {
        return false;
    };
    if ip.parse::<Ipv4Addr>().is_ok() {
        bits <= 32
    } else {
        ip.parse::<Ipv6Addr>().is_ok() && bits <= 128
    }
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_go_std_encoding() {
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64(""));
        assert!(!is_base64("aGVsbG8"));
        assert!(!is_base64("a===="));
        assert!(!is_base64("aGV*bG8="));
    }

    #[test]
    fn date_time_accepts_rfc3339_and_rejects_garbage() {
        assert!(is_date_time("2024-02-29T10:00:00Z"));
        assert!(is_date_time("2024-02-29T10:00:00.123+02:00"));
        assert!(!is_date_time("2023-02-29T10:00:00Z"));
        assert!(!is_date_time("2024-01-01 10:00:00Z"));
        assert!(!is_date_time("yesterday"));
    }

    #[test]
    fn cidr_and_uuid() {
        assert!(is_cidr("10.0.0.0/8"));
        assert!(is_cidr("fd00::/64"));
        assert!(!is_cidr("10.0.0.0/33"));
        assert!(!is_cidr("10.0.0.0"));
        assert!(is_uuid("550e8400-e29b-41d4-a716-446655440000"));
        assert!(!is_uuid("550e8400e29b41d4a716446655440000"));
    }
}
