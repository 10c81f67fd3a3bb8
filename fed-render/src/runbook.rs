//! The numbered steps of a cluster's RUNBOOK.md, written so that GitHub's markdown (CommonMark)
//! shows them as written: a step is a sentence, then its commands in a fenced shell block
//! indented under the list item. Commands never go into an inline code span: a command that
//! holds backticks itself (`` `fedctl certs` `` in a comment) would end the span early and show
//! the rest as prose.

use std::fmt::Write as _;

/// Appends step `n + 1` to `text` and counts it in `n`: `what` as the item's sentence (prose,
/// where backticks mark code), then `commands`, one per line, in a ```` ```sh ```` block. A
/// step with no sentence starts with its block. The fence is longer than any run of backticks
/// in the commands, so none of them can close it (CommonMark 0.31, "Fenced code blocks").
pub(crate) fn step(text: &mut String, n: &mut usize, what: &str, commands: &[String]) {
    *n += 1;
    let _ = write!(text, "{n}. ");
    let indent = " ".repeat(n.to_string().len() + 2);
    if !what.is_empty() {
        let _ = writeln!(text, "{what}\n");
        if commands.is_empty() {
            return;
        }
        text.push_str(&indent);
    } else if commands.is_empty() {
        text.push_str("\n\n");
        return;
    }
    let longest_run = commands
        .iter()
        .flat_map(|c| c.split(|ch| ch != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    let _ = writeln!(text, "{fence}sh");
    for c in commands {
        let _ = writeln!(text, "{indent}{c}");
    }
    let _ = writeln!(text, "{indent}{fence}\n");
}

#[cfg(test)]
mod tests {
    use super::step;

    #[test]
    fn a_sentence_then_its_commands_in_a_block_under_the_item() {
        let (mut t, mut n) = (String::new(), 0);
        step(&mut t, &mut n, "Install.", &["helm install a".into()]);
        step(&mut t, &mut n, "Then look.", &[]);
        assert_eq!(
            t,
            "1. Install.\n\n   ```sh\n   helm install a\n   ```\n\n2. Then look.\n\n"
        );
        assert_eq!(n, 2);
    }

    #[test]
    fn a_command_with_backticks_gets_a_longer_fence() {
        let (mut t, mut n) = (String::new(), 9);
        step(
            &mut t,
            &mut n,
            "",
            &["echo ``` # run `fedctl certs`".into()],
        );
        assert_eq!(
            t,
            "10. ````sh\n    echo ``` # run `fedctl certs`\n    ````\n\n"
        );
    }
}
