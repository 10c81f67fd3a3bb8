//! The reader's fast path: a parser for the plain block-style YAML that Kubernetes manifests
//! are written in, feeding serde directly.
//!
//! General YAML parsing (serde-saphyr, ~10 MB/s here) is the bulk of the time `read_stream`
//! spends on a large stream. Most manifests use a small part of YAML: block mappings and
//! sequences, one-line plain or quoted scalars, comments. This module reads exactly that part,
//! an order of magnitude faster, and answers "not mine" (`None`) for everything else: flow
//! collections, block scalars, multi-line scalars, anchors, aliases, tags, escapes, tabs,
//! duplicate keys, merge keys, directives, and every plain scalar whose type YAML 1.1 and 1.2
//! readers could disagree on (`yes`, `0755`, `1e3`, `1_000`, timestamps, ...).
//!
//! The contract with the precise reader (`parse_as` in the parent module) is one-sided: what
//! this module accepts, it must read exactly as serde-saphyr with the crate's options would;
//! anything else goes to serde-saphyr, which then decides and reports errors with their line.
//! The [`Deserializer`] here is deliberately no more lenient than serde-saphyr's (no sequence
//! for a struct, no string for a number, no null for a string); when a typed read fails here
//! the document is read again by the precise reader, which produces the error message. So a
//! document's verdict and error never depend on which path read it, only its speed does.
//!
//! Limits: nesting deeper than [`MAX_DEPTH`] or more than [`MAX_NODES`] nodes are handed to the
//! precise reader, whose budget (a little higher) then decides, with its message.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Visitor};

use crate::primitives::{PathSegment as Segment, path_segments as segments};

/// Nesting the fast path reads; deeper documents go to the precise reader, whose budget
/// (`max_depth`, 64) then decides. Kept below that budget so that the fast path never accepts
/// what the precise reader would refuse.
pub(crate) const MAX_DEPTH: usize = 48;
/// Nodes (mappings, sequences, scalars, keys) the fast path reads in one document; larger ones
/// go to the precise reader, whose budget (`max_nodes`, 250,000) then decides.
pub(crate) const MAX_NODES: usize = 200_000;
/// Documents longer than this go to the precise reader (whose scalar-bytes budget is 64 MiB).
const MAX_BYTES: usize = 32 << 20;

/// A YAML node of the subset, borrowing its text from the document where it can.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
}

/// One line with content: its indentation and its text after the indentation (trailing spaces
/// and a trailing `\r` removed). Blank and comment-only lines are dropped.
#[derive(Clone, Copy, Debug)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
    /// 1-based, in the document's text.
    number: usize,
}

/// Parses one document (the text between two `---` lines) if it is in the subset.
pub(crate) fn parse(text: &str) -> Option<Node<'_>> {
    parse_lines(text, false).map(|(node, _)| node)
}

/// [`parse`], with the line of the root and then of every mapping entry and sequence item in
/// pre-order (an entry before what its value holds), which is the order [`locate`] walks the
/// tree in.
fn parse_tracked(text: &str) -> Option<(Node<'_>, Vec<usize>)> {
    parse_lines(text, true)
}

/// [`parse_tracked`], with the entry lines recorded only when `track` (reading does not need
/// them; locating does).
fn parse_lines(text: &str, track: bool) -> Option<(Node<'_>, Vec<usize>)> {
    let lines = content_lines(text)?;
    let mut p = Parser {
        lines,
        pos: 0,
        nodes: 0,
        entry_lines: Vec::new(),
        track,
    };
    if p.lines.is_empty() {
        return None;
    }
    // The root's line first: the answer for a path with no ancestor in the document.
    p.mark_entry(p.lines[0].number);
    let node = p.block(0)?;
    (p.pos == p.lines.len()).then_some((node, p.entry_lines))
}

/// The document's lines with content, for the subset: `None` for text the subset does not
/// read line by line (too long, tabs, control characters, `---`/`...` markers, directives,
/// text after a marker on the first line).
fn content_lines(text: &str) -> Option<Vec<Line<'_>>> {
    if text.len() > MAX_BYTES {
        return None;
    }
    if !text.is_ascii() && text.chars().any(forbidden_char) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut lines = Vec::with_capacity(bytes.len() / 24);
    // One pass over the bytes: each line's indentation, its end, and no control characters
    // (tabs included) but a `\r` right before the line break.
    let mut start = 0;
    let mut number = 0;
    while start <= bytes.len() {
        number += 1;
        let mut i = start;
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let body_start = i;
        while i < bytes.len() && bytes[i] != b'\n' {
            let b = bytes[i];
            if (b < 0x20 || b == 0x7f)
                && !(b == b'\r' && (i + 1 == bytes.len() || bytes[i + 1] == b'\n'))
            {
                return None;
            }
            i += 1;
        }
        let mut end = i;
        if end > body_start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        while end > body_start && bytes[end - 1] == b' ' {
            end -= 1;
        }
        let next = i + 1;
        let indent = body_start - start;
        // Bytes at `body_start` and `end` are ASCII (or the text's ends): char boundaries.
        let body = &text[body_start..end];
        start = next;
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if number == 1 && indent > 0 {
            // Text after a `---` marker on its line (or an indented first line): leave it
            // to the precise reader.
            return None;
        }
        if indent == 0
            && (body.starts_with("---") || body.starts_with("...") || body.starts_with('%'))
        {
            // Markers and directives: several documents, or a directive.
            return None;
        }
        lines.push(Line {
            indent,
            text: body,
            number,
        });
    }
    Some(lines)
}

