use super::ReadArgs;
use anyhow::{Context, Result};
use clap::Args;
use fleetstate::analyze::{self, AnalyzeOptions};
use fleetstate::report::{self, WriteOptions};
use fleetstate::rules::Severity;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// Export files, or folders of them (not descended into)
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Folder to write devices.csv, devices.parquet, findings.csv and summary.json into
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Write CSV cells as they are, without neutralising spreadsheet formulas
    #[arg(long)]
    raw_csv: bool,
    /// Also write report.xlsx (summary, devices and findings sheets)
    #[arg(long)]
    xlsx: bool,
    /// Do not write report.html and the charts
    #[arg(long)]
    no_html: bool,
    /// A folder with one subfolder of exports per tenant: each is analysed (in parallel)
    /// into OUT/<tenant>/, and OUT/parquet/tenant=<name>/snapshot=<date>/devices.parquet
    #[arg(long, value_name = "DIR", conflicts_with = "inputs")]
    tenants: Option<PathBuf>,
    /// Print how long each stage took (read, resolve, classify, rules, each output) on stderr
    #[arg(long)]
    timings: bool,
    /// Exit 1 when an unsuppressed finding of this severity or higher exists
    #[arg(long, value_name = "SEVERITY", value_parser = ["error", "warning", "info"])]
    fail_on: Option<String>,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: AnalyzeArgs) -> Result<u8> {
    if let Some(dir) = &args.tenants {
        return run_tenants(&args, dir);
    }
    if args.timings {
        fleetstate::timing::enable();
    }
    let opts: AnalyzeOptions = args.read.analyze_options(&args.inputs)?;
    let pb = super::spinner("reading, resolving, classifying, evaluating rules");
    // The inputs' digests are finished while the data files are written.
    let analysis = analyze::analyze_digesting(&opts);
    pb.finish_and_clear();
    let (mut analysis, digests) = analysis?;
    // The report needs no record: they are freed before it is written, so the writers
    // reuse their memory. In device order this is one pass front to back on each core
    // (0.05 s at 1M).
    let t = fleetstate::timing::span("free records");
    analysis.free_records();
    drop(t);
    report::write_all_digesting(
        &mut analysis,
        digests,
        &args.out,
        &WriteOptions {
            raw_csv: args.raw_csv,
            xlsx: args.xlsx,
            no_html: args.no_html,
        },
    )
    .with_context(|| format!("writing the report into {}", args.out.display()))?;
    print_summary(&analysis, &args.out)?;
    if args.timings {
        print_timings()?;
    }
    let threshold = args.fail_on.as_deref().and_then(Severity::parse);
    let code = match (threshold, analysis.outcome.highest_unsuppressed()) {
        (Some(t), Some(h)) if h >= t => 1,
        _ => 0,
    };
    // The process ends here: freeing millions of records one by one would only cost time
    // (the operating system reclaims the memory at exit).
    std::mem::forget(analysis);
    Ok(code)
}

fn print_summary(a: &analyze::Analysis, out: &std::path::Path) -> Result<()> {
    let mut err = std::io::stderr().lock();
    let rejected: u64 = a.inputs.iter().map(|i| i.rows_rejected()).sum();
    let read: u64 = a.inputs.iter().map(|i| i.rows_read).sum();
    writeln!(
        err,
        "{} inputs, {read} rows read, {rejected} rejected; {} devices",
        a.inputs.len(),
        a.devices.len()
    )?;
    let mut counts = vec![0usize; fleetstate::model::State::ALL.len()];
    for d in &a.devices {
        counts[d.state as usize] += 1;
    }
    for s in fleetstate::model::State::ALL {
        let n = counts[*s as usize];
        if n > 0 {
            writeln!(err, "  {:<16} {n:>9}", s.as_str())?;
        }
    }
    let f = &a.outcome.findings;
    let open = f.iter().filter(|x| x.suppressed.is_none()).count();
    let by = |s: Severity| {
        f.iter()
            .filter(|x| x.suppressed.is_none() && x.severity == s)
            .count()
    };
    writeln!(
        err,
        "{open} findings ({} error, {} warning, {} info), {} suppressed",
        by(Severity::Error),
        by(Severity::Warning),
        by(Severity::Info),
        f.len() - open
    )?;
    let warnings = a.warnings().len();
    if warnings > 0 {
        writeln!(err, "{warnings} warnings: see summary.json")?;
    }
    writeln!(err, "wrote {}", out.display())?;
    Ok(())
}

fn run_tenants(args: &AnalyzeArgs, dir: &std::path::Path) -> Result<u8> {
    let mut base = args.read.analyze_options(&[dir.to_path_buf()])?;
    base.inputs.clear();
    let wopts = WriteOptions {
        raw_csv: args.raw_csv,
        xlsx: args.xlsx,
        no_html: args.no_html,
    };
    let pb = super::spinner("analysing tenants");
    let results = fleetstate::tenants::run(dir, &base, &args.out, &wopts);
    pb.finish_and_clear();
    let results = results?;
    let mut err = std::io::stderr().lock();
    for r in &results {
        writeln!(
            err,
            "  {:<24} {}  {:>9} devices  {:>7} findings",
            r.tenant, r.snapshot, r.devices, r.findings
        )?;
    }
    writeln!(
        err,
        "wrote {} tenants into {}",
        results.len(),
        args.out.display()
    )?;
    let threshold = args.fail_on.as_deref().and_then(Severity::parse);
    let highest = results.iter().filter_map(|r| r.highest).max();
    match (threshold, highest) {
        (Some(t), Some(h)) if h >= t => Ok(1),
        _ => Ok(0),
    }
}

fn print_timings() -> Result<()> {
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "timings (stage, wall, CPU of the process meanwhile and the system's part of it, \
         minor page faults meanwhile, resident memory at its end, peak so far):"
    )?;
    let mib = |b: Option<u64>| b.map_or("-".to_string(), |b| format!("{} MiB", b >> 20));
    let secs = |d: Option<std::time::Duration>| {
        d.map_or("-".to_string(), |c| format!("{:.2} s", c.as_secs_f64()))
    };
    for s in fleetstate::timing::take() {
        writeln!(
            err,
            "  {:<34} {:>7.3} s {:>8} {:>8} {:>8} {:>10} {:>10}",
            s.name,
            s.took.as_secs_f64(),
            secs(s.cpu),
            secs(s.system),
            s.faults
                .map_or("-".to_string(), |f| format!("{}k pf", (f + 500) / 1000)),
            mib(s.rss),
            mib(s.peak_rss)
        )?;
    }
    Ok(())
}
