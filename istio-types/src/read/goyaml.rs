//! Plain scalars typed the way Kubernetes types them.
//!
//! The API server, kubectl and istioctl turn YAML into JSON with sigs.k8s.io/yaml, which reads
//! YAML with go-yaml v2 (a YAML 1.1 reader) into untyped values: a plain (unquoted) scalar
//! becomes a string, a number, a boolean or null by go-yaml's `resolve` (resolve.go), and only
//! then does the CRD schema look at it. serde-saphyr types plain scalars by YAML 1.2 and its own
//! rules, which differ on exactly the spellings manifests trip over: `001:db8::` and `12:30`
//! (strings to go-yaml; sexagesimal-looking to others), `0755` (the octal 493 to go-yaml),
//! `0x1F`, `0o17`, `0b101`, `1_000`, `+5`, `08` (a float to go-yaml), `yes`/`on`/`Y` (booleans
//! to go-yaml), `.inf` and `.nan` (floats that JSON cannot hold, so the document is refused).
//!
//! The precise reader therefore does not let serde-saphyr guess: before it reads a document,
//! [`normalize`] rewrites every plain scalar whose type readers could disagree on (what the
//! fast path's `classify` leaves undecided) into the spelling that means the same to both:
//! a single-quoted string, a decimal integer, a plain float, `true`/`false` or `null`. A mapping
//! key becomes the string sigs.k8s.io/yaml makes of it (`8080` → `"8080"`, `yes` → `"true"`).
//! Lines are kept; columns after a rewritten scalar on its line may move.

use std::borrow::Cow;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

/// What go-yaml v2 makes of a plain scalar (resolve.go `resolve`, for an untagged scalar read
/// into an `interface{}`, as sigs.k8s.io/yaml reads it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Resolved {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer that fits `int64`.
    Int(i64),
    /// An integer beyond `int64` that fits `uint64`.
    Uint(u64),
    /// A float (possibly infinite or NaN).
    Float(f64),
    /// A string (timestamps included: go-yaml v2 hands them to `interface{}` as strings).
    Str,
}

/// go-yaml v2's `resolve` for an untagged plain scalar `s`.
pub(crate) fn resolve(s: &str) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match s.as_bytes()[0] {
        // Hint '.': not in the map, so maybe a float (Go's ParseFloat, no underscores without
        // a base prefix; out of range is no float).
        b'.' => {
            let b = s.as_bytes();
            let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            let rest = &s[1 + digits..];
            let exp_ok = rest.is_empty()
                || rest
                    .strip_prefix(['e', 'E'])
                    .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
                    .is_some_and(|e| !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()));
            match s.parse::<f64>() {
                Ok(f) if digits > 0 && exp_ok && f.is_finite() => Resolved::Float(f),
                _ => Resolved::Str,
            }
        }
        // Hints 'D' and 'S': a timestamp (a string here), an integer, a float.
        b'0'..=b'9' | b'+' | b'-' => resolve_number(s),
        // Hint 'M' (only what the map holds) and no hint: a string.
        _ => Resolved::Str,
    }
}

fn resolve_number(s: &str) -> Resolved {
    // parseTimestamp: four digits and a `-` first, or it is no timestamp. Whatever it is then,
    // it is no number either (ParseInt and the float pattern refuse the `-`): a string.
    let b = s.as_bytes();
    if b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' {
        return Resolved::Str;
    }
    let plain = s.replace('_', "");
    if let Some(i) = go_parse_int(&plain) {
        return Resolved::Int(i);
    }
    if let Some(u) = go_parse_uint(&plain) {
        return Resolved::Uint(u);
    }
    if yaml_style_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
        && f.is_finite()
    {
        return Resolved::Float(f);
    }
    Resolved::Str
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits = |t: &str| t.bytes().take_while(u8::is_ascii_digit).count();
    let mantissa_end = if let Some(frac) = s.strip_prefix('.') {
        let n = digits(frac);
        if n == 0 {
            return false;
        }
        1 + n
    } else {
        let n = digits(s);
        if n == 0 {
            return false;
        }
        match s[n..].strip_prefix('.') {
            Some(frac) => n + 1 + digits(frac),
            None => n,
        }
    };
    let rest = &s[mantissa_end..];
    rest.is_empty()
        || rest
            .strip_prefix(['e', 'E'])
            .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
            .is_some_and(|e| !e.is_empty() && digits(e) == e.len())
}