/// The lines of field paths (as diagnostics write them: `spec.http[0].route[1]`,
/// `metadata.labels["app.kubernetes.io/name"]`) in one document, each the line of the path or
/// of its closest ancestor present, as [`LineIndex::line`](crate::primitives::LineIndex::line)
/// gives them. `None` when the document is not in the subset (then the caller asks
/// `LineIndex`, which reads any YAML).
pub(crate) fn locate(text: &str, paths: &[&str]) -> Option<Vec<Option<usize>>> {
    let (root, lines) = parse_tracked(text)?;
    Some(
        paths
            .iter()
            .map(|path| locate_one(&root, &lines, path))
            .collect(),
    )
}

/// [`locate`] without building the tree: each path is followed down the document's lines by
/// their indentation, reading only the lines of the collections on its way (the entries or
/// items before the one it steps into); what those collections' other entries hold is passed
/// over. A fraction of a parse, which matters when the analyzers have a finding in most
/// documents of a large stream.
///
/// `None` as soon as a line it reads is outside the subset: then [`locate`] (or the caller's
/// general reader) decides. For a document in the subset it answers what [`locate`] does (a
/// test checks them against each other).
pub(crate) fn walk(text: &str, paths: &[&str]) -> Option<Vec<Option<usize>>> {
    let lines = content_lines(text)?;
    let root = *lines.first()?;
    paths
        .iter()
        .map(|path| match segments(path) {
            None => Some(None),
            Some(segments) => walk_one(&lines, root, &segments).map(Some),
        })
        .collect()
}

/// A collection on a path's way: its first line (for an item written after `- `, the rest of
/// that line, at its own column) and the index in the lines of the one after it.
#[derive(Clone, Copy)]
struct Block<'a> {
    first: Line<'a>,
    next: usize,
}

/// Where one step of a path leads: the line of the entry or item, and the collection it holds
/// (`None` for a scalar or nothing). `Err(())` is "outside the subset".
type Step<'a> = Result<Option<(usize, Option<Block<'a>>)>, ()>;

fn walk_one(lines: &[Line<'_>], root: Line<'_>, segments: &[Segment]) -> Option<usize> {
    let mut found = root.number;
    let mut block = Some(Block {
        first: root,
        next: 1,
    });
    for segment in segments {
        let Some(b) = block else { break };
        let step = match (is_seq_entry(b.first.text), segment) {
            (false, Segment::Key(key)) => entry_in(lines, b, key),
            (true, Segment::Index(n)) => item_in(lines, b, *n),
            _ => break,
        };
        let Some((line, inner)) = step.ok()? else {
            break;
        };
        found = line;
        block = inner;
    }
    Some(found)
}

/// The entry `key` of the mapping `b`.
fn entry_in<'a>(lines: &[Line<'a>], b: Block<'a>, key: &str) -> Step<'a> {
    let indent = b.first.indent;
    let (mut line, mut next) = (b.first, b.next);
    loop {
        let Some(Entry::Key(k, value)) = entry(line.text) else {
            return Err(());
        };
        let on_the_line = !(value.is_empty() || value.starts_with('#'));
        if on_the_line && scalar(value).is_none() {
            return Err(());
        }
        if k == key {
            let inner = match lines.get(next) {
                // A sequence may sit at its key's indentation.
                Some(l)
                    if !on_the_line
                        && (l.indent > indent || (l.indent == indent && is_seq_entry(l.text))) =>
                {
                    Some(Block {
                        first: *l,
                        next: next + 1,
                    })
                }
                _ => None,
            };
            return Ok(Some((line.number, inner)));
        }
        // The next entry: the next line at this column that is not an item of a sequence
        // sitting at its key's indentation.
        loop {
            match lines.get(next) {
                Some(l) if l.indent == indent && !is_seq_entry(l.text) => {
                    line = *l;
                    next += 1;
                    break;
                }
                Some(l) if l.indent >= indent => next += 1,
                _ => return Ok(None),
            }
        }
    }
}

/// Item `index` of the sequence `b`.
fn item_in<'a>(lines: &[Line<'a>], b: Block<'a>, index: usize) -> Step<'a> {
    let indent = b.first.indent;
    let (mut line, mut next) = (b.first, b.next);
    for _ in 0..index {
        loop {
            match lines.get(next) {
                Some(l) if l.indent == indent && is_seq_entry(l.text) => {
                    line = *l;
                    next += 1;
                    break;
                }
                Some(l) if l.indent > indent => next += 1,
                _ => return Ok(None),
            }
        }
    }
    let after = &line.text[1..];
    let rest = after.trim_start_matches(' ');
    if rest.is_empty() || rest.starts_with('#') {
        // The item starts on the next line, or is empty.
        return Ok(Some(match lines.get(next) {
            Some(l) if l.indent > indent => (
                l.number,
                Some(Block {
                    first: *l,
                    next: next + 1,
                }),
            ),
            _ => (line.number, None),
        }));
    }
    // `- key: value`, `- - x` or `- scalar`: the rest of the line at its own column.
    let first = Line {
        indent: indent + 1 + (after.len() - rest.len()),
        text: rest,
        number: line.number,
    };
    let inner = if is_seq_entry(rest) {
        Some(Block { first, next })
    } else {
        match entry(rest) {
            Some(Entry::Key(..)) => Some(Block { first, next }),
            Some(Entry::Scalar) if scalar(rest).is_some() => None,
            _ => return Err(()),
        }
    };
    Ok(Some((line.number, inner)))
}

