//! The charts as inline SVG, written by hand: a time-series line chart, vertical bar charts
//! (one or more bars per group), horizontal bars. Each chart is one `<svg>` with a
//! `<title>`, axes with ticks and labels, and marks carrying their data
//! (`data-series`, `data-points`, `data-value`, a `<title>` tooltip) so that tests and
//! people can read the numbers back.

use super::input::PnlSeries;
use super::svg::{
    esc, nice_ticks, num, px, secs, step_decimals, tick_values, time_label, time_ticks, Scale,
    PALETTE,
};
use rust_decimal::Decimal;
use std::fmt::Write;

/// Width of every chart (SVG units).
pub const WIDTH: i64 = 960;
/// Height of the standard chart.
pub const HEIGHT: i64 = 320;
const LEFT: i64 = 78;
const RIGHT: i64 = 24;
const TOP: i64 = 36;
const BOTTOM: i64 = 52;

fn d(v: i64) -> Decimal {
    Decimal::from(v)
}

/// Opens an `<svg>` of `height` with its accessible title.
pub fn open_svg(out: &mut String, id: &str, title: &str, height: i64) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" class=\"chart\" \
         viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"11\" fill=\"#374151\" \
         role=\"img\" aria-labelledby=\"{id}-title\"><title id=\"{id}-title\">{}</title>\
         <rect class=\"background\" x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" \
         fill=\"#fafafa\"/>",
        esc(title)
    );
    let _ = write!(
        out,
        "<text class=\"chart-title\" x=\"{LEFT}\" y=\"22\" font-size=\"14\" \
         font-weight=\"bold\" fill=\"#111827\">{}</text>",
        esc(title)
    );
}

/// The vertical value axis: ticks, grid lines and labels; returns the scale.
fn value_axis(out: &mut String, lo: Decimal, hi: Decimal, height: i64, unit: &str) -> Scale {
    let (first, last, step) = nice_ticks(lo.min(Decimal::ZERO), hi.max(Decimal::ZERO), 5);
    let y = Scale::new(first, last, d(height - BOTTOM), d(TOP));
    let dp = step_decimals(step);
    out.push_str("<g class=\"axis y\">");
    for v in tick_values(first, last, step) {
        let yy = px(y.at(v));
        let (cls, colour) = if v.is_zero() {
            ("grid zero", "#6b7280")
        } else {
            ("grid", "#e5e7eb")
        };
        let _ = write!(
            out,
            "<line class=\"{cls}\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" \
             stroke=\"{colour}\"/>\
             <text class=\"tick\" x=\"{}\" y=\"{yy}\" dy=\"4\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6,
            esc(&num(v, dp))
        );
    }
    let _ = write!(
        out,
        "<text class=\"axis-label\" transform=\"translate(16 {}) rotate(-90)\" \
         text-anchor=\"middle\">{}</text></g>",
        (TOP + height - BOTTOM) / 2,
        esc(unit)
    );
    y
}

/// A "no data" chart body.
fn no_data(out: &mut String, height: i64, what: &str) {
    let _ = write!(
        out,
        "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></svg>",
        WIDTH / 2,
        height / 2,
        esc(what)
    );
}