/// Go's `strconv.ParseUint(s, 0, 64)`: `0x`, `0o` and `0b` prefixes, a leading `0` for octal.
fn go_parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let (radix, digits) =
        if b[0] == b'0' && b.len() >= 3 && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
            let radix = match b[1] | 0x20 {
                b'b' => 2,
                b'o' => 8,
                _ => 16,
            };
            (radix, &s[2..])
        } else if b[0] == b'0' {
            (8, &s[1..])
        } else {
            (10, s)
        };
    if digits.is_empty() {
        // `0` alone (the octal prefix with nothing after it).
        return (radix == 8).then_some(0);
    }
    if !digits.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then [`go_parse_uint`], within `int64`.
fn go_parse_int(s: &str) -> Option<i64> {
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(rest)?;
    if negative {
        0i64.checked_sub_unsigned(u)
    } else {
        i64::try_from(u).ok()
    }
}

/// How sigs.k8s.io/yaml writes a float map key: Go's `strconv.FormatFloat(f, 'g', -1, 32)`.
fn go_float_key(f: f64) -> String {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "sigs.k8s.io/yaml formats float keys at 32-bit precision"
    )]
    let x = f as f32;
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest digits that read back as the same f32, as Go's -1
    // precision does.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if x < 0.0 { "-" } else { "" };
    // %e when the exponent is below -4 or at least 6 (Go's precision for the shortest form).
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}e{exp_sign}{:02}", exp.abs());
    }
    let point = usize::try_from(exp + 1).unwrap_or(0);
    let text = if exp < 0 {
        let zeros = "0".repeat(usize::try_from(-exp - 1).unwrap_or(0));
        format!("0.{zeros}{digits}")
    } else if point >= digits.len() {
        format!("{digits}{}", "0".repeat(point - digits.len()))
    } else {
        format!("{}.{}", &digits[..point], &digits[point..])
    };
    format!("{sign}{text}")
}

/// A plain scalar the document cannot hold, as sigs.k8s.io/yaml refuses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    /// 1-based line in the document.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The field path, e.g. `spec.tracing[0].randomSamplingPercentage`.
    pub path: String,
    /// Why.
    pub message: String,
}

/// One open collection while walking the events.
enum Frame {
    /// A mapping; `key` is the current key once read, and whether the next scalar is a key.
    Map { key: Option<String>, at_key: bool },
    /// A sequence and the index of its next item.
    Seq { next: usize },
}

fn path_of(stack: &[Frame]) -> String {
    let mut path = String::new();
    for frame in stack {
        match frame {
            Frame::Map { key: Some(k), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Map { key: None, .. } => {}
            Frame::Seq { next } => {
                path.push('[');
                path.push_str(&next.saturating_sub(1).to_string());
                path.push(']');
            }
        }
    }
    path
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The document with every plain scalar whose type YAML readers could disagree on rewritten to
/// what go-yaml makes of it (see the module's documentation), and every plain scalar of a flow
/// collection that go-yaml reads differently quoted ([`quote_flow_colons`]). Borrowed when
/// nothing changes, and when the text does not parse (the precise reader then reports the
/// syntax error).
pub(crate) fn normalize(text: &str) -> Result<Cow<'_, str>, Refused> {
    match quote_flow_colons(text) {
        Cow::Borrowed(_) => normalize_scalars(text),
        Cow::Owned(quoted) => normalize_scalars(&quoted).map(|t| Cow::Owned(t.into_owned())),
    }
}

/// Where the outermost flow collections (`[...]`, `{...}`) of the document start, in bytes.
fn flow_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut depth = 0usize;
    for item in Parser::new_from_str(text) {
        // What was found before a syntax error still counts: go-yaml may read on where a
        // YAML 1.2 reader stops (`{a: b:, c: d}`).
        let Ok((event, span)) = item else {
            break;
        };
        match event {
            Event::SequenceStart(StructureStyle::Flow, ..)
            | Event::MappingStart(StructureStyle::Flow, ..) => {
                if depth == 0
                    && let Some(range) = span.byte_range()
                {
                    starts.push(range.start);
                }
                depth += 1;
            }
            Event::SequenceEnd | Event::MappingEnd if depth > 0 => depth -= 1,
            _ => {}
        }
    }
    starts
}

