//! Charts, drawn with plotters as SVG and PNG. Text is drawn with the DejaVu Sans font
//! bundled in the binary, never a system font, so a PNG renders the same everywhere.
//! Colours are fixed per value (a state has one colour in every chart).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rayon::prelude::*;
use std::path::Path;
use std::sync::Once;

const FONT: &str = "sans-serif";
static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
static REGISTER: Once = Once::new();

/// Registers the bundled font (once per process) as the one plotters draws text with.
fn fonts() {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_REGULAR);
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, FONT_BOLD);
    });
}

/// One coloured series of values, aligned with the chart's categories or dates.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub values: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bars per category; several series are stacked.
    Bars,
    /// Stacked areas over the categories (dates).
    StackedArea,
    /// One line per series over the categories (dates).
    Lines,
}

#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem: `charts/<name>.svg`, `charts/<name>.png`.
    pub name: String,
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    pub kind: Kind,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// Fixed upper bound of the y axis (e.g. 1.0 for a share); else from the data.
    pub y_max: Option<f64>,
    /// Per-bar colours for a single-series bar chart (a state keeps its colour).
    pub bar_colors: Option<Vec<RGBColor>>,
}

pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 480;

/// The colour of a classification value or severity, the same in every chart.
pub fn color_of(value: &str) -> RGBColor {
    match value {
        "entra_joined" | "intune" | "entra_join" => RGBColor(46, 125, 50),
        "co_managed" | "co_management" | "corporate" | "info" => RGBColor(21, 101, 192),
        "hybrid_joined" | "gpo" => RGBColor(106, 27, 154),
        "hybrid_pending" | "personal" | "warning" => RGBColor(239, 108, 0),
        "registered" | "user_enrollment" => RGBColor(0, 131, 143),
        "mdm_only" | "other_mdm" | "error" => RGBColor(198, 40, 40),
        "configmgr_only" | "configmgr" => RGBColor(141, 110, 99),
        "autopilot_only" | "autopilot" => RGBColor(158, 157, 36),
        "mde" | "dem" => RGBColor(94, 53, 177),
        "bulk" => RGBColor(216, 27, 96),
        "unknown" => RGBColor(117, 117, 117),
        "none" | "unmanaged" => RGBColor(66, 66, 66),
        _ => RGBColor(84, 110, 122),
    }
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn label_every(n: usize) -> usize {
    (n / 14).max(1)
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Chart) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let n = c.categories.len().max(1);
    let totals: Vec<f64> = (0..n)
        .map(|i| match c.kind {
            Kind::Lines => c
                .series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .fold(0.0, f64::max),
            _ => c
                .series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .sum(),
        })
        .collect();
    let y_max = c
        .y_max
        .unwrap_or_else(|| (totals.iter().copied().fold(0.0, f64::max) * 1.15).max(1.0));
    let many = c.categories.len() > 12;
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FONT, 22).into_font().style(FontStyle::Bold))
        .margin(18)
        .x_label_area_size(if many { 56 } else { 44 })
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..y_max)?;
    let cats = c.categories.clone();
    let step = label_every(n);
    let fmt_x = move |x: &f64| {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        let i = i as usize;
        if i % step != 0 {
            return String::new();
        }
        cats.get(i).cloned().unwrap_or_default()
    };
    let share = c.y_max == Some(1.0);
    let fmt_y = move |y: &f64| {
        if share {
            format!("{:.0}%", y * 100.0)
        } else if *y >= 1000.0 {
            format!("{:.0}k", y / 1000.0)
        } else {
            format!("{y:.0}")
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(60))
        .x_label_formatter(&fmt_x)
        .y_label_formatter(&fmt_y)
        .x_desc(c.x_desc.as_str())
        .y_desc(c.y_desc.as_str())
        .axis_desc_style((FONT, 15))
        .label_style((FONT, if many { 10 } else { 13 }))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(210, 210, 210))
        .draw()?;

    match c.kind {
        Kind::Bars => {
            let mut base = vec![0.0; n];
            for (si, s) in c.series.iter().enumerate() {
                let mut rects = Vec::with_capacity(n);
                for (i, b) in base.iter_mut().enumerate() {
                    let v = s.values.get(i).copied().unwrap_or(0.0);
                    let color = match (&c.bar_colors, c.series.len()) {
                        (Some(colors), 1) => colors.get(i).copied().unwrap_or(s.color),
                        _ => s.color,
                    };
                    rects.push(Rectangle::new(
                        [(i as f64 - 0.38, *b), (i as f64 + 0.38, *b + v)],
                        color.filled(),
                    ));
                    *b += v;
                }
                let color = s.color;
                let drawn = chart.draw_series(rects)?;
                if c.series.len() > 1 {
                    drawn.label(s.label.as_str()).legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 12, y + 6)], color.filled())
                    });
                }
                let _ = si;
            }
            // Totals above the bars.
            let style =
                TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
            chart.draw_series(totals.iter().enumerate().filter(|(_, t)| **t > 0.0).map(
                |(i, t)| {
                    Text::new(
                        format!("{t:.0}"),
                        (i as f64, *t + y_max * 0.01),
                        style.clone(),
                    )
                },
            ))?;
        }
        Kind::StackedArea => {
            // Draw from the top of the stack down so each area covers the ones below it.
            let mut cum: Vec<Vec<f64>> = Vec::new();
            let mut acc = vec![0.0; n];
            for s in &c.series {
                for (i, a) in acc.iter_mut().enumerate() {
                    *a += s.values.get(i).copied().unwrap_or(0.0);
                }
                cum.push(acc.clone());
            }
            for (s, top) in c.series.iter().zip(cum.iter()).rev() {
                let color = s.color;
                chart
                    .draw_series(
                        AreaSeries::new((0..n).map(|i| (i as f64, top[i])), 0.0, color.mix(0.9))
                            .border_style(color.stroke_width(1)),
                    )?
                    .label(s.label.as_str())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 12, y + 6)], color.filled())
                    });
            }
        }
        Kind::Lines => {
            for s in &c.series {
                let color = s.color;
                chart
                    .draw_series(LineSeries::new(
                        (0..n).map(|i| (i as f64, s.values.get(i).copied().unwrap_or(0.0))),
                        color.stroke_width(3),
                    ))?
                    .label(s.label.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 14, y)], color.stroke_width(3))
                    });
                chart.draw_series((0..n).map(|i| {
                    Circle::new(
                        (i as f64, s.values.get(i).copied().unwrap_or(0.0)),
                        3,
                        color.filled(),
                    )
                }))?;
            }
        }
    }
    if c.series.len() > 1 || c.kind != Kind::Bars {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// The chart as an SVG document.
pub fn svg(c: &Chart) -> Result<String, String> {
    fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, c).map_err(|e| format!("chart {}: {e}", c.name))?;
    }
    Ok(out)
}

/// The chart as a PNG file.
pub fn png(c: &Chart, path: &Path) -> Result<(), String> {
    fonts();
    let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    draw(&root, c).map_err(|e| format!("chart {}: {e}", c.name))
}

/// Renders every chart as `<dir>/<name>.svg` and `.png`, in parallel; returns the SVGs
/// (for inlining in HTML) in chart order.
pub fn render_all(charts: &[Chart], dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let results: Vec<Result<String, String>> = charts
        .par_iter()
        .map(|c| {
            let s = svg(c)?;
            std::fs::write(dir.join(format!("{}.svg", c.name)), &s).map_err(|e| e.to_string())?;
            png(c, &dir.join(format!("{}.png", c.name)))?;
            Ok(s)
        })
        .collect();
    results
        .into_iter()
        .map(|r| r.map_err(std::io::Error::other))
        .collect()
}