/// Cumulative net PnL over time, one line per series (baselines dashed), with a legend.
pub fn pnl_lines(id: &str, title: &str, series: &[PnlSeries], quote: &str) -> String {
    let mut out = String::new();
    open_svg(&mut out, id, title, HEIGHT);
    let all = series.iter().flat_map(|s| s.points.iter());
    let (Some(t0), Some(t1)) = (
        all.clone().map(|p| p.time).min(),
        all.clone().map(|p| p.time).max(),
    ) else {
        no_data(&mut out, HEIGHT, "no PnL series to draw");
        return out;
    };
    let lo = all.clone().map(|p| p.value).min().unwrap_or_default();
    let hi = all.map(|p| p.value).max().unwrap_or_default();
    let y = value_axis(
        &mut out,
        lo,
        hi,
        HEIGHT,
        &format!("cumulative net PnL ({quote})"),
    );
    let x = Scale::new(secs(t0), secs(t1), d(LEFT), d(WIDTH - RIGHT));
    out.push_str("<g class=\"axis x\">");
    let (ticks, with_hour) = time_ticks(t0, t1, 8);
    for t in ticks {
        let at = x.at(secs(t));
        let xx = px(at);
        // labels at the ends stay inside the chart
        let anchor = if at > d(WIDTH - RIGHT - 40) {
            "end"
        } else if at < d(LEFT + 20) {
            "start"
        } else {
            "middle"
        };
        let _ = write!(
            out,
            "<line class=\"tick-mark\" x1=\"{xx}\" x2=\"{xx}\" y1=\"{b}\" y2=\"{}\" \
             stroke=\"#6b7280\"/>\
             <text class=\"tick\" x=\"{xx}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            HEIGHT - BOTTOM + 5,
            HEIGHT - BOTTOM + 20,
            time_label(t, with_hour),
            b = HEIGHT - BOTTOM,
        );
    }
    let _ = write!(
        out,
        "<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">time (UTC)</text></g>",
        (LEFT + WIDTH - RIGHT) / 2,
        HEIGHT - 8
    );
    for (i, s) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let dash = if s.baseline {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let pts: Vec<String> = s
            .points
            .iter()
            .map(|p| format!("{},{}", px(x.at(secs(p.time))), px(y.at(p.value))))
            .collect();
        let last = s.points.last().map(|p| num(p.value, 2)).unwrap_or_default();
        let _ = write!(
            out,
            "<polyline class=\"series\" data-series=\"{}\" data-points=\"{}\" fill=\"none\" \
             stroke=\"{colour}\" stroke-width=\"2\"{dash} points=\"{}\"><title>{}: {last} \
             {}</title></polyline>",
            esc(&s.name),
            s.points.len(),
            pts.join(" "),
            esc(&s.name),
            esc(quote)
        );
    }
    let entries: Vec<LegendEntry> = series
        .iter()
        .enumerate()
        .map(|(i, s)| LegendEntry {
            text: match s.points.last() {
                Some(p) => format!("{} ({})", s.name, num(p.value, 2)),
                None => format!("{} (no points)", s.name),
            },
            colour: PALETTE[i % PALETTE.len()],
            line: Some(s.baseline),
        })
        .collect();
    legend(&mut out, &entries);
    out.push_str("</svg>");
    out
}

/// One legend entry: a line (dashed or not) or a swatch, and its text.
struct LegendEntry<'a> {
    text: String,
    colour: &'a str,
    /// `Some(dashed)` draws a line, `None` a square.
    line: Option<bool>,
}

/// A one-row legend, right-aligned in the title row (text width estimated at 6.5 units a
/// character).
fn legend(out: &mut String, entries: &[LegendEntry<'_>]) {
    let widths: Vec<i64> = entries
        .iter()
        .map(|e| 30 + (e.text.chars().count() as i64 * 13 + 1) / 2)
        .collect();
    let mut x = WIDTH - RIGHT - widths.iter().sum::<i64>();
    let y = 18;
    for (e, w) in entries.iter().zip(widths) {
        let mark = match e.line {
            Some(dashed) => format!(
                "<line x1=\"{x}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{}\" \
                 stroke-width=\"3\"{}/>",
                x + 20,
                e.colour,
                if dashed {
                    " stroke-dasharray=\"6 4\""
                } else {
                    ""
                }
            ),
            None => format!(
                "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>",
                x + 4,
                y - 6,
                e.colour
            ),
        };
        let _ = write!(
            out,
            "<g class=\"legend\">{mark}<text x=\"{}\" y=\"{}\">{}</text></g>",
            x + 24,
            y + 4,
            esc(&e.text)
        );
        x += w;
    }
}

/// One series of a bar chart: its name, colour and CSS class.
#[derive(Debug, Clone, Copy)]
pub struct BarSeries<'a> {
    /// Legend name.
    pub name: &'a str,
    /// Fill colour.
    pub colour: &'a str,
    /// Class of its bars (`settled`, `expected`, `fee`).
    pub class: &'a str,
}

/// A group of bars (one cycle): its axis label, tooltip prefix and one value per series.
#[derive(Debug, Clone)]
pub struct BarGroup {
    /// Axis label (`#12`).
    pub label: String,
    /// Tooltip prefix (`cycle 12 BTC`).
    pub tip: String,
    /// One value per series; `None` draws no bar (unknown, never zero).
    pub values: Vec<Option<Decimal>>,
}

