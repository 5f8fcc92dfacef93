//! Small SVG charts for the HTML report, drawn here rather than by a plotting dependency: a bar chart of rates
//! per quarter with a rolling line, a line chart of several series, and horizontal bars for a funnel.
//!
//! Every chart scales to its container (a `viewBox`, no fixed size), names itself for screen readers (`role="img"`
//! and a `<title>`), and escapes every text it is given. Rates are in ten-thousandths, as in [`crate::report`].

use std::fmt::Write as _;

/// Colours for series, told apart by people with the common colour-vision deficiencies (Okabe and Ito).
pub const PALETTE: [&str; 8] = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#6b6b00", "#000000"];

/// The colour of a chart's main bars.
const BAR: &str = "#0072b2";
/// The colour of a rolling rate's line.
const ROLLING: &str = "#d55e00";
/// Grid lines and muted text.
const MUTED: &str = "#6b7280";
const GRID: &str = "#e5e7eb";

/// Escapes text for HTML and SVG: `&`, `<`, `>`, `"` and `'`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A rate as a percentage for people: `44%`, or `44.4%` when `precise`.
pub fn percent(rate: u32, precise: bool) -> String {
    if precise {
        // Half-up to one decimal of a percent.
        let tenths = (rate + 5) / 10;
        format!("{}.{}%", tenths / 10, tenths % 10)
    } else {
        format!("{}%", (rate + 50) / 100)
    }
}

/// A share as a percentage computed from its counts (never from a rounded rate): `part` of `whole`, half-up to
/// one decimal (`6 of 11` is `54.5%`), or whole (`55%`); `None` when `whole` is 0.
pub fn percent_of(part: u64, whole: u64, precise: bool) -> Option<String> {
    if whole == 0 {
        return None;
    }
    if precise {
        let tenths = (part * 2000 + whole) / (2 * whole);
        Some(format!("{}.{}%", tenths / 10, tenths % 10))
    } else {
        Some(format!("{}%", (part * 200 + whole) / (2 * whole)))
    }
}

/// Fewer rated searches than this in a quarter, and its rate is flagged as resting on few searches.
pub const FEW: u64 = 5;

/// The colour of a quarter resting on few rated searches, and of the other firms' lines behind a highlighted one.
const LIGHT: &str = "#9ecae1";
const FADED: &str = "#c7cbd1";

/// An SVG document being drawn in a `width` x `height` coordinate space.
struct Canvas {
    width: f64,
    height: f64,
    body: String,
}

impl Canvas {
    fn new(width: f64, height: f64) -> Canvas {
        Canvas { width, height, body: String::new() }
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, extra: &str) {
        let _ = write!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}"{extra}/>"#
        );
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, tooltip: Option<&str>) {
        let _ = write!(self.body, r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}""#);
        match tooltip {
            Some(t) => {
                let _ = write!(self.body, "><title>{}</title></rect>", escape(t));
            }
            None => self.body.push_str("/>"),
        }
    }

    fn text(&mut self, x: f64, y: f64, anchor: &str, size: f64, fill: &str, text: &str) {
        let _ = write!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="{size:.1}" fill="{fill}">{}</text>"#,
            escape(text)
        );
    }

    /// A polyline through the points, broken where a point is missing, with a dot at each point.
    fn series(&mut self, points: &[Option<(f64, f64)>], stroke: &str, dashed: bool, tooltip: &str) {
        let dash = if dashed { r#" stroke-dasharray="5 3""# } else { "" };
        let mut run: Vec<(f64, f64)> = Vec::new();
        let flush = |run: &mut Vec<(f64, f64)>, body: &mut String| {
            if run.len() > 1 {
                let pts: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let _ = write!(
                    body,
                    r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="2"{dash}><title>{}</title></polyline>"#,
                    pts.join(" "),
                    escape(tooltip)
                );
            }
            run.clear();
        };
        for point in points {
            match point {
                Some(p) => run.push(*p),
                None => flush(&mut run, &mut self.body),
            }
        }
        flush(&mut run, &mut self.body);
        for (x, y) in points.iter().flatten() {
            let _ = write!(self.body, r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{stroke}"/>"#);
        }
    }

    fn finish(self, title: &str, class: &str) -> String {
        format!(
            r#"<svg class="{class}" viewBox="0 0 {w} {h}" role="img" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"><title>{title}</title>{body}</svg>"#,
            w = self.width,
            h = self.height,
            title = escape(title),
            body = self.body,
        )
    }
}

/// One quarter of a rate chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatePoint {
    /// The quarter, `2026-Q3`.
    pub quarter: String,
    /// Compliant searches.
    pub compliant: u64,
    /// Rated searches (compliant, non-compliant, incomplete).
    pub rated: u64,
    /// The quarter's rate.
    pub rate: Option<u32>,
    /// The rate over the four quarters ending with this one.
    pub rolling: Option<u32>,
}

