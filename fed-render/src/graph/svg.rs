//! The graph as a standalone SVG document, laid out here so that no external program is
//! needed.
//!
//! Layout: regions are boxes on a grid (as many columns as the square root of their number,
//! rounded up), each holding its clusters' boxes stacked; an edge is a curved arrow between
//! two cluster boxes, bent to its left so that the two directions between a pair do not
//! overlap, carrying a numbered badge; the edges' labels are listed under the picture by
//! number, so that a federation of many peers stays readable however the arrows cross.
//! Arrows are drawn under the boxes (an arrow crossing a cluster's box is hidden by it) and
//! the numbered badges over everything. Text widths are estimated from the character count
//! (the font is monospace; the estimate is a little wide so that fallback fonts still fit).

use std::fmt::Write as _;

use super::{EdgeKind, Graph, Verdict};

const FONT_SIZE: f64 = 12.0;
/// The advance of one monospace character at [`FONT_SIZE`].
const CHAR_WIDTH: f64 = 7.8;
const LINE_HEIGHT: f64 = 16.0;
const PADDING: f64 = 10.0;
const GROUP_PADDING: f64 = 16.0;
const GROUP_TITLE: f64 = 22.0;
const GAP: f64 = 120.0;
const MARGIN: f64 = 20.0;
const TITLE_HEIGHT: f64 = 30.0;
/// How far an edge bends away from the straight line, as a share of its length.
const BEND: f64 = 0.15;
const BADGE_RADIUS: f64 = 9.0;
const NEVER_COLOR: &str = "#c0392b";
const EDGE_COLOR: &str = "#2c3e50";
const OFFLOAD_COLOR: &str = "#2471a3";

/// A placed box.
#[derive(Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn center(self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// Where the ray from the center towards `(tx, ty)` leaves the box.
    fn border_towards(self, tx: f64, ty: f64) -> (f64, f64) {
        let (cx, cy) = self.center();
        let (dx, dy) = (tx - cx, ty - cy);
        if dx == 0.0 && dy == 0.0 {
            return (cx, cy);
        }
        let sx = if dx == 0.0 {
            f64::INFINITY
        } else {
            (self.w / 2.0) / dx.abs()
        };
        let sy = if dy == 0.0 {
            f64::INFINITY
        } else {
            (self.h / 2.0) / dy.abs()
        };
        let s = sx.min(sy);
        (cx + dx * s, cy + dy * s)
    }
}

/// A count as a coordinate factor.
#[allow(
    clippy::cast_precision_loss,
    reason = "counts of lines, boxes and characters are small"
)]
fn f(n: usize) -> f64 {
    n as f64
}

/// XML text with `&`, `<`, `>`, `"` and `'` escaped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[allow(
    clippy::cast_precision_loss,
    reason = "line lengths and counts are small"
)]
fn text_width(lines: &[String]) -> f64 {
    lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64 * CHAR_WIDTH
}

#[allow(clippy::cast_precision_loss, reason = "line counts are small")]
fn text_height(lines: usize) -> f64 {
    lines as f64 * LINE_HEIGHT
}

