//! What people open: report.html and trend.html in a real browser, the charts, the
//! workbook, trend and diff against the generator's truth.

use crate::common::bin;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn sample_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

fn analyze_sample(out: &Path, extra: &[&str]) {
    let st = bin()
        .arg("analyze")
        .arg(sample_data())
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Loads a page in headless Chromium: the DOM after the scripts ran, and a screenshot.
fn browse(page: &Path, screenshot: &Path) -> Option<(String, String)> {
    let Some(chrome) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (.ci/run does)"
        );
        eprintln!("skipped: no chromium on this machine (`apt-get install chromium`)");
        return None;
    };
    let profile = tempfile::tempdir().unwrap();
    let common = |c: &mut Command| {
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()));
    };
    let url = format!("file://{}", page.display());
    let mut dom = Command::new(&chrome);
    common(&mut dom);
    let out = dom.arg("--dump-dom").arg(&url).output().unwrap();
    let mut shot = Command::new(&chrome);
    common(&mut shot);
    let st = shot
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(st.status.success(), "chromium screenshot failed");
    let stderr =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&st.stderr);
    Some((String::from_utf8_lossy(&out.stdout).into_owned(), stderr))
}

fn assert_page_renders(dom: &str, stderr: &str, min_charts: usize, table_id: &str) {
    assert!(dom.contains("data-ready=\"true\""), "the page's script ran");
    assert!(dom.contains("data-errors=\"0\""), "no script errors");
    for line in stderr.lines() {
        assert!(
            !(line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("Error"))),
            "console error: {line}"
        );
    }
    assert!(
        dom.matches("<svg").count() >= min_charts,
        "charts are in the page"
    );
    let table = dom
        .split(&format!("id=\"{table_id}\""))
        .nth(1)
        .expect("the table is in the page");
    assert!(table.matches("<tr").count() > 2, "the table has rows");
}

#[test]
fn report_html_renders_in_chromium() {
    let out = tempfile::tempdir().unwrap();
    analyze_sample(out.path(), &[]);
    for c in [
        "state_mix",
        "join_type_by_ownership",
        "management",
        "findings_by_rule",
        "last_seen_age",
        "enrollment_method",
    ] {
        for ext in ["svg", "png"] {
            assert!(
                out.path()
                    .join("charts")
                    .join(format!("{c}.{ext}"))
                    .is_file(),
                "{c}.{ext}"
            );
        }
    }
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    // Self-contained: nothing is fetched (the SVG namespace URI is a name, not a fetch).
    for fetch in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "<link",
        "<script src",
    ] {
        assert!(!html.contains(fetch), "self-contained, but found {fetch:?}");
    }
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    if let Some((dom, stderr)) = browse(&out.path().join("report.html"), &shot) {
        assert_page_renders(&dom, &stderr, 6, "findings");
        assert!(
            std::fs::metadata(&shot).unwrap().len() > 10_000,
            "a screenshot was saved"
        );
    }
}

/// The page's structure: sections and headings, whatever the data.
#[test]
fn report_html_skeleton() {
    let out = tempfile::tempdir().unwrap();
    analyze_sample(out.path(), &[]);
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let mut skeleton = Vec::new();
    for part in html.split('<').skip(1) {
        let tag: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
            .collect();
        if [
            "section", "h1", "h2", "h3", "table", "figure", "script", "style", "header", "main",
        ]
        .contains(&tag.as_str())
        {
            let id = part
                .split("id=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .filter(|_| part.split('>').next().unwrap_or("").contains("id=\""));
            let text = if tag.starts_with('h') {
                part.split('>').nth(1).unwrap_or("").to_string()
            } else {
                String::new()
            };
            skeleton.push(format!(
                "{tag}{}{}",
                id.map(|i| format!("#{i}")).unwrap_or_default(),
                if text.is_empty() {
                    String::new()
                } else {
                    format!(" {text}")
                }
            ));
        }
    }
    insta::assert_snapshot!("report_html_skeleton", skeleton.join("\n"));
}