/// Entries and items inside `node`, each counted once (what it adds to the pre-order).
fn size(node: &Node<'_>) -> usize {
    match node {
        Node::Map(entries) => entries.iter().map(|(_, v)| 1 + size(v)).sum(),
        Node::Seq(items) => items.iter().map(|v| 1 + size(v)).sum(),
        _ => 0,
    }
}

fn locate_one(root: &Node<'_>, lines: &[usize], path: &str) -> Option<usize> {
    let segments = segments(path)?;
    let mut node = root;
    // Position in `lines` of the first entry inside `node` (after the root's own line).
    let mut at = 1;
    let mut found = lines.first().copied();
    for segment in &segments {
        let (offset, child) = match (node, segment) {
            (Node::Map(entries), Segment::Key(key)) => {
                let mut offset = 0;
                let mut hit = None;
                for (k, v) in entries {
                    if k == key {
                        hit = Some(v);
                        break;
                    }
                    offset += 1 + size(v);
                }
                (offset, hit)
            }
            (Node::Seq(items), Segment::Index(n)) => {
                let offset = items.iter().take(*n).map(|v| 1 + size(v)).sum();
                (offset, items.get(*n))
            }
            _ => (0, None),
        };
        let Some(child) = child else { break };
        found = Some(*lines.get(at + offset)?);
        at += offset + 1;
        node = child;
    }
    found
}

/// Characters YAML does not allow in a stream, or treats as line breaks (YAML 1.1).
fn forbidden_char(c: char) -> bool {
    matches!(
        c,
        '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
    )
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
    nodes: usize,
    /// The line of each mapping entry and sequence item, in pre-order.
    entry_lines: Vec<usize>,
    /// Whether to record `entry_lines`.
    track: bool,
}

/// What a line (or the rest of one, after `- `) holds.
enum Entry<'a> {
    /// `key:` or `key: value` (the value's text, possibly empty).
    Key(Cow<'a, str>, &'a str),
    /// A scalar on its own.
    Scalar,
}

impl<'a> Parser<'a> {
    /// Records the line of the next entry or item in pre-order, when tracking.
    fn mark_entry(&mut self, line: usize) {
        if self.track {
            self.entry_lines.push(line);
        }
    }

    fn count(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(())
    }

    fn next_indent(&self) -> Option<usize> {
        self.lines.get(self.pos).map(|l| l.indent)
    }

    /// The collection that starts at the current line.
    fn block(&mut self, depth: usize) -> Option<Node<'a>> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let line = *self.lines.get(self.pos)?;
        if is_seq_entry(line.text) {
            self.sequence(line.indent, depth)
        } else {
            self.mapping(line.indent, depth)
        }
    }

    /// A node that starts inside a line (after `- `): a collection or a one-line scalar.
    /// `parent` is the indentation of the sequence the line belongs to.
    fn inline(&mut self, parent: usize, depth: usize) -> Option<Node<'a>> {
        let line = self.lines[self.pos];
        if is_seq_entry(line.text) {
            return self.block(depth);
        }
        match entry(line.text)? {
            Entry::Key(..) => self.block(depth),
            Entry::Scalar => {
                let node = scalar(line.text)?;
                self.count()?;
                self.pos += 1;
                // A more indented line would continue the scalar (or be an error).
                if self.next_indent().is_some_and(|i| i > parent) {
                    return None;
                }
                Some(node)
            }
        }
    }

    fn sequence(&mut self, indent: usize, depth: usize) -> Option<Node<'a>> {
        self.count()?;
        let mut items = Vec::new();
        while let Some(line) = self.lines.get(self.pos).copied() {
            if line.indent != indent || !is_seq_entry(line.text) {
                break;
            }
            let after = &line.text[1..];
            let rest = after.trim_start_matches(' ');
            if rest.is_empty() || rest.starts_with('#') {
                self.pos += 1;
                if let Some(next) = self.lines.get(self.pos).filter(|l| l.indent > indent) {
                    // The item starts on the next line.
                    let number = next.number;
                    self.mark_entry(number);
                    items.push(self.block(depth + 1)?);
                } else {
                    self.mark_entry(line.number);
                    self.count()?;
                    items.push(Node::Null);
                }
            } else {
                // `- key: value` or `- - x`: the rest of the line is a node at its own column.
                self.mark_entry(line.number);
                self.lines[self.pos] = Line {
                    indent: indent + 1 + (after.len() - rest.len()),
                    text: rest,
                    number: line.number,
                };
                items.push(self.inline(indent, depth + 1)?);
            }
        }
        if self.next_indent().is_some_and(|i| i > indent) {
            return None;
        }
        Some(Node::Seq(items))
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> Option<Node<'a>> {
        self.count()?;
        let mut entries: Vec<(Cow<'a, str>, Node<'a>)> = Vec::new();
        while let Some(line) = self.lines.get(self.pos).copied() {
            if line.indent != indent {
                break;
            }
            let Entry::Key(key, value) = entry(line.text)? else {
                return None;
            };
            self.count()?;
            self.mark_entry(line.number);
            self.pos += 1;
            let node = if value.is_empty() || value.starts_with('#') {
                match self.lines.get(self.pos) {
                    Some(next) if next.indent > indent => self.block(depth + 1)?,
                    // A sequence may sit at its key's indentation.
                    Some(next) if next.indent == indent && is_seq_entry(next.text) => {
                        self.sequence(indent, depth + 1)?
                    }
                    _ => {
                        self.count()?;
                        Node::Null
                    }
                }
            } else {
                let node = scalar(value)?;
                self.count()?;
                if self.next_indent().is_some_and(|i| i > indent) {
                    // A multi-line scalar, or an error: the precise reader decides.
                    return None;
                }
                node
            };
            entries.push((key, node));
        }
        if self.next_indent().is_some_and(|i| i > indent) || has_duplicates(&entries) {
            return None;
        }
        Some(Node::Map(entries))
    }
}

