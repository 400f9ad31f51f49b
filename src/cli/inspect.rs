use super::ReadArgs;
use anyhow::Result;
use clap::Args;
use fleetstate::ingest;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct InspectArgs {
    /// An export file
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: InspectArgs) -> Result<u8> {
    let specs = args.read.specs(std::slice::from_ref(&args.file));
    let spec = specs
        .into_iter()
        .find(|s| s.path == args.file || s.forced.is_some());
    let forced = spec.and_then(|s| s.forced);
    let input = ingest::read_file(&args.file, forced, &args.read.read_options())?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let v = serde_json::json!({
            "path": input.display_path(),
            "source": input.source.as_str(),
            "form": input.form.as_str(),
            "encoding": input.encoding,
            "delimiter": input.delimiter.map(|d| d.to_string()),
            "sha256": input.sha256,
            "size": input.size,
            "rows_read": input.rows_read,
            "rows_used": input.rows_used(),
            "rows_rejected": input.rows_rejected(),
            "rows_skipped": input.skipped.iter().map(|(k, v)| (k.as_str().to_string(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
            "columns": input.columns,
            "rejected": input.diag.rejects,
            "warnings": input.diag.all_warnings(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(0);
    }
    writeln!(out, "file:      {}", input.display_path())?;
    writeln!(out, "source:    {}", input.source)?;
    writeln!(out, "form:      {}", input.form.as_str())?;
    let delim = match input.delimiter {
        Some('\t') => ", tab-separated".to_string(),
        Some(d) => format!(", '{d}'-separated"),
        None => String::new(),
    };
    writeln!(out, "encoding:  {}{delim}", input.encoding)?;
    writeln!(out, "sha256:    {}", input.sha256)?;
    writeln!(
        out,
        "rows:      {} read, {} used, {} rejected, {} skipped",
        input.rows_read,
        input.rows_used(),
        input.rows_rejected(),
        input.rows_skipped()
    )?;
    for (reason, n) in &input.skipped {
        writeln!(out, "  skipped {n} ({reason})")?;
    }
    writeln!(out, "columns:")?;
    for (field, col) in &input.columns {
        writeln!(out, "  {field:<20} <- {col:?}")?;
    }
    if !input.diag.rejects.is_empty() {
        writeln!(out, "rejected rows:")?;
        for r in &input.diag.rejects {
            writeln!(out, "  line {}: {}", r.line, r.reason)?;
        }
        let more = input.diag.rejects_total - input.diag.rejects.len() as u64;
        if more > 0 {
            writeln!(out, "  ... and {more} more")?;
        }
    }
    let warnings = input.diag.all_warnings();
    if !warnings.is_empty() {
        writeln!(out, "warnings:")?;
        for w in warnings {
            writeln!(out, "  {w}")?;
        }
    }
    Ok(0)
}