fn text_block(out: &mut String, x: f64, y: f64, lines: &[String], bold_first: bool) {
    for (i, line) in lines.iter().enumerate() {
        let weight = if bold_first && i == 0 {
            " font-weight=\"bold\""
        } else {
            ""
        };
        let baseline = y + f(i + 1) * LINE_HEIGHT - 4.0;
        let _ = writeln!(
            out,
            "  <text x=\"{x:.1}\" y=\"{baseline:.1}\"{weight}>{}</text>",
            esc(line)
        );
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "one pass: place the boxes, then draw them, the edges and the legend"
)]
pub(super) fn draw(g: &Graph) -> String {
    // Size every cluster box and every region box.
    let groups: Vec<(Vec<Vec<String>>, f64, f64)> = g
        .groups
        .iter()
        .map(|group| {
            let boxes: Vec<Vec<String>> = group.clusters.iter().map(super::Node::lines).collect();
            let title = vec![format!("region {}", group.region)];
            let inner_w = boxes
                .iter()
                .map(|l| text_width(l) + 2.0 * PADDING)
                .fold(text_width(&title), f64::max);
            let inner_h: f64 = boxes
                .iter()
                .map(|l| text_height(l.len()) + 2.0 * PADDING)
                .sum::<f64>()
                + GROUP_PADDING * f(boxes.len().saturating_sub(1));
            (
                boxes,
                inner_w + 2.0 * GROUP_PADDING,
                inner_h + 2.0 * GROUP_PADDING + GROUP_TITLE,
            )
        })
        .collect();
    let columns = (1..=groups.len().max(1))
        .find(|c| c * c >= groups.len())
        .unwrap_or(1);
    let rows = groups.len().div_ceil(columns);
    let col_w: Vec<f64> = (0..columns)
        .map(|c| {
            groups
                .iter()
                .skip(c)
                .step_by(columns)
                .map(|g| g.1)
                .fold(0.0, f64::max)
        })
        .collect();
    let row_h: Vec<f64> = (0..rows)
        .map(|r| {
            groups
                .iter()
                .skip(r * columns)
                .take(columns)
                .map(|g| g.2)
                .fold(0.0, f64::max)
        })
        .collect();

    // Place them.
    let mut group_rects = Vec::new();
    let mut node_rects: Vec<(String, Rect, Vec<String>)> = Vec::new();
    for (i, (boxes, w, h)) in groups.iter().enumerate() {
        let (col, row) = (i % columns, i / columns);
        let x = MARGIN + col_w[..col].iter().map(|w| w + GAP).sum::<f64>();
        let y = MARGIN + TITLE_HEIGHT + row_h[..row].iter().map(|h| h + GAP).sum::<f64>();
        group_rects.push(Rect { x, y, w: *w, h: *h });
        let mut ny = y + GROUP_PADDING + GROUP_TITLE;
        for (node, lines) in g.groups[i].clusters.iter().zip(boxes) {
            let nh = text_height(lines.len()) + 2.0 * PADDING;
            let rect = Rect {
                x: x + GROUP_PADDING,
                y: ny,
                w: w - 2.0 * GROUP_PADDING,
                h: nh,
            };
            node_rects.push((node.name.clone(), rect, lines.clone()));
            ny += nh + GROUP_PADDING;
        }
    }
    let picture_w = MARGIN + col_w.iter().sum::<f64>() + GAP * f(columns.saturating_sub(1));
    let picture_h =
        MARGIN + TITLE_HEIGHT + row_h.iter().sum::<f64>() + GAP * f(rows.saturating_sub(1));

    // The legend: one entry per edge.
    let legend: Vec<Vec<String>> = g
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut lines = e.lines();
            lines[0] = format!("{}. {} → {}: {}", i + 1, e.from, e.to, lines[0]);
            for l in lines.iter_mut().skip(1) {
                *l = format!("     {l}");
            }
            lines
        })
        .collect();
    let legend_lines: usize = legend.iter().map(Vec::len).sum::<usize>() + legend.len();
    let legend_w = legend.iter().map(|l| text_width(l)).fold(0.0, f64::max);
    let width = (picture_w.max(legend_w + MARGIN) + MARGIN).ceil();
    let height = (picture_h + MARGIN + text_height(legend_lines) + MARGIN).ceil();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"ui-monospace, Menlo, Consolas, monospace\" font-size=\"{FONT_SIZE}\">"
    );
    let _ = writeln!(out, "  <title>{}</title>", esc(&g.title()));
    out.push_str("  <defs>\n");
    for (id, color) in [
        ("arrow", EDGE_COLOR),
        ("arrow-never", NEVER_COLOR),
        ("arrow-offload", OFFLOAD_COLOR),
    ] {
        let _ = writeln!(
            out,
            "    <marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{color}\"/></marker>"
        );
    }
    out.push_str("  </defs>\n");
    let _ = writeln!(
        out,
        "  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
    );
    let _ = writeln!(
        out,
        "  <text x=\"{MARGIN}\" y=\"{:.1}\" font-size=\"16\" font-weight=\"bold\">{}</text>",
        MARGIN + 12.0,
        esc(&g.title())
    );
    for (rect, group) in group_rects.iter().zip(&g.groups) {
        let _ = writeln!(
            out,
            "  <g class=\"region\" id=\"region-{}\">",
            esc(&group.region)
        );
        let _ = writeln!(
            out,
            "  <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"8\" fill=\"#f4f6f7\" stroke=\"#aab7b8\" stroke-dasharray=\"4 3\"/>",
            rect.x, rect.y, rect.w, rect.h
        );
        text_block(
            &mut out,
            rect.x + GROUP_PADDING,
            rect.y + 6.0,
            &[format!("region {}", group.region)],
            true,
        );
        out.push_str("  </g>\n");
    }
    let find = |name: &str| {
        node_rects
            .iter()
            .find(|(n, ..)| n == name)
            .map(|(_, r, _)| *r)
    };
    let mut badges = String::new();
    for (i, e) in g.edges.iter().enumerate() {
        let (Some(a), Some(b)) = (find(&e.from), find(&e.to)) else {
            continue;
        };
        let (color, marker, dash) = match &e.kind {
            EdgeKind::Overflow {
                verdict: Verdict::Never(_),
                ..
            } => (NEVER_COLOR, "arrow-never", " stroke-dasharray=\"6 4\""),
            EdgeKind::Overflow { .. } => (EDGE_COLOR, "arrow", ""),
            EdgeKind::Offload { .. } => (OFFLOAD_COLOR, "arrow-offload", ""),
        };
        let ((ax, ay), (bx, by)) = (a.center(), b.center());
        let (dx, dy) = (bx - ax, by - ay);
        // Bend to the left of the direction of travel.
        let (mx, my) = (
            f64::midpoint(ax, bx) - dy * BEND,
            f64::midpoint(ay, by) + dx * BEND,
        );
        let (sx, sy) = a.border_towards(mx, my);
        let (tx, ty) = b.border_towards(mx, my);
        let (qx, qy) = (
            0.25 * sx + 0.5 * mx + 0.25 * tx,
            0.25 * sy + 0.5 * my + 0.25 * ty,
        );
        let title = esc(&legend[i].join(" "));
        let number = i + 1;
        let _ = writeln!(
            out,
            "  <g class=\"edge\" id=\"edge-{number}\"><title>{title}</title>"
        );
        let _ = writeln!(
            out,
            "  <path d=\"M{sx:.1},{sy:.1} Q{mx:.1},{my:.1} {tx:.1},{ty:.1}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"{dash} marker-end=\"url(#{marker})\"/>"
        );
        out.push_str("  </g>\n");
        let _ = writeln!(badges, "  <g class=\"badge\"><title>{title}</title>");
        let _ = writeln!(
            badges,
            "  <circle cx=\"{qx:.1}\" cy=\"{qy:.1}\" r=\"{BADGE_RADIUS}\" fill=\"{color}\"/>"
        );
        let _ = writeln!(
            badges,
            "  <text x=\"{qx:.1}\" y=\"{:.1}\" fill=\"white\" font-size=\"10\" text-anchor=\"middle\">{number}</text>",
            qy + 3.5
        );
        badges.push_str("  </g>\n");
    }
    for (name, rect, lines) in &node_rects {
        let _ = writeln!(out, "  <g class=\"cluster\" id=\"cluster-{}\">", esc(name));
        let _ = writeln!(
            out,
            "  <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" fill=\"#ffffff\" stroke=\"#34495e\" stroke-width=\"1.5\"/>",
            rect.x, rect.y, rect.w, rect.h
        );
        text_block(&mut out, rect.x + PADDING, rect.y + PADDING, lines, true);
        out.push_str("  </g>\n");
    }
    out.push_str(&badges);
    let mut y = picture_h + MARGIN;
    out.push_str("  <g class=\"legend\">\n");
    for (lines, e) in legend.iter().zip(&g.edges) {
        let never = matches!(
            e.kind,
            EdgeKind::Overflow {
                verdict: Verdict::Never(_),
                ..
            }
        );
        if never {
            let _ = writeln!(out, "  <g fill=\"{NEVER_COLOR}\">");
        }
        text_block(&mut out, MARGIN, y, lines, false);
        if never {
            out.push_str("  </g>\n");
        }
        y += text_height(lines.len() + 1);
    }
    out.push_str("  </g>\n</svg>\n");
    out
}