/// Vertical bars, one group per entry, the series side by side within a group.
pub fn bars(
    id: &str,
    title: &str,
    series: &[BarSeries<'_>],
    groups: &[BarGroup],
    unit: &str,
) -> String {
    let mut out = String::new();
    open_svg(&mut out, id, title, HEIGHT);
    let known = groups
        .iter()
        .flat_map(|g| g.values.iter().flatten().copied());
    if groups.is_empty() {
        no_data(&mut out, HEIGHT, "no cycles to draw");
        return out;
    }
    let lo = known.clone().min().unwrap_or_default();
    let hi = known.max().unwrap_or_default();
    let y = value_axis(&mut out, lo, hi, HEIGHT, unit);
    let plot = d(WIDTH - RIGHT - LEFT);
    let band = plot / Decimal::from(groups.len());
    let inner = band * Decimal::new(8, 1);
    let bar_w = inner / Decimal::from(series.len().max(1));
    let zero = y.at(Decimal::ZERO);
    let label_every = groups.len().div_ceil(24).max(1);
    out.push_str("<g class=\"axis x\">");
    for (i, g) in groups.iter().enumerate() {
        if i % label_every == 0 {
            let cx = d(LEFT) + band * Decimal::from(i) + band / Decimal::TWO;
            let _ = write!(
                out,
                "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                px(cx),
                HEIGHT - BOTTOM + 18,
                esc(&g.label)
            );
        }
    }
    let _ = write!(
        out,
        "<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">cycle</text></g>",
        (LEFT + WIDTH - RIGHT) / 2,
        HEIGHT - 8
    );
    for (i, g) in groups.iter().enumerate() {
        let x0 = d(LEFT) + band * Decimal::from(i) + (band - inner) / Decimal::TWO;
        for (k, (s, v)) in series.iter().zip(&g.values).enumerate() {
            let Some(v) = v else {
                // unknown: said, never drawn as zero
                let _ = write!(
                    out,
                    "<text class=\"na\" data-group=\"{}\" x=\"{}\" y=\"{}\" \
                     text-anchor=\"middle\" fill=\"#9ca3af\">n/a</text>",
                    esc(&g.label),
                    px(x0 + bar_w * Decimal::from(k) + bar_w / Decimal::TWO),
                    px(zero - d(4)),
                );
                continue;
            };
            let yv = y.at(*v);
            let (top, h) = if yv < zero {
                (yv, zero - yv)
            } else {
                (zero, yv - zero)
            };
            let _ = write!(
                out,
                "<rect class=\"bar {}\" data-group=\"{}\" data-value=\"{}\" x=\"{}\" y=\"{}\" \
                 width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {} {} {}</title></rect>",
                s.class,
                esc(&g.label),
                v.normalize(),
                px(x0 + bar_w * Decimal::from(k)),
                px(top),
                px(bar_w.max(Decimal::new(5, 1))),
                px(h.max(Decimal::new(5, 1))),
                s.colour,
                esc(&g.tip),
                esc(s.name),
                num(*v, 4),
                esc(unit)
            );
        }
    }
    let entries: Vec<LegendEntry> = series
        .iter()
        .map(|s| LegendEntry {
            text: s.name.to_string(),
            colour: s.colour,
            line: None,
        })
        .collect();
    legend(&mut out, &entries);
    out.push_str("</svg>");
    out
}

/// Horizontal bars: one per (label, value), longest first as given, value labels at the end.
pub fn hbars(id: &str, title: &str, rows: &[(String, Decimal, String)], unit: &str) -> String {
    let row_h = 22;
    let height = (TOP + BOTTOM + row_h * rows.len() as i64).max(140);
    let mut out = String::new();
    open_svg(&mut out, id, title, height);
    if rows.is_empty() {
        no_data(&mut out, height, "no time in market");
        return out;
    }
    let hi = rows.iter().map(|r| r.1).max().unwrap_or_default();
    let (first, last, step) = nice_ticks(Decimal::ZERO, hi, 5);
    let left = LEFT + 20;
    let x = Scale::new(first, last, d(left), d(WIDTH - RIGHT - 150));
    let base = TOP + row_h * rows.len() as i64;
    out.push_str("<g class=\"axis x\">");
    for v in tick_values(first, last, step) {
        let xx = px(x.at(v));
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{xx}\" x2=\"{xx}\" y1=\"{TOP}\" y2=\"{base}\" \
             stroke=\"#e5e7eb\"/>\
             <text class=\"tick\" x=\"{xx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            base + 16,
            num(v, step_decimals(step))
        );
    }
    let _ = write!(
        out,
        "<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
        (left + WIDTH - RIGHT - 150) / 2,
        base + 36,
        esc(unit)
    );
    for (i, (label, v, note)) in rows.iter().enumerate() {
        let top = TOP + row_h * i as i64 + 3;
        let w = x.at(*v) - d(left);
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar hbar\" data-group=\"{}\" data-value=\"{}\" x=\"{left}\" y=\"{top}\" \
             width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {} {}</title></rect>\
             <text class=\"value\" x=\"{}\" y=\"{}\">{}</text>",
            left - 6,
            top + 12,
            esc(label),
            esc(label),
            v.normalize(),
            px(w.max(Decimal::new(5, 1))),
            row_h - 6,
            PALETTE[0],
            esc(label),
            num(*v, 1),
            esc(unit),
            px(x.at(*v) + d(6)),
            top + 12,
            esc(note)
        );
    }
    out.push_str("</svg>");
    out
}
