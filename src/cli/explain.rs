use super::ReadArgs;
use anyhow::Result;
use clap::Args;
use fleetstate::{analyze, explain};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct ExplainArgs {
    /// The device: its device_key, serial number or name
    device: String,
    /// Export files, or folders of them
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Print as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: ExplainArgs) -> Result<u8> {
    let opts = args.read.analyze_options(&args.inputs)?;
    let analysis = analyze::analyze(&opts)?;
    let di = explain::find(&analysis, &args.device).map_err(anyhow::Error::msg)?;
    let e = explain::explain(&analysis, di);
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&e)?)?;
    } else {
        write!(out, "{}", explain::render(&e))?;
    }
    Ok(0)
}