fn is_seq_entry(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

fn has_duplicates(entries: &[(Cow<'_, str>, Node<'_>)]) -> bool {
    if entries.len() <= 16 {
        entries
            .iter()
            .enumerate()
            .any(|(i, (k, _))| entries[..i].iter().any(|(k2, _)| k == k2))
    } else {
        let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_ref()).collect();
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }
}

/// Tells a mapping entry from a scalar; `None` for what the subset does not read.
fn entry(text: &str) -> Option<Entry<'_>> {
    let first = text.as_bytes()[0];
    if first == b'\'' || first == b'"' {
        let (key, rest) = quoted(text)?;
        return if let Some(value) = rest.strip_prefix(':') {
            if value.is_empty() || value.starts_with(' ') {
                Some(Entry::Key(key, value.trim_start_matches(' ')))
            } else {
                None
            }
        } else {
            Some(Entry::Scalar)
        };
    }
    if !plain_start(text) {
        return None;
    }
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') {
            let key = text[..i].trim_end_matches(' ');
            if key == "<<" || key == "=" || !matches!(classify(key)?, Plain::Str) {
                return None;
            }
            return Some(Entry::Key(
                Cow::Borrowed(key),
                text[i + 1..].trim_start_matches(' '),
            ));
        }
        if b == b'#' && bytes[i - 1] == b' ' {
            break;
        }
    }
    Some(Entry::Scalar)
}

/// Whether a plain scalar may start this way in block context (and the subset reads it).
fn plain_start(text: &str) -> bool {
    match text.as_bytes() {
        // Nothing; indicators: flow collections, anchors, aliases, tags, block scalars,
        // directives, reserved characters; a lone `?`, `:` or `-`.
        []
        | [
            b'[' | b']' | b'{' | b'}' | b',' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%'
            | b'@' | b'`' | b'\'' | b'"',
            ..,
        ]
        | [b'?' | b':' | b'-'] => false,
        // `?`, `:` and `-` followed by a space are indicators too.
        [b'?' | b':' | b'-', next, ..] => *next != b' ',
        _ => true,
    }
}

/// A one-line scalar value: quoted, or plain up to a ` #` comment.
fn scalar(text: &str) -> Option<Node<'_>> {
    let first = text.as_bytes()[0];
    if first == b'\'' || first == b'"' {
        let (value, rest) = quoted(text)?;
        // Only a comment may follow, after a space.
        let comment = rest.trim_start_matches(' ');
        let ok = comment.is_empty() || (comment.starts_with('#') && comment.len() < rest.len());
        return ok.then_some(Node::Str(value));
    }
    if !plain_start(text) {
        return None;
    }
    // Up to a comment (` #`); `a: b: c` and `a: b:` are errors in YAML: left to the precise
    // reader. One pass over the bytes (a substring search per scalar cost more than this).
    let bytes = text.as_bytes();
    let mut end = bytes.len();
    for (i, pair) in bytes.windows(2).enumerate() {
        match pair {
            b" #" => {
                end = i;
                break;
            }
            b": " => return None,
            _ => {}
        }
    }
    let value = text[..end].trim_end_matches(' ');
    if value.ends_with(':') {
        return None;
    }
    Some(match classify(value)? {
        Plain::Null => Node::Null,
        Plain::Bool(b) => Node::Bool(b),
        Plain::Int(i) => Node::Int(i),
        Plain::Float(f) => Node::Float(f),
        Plain::Str => Node::Str(Cow::Borrowed(value)),
    })
}

