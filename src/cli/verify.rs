use anyhow::Result;
use clap::Args;
use fleetstate::analyze::InputSpec;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct VerifyArgs {
    /// An analyze output folder (with summary.json)
    dir: PathBuf,
    /// The export files, or folders of them, the report should have been produced from
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<PathBuf>,
}

pub fn run(args: VerifyArgs) -> Result<u8> {
    let specs: Vec<InputSpec> = args
        .inputs
        .iter()
        .map(|p| InputSpec {
            path: p.clone(),
            forced: None,
        })
        .collect();
    let v = fleetstate::verify::verify(&args.dir, &specs)?;
    let mut out = std::io::stdout().lock();
    for (report, given) in &v.matched {
        writeln!(out, "ok       {given} (recorded as {report})")?;
    }
    for m in &v.missing {
        writeln!(
            out,
            "missing  {m}: recorded in the report, no given file has its sha256 and size"
        )?;
    }
    for e in &v.extra {
        writeln!(out, "extra    {e}: not an input of the report")?;
    }
    if v.ok() {
        writeln!(
            out,
            "{}: produced from exactly these inputs",
            args.dir.display()
        )?;
        Ok(0)
    } else {
        writeln!(
            out,
            "{}: NOT produced from exactly these inputs",
            args.dir.display()
        )?;
        Ok(1)
    }
}
