//! The graph as a Mermaid flowchart: one subgraph per region, one box per cluster, one arrow
//! per edge with its label. Mermaid ids are the cluster names with `-` turned into `_` (DNS
//! labels hold no `_`, so no two clusters share an id); texts are quoted, with `"` written as
//! Mermaid's `#quot;` entity.

use std::fmt::Write as _;

use super::{EdgeKind, Graph, Verdict};

fn id(prefix: &str, name: &str) -> String {
    format!("{prefix}_{}", name.replace(['-', '.', '/'], "_"))
}

fn text(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| {
            l.replace('"', "#quot;")
                .replace('<', "#lt;")
                .replace('>', "#gt;")
        })
        .collect::<Vec<_>>()
        .join("<br/>")
}

pub(super) fn draw(g: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "---\ntitle: {}\n---", g.title());
    out.push_str("flowchart LR\n");
    for group in &g.groups {
        let _ = writeln!(
            out,
            "  subgraph {}[\"{}\"]",
            id("region", &group.region),
            text(&[format!("region {}", group.region)])
        );
        for n in &group.clusters {
            let _ = writeln!(out, "    {}[\"{}\"]", id("c", &n.name), text(&n.lines()));
        }
        out.push_str("  end\n");
    }
    let mut never = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        let arrow = match &e.kind {
            EdgeKind::Overflow {
                verdict: Verdict::Never(_),
                ..
            } => {
                never.push(i);
                "-.->"
            }
            EdgeKind::Overflow { .. } => "-->",
            EdgeKind::Offload { .. } => "==>",
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            id("c", &e.from),
            text(&e.lines()),
            id("c", &e.to)
        );
    }
    if !never.is_empty() {
        let list: Vec<String> = never.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "  linkStyle {} stroke:#c00", list.join(","));
    }
    out
}
