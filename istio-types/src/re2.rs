//! The regular-expression syntax Istio accepts: Go's `regexp.Compile`, RE2's syntax with Perl's
//! extensions (Go `regexp/syntax`, flags `Perl`).
//!
//! The expression is parsed with `regex-syntax` (the parser of the regex crate), which refuses
//! what both refuse (unbalanced groups, bad escapes, backreferences, look-around), and then the
//! tree is checked for what Go refuses but `regex-syntax` accepts:
//! - a repetition operator right after another (`a**`, `a++`, `a*?+`, `a{2}*`): Go's `repeat`,
//!   "invalid nested repetition operator";
//! - a count above 1000 (`a{1001}`), and nested counted repetitions that make more than 1000
//!   copies of their innermost part (`(a{2}){600}`): Go's `parseRepeat` and `repeatIsValid`,
//!   "invalid repeat count";
//! - flags other than `i`, `m`, `s`, `U` (`(?x)`, `(?u)`, `(?R)`): Go's `parsePerlFlags`,
//!   "invalid or unsupported Perl syntax";
//! - the word-boundary assertions Go does not have (`\<`, `\>`, `\b{start}`, ...): "invalid
//!   escape sequence".
//!
//! Not modeled: the few forms Go accepts and `regex-syntax` refuses (`\Q...\E`, octal `\012`,
//! `\C`), which this check refuses too.

use regex_syntax::ast::{self, AssertionKind, Ast, Flag, FlagsItemKind, RepetitionKind};

/// Go's bound on a repetition count, and on the copies nested counts make (`parse.go`).
const MAX_REPEAT: u32 = 1000;

/// Whether Go's `regexp.Compile` accepts `pattern`; the reason when it does not.
pub(crate) fn check(pattern: &str) -> Result<(), String> {
    let tree = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| first_line(&e.to_string()))?;
    go_refusal(&tree)?;
    regex_syntax::hir::translate::Translator::new()
        .translate(pattern, &tree)
        .map(|_| ())
        .map_err(|e| first_line(&e.to_string()))
}

/// The error text without the caret diagram `regex-syntax` draws under the pattern.
fn first_line(message: &str) -> String {
    message
        .lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .map_or(message, |l| l.trim_start_matches("error:").trim())
        .to_owned()
}

/// What Go's parser refuses in a tree `regex-syntax` accepted.
fn go_refusal(node: &Ast) -> Result<(), String> {
    match node {
        Ast::Repetition(rep) => {
            if let Ast::Repetition(inner) = &*rep.ast {
                return Err(format!(
                    "invalid nested repetition operator at offset {}: Go's RE2 does not stack repetitions (write a group: (?:...){})",
                    inner.op.span.end.offset,
                    repetition_text(&rep.op.kind)
                ));
            }
            if let RepetitionKind::Range(range) = &rep.op.kind {
                let (min, max) = bounds(range);
                if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
                    return Err(format!(
                        "invalid repeat count {}: Go's RE2 allows at most {MAX_REPEAT}",
                        repetition_text(&rep.op.kind)
                    ));
                }
                if (min >= 2 || max.is_some_and(|m| m >= 2)) && !copies_within(node, MAX_REPEAT) {
                    return Err(format!(
                        "invalid repeat count {}: nested repetitions make more than {MAX_REPEAT} copies, which Go's RE2 refuses",
                        repetition_text(&rep.op.kind)
                    ));
                }
            }
            go_refusal(&rep.ast)
        }
        Ast::Flags(set) => flags(&set.flags),
        Ast::Group(group) => {
            if let ast::GroupKind::NonCapturing(f) = &group.kind {
                flags(f)?;
            }
            go_refusal(&group.ast)
        }
        Ast::Assertion(a) => match a.kind {
            AssertionKind::WordBoundaryStart
            | AssertionKind::WordBoundaryEnd
            | AssertionKind::WordBoundaryStartAngle
            | AssertionKind::WordBoundaryEndAngle
            | AssertionKind::WordBoundaryStartHalf
            | AssertionKind::WordBoundaryEndHalf => Err(format!(
                "invalid escape sequence at offset {}: Go's RE2 has only the word boundaries \\b and \\B",
                a.span.start.offset
            )),
            _ => Ok(()),
        },
        Ast::Alternation(alt) => alt.asts.iter().try_for_each(go_refusal),
        Ast::Concat(cat) => cat.asts.iter().try_for_each(go_refusal),
        Ast::Empty(_)
        | Ast::Literal(_)
        | Ast::Dot(_)
        | Ast::ClassUnicode(_)
        | Ast::ClassPerl(_)
        | Ast::ClassBracketed(_) => Ok(()),
    }
}