/// Quotes the plain scalars of flow collections that end in `:` right before a flow indicator
/// (`addresses: [1.2.3.4, 001:db8::]`). go-yaml v2 ends a plain scalar in a flow collection
/// only at a flow indicator or at a `:` followed by a blank (scannerc.go
/// `yaml_parser_scan_plain_scalar`), so to it `001:db8::` is one string. A YAML 1.2 reader ends
/// the scalar at a `:` followed by a flow indicator too, and reads a one-entry mapping
/// `{"001:db8:": null}` instead.
fn quote_flow_colons(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let blank = |i: usize| {
        b.get(i)
            .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    };
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for start in flow_starts(text) {
        let mut depth = 0usize;
        let mut i = start;
        while i < b.len() {
            match b[i] {
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                b',' | b' ' | b'\t' | b'\n' | b'\r' | b':' | b'?' => {}
                b'#' => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'\'' => {
                    i += 1;
                    while i < b.len() {
                        if b[i] == b'\'' {
                            if b.get(i + 1) == Some(&b'\'') {
                                i += 1;
                            } else {
                                break;
                            }
                        }
                        i += 1;
                    }
                }
                b'"' => {
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                }
                _ => {
                    // A plain scalar (or a tag, anchor or alias, which never end in `:`).
                    let mut j = i;
                    while j < b.len()
                        && !matches!(b[j], b',' | b'[' | b']' | b'{' | b'}' | b'\n' | b'\r')
                        && !(b[j] == b':' && blank(j + 1))
                        && !(b[j] == b'#' && j > i && blank(j - 1))
                    {
                        j += 1;
                    }
                    let scalar = text[i..j].trim_end_matches([' ', '\t']);
                    let ends_at_indicator =
                        matches!(b.get(j), Some(b',' | b']' | b'}' | b'[' | b'{'));
                    if ends_at_indicator
                        && scalar.ends_with(':')
                        && !matches!(b[i], b'!' | b'&' | b'*')
                    {
                        edits.push((i..i + scalar.len(), single_quoted(scalar)));
                    }
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
    }
    if edits.is_empty() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(apply(text, edits))
}

fn apply(text: &str, edits: Vec<(std::ops::Range<usize>, String)>) -> String {
    let mut out = String::with_capacity(text.len() + 2 * edits.len());
    let mut at = 0;
    for (range, new) in edits {
        out.push_str(&text[at..range.start]);
        out.push_str(&new);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

fn normalize_scalars(text: &str) -> Result<Cow<'_, str>, Refused> {
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else {
            return Ok(Cow::Borrowed(text));
        };
        // A node starts: if it is a mapping value or a sequence item, move the parent on.
        let is_node = matches!(
            event,
            Event::Scalar(..)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
                | Event::Alias(_)
        );
        let mut is_key = false;
        if is_node {
            match stack.last_mut() {
                Some(Frame::Map { at_key, key }) => {
                    is_key = *at_key;
                    *at_key = !*at_key;
                    if is_key {
                        // Until the key is read, the path is the mapping's own.
                        *key = None;
                    }
                }
                Some(Frame::Seq { next }) => *next += 1,
                None => {}
            }
        }
        match event {
            Event::Scalar(value, ScalarStyle::Plain, _, None) => {
                let rewrite = scalar_rewrite(&value, is_key, &stack, &span)?;
                if is_key && let Some(Frame::Map { key, .. }) = stack.last_mut() {
                    *key = Some(match &rewrite {
                        Some(r) => r.trim_matches('\'').replace("''", "'"),
                        None => value.to_string(),
                    });
                }
                if let Some(new) = rewrite
                    && span.start.line() == span.end.line()
                    && let Some(range) = span.byte_range()
                {
                    edits.push((range, new));
                }
            }
            Event::Scalar(value, ..) => {
                if is_key && let Some(Frame::Map { key, .. }) = stack.last_mut() {
                    *key = Some(value.to_string());
                }
            }
            Event::MappingStart(..) => stack.push(Frame::Map {
                key: None,
                at_key: true,
            }),
            Event::SequenceStart(..) => stack.push(Frame::Seq { next: 0 }),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            _ => {}
        }
    }
    if edits.is_empty() {
        return Ok(Cow::Borrowed(text));
    }
    Ok(Cow::Owned(apply(text, edits)))
}

/// The spelling `value` (a plain scalar) is rewritten to, or `None` when both readers already
/// agree on it.
fn scalar_rewrite(
    value: &str,
    is_key: bool,
    stack: &[Frame],
    span: &serde_saphyr::granit_parser::Span,
) -> Result<Option<String>, Refused> {
    let resolved = resolve(value);
    // A string that starts like a number (`001:db8::`, `10.0.0.0/8`) is quoted even where the
    // fast path's reading agrees: serde-saphyr may still see a number in it.
    let numeric_start =
        value.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
    if super::fast::plain_is_unambiguous(value, is_key)
        && !(numeric_start && resolved == Resolved::Str)
    {
        return Ok(None);
    }
    let refused = |message: String| Refused {
        line: span.start.line(),
        column: span.start.col() + 1,
        path: path_of(stack),
        message,
    };
    if is_key {
        return Ok(Some(single_quoted(&match resolved {
            Resolved::Str => value.to_owned(),
            Resolved::Bool(b) => b.to_string(),
            Resolved::Int(i) => i.to_string(),
            Resolved::Uint(u) => u.to_string(),
            Resolved::Float(f) if f.is_nan() => ".nan".to_owned(),
            Resolved::Float(f) if f.is_infinite() => {
                if f > 0.0 { ".inf" } else { "-.inf" }.to_owned()
            }
            Resolved::Float(f) => go_float_key(f),
            Resolved::Null => {
                return Err(refused(format!(
                    "the key {value:?} is null to Kubernetes' YAML reader, and a null key cannot be written as JSON: quote it"
                )));
            }
        })));
    }
    Ok(match resolved {
        Resolved::Null => None,
        Resolved::Str => Some(single_quoted(value)),
        Resolved::Bool(b) => Some(b.to_string()),
        Resolved::Int(i) => Some(i.to_string()),
        Resolved::Uint(u) => Some(u.to_string()),
        Resolved::Float(f) if f.is_finite() => Some(format!("{f:?}")),
        Resolved::Float(_) => {
            return Err(refused(format!(
                "{value} is a YAML float that JSON cannot hold, so Kubernetes refuses the document: quote it if a string is meant"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{Resolved, go_float_key, normalize, resolve};

    #[test]
    fn resolves_like_go_yaml_v2() {
        // go-yaml v2 resolve.go and its decode tests (decode_test.go): plain scalars.
        for (s, want) in [
            ("001:db8::", Resolved::Str),
            ("2001:db8::1", Resolved::Str),
            ("12:30", Resolved::Str),
            ("190:20:30", Resolved::Str),
            ("2001-12-14", Resolved::Str),
            ("2001-12-14t21:59:43.10-05:00", Resolved::Str),
            ("0755", Resolved::Int(493)),
            ("-0755", Resolved::Int(-493)),
            ("+0755", Resolved::Int(493)),
            ("08", Resolved::Float(8.0)),
            ("0x1F", Resolved::Int(31)),
            ("0X1f", Resolved::Int(31)),
            ("-0x1F", Resolved::Int(-31)),
            ("0o17", Resolved::Int(15)),
            ("0b101", Resolved::Int(5)),
            ("-0b101", Resolved::Int(-5)),
            ("1_000", Resolved::Int(1000)),
            ("1_", Resolved::Int(1)),
            ("0", Resolved::Int(0)),
            ("-0", Resolved::Int(0)),
            ("+5", Resolved::Int(5)),
            ("9223372036854775807", Resolved::Int(i64::MAX)),
            ("18446744073709551615", Resolved::Uint(u64::MAX)),
            (
                "18446744073709551616",
                Resolved::Float(18_446_744_073_709_551_616.0),
            ),
            ("1e3", Resolved::Float(1000.0)),
            ("1E3", Resolved::Float(1000.0)),
            ("1.", Resolved::Float(1.0)),
            ("-.5", Resolved::Float(-0.5)),
            (".5", Resolved::Float(0.5)),
            ("1e400", Resolved::Str),
            ("._5", Resolved::Str),
            (".", Resolved::Str),
            ("0x", Resolved::Str),
            ("0b", Resolved::Str),
            ("1.2.3", Resolved::Str),
            ("yes", Resolved::Bool(true)),
            ("Yes", Resolved::Bool(true)),
            ("yEs", Resolved::Str),
            ("y", Resolved::Bool(true)),
            ("ON", Resolved::Bool(true)),
            ("Off", Resolved::Bool(false)),
            ("N", Resolved::Bool(false)),
            ("True", Resolved::Bool(true)),
            ("nan", Resolved::Str),
            ("inf", Resolved::Str),
            ("~", Resolved::Null),
            ("Null", Resolved::Null),
            ("<<", Resolved::Str),
            ("=", Resolved::Str),
            ("-", Resolved::Str),
            ("+", Resolved::Str),
        ] {
            assert_eq!(resolve(s), want, "{s}");
        }
        assert!(matches!(resolve(".inf"), Resolved::Float(f) if f == f64::INFINITY));
        assert!(matches!(resolve("-.Inf"), Resolved::Float(f) if f == f64::NEG_INFINITY));
        assert!(matches!(resolve(".NaN"), Resolved::Float(f) if f.is_nan()));
    }

    #[test]
    fn float_keys_are_written_as_go_formats_them() {
        for (f, want) in [
            (1.5, "1.5"),
            (1000.0, "1000"),
            (1e6, "1e+06"),
            (123_456.0, "123456"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
        ] {
            assert_eq!(go_float_key(f), want, "{f}");
        }
    }

    #[test]
    fn normalizes_what_readers_disagree_on_and_nothing_else() {
        // Istio's serviceentry-valid.yaml (pkg/config/validation/testdata/crds, 1.30.3).
        assert_eq!(
            normalize("addresses: [1.2.3.4, 001:db8::]\nx: {a: b:, c: 'd:'}\n").unwrap(),
            "addresses: ['1.2.3.4', '001:db8::']\nx: {a: 'b:', c: 'd:'}\n"
        );
        // `n` as a key is the boolean false to go-yaml v2, written "false" by sigs.k8s.io/yaml.
        let text = "a:\n- 2001:db8::1\n- [10.0.0.1, x]\nb: 0755\nc: yes\nd: 12:30\n0x10: x\nn: ~\ne: plain\n";
        assert_eq!(
            normalize(text).unwrap(),
            "a:\n- '2001:db8::1'\n- ['10.0.0.1', x]\nb: 493\nc: true\nd: '12:30'\n'16': x\n'false': ~\ne: plain\n"
        );
        let untouched = "a: 1\nb: [x, 'y']\n";
        assert!(matches!(
            normalize(untouched),
            Ok(std::borrow::Cow::Borrowed(_))
        ));
        let e = normalize("spec:\n  tracing:\n  - randomSamplingPercentage: .inf\n").unwrap_err();
        assert_eq!(
            (e.line, e.path.as_str()),
            (3, "spec.tracing[0].randomSamplingPercentage")
        );
    }
}
