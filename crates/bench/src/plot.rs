//! An SVG plot of the overhead per operation and stacking depth, written by hand (no
//! plotting dependency): one panel per operation, one line per promise set, the floor filter
//! as a dashed line.

use std::fmt::Write;

use crate::config::{Config, Op, DEPTHS, SETS};
use crate::measure::Results;

const PANEL_W: f64 = 300.0;
const PANEL_H: f64 = 200.0;
const COLORS: [&str; 3] = ["#1f77b4", "#d62728", "#2ca02c"];

/// The plot, as SVG text.
pub fn svg(results: &Results) -> String {
    let cols = 3;
    let rows = Op::ALL.len().div_ceil(cols);
    let (w, h) = (PANEL_W * cols as f64 + 20.0, PANEL_H * rows as f64 + 60.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="18" font-size="14">Overhead per operation vs no filter (ns, median of runs) by stacking depth</text>"#
    );
    for (k, set) in SETS.iter().enumerate() {
        let x = 10.0 + 150.0 * k as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{x}" y1="34" x2="{}" y2="34" stroke="{}" stroke-width="2"/><text x="{}" y="38">{set}</text>"#,
            x + 20.0,
            COLORS[k],
            x + 25.0
        );
    }
    let _ = writeln!(
        s,
        r#"<line x1="460" y1="34" x2="480" y2="34" stroke="black" stroke-dasharray="4 3"/><text x="485" y="38">floor (ret ALLOW)</text>"#
    );
    for (p, op) in Op::ALL.iter().enumerate() {
        let (ox, oy) = (
            10.0 + PANEL_W * (p % cols) as f64,
            50.0 + PANEL_H * (p / cols) as f64,
        );
        panel(&mut s, results, *op, ox, oy);
    }
    s.push_str("</svg>\n");
    s
}

fn overhead(results: &Results, op: Op, config: Config) -> Option<f64> {
    let i = results.configs.iter().position(|c| *c == config)?;
    results.cells[op.index() as usize][i].map(|c| c.overhead.median)
}

fn panel(s: &mut String, results: &Results, op: Op, ox: f64, oy: f64) {
    let (left, top, pw, ph) = (ox + 45.0, oy + 20.0, PANEL_W - 65.0, PANEL_H - 55.0);
    let floor = overhead(results, op, Config::Floor);
    let mut values: Vec<f64> = floor.into_iter().collect();
    for set in SETS {
        values.extend(
            DEPTHS
                .iter()
                .filter_map(|d| overhead(results, op, Config::Pledge { set, depth: *d })),
        );
    }
    let max = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(1.0f64, f64::max)
        * 1.1;
    let min = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::min);
    let y = |v: f64| top + ph - (v - min) / (max - min) * ph;
    let x = |i: usize| left + pw * i as f64 / (DEPTHS.len() - 1) as f64;
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" font-size="12" font-weight="bold">{}</text>"#,
        left,
        oy + 12.0,
        op.name()
    );
    let _ = writeln!(
        s,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>"##
    );
    for tick in 0..=4 {
        let v = min + (max - min) * tick as f64 / 4.0;
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#555">{:.0}</text>"##,
            left - 4.0,
            y(v) + 4.0,
            v
        );
    }
    for (i, d) in DEPTHS.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#555">×{d}</text>"##,
            x(i),
            top + ph + 14.0
        );
    }
    if let Some(f) = floor {
        let _ = writeln!(
            s,
            r#"<line x1="{left}" y1="{0}" x2="{1}" y2="{0}" stroke="black" stroke-dasharray="4 3"/>"#,
            y(f),
            left + pw
        );
    }
    for (k, set) in SETS.iter().enumerate() {
        let points: Vec<String> = DEPTHS
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                overhead(results, op, Config::Pledge { set, depth: *d })
                    .map(|v| format!("{:.1},{:.1}", x(i), y(v)))
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            points.join(" "),
            COLORS[k]
        );
        for p in &points {
            let (px, py) = p.split_once(',').unwrap();
            let _ = writeln!(
                s,
                r#"<circle cx="{px}" cy="{py}" r="2.5" fill="{}"/>"#,
                COLORS[k]
            );
        }
    }
}
