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
    /// Write W weekly snapshots of one fleet migrating to cloud-native, one subfolder per
    /// date (2026-09-07/, 2026-09-14/, ...), each with its own expected.csv
    #[arg(long, value_name = "W")]
    snapshots: Option<usize>,
}

pub fn run(args: SampleArgs) -> Result<u8> {
    if let Some(weeks) = args.snapshots {
        let opts = fleetstate::sample::SnapshotOptions {
            devices: args.devices,
            seed: args.seed,
            weeks,
        };
        let snaps = fleetstate::sample::write_snapshots(&opts, &args.out)
            .with_context(|| format!("writing snapshots into {}", args.out.display()))?;
        for s in &snaps {
            writeln!(std::io::stderr(), "  {}  {} devices", s.date, s.devices)?;
        }
        writeln!(
            std::io::stderr(),
            "wrote {} weekly snapshots into {}",
            snaps.len(),
            args.out.display()
        )?;
        return Ok(0);
    }
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
