//! The sweep as a heat map: the first swept key across, the second down (one row when only
//! one key was swept), net PnL as a diverging colour (red loss, green gain) with a legend.
//! With more than two keys each cell shows the best net PnL over the other keys' values,
//! and the chart says so. The best cell is outlined.

use super::charts::{open_svg, WIDTH};
use super::input::SweepGrid;
use super::svg::{diverging, esc, num, px};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::str::FromStr;

const LEFT: i64 = 150;
const RIGHT: i64 = 24;
const TOP: i64 = 64;
const CELL_H: i64 = 40;
const LEGEND_H: i64 = 96;
/// Legend swatches from the largest loss to the largest gain.
pub const SWATCHES: i64 = 11;

/// The distinct values of one key, numerically sorted when they are all numbers, else in
/// order of appearance.
fn axis_values(grid: &SweepGrid, key: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for r in &grid.runs {
        let v = r.values.get(key).cloned().unwrap_or_default();
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    let numbers: Option<Vec<Decimal>> = seen.iter().map(|v| Decimal::from_str(v).ok()).collect();
    if let Some(n) = numbers {
        let mut pairs: Vec<(Decimal, String)> = n.into_iter().zip(seen).collect();
        pairs.sort_by_key(|p| p.0);
        return pairs.into_iter().map(|p| p.1).collect();
    }
    seen
}

/// The heat map of a sweep.
pub fn heat_map(id: &str, title: &str, grid: &SweepGrid, quote: &str) -> String {
    let runs: Vec<_> = grid
        .runs
        .iter()
        .filter(|r| r.values.len() == grid.keys.len())
        .collect();
    let xs = axis_values(grid, 0);
    let ys = if grid.keys.len() >= 2 {
        axis_values(grid, 1)
    } else {
        vec![String::new()]
    };
    let height = TOP + CELL_H * ys.len() as i64 + LEGEND_H;
    let mut out = String::new();
    open_svg(&mut out, id, title, height);
    if grid.keys.is_empty() || runs.is_empty() {
        let _ = write!(
            out,
            "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">no sweep</text></svg>",
            WIDTH / 2,
            height / 2
        );
        return out;
    }
    // best net PnL per cell, and how many runs it covers
    // (best net, runs, max drawdown of the best run)
    let mut cells: BTreeMap<(usize, usize), (Decimal, usize, Option<Decimal>)> = BTreeMap::new();
    for r in &runs {
        let xi = xs.iter().position(|v| *v == r.values[0]).unwrap_or(0);
        let yi = if grid.keys.len() >= 2 {
            ys.iter().position(|v| *v == r.values[1]).unwrap_or(0)
        } else {
            0
        };
        let e = cells
            .entry((xi, yi))
            .or_insert((r.net_pnl, 0, r.max_drawdown));
        if r.net_pnl > e.0 {
            e.0 = r.net_pnl;
            e.2 = r.max_drawdown;
        }
        e.1 += 1;
    }
    let extent = cells.values().map(|c| c.0.abs()).max().unwrap_or_default();
    let best = cells
        .iter()
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0))
        .map(|(k, _)| *k);
    let cell_w = Decimal::from(WIDTH - LEFT - RIGHT) / Decimal::from(xs.len());
    let x_key = esc(&grid.keys[0]);
    let y_key = grid.keys.get(1).map(|k| esc(k)).unwrap_or_default();
    let _ = write!(
        out,
        "<text class=\"axis-label\" x=\"{}\" y=\"44\" text-anchor=\"middle\">{x_key}</text>\
         <text class=\"axis-label\" x=\"12\" y=\"{}\">{y_key}</text>",
        (LEFT + WIDTH - RIGHT) / 2,
        TOP - 6
    );
    for (xi, xv) in xs.iter().enumerate() {
        let cx = Decimal::from(LEFT) + cell_w * Decimal::from(xi) + cell_w / Decimal::TWO;
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            px(cx),
            TOP - 6,
            esc(xv)
        );
    }
    for (yi, yv) in ys.iter().enumerate() {
        let top = TOP + CELL_H * yi as i64;
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LEFT - 8,
            top + CELL_H / 2 + 4,
            esc(yv)
        );
        for (xi, xv) in xs.iter().enumerate() {
            let x0 = Decimal::from(LEFT) + cell_w * Decimal::from(xi);
            let (fill, label, value, n, dd) = match cells.get(&(xi, yi)) {
                Some((v, n, dd)) => (
                    diverging(*v, extent),
                    num(*v, 2),
                    v.normalize().to_string(),
                    *n,
                    dd.map(|d| format!(", max drawdown {}", num(d, 2)))
                        .unwrap_or_default(),
                ),
                None => (
                    "#e5e7eb".to_string(),
                    "-".to_string(),
                    String::new(),
                    0,
                    String::new(),
                ),
            };
            let outline = if best == Some((xi, yi)) {
                " stroke=\"#111827\" stroke-width=\"3\""
            } else {
                " stroke=\"#ffffff\" stroke-width=\"1\""
            };
            let _ = write!(
                out,
                "<rect class=\"cell\" data-x=\"{}\" data-y=\"{}\" data-value=\"{value}\" \
                 data-runs=\"{n}\" x=\"{}\" y=\"{top}\" width=\"{}\" height=\"{CELL_H}\" \
                 fill=\"{fill}\"{outline}><title>{x_key}={} {y_key}{}{}: {label} {}{dd}</title></rect>\
                 <text class=\"cell-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
                esc(xv),
                esc(yv),
                px(x0),
                px(cell_w),
                esc(xv),
                if y_key.is_empty() { "" } else { "=" },
                esc(yv),
                esc(quote),
                px(x0 + cell_w / Decimal::TWO),
                top + CELL_H / 2 + 4,
            );
        }
    }
    legend(&mut out, extent, TOP + CELL_H * ys.len() as i64 + 20, quote);
    let note = if grid.keys.len() > 2 {
        format!(
            "More than two keys: each cell shows the best net PnL over {}.",
            grid.keys[2..]
                .iter()
                .map(|k| esc(k))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        "Each cell: the net PnL of that combination.".to_string()
    };
    let _ = write!(
        out,
        "<text class=\"note\" x=\"{LEFT}\" y=\"{}\">{note} Outlined: the best.</text></svg>",
        height - 10
    );
    out
}

fn legend(out: &mut String, extent: Decimal, top: i64, quote: &str) {
    let w = 36;
    let left = LEFT;
    let _ = write!(
        out,
        "<g class=\"legend heat\"><text x=\"{left}\" y=\"{}\">net PnL ({})</text>",
        top - 4,
        esc(quote)
    );
    for i in 0..SWATCHES {
        let v = extent * Decimal::from(2 * i - (SWATCHES - 1)) / Decimal::from(SWATCHES - 1);
        let _ = write!(
            out,
            "<rect class=\"swatch\" x=\"{}\" y=\"{top}\" width=\"{w}\" height=\"14\" fill=\"{}\"/>",
            left + w * i,
            diverging(v, extent)
        );
    }
    for (i, v) in [
        (0, -extent),
        (SWATCHES / 2, Decimal::ZERO),
        (SWATCHES - 1, extent),
    ] {
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            left + w * i + w / 2,
            top + 30,
            num(v, 2)
        );
    }
    out.push_str("</g>");
}
