//! `fleetstate trend`: one row per snapshot date (`trend.csv`), the charts of the
//! migration over time, and `trend.html`.

use crate::fxhash::FxHashMap;
use crate::model::{JoinType, Management, Ownership, State};
use crate::report::charts::{self, color_of, Chart, Kind, Series};
use crate::report::html::{esc, SCRIPT, STYLE};
use crate::rules::REGISTRY;
use crate::snapshot::{progress, Snapshot};
use rayon::prelude::*;
use std::fmt::Write;
use std::path::Path;

/// The columns of `trend.csv`, in order (outputs.md).
pub fn columns() -> Vec<String> {
    let mut c = vec!["date".to_string(), "devices".to_string()];
    c.extend(State::ALL.iter().map(|v| format!("state_{v}")));
    c.extend(JoinType::ALL.iter().map(|v| format!("join_type_{v}")));
    c.extend(Management::ALL.iter().map(|v| format!("management_{v}")));
    c.extend(Ownership::ALL.iter().map(|v| format!("ownership_{v}")));
    c.extend(["findings_error", "findings_warning", "findings_info"].map(String::from));
    c.extend(REGISTRY.iter().map(|r| format!("findings_{}", r.code)));
    c.push("progress".into());
    c
}

/// Devices of one snapshot per state, join type, management and ownership, counted in one
/// pass over its devices.
pub struct Counts<'a> {
    by: FxHashMap<(Dim, &'a str), usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Dim {
    State,
    JoinType,
    Management,
    Ownership,
}

