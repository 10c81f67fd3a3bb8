//! `split_documents` against a plain line-by-line statement of the rule on generated streams
//! made of the characters that matter (marker dashes and dots, spaces, tabs, CR, LF).

use istio_types::read::split_documents;
use proptest::prelude::*;

/// The rule, one line at a time: a document starts at a `---` line (what follows the marker on
/// its line belongs to the document) and ends at a `...` line.
fn reference(text: &str) -> Vec<(usize, usize, &str)> {
    let mut docs = Vec::new();
    let (mut start, mut start_line, mut offset, mut seen_marker) = (0, 1, 0, false);
    for (line_no, line) in (1usize..).zip(text.split_inclusive('\n')) {
        let bare = line.trim_end_matches(['\n', '\r']);
        let is_start = bare == "---" || bare.starts_with("--- ") || bare.starts_with("---\t");
        let is_end = bare == "..." || bare.starts_with("... ");
        if is_start || is_end {
            if start < offset || (seen_marker && is_start) {
                docs.push((docs.len(), start_line, &text[start..offset]));
            }
            seen_marker = is_start;
            if is_start {
                start = offset + 3;
                start_line = line_no;
            } else {
                start = offset + line.len();
                start_line = line_no + 1;
            }
        }
        offset += line.len();
    }
    if start < text.len() || seen_marker {
        docs.push((docs.len(), start_line, &text[start.min(text.len())..]));
    }
    docs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn split_follows_the_line_rule(text in "([-.a #\t\r\n]|---|\\.\\.\\.|\n---\n|\n\\.\\.\\.\n){0,40}") {
        let got: Vec<_> = split_documents(&text)
            .into_iter()
            .map(|d| (d.index, d.first_line, d.text))
            .collect();
        for d in split_documents(&text) {
            prop_assert_eq!(&text[d.offset..d.offset + d.text.len()], d.text);
        }
        prop_assert_eq!(got, reference(&text));
    }
}