/// The plot area of a chart with a 0-100% axis on the left.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Plot {
    fn y(&self, rate: u32) -> f64 {
        self.bottom - (self.bottom - self.top) * f64::from(rate.min(10_000)) / 10_000.0
    }

    fn slot(&self, count: usize) -> f64 {
        (self.right - self.left) / count.max(1) as f64
    }

    fn x(&self, index: usize, count: usize) -> f64 {
        self.left + self.slot(count) * (index as f64 + 0.5)
    }

    fn axis(&self, canvas: &mut Canvas) {
        for rate in [0, 2_500, 5_000, 7_500, 10_000] {
            let y = self.y(rate);
            canvas.line(self.left, y, self.right, y, if rate == 0 { MUTED } else { GRID }, "");
            if rate % 5_000 == 0 {
                canvas.text(self.left - 5.0, y + 4.0, "end", 11.0, MUTED, &percent(rate, false));
            }
        }
    }

    /// Quarter labels under the axis: `Q3` with the year under it where the year changes.
    /// Where labels are too tight for every quarter (a slot under 20 units), only the years are written, each
    /// where it starts, and only when it does not run into the one before: labels never collide.
    fn quarter_labels(&self, canvas: &mut Canvas, quarters: &[&str]) {
        let slot = self.slot(quarters.len());
        let size = if slot < 26.0 { 9.0 } else { 11.0 };
        let every_quarter = slot >= 20.0;
        let mut last_year = "";
        let mut year_ends = f64::MIN;
        for (i, quarter) in quarters.iter().enumerate() {
            let x = self.x(i, quarters.len());
            let (year, q) = quarter.split_once('-').unwrap_or((quarter, ""));
            if every_quarter {
                canvas.text(x, self.bottom + 15.0, "middle", size, "#374151", q);
            }
            // A year's label is about 2.4 times its font size wide.
            let half = (size - 1.0) * 1.2;
            if year != last_year && x - half > year_ends {
                let y = if every_quarter { self.bottom + 29.0 } else { self.bottom + 15.0 };
                canvas.text(x, y, "middle", size - 1.0, MUTED, year);
                year_ends = x + half + 2.0;
            }
            last_year = year;
        }
    }
}

