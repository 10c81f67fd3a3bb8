//! An SVG picture of a run: requests served per cluster and failures over time, ejections
//! marked. Drawn in-process as text.

use std::fmt::Write as _;

use crate::outcome::Outcome;

const W: f64 = 900.0;
const H: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
const COLOURS: [&str; 6] = [
    "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22",
];
const FAILED: &str = "#d62728";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The run as an SVG document.
#[allow(
    clippy::cast_precision_loss,
    clippy::too_many_lines, // one picture, drawn top to bottom
    clippy::many_single_char_names // x and y scales, as in any plot
)]
pub fn svg(o: &Outcome) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let title = format!(
        "Istio {}: {} from {} ({}, {} workers): {} requests, {} served, {} failed",
        o.istio,
        o.service,
        o.from,
        o.client,
        o.workers,
        o.requests,
        o.served_total(),
        o.failed_total()
    );
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="22" font-size="14">{}</text>"#,
        escape(&title)
    );
    let span = o
        .timeline
        .last()
        .map_or(1.0, |l| l.t_ms + o.timeline.get(1).map_or(1.0, |s| s.t_ms))
        .max(o.duration_ms)
        .max(1e-3);
    let peak = o
        .timeline
        .iter()
        .flat_map(|t| {
            t.served
                .values()
                .copied()
                .chain(std::iter::once(t.failed.values().sum()))
        })
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let x = |t: f64| LEFT + (W - LEFT - RIGHT) * t / span;
    let y = |n: f64| H - BOTTOM - (H - TOP - BOTTOM) * n / peak;
    // Axes and labels.
    let _ = writeln!(
        s,
        r##"<path d="M{LEFT} {TOP} V{b} H{r}" stroke="#333" fill="none"/>"##,
        b = H - BOTTOM,
        r = W - RIGHT
    );
    for i in 0..=4 {
        let n = peak * f64::from(i) / 4.0;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{:.0}</text>"#,
            LEFT - 6.0,
            y(n) + 4.0,
            n
        );
        let t = span * f64::from(i) / 4.0;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{:.0} ms</text>"#,
            x(t),
            H - BOTTOM + 18.0,
            t
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="14" y="{}" transform="rotate(-90 14 {})" text-anchor="middle">answers per slice</text>"#,
        (TOP + H - BOTTOM) / 2.0,
        (TOP + H - BOTTOM) / 2.0
    );
    // Ejections.
    for e in &o.ejections {
        let ex = x(e.at_ms);
        let _ = writeln!(
            s,
            r##"<line x1="{ex:.1}" y1="{TOP}" x2="{ex:.1}" y2="{}" stroke="#ff7f0e" stroke-dasharray="4 3"><title>{} ejected for {} ms</title></line>"##,
            H - BOTTOM,
            escape(&e.endpoint),
            e.for_ms
        );
    }
    // Series.
    let mut series: Vec<(String, &str, Vec<f64>)> = o
        .served
        .keys()
        .enumerate()
        .map(|(i, c)| {
            (
                format!("served in {c}"),
                COLOURS[i % COLOURS.len()],
                o.timeline.iter().map(|t| t.served[c] as f64).collect(),
            )
        })
        .collect();
    series.push((
        "failed".to_owned(),
        FAILED,
        o.timeline
            .iter()
            .map(|t| t.failed.values().sum::<u64>() as f64)
            .collect(),
    ));
    for (i, (name, colour, values)) in series.iter().enumerate() {
        let mut d = String::new();
        for (k, v) in values.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1} {:.1} ",
                if k == 0 { "M" } else { "L" },
                x(o.timeline[k].t_ms),
                y(*v)
            );
        }
        if !d.is_empty() {
            let _ = writeln!(
                s,
                r#"<path d="{}" stroke="{colour}" stroke-width="1.5" fill="none"/>"#,
                d.trim_end()
            );
        }
        let lx = LEFT + 160.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<rect x="{lx}" y="{}" width="12" height="12" fill="{colour}"/><text x="{}" y="{}">{}</text>"#,
            H - 22.0,
            lx + 16.0,
            H - 12.0,
            escape(name)
        );
    }
    if !o.ejections.is_empty() {
        let lx = LEFT + 160.0 * series.len() as f64;
        let _ = writeln!(
            s,
            r##"<line x1="{lx}" y1="{}" x2="{}" y2="{}" stroke="#ff7f0e" stroke-dasharray="4 3"/><text x="{}" y="{}">ejection</text>"##,
            H - 16.0,
            lx + 12.0,
            H - 16.0,
            lx + 16.0,
            H - 12.0
        );
    }
    s.push_str("</svg>\n");
    s
}