impl<'a> Counts<'a> {
    pub fn of(s: &'a Snapshot) -> Counts<'a> {
        let mut by: FxHashMap<(Dim, &str), usize> = FxHashMap::default();
        for d in &s.devices {
            for (dim, v) in [
                (Dim::State, &d.state),
                (Dim::JoinType, &d.join_type),
                (Dim::Management, &d.management),
                (Dim::Ownership, &d.ownership),
            ] {
                *by.entry((dim, v.as_str())).or_default() += 1;
            }
        }
        Counts { by }
    }

    fn get(&self, dim: Dim, value: &str) -> usize {
        self.by.get(&(dim, value)).copied().unwrap_or(0)
    }
}

/// One row of `trend.csv`, aligned with [`columns`].
pub fn row(s: &Snapshot, c: &Counts<'_>, targets: &[String]) -> Vec<String> {
    let count = |dim: Dim, v: &str| c.get(dim, v).to_string();
    let mut r = vec![s.date.clone(), s.devices.len().to_string()];
    r.extend(State::ALL.iter().map(|v| count(Dim::State, v.as_str())));
    r.extend(
        JoinType::ALL
            .iter()
            .map(|v| count(Dim::JoinType, v.as_str())),
    );
    r.extend(
        Management::ALL
            .iter()
            .map(|v| count(Dim::Management, v.as_str())),
    );
    r.extend(
        Ownership::ALL
            .iter()
            .map(|v| count(Dim::Ownership, v.as_str())),
    );
    for sev in ["error", "warning", "info"] {
        r.push(s.by_severity.get(sev).copied().unwrap_or(0).to_string());
    }
    r.extend(
        REGISTRY
            .iter()
            .map(|rule| s.by_rule.get(rule.code).copied().unwrap_or(0).to_string()),
    );
    r.push(
        progress(s, targets)
            .map(|p| format!("{p:.6}"))
            .unwrap_or_default(),
    );
    r
}

pub fn charts(snaps: &[Snapshot], counts: &[Counts<'_>], targets: &[String]) -> Vec<Chart> {
    let dates: Vec<String> = snaps.iter().map(|s| s.date.clone()).collect();
    let state_series = State::ALL
        .iter()
        .map(|st| Series {
            label: st.as_str().into(),
            color: color_of(st.as_str()),
            values: counts
                .iter()
                .map(|c| c.get(Dim::State, st.as_str()) as f64)
                .collect(),
        })
        .collect();
    let sev_series = ["error", "warning", "info"]
        .iter()
        .map(|sev| Series {
            label: sev.to_string(),
            color: color_of(sev),
            values: snaps
                .iter()
                .map(|s| s.by_severity.get(*sev).copied().unwrap_or(0) as f64)
                .collect(),
        })
        .collect();
    let palette = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    let rule_series = REGISTRY
        .iter()
        .filter(|r| {
            snaps
                .iter()
                .any(|s| s.by_rule.get(r.code).copied().unwrap_or(0) > 0)
        })
        .enumerate()
        .map(|(i, r)| {
            let (cr, cg, cb) = palette[i % palette.len()];
            Series {
                label: r.code.into(),
                color: plotters::style::RGBColor(cr, cg, cb),
                values: snaps
                    .iter()
                    .map(|s| s.by_rule.get(r.code).copied().unwrap_or(0) as f64)
                    .collect(),
            }
        })
        .collect();
    vec![
        Chart {
            name: "trend_state_mix".into(),
            title: "Devices by state over time".into(),
            x_desc: "snapshot".into(),
            y_desc: "devices".into(),
            kind: Kind::StackedArea,
            categories: dates.clone(),
            series: state_series,
            y_max: None,
            bar_colors: None,
        },
        Chart {
            name: "trend_progress".into(),
            title: format!("Progress toward the target states ({})", targets.join(", ")),
            x_desc: "snapshot".into(),
            y_desc: "share of active devices".into(),
            kind: Kind::Lines,
            categories: dates.clone(),
            series: vec![Series {
                label: "progress".into(),
                color: color_of("entra_joined"),
                values: snaps
                    .iter()
                    .map(|s| progress(s, targets).unwrap_or(0.0))
                    .collect(),
            }],
            y_max: Some(1.0),
            bar_colors: None,
        },
        Chart {
            name: "trend_findings_by_severity".into(),
            title: "Findings by severity over time".into(),
            x_desc: "snapshot".into(),
            y_desc: "findings".into(),
            kind: Kind::Lines,
            categories: dates.clone(),
            series: sev_series,
            y_max: None,
            bar_colors: None,
        },
        Chart {
            name: "trend_findings_by_rule".into(),
            title: "Findings by rule over time".into(),
            x_desc: "snapshot".into(),
            y_desc: "findings".into(),
            kind: Kind::Lines,
            categories: dates,
            series: rule_series,
            y_max: None,
            bar_colors: None,
        },
    ]
}

fn html(
    snaps: &[Snapshot],
    targets: &[String],
    svgs: &[(String, String)],
    header: &[String],
    rows: &[Vec<String>],
) -> String {
    let mut h = String::new();
    let (first, last) = (snaps.first(), snaps.last());
    let span = match (first, last) {
        (Some(f), Some(l)) => format!("{} to {}", f.date, l.date),
        _ => String::new(),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>fleetstate trend {}</title><style>{STYLE}</style></head>\n<body>\n<header><h1>Windows fleet migration trend</h1><p>{} snapshots, {} · target states: {}</p></header>\n<main>\n",
        esc(&span),
        snaps.len(),
        esc(&span),
        esc(&targets.join(", "))
    );
    h.push_str("<section id=\"headline\"><h2>Headline</h2><div class=\"kpis\">");
    let pct = |s: Option<&Snapshot>| {
        s.and_then(|s| progress(s, targets))
            .map(|p| format!("{:.1}%", p * 100.0))
            .unwrap_or_else(|| "–".into())
    };
    for (v, l) in [
        (
            pct(first),
            format!(
                "progress on {}",
                first.map(|s| s.date.as_str()).unwrap_or("")
            ),
        ),
        (
            pct(last),
            format!(
                "progress on {}",
                last.map(|s| s.date.as_str()).unwrap_or("")
            ),
        ),
        (
            last.map(|s| s.devices.len().to_string())
                .unwrap_or_default(),
            "devices now".to_string(),
        ),
        (
            last.map(|s| s.by_severity.values().sum::<usize>().to_string())
                .unwrap_or_default(),
            "findings now".to_string(),
        ),
    ] {
        let _ = write!(
            h,
            "<div class=\"kpi\"><b>{}</b><span>{}</span></div>",
            esc(&v),
            esc(&l)
        );
    }
    h.push_str("</div></section>\n<section id=\"charts\"><h2>Charts</h2><div class=\"charts\">");
    for (name, svg) in svgs {
        let body = svg.find("<svg").map(|i| &svg[i..]).unwrap_or(svg);
        let _ = write!(
            h,
            "<figure class=\"chart\" id=\"chart-{}\">{body}</figure>",
            esc(name)
        );
    }
    h.push_str("</div></section>\n<section id=\"table\"><h2>Per snapshot</h2><div class=\"scroll\"><table id=\"trend\" data-sortable><thead><tr>");
    // The readable subset of trend.csv: date, devices, states, findings, progress.
    let keep: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            *c == "date"
                || *c == "devices"
                || c.starts_with("state_")
                || c.starts_with("findings_e")
                || c.starts_with("findings_w")
                || c.starts_with("findings_i")
                || *c == "progress"
        })
        .map(|(i, _)| i)
        .collect();
    for &i in &keep {
        let num = if header[i] == "date" {
            ""
        } else {
            " class=\"num\""
        };
        let _ = write!(h, "<th{num}>{}</th>", esc(&header[i]));
    }
    h.push_str("</tr></thead><tbody>");
    for r in rows {
        h.push_str("<tr>");
        for &i in &keep {
            let num = if header[i] == "date" {
                ""
            } else {
                " class=\"num\""
            };
            let _ = write!(h, "<td{num}>{}</td>", esc(&r[i]));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div></section>\n<section id=\"sources\"><h2>Snapshots</h2><ul>");
    for s in snaps {
        let _ = write!(h, "<li>{}: {}</li>", esc(&s.date), esc(&s.origin));
    }
    let _ = write!(
        h,
        "</ul></section>\n</main>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    h
}

/// Writes `trend.csv`, `charts/` and `trend.html` into `dir`, atomically.
pub fn write(snaps: &[Snapshot], targets: &[String], dir: &Path) -> std::io::Result<()> {
    let staging = crate::report::atomic::Staging::new(dir)?;
    let header = columns();
    // Counted on both cores: with many snapshots this is most of what `trend` does after
    // the analyses.
    let counts: Vec<Counts<'_>> = snaps.par_iter().map(Counts::of).collect();
    let rows: Vec<Vec<String>> = snaps
        .par_iter()
        .zip(&counts)
        .map(|(s, c)| row(s, c, targets))
        .collect();
    {
        let mut w = crate::report::csv_out::writer(&staging.path("trend.csv"))?;
        w.write_record(&header)?;
        for r in &rows {
            w.write_record(r)?;
        }
        w.flush()?;
    }
    let charts = charts(snaps, &counts, targets);
    let svgs = charts::render_all(&charts, &staging.path("charts"))?;
    let named: Vec<(String, String)> = charts.iter().map(|c| c.name.clone()).zip(svgs).collect();
    std::fs::write(
        staging.path("trend.html"),
        html(snaps, targets, &named, &header, &rows),
    )?;
    staging.commit(&["trend.csv", "charts"], "trend.html", &[])
}
