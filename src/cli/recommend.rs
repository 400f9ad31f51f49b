use super::ReadArgs;
use anyhow::{Context, Result};
use clap::Args;
use fleetstate::{analyze, recommend};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
#[command(after_help = recommend::NEXT_STEP_HELP)]
pub struct RecommendArgs {
    /// Export files, or folders of them
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Folder to write recommendations.csv and plan.csv into
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Write CSV cells as they are, without neutralising spreadsheet formulas
    #[arg(long)]
    raw_csv: bool,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: RecommendArgs) -> Result<u8> {
    let opts = args.read.analyze_options(&args.inputs)?;
    let pb = super::spinner("reading, resolving, classifying");
    let a = analyze::analyze(&opts);
    pb.finish_and_clear();
    let a = a?;
    let recs = recommend::recommend_all(&a);
    recommend::write(&a, &recs, &args.out, args.raw_csv)
        .with_context(|| format!("writing into {}", args.out.display()))?;
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "migration plan ({} devices, target {}):",
        a.devices.len(),
        a.policy.recommend.target
    )?;
    for (state, step, n) in recommend::plan(&a.devices, &recs) {
        writeln!(err, "  {:<16} {:<38} {n:>9}", state.as_str(), step)?;
    }
    writeln!(err, "wrote {}", args.out.display())?;
    Ok(0)
}
