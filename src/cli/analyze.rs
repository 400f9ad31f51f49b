use super::ReadArgs;
use anyhow::{Context, Result};
use clap::Args;
use fleetstate::analyze::{self, AnalyzeOptions};
use fleetstate::policy::Policy;
use fleetstate::report::{self, WriteOptions};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// Export files, or folders of them (not descended into)
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Folder to write devices.csv, devices.parquet and summary.json into
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Write CSV cells as they are, without neutralising spreadsheet formulas
    #[arg(long)]
    raw_csv: bool,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: AnalyzeArgs) -> Result<u8> {
    let opts = AnalyzeOptions {
        inputs: args.read.specs(&args.inputs),
        read: args.read.read_options(),
        policy: Policy::default(),
    };
    if opts.inputs.is_empty() {
        anyhow::bail!("no INPUT given: name export files or folders, e.g. `fleetstate analyze sample-data --out report`");
    }
    let analysis = analyze::analyze(&opts)?;
    report::write_all(
        &analysis,
        &args.out,
        &WriteOptions {
            raw_csv: args.raw_csv,
        },
    )
    .with_context(|| format!("writing the report into {}", args.out.display()))?;
    print_summary(&analysis, &args.out)?;
    Ok(0)
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
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for d in &a.devices {
        *counts.entry(d.state.as_str()).or_default() += 1;
    }
    for s in fleetstate::model::State::ALL {
        let n = counts.get(s.as_str()).copied().unwrap_or(0);
        if n > 0 {
            writeln!(err, "  {:<16} {n:>9}", s.as_str())?;
        }
    }
    let warnings = a.warnings().len();
    if warnings > 0 {
        writeln!(err, "{warnings} warnings: see summary.json")?;
    }
    writeln!(err, "wrote {}", out.display())?;
    Ok(())
}
