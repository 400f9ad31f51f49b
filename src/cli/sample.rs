use anyhow::{Context, Result};
use clap::Args;
use fleetstate::sample::{write_sample, SampleOptions};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct SampleArgs {
    /// Number of physical machines in the fleet
    #[arg(long, default_value_t = 2000)]
    devices: usize,
    /// Seed: the same seed and size give byte-identical files
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder to write the exports and expected.csv into
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(args: SampleArgs) -> Result<u8> {
    let report = write_sample(
        &SampleOptions {
            devices: args.devices,
            seed: args.seed,
        },
        &args.out,
    )
    .with_context(|| format!("writing the sample into {}", args.out.display()))?;
    writeln!(
        std::io::stderr(),
        "wrote a fleet of {} devices ({} files) into {}",
        report.devices,
        report.files.len(),
        args.out.display()
    )?;
    Ok(0)
}