/// A quoted scalar at the start of `text` and what follows its closing quote. Single-line,
/// and for double quotes without escapes; `None` otherwise.
fn quoted(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let bytes = text.as_bytes();
    if bytes[0] == b'"' {
        let end = 1 + text[1..].find(['"', '\\'])?;
        if bytes[end] == b'\\' {
            return None;
        }
        return Some((Cow::Borrowed(&text[1..end]), &text[end + 1..]));
    }
    // Single quotes: `''` is a quote.
    let mut i = 1;
    let mut owned: Option<String> = None;
    loop {
        let j = i + text[i..].find('\'')?;
        if bytes.get(j + 1) == Some(&b'\'') {
            owned.get_or_insert_with(String::new).push_str(&text[i..=j]);
            i = j + 2;
        } else {
            let value = match owned {
                Some(mut s) => {
                    s.push_str(&text[i..j]);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(&text[1..j]),
            };
            return Some((value, &text[j + 1..]));
        }
    }
}

/// What a plain scalar is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Plain {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

/// The type of a plain scalar, or `None` when YAML readers could disagree on it (YAML 1.1
/// booleans and numbers, Kubernetes' go-yaml, serde-saphyr's core schema): then the precise
/// reader decides.
fn classify(s: &str) -> Option<Plain> {
    match s {
        "" | "~" | "null" => return Some(Plain::Null),
        "true" => return Some(Plain::Bool(true)),
        "false" => return Some(Plain::Bool(false)),
        _ => {}
    }
    let bytes = s.as_bytes();
    let first = bytes[0];
    if first.is_ascii_alphabetic() {
        const WORDS: [&str; 12] = [
            "null", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "infinity", "nan",
        ];
        return if s.len() <= 8 && WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)) {
            None
        } else {
            Some(Plain::Str)
        };
    }
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        // `/api`, `$x`, `^re`, `(x)`, non-ASCII: strings to every reader. `=` and `<<` are
        // YAML 1.1 value and merge keys.
        return (s != "=" && s != "<<").then_some(Plain::Str);
    }
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let int_ok = !int.is_empty()
        && int.len() <= 18
        && int.bytes().all(|b| b.is_ascii_digit())
        && (int == "0" || !int.starts_with('0'));
    match frac {
        None if int_ok && !(s.starts_with('-') && int == "0") => {
            return s.parse().ok().map(Plain::Int);
        }
        Some(f)
            if int_ok
                && !f.is_empty()
                && f.len() <= 18
                && f.bytes().all(|b| b.is_ascii_digit()) =>
        {
            return s.parse().ok().map(Plain::Float);
        }
        _ => {}
    }
    // Dotted quads and the like: two dots or more are no number in any schema.
    if bytes.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        && bytes.iter().filter(|b| **b == b'.').nth(1).is_some()
    {
        return Some(Plain::Str);
    }
    // Radix prefixes and special floats (`0x1F`, `-0o7`, `.inf`, `-.5`): the precise reader
    // decides.
    let digits = unsigned.strip_prefix('+').unwrap_or(unsigned).as_bytes();
    if digits.first() == Some(&b'.')
        || (digits.len() > 1 && digits[0] == b'0' && matches!(digits[1] | 0x20, b'x' | b'o' | b'b'))
    {
        return None;
    }
    // Otherwise a character that no decimal number or timestamp can hold (`10ms`, `5xx`,
    // `10.0.0.0/8`) makes it a string; without one the precise reader decides.
    let numeric_ish = |b: &u8| {
        b.is_ascii_digit()
            || matches!(
                b,
                b'e' | b'E' | b't' | b'T' | b'z' | b'Z' | b'.' | b'_' | b':' | b'+' | b'-' | b' '
            )
    };
    (!bytes.iter().all(numeric_ish)).then_some(Plain::Str)
}

/// Whether every YAML reader (go-yaml v2 for Kubernetes, serde-saphyr for the precise reader)
/// gives plain scalar `s` the same type and value: what [`classify`] decides. As a mapping key,
/// only a string is: Kubernetes turns a number or boolean key into its own string spelling.
pub(super) fn plain_is_unambiguous(s: &str, key: bool) -> bool {
    match classify(s) {
        Some(Plain::Str) => true,
        Some(_) => !key,
        None => false,
    }
}

/// Why a typed read from the fast path failed. Never shown: the precise reader reads the
/// document again and reports the error.
#[derive(Debug)]
pub(crate) struct Mismatch;

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the fast reader cannot read this document")
    }
}

impl std::error::Error for Mismatch {}

impl de::Error for Mismatch {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Mismatch
    }
}