#[test]
fn chart_pngs_are_identical_whatever_the_system_fonts() {
    // Text is drawn with the bundled DejaVu Sans (plotters' ab_glyph backend), never a
    // system font: the PNG of a fixed chart equals the committed reference byte for byte.
    // `FONTCONFIG_FILE=/dev/null` hides any system fonts from the process anyway.
    let out = tempfile::tempdir().unwrap();
    let st = bin()
        .env("FONTCONFIG_FILE", "/dev/null")
        .arg("analyze")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules/FLT001"))
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(st.status.success());
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/charts/state_mix.png");
    let got = std::fs::read(out.path().join("charts/state_mix.png")).unwrap();
    if std::env::var_os("FLEETSTATE_BLESS").is_some() {
        std::fs::create_dir_all(reference.parent().unwrap()).unwrap();
        std::fs::write(&reference, &got).unwrap();
    }
    assert!(
        got == std::fs::read(&reference).unwrap(),
        "state_mix.png differs from tests/data/charts/state_mix.png"
    );
}

#[test]
fn xlsx_sheets_and_headers() {
    let out = tempfile::tempdir().unwrap();
    analyze_sample(out.path(), &["--xlsx"]);
    let file = std::fs::File::open(out.path().join("report.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let read = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let workbook = read(&mut zip, "xl/workbook.xml");
    let sheets: Vec<&str> = workbook
        .split("<sheet name=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    let strings = read(&mut zip, "xl/sharedStrings.xml");
    let shared: Vec<String> = strings
        .split("<t>")
        .skip(1)
        .filter_map(|s| s.split("</t>").next())
        .map(str::to_string)
        .collect();
    // No cell of the workbook is a formula.
    for i in 1..=3 {
        assert!(!read(&mut zip, &format!("xl/worksheets/sheet{i}.xml")).contains("<f>"));
    }
    let devices_header: Vec<&str> = fleetstate::report::csv_out::DEVICE_COLUMNS.to_vec();
    assert!(
        devices_header.iter().all(|h| shared.iter().any(|s| s == h)),
        "the devices sheet has every column"
    );
    insta::assert_snapshot!(
        "xlsx_sheets",
        format!(
            "{sheets:?}\ndevices: {:?}\nfindings: {:?}",
            devices_header,
            fleetstate::report::csv_out::FINDING_COLUMNS
        )
    );
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            h.iter()
                .zip(rec.unwrap().iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// devices.parquet holds devices.csv's values (raw) and types: the closed value sets of
/// model.md as enums of the whole set in its order, booleans, a UTC timestamp.
#[test]
fn devices_parquet_holds_the_csv_values_and_the_value_sets_as_enums() {
    use polars::prelude::*;
    let out = tempfile::tempdir().unwrap();
    analyze_sample(out.path(), &["--no-html", "--raw-csv"]);
    let rows = read_csv(&out.path().join("devices.csv"));
    let file = std::fs::File::open(out.path().join("devices.parquet")).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    assert_eq!(df.height(), rows.len());
    let enums: &[(&str, &[&str])] = &[
        (
            "state",
            &[
                "co_managed",
                "hybrid_pending",
                "hybrid_joined",
                "entra_joined",
                "registered",
            ],
        ),
        ("ownership", &["corporate", "personal", "unknown"]),
        ("os", &["Windows", "Windows Server"]),
        ("max_severity", &["info", "warning", "error"]),
    ];
    for (name, first) in enums {
        let DataType::Enum(cats, _) = df.column(name).unwrap().dtype() else {
            panic!("{name}: {:?}", df.column(name).unwrap().dtype());
        };
        let cats: Vec<&str> = cats.categories().values_iter().collect();
        assert_eq!(&cats[..first.len()], *first, "{name}");
    }
    for name in [
        "join_type",
        "management",
        "ownership_source",
        "enrollment_method",
    ] {
        assert!(
            matches!(df.column(name).unwrap().dtype(), DataType::Enum(..)),
            "{name}"
        );
    }
    // Sets of values (`sources`, `workloads`): enums of every non-empty set, indexed by
    // the set's bits less one, the same text as devices.csv.
    for (name, n, first) in [
        (
            "sources",
            15,
            ["entra", "intune", "entra+intune", "configmgr"],
        ),
        (
            "workloads",
            127,
            [
                "compliance",
                "resource_access",
                "compliance;resource_access",
                "device_configuration",
            ],
        ),
    ] {
        let DataType::Enum(cats, _) = df.column(name).unwrap().dtype() else {
            panic!("{name}: {:?}", df.column(name).unwrap().dtype());
        };
        let cats: Vec<&str> = cats.categories().values_iter().collect();
        assert_eq!(cats.len(), n, "{name}");
        assert_eq!(&cats[..4], &first[..], "{name}");
    }
    assert_eq!(df.column("stale").unwrap().dtype(), &DataType::Boolean);
    assert!(matches!(
        df.column("last_seen").unwrap().dtype(),
        DataType::Datetime(TimeUnit::Microseconds, _)
    ));
    let mut compared = 0;
    for c in df.columns() {
        if matches!(c.dtype(), DataType::Datetime(..)) {
            continue;
        }
        let text = c.cast(&DataType::String).unwrap();
        let text = text.str().unwrap();
        for (i, row) in rows.iter().enumerate() {
            let want = &row[c.name().as_str()];
            assert_eq!(text.get(i).unwrap_or(""), want, "{} of row {i}", c.name());
        }
        compared += 1;
    }
    assert_eq!(compared, df.width() - 1);
    // Some devices have a severity, some have none (a null, not a category).
    let sev = df.column("max_severity").unwrap();
    assert!(sev.null_count() > 0 && sev.null_count() < df.height());
    // Statistics: the smallest and largest value of the columns in device order (the key,
    // the Entra device id, the rest), only null counts for the ids in no order.
    let mut file = std::fs::File::open(out.path().join("devices.parquet")).unwrap();
    let meta = polars_parquet::parquet::read::read_metadata(&mut file).unwrap();
    let unordered = [
        "device_name",
        "entra_object_id",
        "intune_device_id",
        "configmgr_resource_id",
        "autopilot_id",
        "serial_number",
        "autopilot_object_id",
    ];
    let mut checked = 0;
    for group in &meta.row_groups {
        for column in group.parquet_columns() {
            let name = column.descriptor().path_in_schema[0].to_string();
            let stats = column
                .statistics(&meta.footer_buf)
                .unwrap_or_else(|| panic!("{name}: no statistics"))
                .unwrap();
            // Text columns (the ids, names, the value sets); booleans and times aside.
            let polars_parquet::parquet::statistics::Statistics::Binary(stats) = stats else {
                continue;
            };
            assert!(stats.null_count.is_some(), "{name}");
            let ranged = stats.min_value.is_some() && stats.max_value.is_some();
            assert_eq!(ranged, !unordered.contains(&name.as_str()), "{name}");
            checked += 1;
        }
    }
    assert!(checked >= 12, "{checked} text columns checked");
}

#[test]
fn trend_over_weekly_snapshots_and_diff_against_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let snaps = fleetstate::sample::write_snapshots(
        &fleetstate::sample::SnapshotOptions {
            devices: 600,
            seed: 5,
            weeks: 12,
        },
        dir.path(),
    )
    .unwrap();
    assert_eq!(snaps.len(), 12);
    // Analyse each week (the first two as analyze outputs, the rest raw), then trend.
    let outs = tempfile::tempdir().unwrap();
    let mut args: Vec<PathBuf> = Vec::new();
    for (i, s) in snaps.iter().enumerate() {
        if i < 2 {
            let o = outs.path().join(&s.date);
            analyze_sample_dir(&s.dir, &o);
            args.push(o);
        } else {
            args.push(s.dir.clone());
        }
    }
    let trend_out = tempfile::tempdir().unwrap();
    let st = bin()
        .arg("trend")
        .args(&args)
        .arg("--out")
        .arg(trend_out.path())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let rows = read_csv(&trend_out.path().join("trend.csv"));
    let header = csv::Reader::from_path(trend_out.path().join("trend.csv"))
        .unwrap()
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    assert_eq!(header, fleetstate::trend::columns());
    assert_eq!(rows.len(), 12);
    // Each row's counts equal that week's own summary.json.
    let mut last_progress = -1.0;
    for (row, s) in rows.iter().zip(&snaps) {
        assert_eq!(row["date"], s.date);
        let o = outs.path().join(format!("check-{}", s.date));
        analyze_sample_dir(&s.dir, &o);
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(o.join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(row["devices"], summary["devices"].to_string());
        for group in ["state", "join_type", "management", "ownership"] {
            for (k, v) in summary["counts"][group].as_object().unwrap() {
                assert_eq!(
                    row[&format!("{group}_{k}")],
                    v.to_string(),
                    "{} {group}_{k}",
                    s.date
                );
            }
        }
        for (k, v) in summary["findings"]["by_severity"].as_object().unwrap() {
            assert_eq!(row[&format!("findings_{k}")], v.to_string());
        }
        for (k, v) in summary["findings"]["by_rule"].as_object().unwrap() {
            assert_eq!(row[&format!("findings_{k}")], v.to_string());
        }
        let p: f64 = row["progress"].parse().unwrap();
        assert!(
            p > last_progress,
            "progress rises week over week: {} at {}",
            p,
            s.date
        );
        last_progress = p;
    }
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("trend.png");
    if let Some((dom, stderr)) = browse(&trend_out.path().join("trend.html"), &shot) {
        assert_page_renders(&dom, &stderr, 3, "trend");
    }

    // diff between weeks 3 and 7, against the generator's expected.csv.
    let (old, new) = (&snaps[3], &snaps[7]);
    let diff_out = tempfile::tempdir().unwrap();
    let st = bin()
        .arg("diff")
        .arg(&old.dir)
        .arg(&new.dir)
        .arg("--out")
        .arg(diff_out.path())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let changes = read_csv(&diff_out.path().join("changes.csv"));
    let truth = |dir: &Path| -> BTreeMap<String, String> {
        read_csv(&dir.join("expected.csv"))
            .into_iter()
            .map(|r| (r["device_key"].clone(), r["state"].clone()))
            .collect()
    };
    let (a, b) = (truth(&old.dir), truth(&new.dir));
    let of = |kind: &str| -> BTreeSet<String> {
        changes
            .iter()
            .filter(|c| c["change"] == kind)
            .map(|c| c["device_key"].clone())
            .collect()
    };
    assert_eq!(
        of("appeared"),
        b.keys().filter(|k| !a.contains_key(*k)).cloned().collect()
    );
    assert_eq!(
        of("vanished"),
        a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
    );
    let moved: BTreeSet<String> = a
        .iter()
        .filter(|(k, s)| b.get(*k).is_some_and(|t| t != *s))
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(of("state"), moved);
    assert!(
        !moved.is_empty() && !of("appeared").is_empty() && !of("vanished").is_empty(),
        "the generated migration moves devices"
    );
    for c in changes.iter().filter(|c| c["change"] == "state") {
        assert_eq!(
            (c["from"].as_str(), c["to"].as_str()),
            (a[&c["device_key"]].as_str(), b[&c["device_key"]].as_str())
        );
    }
}

fn analyze_sample_dir(dir: &Path, out: &Path) {
    let st = bin()
        .arg("analyze")
        .arg(dir)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
}

#[test]
fn trend_over_a_multi_day_diagnostic_log_has_one_row_per_day() {
    let log = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/samples/intune-devices-diagnostic.log");
    let out = tempfile::tempdir().unwrap();
    let st = bin()
        .arg("trend")
        .arg(&log)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let rows = read_csv(&out.path().join("trend.csv"));
    let input = fleetstate::ingest::read_file(&log, None, &Default::default()).unwrap();
    assert!(input.snapshot_days.len() > 1);
    assert_eq!(
        rows.len(),
        input.snapshot_days.len(),
        "one snapshot per UTC day"
    );
    let dates: Vec<&str> = rows.iter().map(|r| r["date"].as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    // Each day holds only that day's records.
    let total: usize = rows
        .iter()
        .map(|r| r["devices"].parse::<usize>().unwrap())
        .sum();
    assert_eq!(total, input.rows_read as usize);
}

/// devices.parquet in many row groups (each group's columns encoded on every core before
/// it is written) reads back as the same frame as the file in one group, in device order.
#[test]
fn devices_parquet_in_many_row_groups_reads_back_as_one() {
    use polars::prelude::*;
    let a = crate::common::run(&[sample_data()]);
    assert!(a.devices.len() > 20, "{} devices", a.devices.len());
    let dir = tempfile::tempdir().unwrap();
    let read = |name: &str, group: usize| {
        let path = dir.path().join(name);
        fleetstate::report::parquet::write_devices_in_groups(
            &a.devices,
            &a.device_findings,
            &path,
            group,
        )
        .unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        let groups = polars_parquet::read::read_metadata(&mut file)
            .unwrap()
            .row_groups
            .len();
        (ParquetReader::new(file).finish().unwrap(), groups)
    };
    let (one, one_groups) = read("one.parquet", usize::MAX);
    // The ids are plain-encoded (no dictionary of values that are all different, which
    // the writer builds for any column of 128 values or fewer, or mostly null); the
    // value sets and the repeating text keep one.
    let mut file = std::fs::File::open(dir.path().join("one.parquet")).unwrap();
    let meta = polars_parquet::read::read_metadata(&mut file).unwrap();
    let dictionary = |column: &str| {
        meta.row_groups[0]
            .columns_under_root_iter(column)
            .unwrap()
            .any(|c| c.dictionary_page_offset().is_some())
    };
    for id in [
        "device_key",
        "entra_device_id",
        "intune_device_id",
        "autopilot_id",
        "serial_number",
    ] {
        assert!(!dictionary(id), "{id}");
    }
    for repeating in ["state", "os", "os_version", "findings"] {
        assert!(dictionary(repeating), "{repeating}");
    }
    let (many, many_groups) = read("many.parquet", 7);
    assert_eq!(one_groups, 1);
    assert_eq!(many_groups, a.devices.len().div_ceil(7));
    assert_eq!(one.height(), a.devices.len());
    assert!(one.equals_missing(&many));
    let keys: Vec<String> = a.devices.iter().map(|d| d.device_key.to_string()).collect();
    let read_keys: Vec<&str> = many
        .column("device_key")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|k| k.expect("every device has a key"))
        .collect();
    assert_eq!(read_keys, keys);
    // No devices: the schema and no row group.
    let path = dir.path().join("none.parquet");
    fleetstate::report::parquet::write_devices_in_groups(&[], &[], &path, 7).unwrap();
    let mut file = std::fs::File::open(&path).unwrap();
    let meta = polars_parquet::read::read_metadata(&mut file).unwrap();
    assert_eq!(meta.row_groups.len(), 0);
    let none = ParquetReader::new(file).finish().unwrap();
    assert_eq!((none.height(), none.schema()), (0, one.schema()));
}

#[test]
fn an_input_changed_before_its_digest_is_finished_fails_the_write_and_keeps_the_last_report() {
    use fleetstate::analyze::{analyze_digesting, AnalyzeOptions, InputSpec};
    let inputs = tempfile::tempdir().unwrap();
    for f in ["intune-devices.csv", "entra-devices.csv"] {
        std::fs::copy(sample_data().join(f), inputs.path().join(f)).unwrap();
    }
    let opts = AnalyzeOptions {
        inputs: vec![InputSpec {
            path: inputs.path().to_path_buf(),
            forced: None,
        }],
        ..Default::default()
    };
    let out = tempfile::tempdir().unwrap();
    // One thread: no idle thread hashes the files early, so the digests are all taken
    // by the writer, after the change below.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (mut a, digests) = pool.install(|| analyze_digesting(&opts)).unwrap();
    fleetstate::report::write_all(
        &fleetstate::analyze::analyze(&opts).unwrap(),
        out.path(),
        &Default::default(),
    )
    .unwrap();
    let before = std::fs::read(out.path().join("summary.json")).unwrap();

    let changed = inputs.path().join("entra-devices.csv");
    let mut text = std::fs::read(&changed).unwrap();
    text.extend_from_slice(b"\r\n");
    std::fs::write(&changed, text).unwrap();
    let err = pool
        .install(|| {
            fleetstate::report::write_all_digesting(
                &mut a,
                digests,
                out.path(),
                &Default::default(),
            )
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("entra-devices.csv"), "{err}");
    assert!(err.contains("changed while it was being analysed"), "{err}");
    assert_eq!(
        std::fs::read(out.path().join("summary.json")).unwrap(),
        before
    );
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".fleetstate-tmp")),
        "{names:?}"
    );
}