/// A bar per quarter (the quarter's compliance rate, labelled with it) and a dashed line of the rolling rate;
/// a quarter with nothing rated shows a dash instead of a bar.
pub fn rate_bars(title: &str, points: &[RatePoint]) -> String {
    let mut canvas = Canvas::new(320.0, 198.0);
    let plot = Plot { left: 36.0, right: 314.0, top: 20.0, bottom: 146.0 };
    plot.axis(&mut canvas);
    let n = points.len();
    let slot = plot.slot(n);
    let bar = (slot * 0.62).min(44.0);
    let label_size = if slot < 30.0 { 9.0 } else { 11.0 };
    // Labels over and under the bars only where each has room; the tooltips always carry them.
    let labelled = slot >= 24.0;
    for (i, p) in points.iter().enumerate() {
        let x = plot.x(i, n);
        match p.rate {
            Some(rate) => {
                let y = plot.y(rate);
                let few = if p.rated < FEW { "; few searches, read with care" } else { "" };
                let tip = format!(
                    "{}: {} of {} rated searches compliant ({}){few}",
                    p.quarter,
                    p.compliant,
                    p.rated,
                    percent_of(p.compliant, p.rated, true).unwrap_or_default()
                );
                let fill = if p.rated < FEW { LIGHT } else { BAR };
                canvas.rect(x - bar / 2.0, y, bar, (plot.bottom - y).max(0.0), fill, Some(&tip));
                if labelled {
                    let label = percent_of(p.compliant, p.rated, false).unwrap_or_default();
                    canvas.text(x, y - 5.0, "middle", label_size, "#111827", &label);
                }
            }
            None if labelled => canvas.text(x, plot.bottom - 5.0, "middle", label_size, MUTED, "–"),
            None => {}
        }
        if labelled {
            let counts = format!("{}/{}", p.compliant, p.rated);
            canvas.text(x, plot.bottom + 44.0, "middle", label_size - 1.0, MUTED, &counts);
        }
    }
    let rolling: Vec<Option<(f64, f64)>> =
        points.iter().enumerate().map(|(i, p)| p.rolling.map(|r| (plot.x(i, n), plot.y(r)))).collect();
    canvas.series(&rolling, ROLLING, true, "rolling rate over four quarters");
    let quarters: Vec<&str> = points.iter().map(|p| p.quarter.as_str()).collect();
    plot.quarter_labels(&mut canvas, &quarters);
    canvas.finish(title, "chart")
}

/// A line chart of several series over the same quarters; the legend is left to the page (it wraps better).
/// `compact` draws it for a phone's width (a narrower canvas, so its text stays readable when scaled down).
/// With more series than [`PALETTE`] has colours, every series is drawn faded and the last one (the page passes
/// all firms together) highlighted: colours never repeat.
pub fn rate_lines(title: &str, quarters: &[&str], series: &[(&str, Vec<Option<u32>>)], compact: bool) -> String {
    let (width, class) = if compact { (360.0, "chart compact") } else { (720.0, "chart wide") };
    let mut canvas = Canvas::new(width, 250.0);
    let plot = Plot { left: 40.0, right: width - 10.0, top: 14.0, bottom: 206.0 };
    plot.axis(&mut canvas);
    let n = quarters.len();
    let highlight = series.len() > PALETTE.len();
    for (i, (name, rates)) in series.iter().enumerate() {
        let points: Vec<Option<(f64, f64)>> =
            rates.iter().enumerate().map(|(q, r)| r.map(|r| (plot.x(q, n), plot.y(r)))).collect();
        let colour = match (highlight, i + 1 == series.len()) {
            (true, true) => BAR,
            (true, false) => FADED,
            (false, _) => PALETTE[i],
        };
        canvas.series(&points, colour, false, name);
    }
    plot.quarter_labels(&mut canvas, quarters);
    canvas.finish(title, class)
}

/// One stage of a funnel: all candidates who reached it, and the cross-sector ones among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The stage's name for people.
    pub label: String,
    /// Candidates who reached the stage.
    pub all: u64,
    /// Of those, cross-sector.
    pub cross_sector: u64,
}

