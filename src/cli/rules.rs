use anyhow::Result;
use clap::{Args, Subcommand};
use fleetstate::rules::{by_code, REGISTRY};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct RulesArgs {
    /// Print as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct RuleArgs {
    /// A rule code, e.g. FLT005
    code: String,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Write the default policy, commented, to FILE (or stdout)
    Init {
        /// Where to write it; refuses to overwrite an existing file
        file: Option<PathBuf>,
    },
    /// Validate a policy file
    Check { file: PathBuf },
}

pub fn list(args: RulesArgs) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    if args.json {
        let v: Vec<serde_json::Value> = REGISTRY
            .iter()
            .map(|r| serde_json::json!({"code": r.code, "name": r.name, "severity": r.severity.as_str(), "summary": r.summary, "guidance": r.guidance}))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(0);
    }
    write!(out, "{}", fleetstate::rules::docs::table())?;
    Ok(0)
}

pub fn show(args: RuleArgs) -> Result<u8> {
    let Some(rule) = by_code(&args.code) else {
        anyhow::bail!(
            "no rule {:?}: `fleetstate rules` lists the codes",
            args.code
        );
    };
    write!(
        std::io::stdout().lock(),
        "{}",
        fleetstate::rules::docs::rule_text(rule)
    )?;
    Ok(0)
}

pub fn policy(cmd: PolicyCommand) -> Result<u8> {
    match cmd {
        PolicyCommand::Init { file: None } => {
            write!(
                std::io::stdout().lock(),
                "{}",
                fleetstate::policy::DEFAULT_TOML
            )?;
        }
        PolicyCommand::Init { file: Some(f) } => {
            if f.exists() {
                anyhow::bail!("{}: already exists, not overwritten", f.display());
            }
            std::fs::write(&f, fleetstate::policy::DEFAULT_TOML)?;
            writeln!(std::io::stderr(), "wrote {}", f.display())?;
        }
        PolicyCommand::Check { file } => {
            fleetstate::policy::Policy::load(&file)?;
            writeln!(std::io::stdout(), "{}: valid", file.display())?;
        }
    }
    Ok(0)
}
