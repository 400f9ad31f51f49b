//! Which charts a report has, built from an analysis.

use super::charts::{color_of, Chart, Kind, Series};
use crate::analyze::Analysis;
use crate::model::{EnrollmentMethod, JoinType, Management, Ownership, State};
use crate::rules::Severity;

fn bars(
    name: &str,
    title: &str,
    x_desc: &str,
    labels: Vec<&'static str>,
    values: Vec<f64>,
) -> Chart {
    Chart {
        name: name.into(),
        title: title.into(),
        x_desc: x_desc.into(),
        y_desc: "devices".into(),
        kind: Kind::Bars,
        bar_colors: Some(labels.iter().map(|l| color_of(l)).collect()),
        categories: labels.iter().map(|s| s.to_string()).collect(),
        series: vec![Series {
            label: title.into(),
            color: color_of(""),
            values,
        }],
        y_max: None,
    }
}

fn count<T: PartialEq + Copy>(
    all: &[T],
    get: impl Fn(&crate::classify::Classified) -> T,
    a: &Analysis,
) -> Vec<f64> {
    let mut v = vec![0.0; all.len()];
    for d in &a.devices {
        let x = get(d);
        if let Some(i) = all.iter().position(|y| *y == x) {
            v[i] += 1.0;
        }
    }
    v
}

/// Buckets of days since last activity (at `as_of`).
pub const AGE_BUCKETS: &[(&str, i64)] = &[
    ("≤7 d", 7),
    ("8–30 d", 30),
    ("31–60 d", 60),
    ("61–90 d", 90),
    ("91–180 d", 180),
    ("181–365 d", 365),
    (">365 d", i64::MAX),
];

pub fn analysis_charts(a: &Analysis) -> Vec<Chart> {
    let mut charts = Vec::new();
    charts.push(bars(
        "state_mix",
        "Devices by state",
        "state",
        State::ALL.iter().map(|s| s.as_str()).collect(),
        count(State::ALL, |d| d.state, a),
    ));
    // Join type by ownership, stacked.
    let series = Ownership::ALL
        .iter()
        .map(|o| Series {
            label: o.as_str().into(),
            color: color_of(o.as_str()),
            values: JoinType::ALL
                .iter()
                .map(|j| {
                    a.devices
                        .iter()
                        .filter(|d| d.join_type == *j && d.ownership == *o)
                        .count() as f64
                })
                .collect(),
        })
        .collect();
    charts.push(Chart {
        name: "join_type_by_ownership".into(),
        title: "Join type by ownership".into(),
        x_desc: "join type".into(),
        y_desc: "devices".into(),
        kind: Kind::Bars,
        categories: JoinType::ALL
            .iter()
            .map(|j| j.as_str().to_string())
            .collect(),
        series,
        y_max: None,
        bar_colors: None,
    });
    charts.push(bars(
        "management",
        "Management authority",
        "management",
        Management::ALL.iter().map(|s| s.as_str()).collect(),
        count(Management::ALL, |d| d.management, a),
    ));
    charts.push(bars(
        "enrollment_method",
        "Enrollment method (devices with Intune MDM)",
        "enrollment method",
        EnrollmentMethod::ALL
            .iter()
            .filter(|m| **m != EnrollmentMethod::None)
            .map(|s| s.as_str())
            .collect(),
        count(
            &EnrollmentMethod::ALL
                .iter()
                .copied()
                .filter(|m| *m != EnrollmentMethod::None)
                .collect::<Vec<_>>(),
            |d| d.enrollment_method,
            a,
        ),
    ));
    // Findings by rule, stacked by severity (after policy overrides); rules with findings.
    let codes: Vec<&'static str> = a
        .rules_evaluated
        .iter()
        .copied()
        .filter(|c| {
            a.outcome
                .findings
                .iter()
                .any(|f| f.suppressed.is_none() && f.rule.code == *c)
        })
        .collect();
    let series = Severity::ALL
        .iter()
        .map(|s| Series {
            label: s.as_str().into(),
            color: color_of(s.as_str()),
            values: codes
                .iter()
                .map(|c| {
                    a.outcome
                        .findings
                        .iter()
                        .filter(|f| f.suppressed.is_none() && f.rule.code == *c && f.severity == *s)
                        .count() as f64
                })
                .collect(),
        })
        .collect();
    charts.push(Chart {
        name: "findings_by_rule".into(),
        title: "Findings by rule".into(),
        x_desc: if codes.len() > 16 {
            "rule (FLT code)".into()
        } else {
            "rule".into()
        },
        y_desc: "findings".into(),
        kind: Kind::Bars,
        // Many rules: the number alone keeps the labels apart.
        categories: codes
            .iter()
            .map(|c| {
                if codes.len() > 16 {
                    c.trim_start_matches("FLT").to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
        series,
        y_max: None,
        bar_colors: None,
    });
    // Days since last activity.
    let mut ages = vec![0.0; AGE_BUCKETS.len() + 1];
    for d in &a.devices {
        match (d.last_seen, a.as_of) {
            (Some(seen), Some(asof)) => {
                let days = (asof - seen).max(0) / 86_400_000_000;
                let i = AGE_BUCKETS
                    .iter()
                    .position(|(_, max)| days <= *max)
                    .unwrap_or(AGE_BUCKETS.len() - 1);
                ages[i] += 1.0;
            }
            _ => ages[AGE_BUCKETS.len()] += 1.0,
        }
    }
    let mut labels: Vec<String> = AGE_BUCKETS.iter().map(|(l, _)| l.to_string()).collect();
    labels.push("never".into());
    let stale = a.policy.activity.stale_days as i64;
    let colors = AGE_BUCKETS
        .iter()
        .map(|(_, max)| {
            if *max > stale {
                color_of("warning")
            } else {
                color_of("entra_joined")
            }
        })
        .chain(std::iter::once(color_of("unknown")))
        .collect();
    charts.push(Chart {
        name: "last_seen_age".into(),
        title: format!("Days since last activity (stale after {stale} days)"),
        x_desc: "days before as_of".into(),
        y_desc: "devices".into(),
        kind: Kind::Bars,
        categories: labels,
        series: vec![Series {
            label: "devices".into(),
            color: color_of(""),
            values: ages,
        }],
        y_max: None,
        bar_colors: Some(colors),
    });
    charts
}

/// The migration funnel: devices per state, from legacy to cloud-native.
pub fn funnel_chart(a: &Analysis) -> Chart {
    let stages = crate::recommend::FUNNEL;
    let labels: Vec<&'static str> = stages.iter().map(|s| s.as_str()).collect();
    let values = stages
        .iter()
        .map(|s| a.devices.iter().filter(|d| d.state == *s).count() as f64)
        .collect();
    let mut c = bars(
        "migration_funnel",
        "Migration funnel: legacy to cloud-native",
        "state",
        labels,
        values,
    );
    c.title = format!("Migration funnel toward {}", a.policy.recommend.target);
    c
}
