//! `fleetstate diff OLD NEW`: per-device moves between two snapshots, matched by
//! `device_key` (outputs.md): `appeared`, `vanished`, `state`, `ownership`, `finding_new`,
//! `finding_resolved`.

use crate::snapshot::{DeviceRow, Snapshot};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub device_key: String,
    pub change: &'static str,
    pub from: String,
    pub to: String,
    pub device_name: String,
}

pub const CHANGE_KINDS: &[&str] = &[
    "appeared",
    "vanished",
    "state",
    "ownership",
    "finding_new",
    "finding_resolved",
];

pub fn changes(old: &Snapshot, new: &Snapshot) -> Vec<Change> {
    let o: BTreeMap<&str, &DeviceRow> = old
        .devices
        .iter()
        .map(|d| (d.device_key.as_str(), d))
        .collect();
    let n: BTreeMap<&str, &DeviceRow> = new
        .devices
        .iter()
        .map(|d| (d.device_key.as_str(), d))
        .collect();
    let mut out = Vec::new();
    let mk = |d: &DeviceRow, change: &'static str, from: &str, to: &str| Change {
        device_key: d.device_key.to_string(),
        change,
        from: from.to_string(),
        to: to.to_string(),
        device_name: d.device_name.to_string(),
    };
    for (k, d) in &n {
        match o.get(k) {
            None => out.push(mk(d, "appeared", "", "")),
            Some(p) => {
                if p.state != d.state {
                    out.push(mk(d, "state", &p.state, &d.state));
                }
                if p.ownership != d.ownership {
                    out.push(mk(d, "ownership", &p.ownership, &d.ownership));
                }
                for f in d.findings.difference(&p.findings) {
                    out.push(mk(d, "finding_new", "", f));
                }
                for f in p.findings.difference(&d.findings) {
                    out.push(mk(d, "finding_resolved", f, ""));
                }
            }
        }
    }
    for (k, d) in &o {
        if !n.contains_key(k) {
            out.push(mk(d, "vanished", "", ""));
        }
    }
    out.sort_by(|a, b| {
        (&a.device_key, a.change, &a.from, &a.to).cmp(&(&b.device_key, b.change, &b.from, &b.to))
    });
    out
}

/// Writes `changes.csv` into `dir`, atomically.
pub fn write(changes: &[Change], dir: &Path, raw_csv: bool) -> std::io::Result<()> {
    let staging = crate::report::atomic::Staging::new(dir)?;
    {
        let mut w = crate::report::csv_out::writer(&staging.path("changes.csv"))?;
        w.write_record(["device_key", "device_name", "change", "from", "to"])?;
        for c in changes {
            let cells = [
                c.device_key.as_str(),
                c.device_name.as_str(),
                c.change,
                c.from.as_str(),
                c.to.as_str(),
            ];
            if raw_csv {
                w.write_record(cells)?;
            } else {
                w.write_record(
                    cells
                        .iter()
                        .map(|s| crate::report::csv_out::neutralise(s).into_owned()),
                )?;
            }
        }
        w.flush()?;
    }
    staging.commit(&[], "changes.csv", &[])
}