fn flags(f: &ast::Flags) -> Result<(), String> {
    for item in &f.items {
        if let FlagsItemKind::Flag(flag) = item.kind
            && !matches!(
                flag,
                Flag::CaseInsensitive | Flag::MultiLine | Flag::DotMatchesNewLine | Flag::SwapGreed
            )
        {
            return Err(format!(
                "invalid or unsupported Perl syntax at offset {}: Go's RE2 has only the flags i, m, s and U",
                item.span.start.offset
            ));
        }
    }
    Ok(())
}

fn bounds(range: &ast::RepetitionRange) -> (u32, Option<u32>) {
    match *range {
        ast::RepetitionRange::Exactly(n) => (n, Some(n)),
        ast::RepetitionRange::AtLeast(n) => (n, None),
        ast::RepetitionRange::Bounded(m, n) => (m, Some(n)),
    }
}

/// Go's `repeatIsValid`: whether the counted repetitions nested in `node` make at most `n`
/// copies of the innermost part (an open count `{m,}` counts as `m`).
fn copies_within(node: &Ast, n: u32) -> bool {
    let mut n = n;
    if let Ast::Repetition(rep) = node
        && let RepetitionKind::Range(range) = &rep.op.kind
    {
        let (min, max) = bounds(range);
        let m = max.unwrap_or(min);
        if m == 0 {
            return true;
        }
        if m > n {
            return false;
        }
        n /= m;
    }
    match node {
        Ast::Repetition(rep) => copies_within(&rep.ast, n),
        Ast::Group(g) => copies_within(&g.ast, n),
        Ast::Alternation(alt) => alt.asts.iter().all(|a| copies_within(a, n)),
        Ast::Concat(cat) => cat.asts.iter().all(|a| copies_within(a, n)),
        _ => true,
    }
}

fn repetition_text(kind: &RepetitionKind) -> String {
    match kind {
        RepetitionKind::ZeroOrOne => "?".to_owned(),
        RepetitionKind::ZeroOrMore => "*".to_owned(),
        RepetitionKind::OneOrMore => "+".to_owned(),
        RepetitionKind::Range(r) => match bounds(r) {
            (m, Some(n)) if m == n => format!("{{{m}}}"),
            (m, Some(n)) => format!("{{{m},{n}}}"),
            (m, None) => format!("{{{m},}}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    /// Go `regexp/syntax` `parse_test.go`'s `invalidRegexps` (those of the Perl flags) and the
    /// forms Go accepts, against `regex-syntax`'s wider syntax.
    #[test]
    fn refuses_what_go_refuses() {
        for bad in [
            "a**",
            "a*+",
            "a++",
            "a?*",
            "a*?*",
            "a{2}*",
            "x{1001}",
            "x{9876543210}",
            "(a{2}){600}",
            "((a{10}){10}){11}",
            "(?x)a",
            "(?u)a",
            "\\<a",
            "a\\>",
            "\\b{start}a",
            "(",
            ")",
            "a{2,1}",
            "\\1",
            "(?=a)",
            "*",
        ] {
            assert!(check(bad).is_err(), "{bad:?} should be refused");
        }
        for good in [
            "a*",
            "a*?",
            "a??",
            "a{2}",
            "(?:a*)*",
            "x{1000}",
            "((a{10}){10}){10}",
            "(?i)a",
            "(?s:.)",
            "(?U)a+",
            "(?P<n>a)",
            "(?<n>a)",
            "^1\\.2[0-9].*$",
            "\\bword\\b",
            "[[:alpha:]]+",
            "\\pL",
            "a{2,}",
            "",
        ] {
            assert!(
                check(good).is_ok(),
                "{good:?} should be accepted: {:?}",
                check(good)
            );
        }
    }

    #[test]
    fn says_what_is_wrong() {
        let e = check("1\\.2++").unwrap_err();
        assert!(e.contains("nested repetition"), "{e}");
        let e = check("x{1001}").unwrap_err();
        assert!(e.contains("1001"), "{e}");
    }
}