/// Horizontal bars, one per stage, the cross-sector part darker; each stage's numbers stand above its bar, so the
/// chart stays narrow enough to read on a phone.
pub fn funnel(title: &str, stages: &[Stage]) -> String {
    let row = 56.0;
    let mut canvas = Canvas::new(420.0, 8.0 + row * stages.len() as f64);
    let (left, right) = (2.0, 418.0);
    let max = stages.iter().map(|s| s.all).max().unwrap_or(0).max(1) as f64;
    for (i, s) in stages.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let all = (right - left) * s.all as f64 / max;
        let cross = (right - left) * s.cross_sector as f64 / max;
        let share = percent_of(s.cross_sector, s.all, false).map(|p| format!(" ({p})"));
        canvas.text(
            left,
            y + 14.0,
            "start",
            14.0,
            "#111827",
            &format!("{}: {}, cross-sector {}{}", s.label, s.all, s.cross_sector, share.unwrap_or_default()),
        );
        let bar_y = y + 22.0;
        canvas.rect(left, bar_y, right - left, 24.0, "#f3f4f6", None);
        canvas.rect(left, bar_y, all, 24.0, "#9ecae1", Some(&format!("{}: {} candidates", s.label, s.all)));
        let tip = format!("{}: {} cross-sector candidates", s.label, s.cross_sector);
        canvas.rect(left, bar_y, cross, 24.0, BAR, Some(&tip));
    }
    canvas.finish(title, "chart")
}

/// Horizontal bars comparing shares (0-100%), each with its label and text above it; the first bar is the
/// accent colour, the others muted.
pub fn share_bars(title: &str, bars: &[(&str, Option<u32>, String)]) -> String {
    let row = 56.0;
    let mut canvas = Canvas::new(420.0, 8.0 + row * bars.len() as f64);
    let (left, right) = (2.0, 418.0);
    for (i, (label, share, text)) in bars.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        canvas.text(left, y + 14.0, "start", 14.0, "#111827", &format!("{label}: {text}"));
        let bar_y = y + 22.0;
        canvas.rect(left, bar_y, right - left, 24.0, "#f3f4f6", None);
        if let Some(share) = share {
            let w = (right - left) * f64::from((*share).min(10_000)) / 10_000.0;
            canvas.rect(left, bar_y, w, 24.0, if i == 0 { BAR } else { MUTED }, Some(text));
        }
    }
    canvas.finish(title, "chart")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape(r#"<b a="1">&'</b>"#), "&lt;b a=&quot;1&quot;&gt;&amp;&#39;&lt;/b&gt;");
    }

    #[test]
    fn percentages_come_from_the_counts() {
        assert_eq!(percent_of(6, 11, true).unwrap(), "54.5%", "not 54.6% from the rounded rate 0.5455");
        assert_eq!(percent_of(6, 11, false).unwrap(), "55%");
        assert_eq!(percent_of(1, 8, true).unwrap(), "12.5%");
        assert_eq!(percent_of(0, 0, true), None);
    }

    #[test]
    fn many_quarters_get_no_colliding_labels() {
        let points: Vec<RatePoint> = (0..20)
            .map(|i| RatePoint {
                quarter: format!("{}-Q{}", 2021 + i / 4, i % 4 + 1),
                compliant: 1,
                rated: 2,
                rate: Some(5_000),
                rolling: None,
            })
            .collect();
        let svg = rate_bars("f", &points);
        assert_eq!(svg.matches(">50%<").count(), 1, "the axis only: no bar labels at 20 quarters");
        assert_eq!(svg.matches(">Q1<").count(), 0);
        assert_eq!(svg.matches(">2021<").count(), 1);
    }

    #[test]
    fn percentages_round_half_up() {
        assert_eq!(percent(4_444, false), "44%");
        assert_eq!(percent(4_450, false), "45%");
        assert_eq!(percent(4_445, true), "44.5%");
        assert_eq!(percent(10_000, true), "100.0%");
    }

    #[test]
    fn bars_escape_titles_and_skip_missing_rates() {
        let points = [
            RatePoint { quarter: "2026-Q1".into(), compliant: 1, rated: 2, rate: Some(5_000), rolling: Some(5_000) },
            RatePoint { quarter: "2026-Q2".into(), compliant: 0, rated: 0, rate: None, rolling: Some(5_000) },
        ];
        let svg = rate_bars("<firm>", &points);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>&lt;firm&gt;</title>"));
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(svg.contains("<polyline"));
    }
}