impl<'de> IntoDeserializer<'de, Mismatch> for Node<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Node<'de> {
    fn visit_number<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Int(i) => match u64::try_from(i) {
                Ok(u) => visitor.visit_u64(u),
                Err(_) => visitor.visit_i64(i),
            },
            Node::Float(f) => visitor.visit_f64(f),
            _ => Err(Mismatch),
        }
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
            match self {
                // Integer targets take integers only (serde-saphyr refuses `1.5` for them too).
                Node::Int(_) => self.visit_number(visitor),
                _ => Err(Mismatch),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for Node<'de> {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Null => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(b),
            Node::Int(_) | Node::Float(_) => self.visit_number(visitor),
            Node::Str(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Node::Str(Cow::Owned(s)) => visitor.visit_string(s),
            Node::Seq(items) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(items.into_iter()))
            }
            Node::Map(entries) => visitor.visit_map(MapAccess::new(entries)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Bool(b) => visitor.visit_bool(b),
            _ => Err(Mismatch),
        }
    }

    numbers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.visit_number(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.visit_number(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Str(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Node::Str(Cow::Owned(s)) => visitor.visit_string(s),
            _ => Err(Mismatch),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Mismatch> {
        Err(Mismatch)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Mismatch> {
        Err(Mismatch)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Null => visitor.visit_unit(),
            _ => Err(Mismatch),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Seq(items) => {
                let mut seq = de::value::SeqDeserializer::new(items.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            _ => Err(Mismatch),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Map(entries) => visitor.visit_map(MapAccess::new(entries)),
            _ => Err(Mismatch),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        // Unit variants from strings only; anything else is the precise reader's to judge.
        match self {
            Node::Str(s) => visitor.visit_enum(de::value::CowStrDeserializer::<Mismatch>::new(s)),
            _ => Err(Mismatch),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        drop(self);
        visitor.visit_unit()
    }
}

/// Mapping entries for a visitor; keys are strings.
struct MapAccess<'de> {
    entries: std::vec::IntoIter<(Cow<'de, str>, Node<'de>)>,
    value: Option<Node<'de>>,
}

impl<'de> MapAccess<'de> {
    fn new(entries: Vec<(Cow<'de, str>, Node<'de>)>) -> Self {
        Self {
            entries: entries.into_iter(),
            value: None,
        }
    }
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = Mismatch;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Mismatch> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(Node::Str(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Mismatch> {
        seed.deserialize(self.value.take().ok_or(Mismatch)?)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn str(s: &str) -> Node<'_> {
        Node::Str(Cow::Borrowed(s))
    }

    /// `locate` answers what `LineIndex` answers, for every path `LineIndex` knows and for
    /// paths below and beside them that do not exist.
    #[test]
    fn locate_agrees_with_the_line_index() {
        let docs = [
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: r\n  labels:\n    app.kubernetes.io/name: x\nspec:\n  hosts:\n  - a\n  - b\n  http:\n  - match:\n    - uri:\n        prefix: /a\n    route:\n    - destination:\n        host: a\n        subset: v1\n      weight: 30\n\n    # a comment\n    - destination:\n        host: b\n  -\n    route:\n      - destination:\n          host: c\n",
            "a:\n  - x\n  - p: 1\n    q:\n    - 2\nb: ~\nc:\n- k: 1\n  l:\n  - m: 2\n",
        ];
        for doc in docs {
            let index = crate::primitives::LineIndex::new(doc);
            let mut paths: Vec<String> = index.iter().map(|(p, _)| p.to_owned()).collect();
            assert!(paths.len() > 8, "{paths:?}");
            let extra: Vec<String> = paths
                .iter()
                .flat_map(|p| {
                    [
                        format!("{p}.missing"),
                        format!("{p}[7]"),
                        format!("{p}[0].x"),
                    ]
                })
                .collect();
            paths.extend(extra);
            paths.push("nothing.here".to_owned());
            let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
            let fast = locate(doc, &refs).expect("in the subset");
            for (path, line) in refs.iter().zip(fast) {
                assert_eq!(line, index.line(path), "{path} in\n{doc}");
            }
        }
        assert_eq!(
            locate("a: {b: 1}\n", &["a.b"]),
            None,
            "flow style is not the subset's"
        );
    }

    /// `walk` answers what `locate` (and `LineIndex`) answer on the same documents, and leaves
    /// what is outside the subset to them.
    #[test]
    fn walk_agrees_with_locate() {
        let docs = [
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: r\n  labels:\n    app.kubernetes.io/name: x\nspec:\n  hosts:\n  - a\n  - b\n  http:\n  - match:\n    - uri:\n        prefix: /a\n    route:\n    - destination:\n        host: a\n        subset: v1\n      weight: 30\n\n    # a comment\n    - destination:\n        host: b\n  -\n    route:\n      - destination:\n          host: c\n",
            "a:\n  - x\n  - p: 1\n    q:\n    - 2\nb: ~\nc:\n- k: 1\n  l:\n  - m: 2\n",
            "- - a\n  - b: 1\n    c:\n      - - d\n-\n  - e\n- # note\n  f: 2\n",
        ];
        for doc in docs {
            let index = crate::primitives::LineIndex::new(doc);
            let mut paths: Vec<String> = index.iter().map(|(p, _)| p.to_owned()).collect();
            paths.extend(paths.clone().iter().flat_map(|p| {
                [
                    format!("{p}.missing"),
                    format!("{p}[7]"),
                    format!("{p}[0].x"),
                ]
            }));
            paths.extend(["nothing.here", "[0]", "[1][0]", "[2].f", "a[1].q[0]"].map(String::from));
            let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
            assert_eq!(walk(doc, &refs), locate(doc, &refs), "{doc}");
            assert!(walk(doc, &refs).is_some());
        }
        // Outside the subset on the way: left to `locate` and `LineIndex`.
        for (doc, path) in [
            ("a: {b: 1}\n", "a.b"),
            ("x: 1\na: {b: 1,\n  c: 2}\nd: 3\n", "d"),
            ("a: &x 1\nb: 2\n", "b"),
            ("a: yes\nb: 2\n", "b"),
            ("a:\n  b: \"c\\n\"\n  d: 1\n", "a.d"),
            ("- |\n  text\n- b\n", "[0]"),
            ("a: |\n  b: 1\nc:\n  d: 2\n", "c.d"),
            ("a:\n  plain scalar\n", "a.b"),
        ] {
            assert_eq!(walk(doc, &[path]), None, "{path} in\n{doc}");
        }
        // Outside the subset only where the path does not go: answered as `LineIndex` does.
        for (doc, path, line) in [
            ("a:\n  x: |\n    b: 1\nc:\n  d: 2\n", "c.d", 5),
            ("a:\n  b: [1,\n    2]\nc: 3\n", "c", 4),
            ("a: one\n  two\nc: 3\n", "c", 3),
            ("- |\n  text\n- b\n", "[1]", 3),
        ] {
            assert_eq!(
                walk(doc, &[path]),
                Some(vec![Some(line)]),
                "{path} in\n{doc}"
            );
            let index = crate::primitives::LineIndex::new(doc);
            assert_eq!(index.line(path), Some(line), "{path} in\n{doc}");
        }
    }

    /// A tree of the subset, written in block style in one of the ways YAML allows.
    #[derive(Clone, Debug)]
    enum Tree {
        Scalar(String),
        Map(Vec<(String, Tree)>),
        Seq(Vec<Tree>),
    }

    fn tree() -> impl proptest::strategy::Strategy<Value = Tree> {
        use proptest::prelude::*;
        let scalar = prop_oneof![
            "[a-z]{1,6}".prop_filter_map("a string", |s| {
                (classify(&s) == Some(Plain::Str)).then_some(s)
            }),
            (0u16..1000).prop_map(|n| n.to_string()),
            "[a-z ]{0,6}".prop_map(|s| format!("'{s}'")),
            "[a-z.:#]{0,6}".prop_map(|s| format!("\"{s}\"")),
        ]
        .prop_map(Tree::Scalar);
        let key = prop_oneof![
            4 => "[a-z]{1,4}".prop_filter("a string", |s| classify(s) == Some(Plain::Str)),
            1 => "[a-z]{1,3}\\.[a-z]{1,3}",
        ];
        scalar.prop_recursive(5, 64, 4, move |inner| {
            prop_oneof![
                proptest::collection::btree_map(key.clone(), inner.clone(), 1..4)
                    .prop_map(|m| Tree::Map(m.into_iter().collect())),
                proptest::collection::vec(inner, 1..4).prop_map(Tree::Seq),
            ]
        })
    }

    /// Writes `tree` at column `indent`; `style` picks among the ways to write each
    /// collection (indented by 2 or 4, a sequence at its key's column or deeper, an item on
    /// the `- ` line or below it, comments and blank lines between).
    fn pick(style: &mut impl Iterator<Item = u8>, n: u8) -> u8 {
        style.next().unwrap_or(0) % n
    }

    fn write_tree(
        tree: &Tree,
        indent: usize,
        style: &mut impl Iterator<Item = u8>,
        out: &mut String,
    ) {
        match tree {
            Tree::Scalar(s) => {
                out.push_str(&" ".repeat(indent));
                out.push_str(s);
                out.push('\n');
            }
            Tree::Map(entries) => {
                for (k, v) in entries {
                    match pick(style, 6) {
                        0 => out.push('\n'),
                        1 => writeln!(out, "{}# c", " ".repeat(pick(style, 8) as usize)).unwrap(),
                        _ => {}
                    }
                    out.push_str(&" ".repeat(indent));
                    if k.contains('.') {
                        write!(out, "\"{k}\":").unwrap();
                    } else {
                        write!(out, "{k}:").unwrap();
                    }
                    match v {
                        Tree::Scalar(s) => writeln!(out, " {s}").unwrap(),
                        Tree::Map(_) => {
                            out.push('\n');
                            let deeper = indent + 2 + 2 * pick(style, 2) as usize;
                            write_tree(v, deeper, style, out);
                        }
                        Tree::Seq(_) => {
                            out.push('\n');
                            let deeper = indent + 2 * pick(style, 3) as usize;
                            write_tree(v, deeper, style, out);
                        }
                    }
                }
            }
            Tree::Seq(items) => {
                for item in items {
                    let dash = format!("{}-", " ".repeat(indent));
                    match (item, pick(style, 3)) {
                        (Tree::Scalar(s), _) => writeln!(out, "{dash} {s}").unwrap(),
                        // Below the `- ` line.
                        (_, 0) => {
                            out.push_str(&dash);
                            out.push_str(if pick(style, 2) == 0 { "\n" } else { " # c\n" });
                            write_tree(item, indent + 2 + 2 * pick(style, 2) as usize, style, out);
                        }
                        // On it: the item written at its column, its first indentation
                        // replaced by the dash.
                        (_, spaces) => {
                            let column = indent + 1 + spaces as usize;
                            let mut text = String::new();
                            write_tree(item, column, style, &mut text);
                            let body = text.trim_start_matches(['\n', ' ']);
                            if body.starts_with('#') {
                                out.push_str(&dash);
                                out.push('\n');
                                write_tree(item, column, style, out);
                            } else {
                                write!(out, "{dash}{}", " ".repeat(spaces as usize)).unwrap();
                                out.push_str(body);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Every path in `tree`, as diagnostics write them.
    fn tree_paths(tree: &Tree, prefix: &str, out: &mut Vec<String>) {
        match tree {
            Tree::Scalar(_) => {}
            Tree::Map(entries) => {
                for (k, v) in entries {
                    let path = if k.contains('.') {
                        format!("{prefix}[\"{k}\"]")
                    } else if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    out.push(path.clone());
                    tree_paths(v, &path, out);
                }
            }
            Tree::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    let path = format!("{prefix}[{i}]");
                    out.push(path.clone());
                    tree_paths(v, &path, out);
                }
            }
        }
    }

    use proptest::strategy::Strategy as _;
    use std::fmt::Write as _;

    proptest::proptest! {
        /// On generated documents of the subset, `walk` gives every path (and paths beside and
        /// below them that do not exist) the line `locate` and `LineIndex` give it.
        #[test]
        fn walk_agrees_with_locate_on_generated_documents(
            tree in tree().prop_filter("a collection", |t| !matches!(t, Tree::Scalar(_))),
            style in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
        ) {
            let mut doc = String::new();
            write_tree(&tree, 0, &mut style.iter().copied().cycle(), &mut doc);
            let mut paths = Vec::new();
            tree_paths(&tree, "", &mut paths);
            let extra: Vec<String> = paths
                .iter()
                .flat_map(|p| [format!("{p}.zz"), format!("{p}[9]"), format!("{p}[0]")])
                .collect();
            paths.extend(extra);
            paths.extend(["zz", "[0]", "[5].a"].map(String::from));
            let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
            let located = locate(&doc, &refs);
            proptest::prop_assert!(located.is_some(), "not in the subset:\n{}", doc);
            proptest::prop_assert_eq!(walk(&doc, &refs), located.clone(), "{}", doc);
            let index = crate::primitives::LineIndex::new(&doc);
            for (path, line) in refs.iter().zip(located.unwrap()) {
                proptest::prop_assert_eq!(line, index.line(path), "{} in\n{}", path, doc);
            }
        }
    }

    #[test]
    fn classify_keeps_ambiguous_scalars_for_the_precise_reader() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "N",
            "True",
            "NULL",
            "nan",
            "Inf",
            "0755",
            "1e3",
            "1_000",
            "0x1F",
            "0o17",
            "-0b1",
            "0B1",
            "+1",
            "-.inf",
            ".NaN",
            "1E5",
            "2001-12-14t21:59:43.10-05:00",
            "-0",
            ".5",
            "1.",
            "2001-12-14",
            "12:30",
            "=",
            "<<",
            "1234567890123456789",
        ] {
            assert_eq!(classify(s), None, "{s}");
        }
        for (s, want) in [
            ("~", Plain::Null),
            ("null", Plain::Null),
            ("true", Plain::Bool(true)),
            ("false", Plain::Bool(false)),
            ("0", Plain::Int(0)),
            ("15443", Plain::Int(15443)),
            ("-3", Plain::Int(-3)),
            ("1.5", Plain::Float(1.5)),
            ("-0.25", Plain::Float(-0.25)),
            ("10.0.0.1", Plain::Str),
            ("10ms", Plain::Str),
            ("5xx", Plain::Str),
            ("5xx,reset,connect-failure", Plain::Str),
            ("1h", Plain::Str),
            ("10.0.0.0/8", Plain::Str),
            ("ISTIO_MUTUAL", Plain::Str),
            ("us-west1/us-west1-a", Plain::Str),
            ("/api", Plain::Str),
            ("-foo", Plain::Str),
            ("nonsense", Plain::Str),
        ] {
            assert_eq!(classify(s), Some(want), "{s}");
        }
    }

    #[test]
    fn reads_block_mappings_and_sequences() {
        let text = "a: 1\nb:\n  c: x # note\n  d:\n  - p\n  - q: 'it''s'\n    r: \"s\"\n  -\n    - 2\ne:\n";
        let want = Node::Map(vec![
            ("a".into(), Node::Int(1)),
            (
                "b".into(),
                Node::Map(vec![
                    ("c".into(), str("x")),
                    (
                        "d".into(),
                        Node::Seq(vec![
                            str("p"),
                            Node::Map(vec![
                                ("q".into(), Node::Str(Cow::Owned("it's".into()))),
                                ("r".into(), str("s")),
                            ]),
                            Node::Seq(vec![Node::Int(2)]),
                        ]),
                    ),
                ]),
            ),
            ("e".into(), Node::Null),
        ]);
        assert_eq!(parse(text), Some(want));
    }

    #[test]
    fn hands_over_what_it_does_not_read() {
        for text in [
            "a: {b: 1}\n",
            "a: [1]\n",
            "a: |\n  x\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: \"\\t\"\n",
            "a: 1\na: 2\n",
            "a:\tb\n",
            "a: b\n  c\n",
            "a: 'b\n  c'\n",
            "<<: {}\n",
            "a: b: c\n",
            "just a scalar\n",
            " # after a marker\n",
            "x: 1\n--- \ny: 2\n",
            "a:\n  b: 1\n c: 2\n",
            "- a\nb: 1\n",
            "? a\n: b\n",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn depth_beyond_the_limit_is_handed_over() {
        let mut deep = String::new();
        for i in 0..=MAX_DEPTH {
            deep.push_str(&" ".repeat(i));
            deep.push_str("a:\n");
        }
        assert_eq!(parse(&deep), None);
        let mut ok = String::new();
        for i in 0..MAX_DEPTH - 1 {
            ok.push_str(&" ".repeat(i));
            ok.push_str("a:\n");
        }
        assert!(parse(&ok).is_some());
    }
}
