//! The graph in Graphviz's DOT language: one `cluster_` subgraph per region (Graphviz draws
//! those as boxes), one node per cluster, one edge per edge, texts as quoted strings with `"`
//! and `\` escaped and lines joined by `\n`.

use std::fmt::Write as _;

use super::{EdgeKind, Graph, Verdict};

fn quote(lines: &[String]) -> String {
    let escaped: Vec<String> = lines
        .iter()
        .map(|l| l.replace('\\', "\\\\").replace('"', "\\\""))
        .collect();
    format!("\"{}\"", escaped.join("\\n"))
}

pub(super) fn draw(g: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "digraph {} {{",
        quote(std::slice::from_ref(&g.federation))
    );
    let _ = writeln!(out, "  label={};", quote(&[g.title()]));
    out.push_str("  labelloc=t;\n  rankdir=LR;\n  fontname=\"Helvetica\";\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for group in &g.groups {
        let _ = writeln!(
            out,
            "  subgraph {} {{",
            quote(&[format!("cluster_{}", group.region)])
        );
        let _ = writeln!(
            out,
            "    label={};",
            quote(&[format!("region {}", group.region)])
        );
        for n in &group.clusters {
            let _ = writeln!(
                out,
                "    {} [label={}];",
                quote(std::slice::from_ref(&n.name)),
                quote(&n.lines())
            );
        }
        out.push_str("  }\n");
    }
    for e in &g.edges {
        let style = match &e.kind {
            EdgeKind::Overflow {
                verdict: Verdict::Never(_),
                ..
            } => ", style=dashed, color=red3, fontcolor=red3",
            EdgeKind::Overflow { .. } => "",
            EdgeKind::Offload { .. } => ", style=bold",
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{style}];",
            quote(std::slice::from_ref(&e.from)),
            quote(std::slice::from_ref(&e.to)),
            quote(&e.lines())
        );
    }
    out.push_str("}\n");
    out
}
