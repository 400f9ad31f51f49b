use super::ReadArgs;
use anyhow::{Context, Result};
use clap::Args;
use fleetstate::{diff, snapshot, trend};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct TrendArgs {
    /// Snapshots: analyze output folders, folders of raw exports (analysed in parallel),
    /// or an Intune diagnostic Devices log spanning several days (one snapshot per day)
    #[arg(value_name = "SNAPSHOT", required = true)]
    snapshots: Vec<PathBuf>,
    /// Folder to write trend.csv, trend.html and the charts into
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Args)]
pub struct DiffArgs {
    /// The earlier snapshot (analyze output folder or folder of raw exports)
    old: PathBuf,
    /// The later snapshot
    new: PathBuf,
    /// Folder to write changes.csv into
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Write CSV cells as they are, without neutralising spreadsheet formulas
    #[arg(long)]
    raw_csv: bool,
    #[command(flatten)]
    read: ReadArgs,
}

fn base_options(read: &ReadArgs) -> Result<fleetstate::analyze::AnalyzeOptions> {
    Ok(fleetstate::analyze::AnalyzeOptions {
        inputs: Vec::new(),
        read: read.read_options(),
        policy: read.policy()?,
        selection: read.selection()?,
        pseudonymize: read.pseudonymizer()?,
        no_evidence: false,
    })
}

pub fn run_trend(args: TrendArgs) -> Result<u8> {
    let base = base_options(&args.read)?;
    let pb = super::spinner("analysing snapshots");
    let snaps = snapshot::load_all(&args.snapshots, &base);
    pb.finish_and_clear();
    let snaps = snaps?;
    let targets = base.policy.progress.target_states.clone();
    trend::write(&snaps, &targets, &args.out)
        .with_context(|| format!("writing the trend into {}", args.out.display()))?;
    let mut err = std::io::stderr().lock();
    for s in &snaps {
        let p = snapshot::progress(s, &targets)
            .map(|p| format!("{:.1}%", p * 100.0))
            .unwrap_or_else(|| "-".into());
        writeln!(
            err,
            "  {}  {:>9} devices  progress {p:>6}",
            s.date,
            s.devices.len()
        )?;
    }
    writeln!(err, "wrote {}", args.out.display())?;
    // The process ends here: the snapshots' millions of rows are not freed one by one.
    std::mem::forget(snaps);
    Ok(0)
}

pub fn run_diff(args: DiffArgs) -> Result<u8> {
    let base = base_options(&args.read)?;
    let pb = super::spinner("analysing snapshots");
    let loaded = snapshot::load_all(&[args.old.clone(), args.new.clone()], &base);
    pb.finish_and_clear();
    let snaps = loaded?;
    let [old, new] = snaps.as_slice() else {
        anyhow::bail!("OLD and NEW must each be one snapshot (a multi-day log gives several: give it to `trend`)");
    };
    // load_all sorts by date: keep the order the user gave.
    let (old, new) = if old.origin == args.old.display().to_string() {
        (old, new)
    } else {
        (new, old)
    };
    let changes = diff::changes(old, new);
    diff::write(&changes, &args.out, args.raw_csv)
        .with_context(|| format!("writing changes into {}", args.out.display()))?;
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "{} -> {}: {} changes",
        old.date,
        new.date,
        changes.len()
    )?;
    for kind in diff::CHANGE_KINDS {
        let n = changes.iter().filter(|c| c.change == *kind).count();
        writeln!(err, "  {kind:<17} {n:>9}")?;
    }
    writeln!(err, "wrote {}", args.out.join("changes.csv").display())?;
    Ok(0)
}
