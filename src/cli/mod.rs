//! Command-line definitions. Raw flags become validated library options here, once.

mod analyze;
mod explain;
mod inspect;
mod recommend;
mod rules;
mod sample;
mod trend;
mod verify;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use fleetstate::analyze::InputSpec;
use fleetstate::ingest::value::DateOrder;
use fleetstate::ingest::ReadOptions;
use fleetstate::model::Source;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "fleetstate", version, about = "The true enrollment state of a Windows fleet, from Intune, Entra ID, ConfigMgr and Autopilot exports", long_about = None)]
struct Cli {
    /// Worker threads (default: one per core). `--threads 1` runs on one core, for a
    /// shared machine or to measure the work done
    #[arg(short = 'j', long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read exports, resolve one record per device, classify, and write the report set
    Analyze(analyze::AnalyzeArgs),
    /// Show what a file was recognised as, its rows, and its rejected rows
    Inspect(inspect::InspectArgs),
    /// Write a deterministic synthetic fleet in every export form, with expected.csv
    Sample(sample::SampleArgs),
    /// Track the fleet across snapshots: trend.csv, trend.html, charts
    Trend(trend::TrendArgs),
    /// Per-device changes between two snapshots: changes.csv
    Diff(trend::DiffArgs),
    /// Check that a report was produced from exactly these inputs (sha256 and sizes)
    Verify(verify::VerifyArgs),
    /// Recommend an enrollment option and the next step per device: recommendations.csv, plan.csv
    Recommend(recommend::RecommendArgs),
    /// Explain one device: its linked records, each classification, each finding
    Explain(explain::ExplainArgs),
    /// List the rule catalogue
    Rules(rules::RulesArgs),
    /// Show one rule's documentation, e.g. `fleetstate rule FLT005`
    Rule(rules::RuleArgs),
    /// Policy file tools
    Policy {
        #[command(subcommand)]
        command: rules::PolicyCommand,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum DateOrderArg {
    Mdy,
    Dmy,
}

/// Flags common to every command that reads raw exports.
#[derive(Args, Clone)]
pub struct ReadArgs {
    /// Policy file (TOML; `fleetstate policy init` writes the commented default)
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Run only these rules: codes or prefixes, comma-separated (FLT0, FLT101)
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    select: Vec<String>,
    /// Do not run these rules: codes or prefixes, comma-separated
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    ignore: Vec<String>,
    /// Replace user names, UPNs, device names and serials in every output by a keyed hash
    /// (HMAC-SHA-256 with the key in KEY_FILE; the same key gives the same pseudonyms)
    #[arg(long, value_name = "KEY_FILE")]
    pseudonymize: Option<PathBuf>,
    /// Treat the data as of the end of this UTC day (YYYY-MM-DD) instead of the latest activity
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<chrono::NaiveDate>,
    /// Order of ambiguous slash dates (a column with a first field above 12 is day-first anyway)
    #[arg(long, value_enum, default_value = "mdy")]
    date_order: DateOrderArg,
    /// Classify Windows Server records too (by default they are counted and set aside)
    #[arg(long)]
    include_servers: bool,
    /// Read FILE as an Intune export, whatever its header
    #[arg(long, value_name = "FILE")]
    intune: Vec<PathBuf>,
    /// Read FILE as an Entra ID export
    #[arg(long, value_name = "FILE")]
    entra: Vec<PathBuf>,
    /// Read FILE as a Configuration Manager export
    #[arg(long, value_name = "FILE")]
    configmgr: Vec<PathBuf>,
    /// Read FILE as a Windows Autopilot export
    #[arg(long, value_name = "FILE")]
    autopilot: Vec<PathBuf>,
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("expected a date as YYYY-MM-DD, got {s:?}"))
}

impl ReadArgs {
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            date_order: match self.date_order {
                DateOrderArg::Mdy => DateOrder::Mdy,
                DateOrderArg::Dmy => DateOrder::Dmy,
            },
            include_servers: self.include_servers,
            as_of: self.as_of.map(fleetstate::analyze::end_of_day),
            no_digest: false,
        }
    }

    /// The policy file, validated, or the defaults.
    pub fn policy(&self) -> Result<fleetstate::policy::Policy> {
        Ok(match &self.policy {
            Some(p) => fleetstate::policy::Policy::load(p)?,
            None => fleetstate::policy::Policy::default(),
        })
    }

    pub fn pseudonymizer(&self) -> Result<Option<fleetstate::privacy::Pseudonymizer>> {
        match &self.pseudonymize {
            Some(p) => Ok(Some(
                fleetstate::privacy::Pseudonymizer::from_file(p).map_err(anyhow::Error::msg)?,
            )),
            None => Ok(None),
        }
    }

    pub fn selection(&self) -> Result<fleetstate::rules::Selection> {
        fleetstate::rules::validate_patterns(&self.select)
            .map_err(|e| anyhow::anyhow!("--select: {e}"))?;
        fleetstate::rules::validate_patterns(&self.ignore)
            .map_err(|e| anyhow::anyhow!("--ignore: {e}"))?;
        Ok(fleetstate::rules::Selection {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
        })
    }

    /// Everything `analyze` needs but the output folder.
    pub fn analyze_options(
        &self,
        inputs: &[PathBuf],
    ) -> Result<fleetstate::analyze::AnalyzeOptions> {
        let opts = fleetstate::analyze::AnalyzeOptions {
            inputs: self.specs(inputs),
            read: self.read_options(),
            policy: self.policy()?,
            selection: self.selection()?,
            pseudonymize: self.pseudonymizer()?,
            no_evidence: false,
        };
        if opts.inputs.is_empty() {
            anyhow::bail!("no INPUT given: name export files or folders, e.g. `fleetstate analyze sample-data --out report`");
        }
        Ok(opts)
    }

    /// The positional inputs plus the forced ones.
    pub fn specs(&self, inputs: &[PathBuf]) -> Vec<InputSpec> {
        let mut out: Vec<InputSpec> = inputs
            .iter()
            .map(|p| InputSpec {
                path: p.clone(),
                forced: None,
            })
            .collect();
        for (paths, src) in [
            (&self.intune, Source::Intune),
            (&self.entra, Source::Entra),
            (&self.configmgr, Source::ConfigMgr),
            (&self.autopilot, Source::Autopilot),
        ] {
            out.extend(paths.iter().map(|p| InputSpec {
                path: p.clone(),
                forced: Some(src),
            }));
        }
        out
    }
}

/// A spinner on stderr for long runs; hidden when stderr is not a terminal.
pub fn spinner(message: &'static str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(message);
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// Sizes both thread pools: rayon's (the stages) and polars' (the rule plan, Parquet).
/// Called before either pool exists; polars reads its size from the environment when it
/// first starts its pool.
fn set_threads(n: usize) -> Result<()> {
    std::env::set_var("POLARS_MAX_THREADS", n.to_string());
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .map_err(|e| anyhow::anyhow!("--threads: {e}"))
}

pub fn run() -> Result<u8> {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        set_threads(usize::from(n))?;
    }
    match cli.command {
        Command::Analyze(a) => analyze::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Sample(a) => sample::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Trend(a) => trend::run_trend(a),
        Command::Verify(a) => verify::run(a),
        Command::Recommend(a) => recommend::run(a),
        Command::Diff(a) => trend::run_diff(a),
        Command::Rules(a) => rules::list(a),
        Command::Rule(a) => rules::show(a),
        Command::Policy { command } => rules::policy(command),
    }
}
