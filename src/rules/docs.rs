//! The catalogue as text: the `fleetstate rules` table, `fleetstate rule CODE`, and
//! `docs/rules.md` (generated; a test fails when the file is out of date).

use super::{Rule, REGISTRY};
use std::fmt::Write;

pub fn table() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{:<7} {:<8} {:<42} summary", "code", "severity", "name");
    for r in REGISTRY {
        let _ = writeln!(
            s,
            "{:<7} {:<8} {:<42} {}",
            r.code,
            r.severity.as_str(),
            r.name,
            r.summary
        );
    }
    s
}

pub fn rule_text(r: &Rule) -> String {
    format!(
        "{} {} ({})\n\n{}\n\nGuidance: {}\n\n{}\n",
        r.code,
        r.name,
        r.severity.as_str(),
        r.summary,
        r.guidance,
        r.explanation
    )
}

/// `docs/rules.md`.
pub fn markdown() -> String {
    let mut s = String::from(
        "# Rules\n\n<!-- Generated from src/rules/registry.rs by `cargo test` (tests/it/rules.rs); do not edit. -->\n\n\
         Every rule has a permanent code. Severities are defaults: the policy file's `[rules]` table\n\
         changes them or turns a rule off, and `--select` / `--ignore` choose rules by code or prefix.\n\
         Evidence quotes the source values that made a rule fire, as `source:Column=value` pairs.\n\n\
         | code | name | severity | fires when |\n| --- | --- | --- | --- |\n",
    );
    for r in REGISTRY {
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} |",
            r.code,
            r.name,
            r.severity.as_str(),
            r.summary
        );
    }
    for r in REGISTRY {
        let _ = write!(
            s,
            "\n## {} `{}`\n\nDefault severity: **{}**.\n\n{}\n\n> {}\n\n{}\n",
            r.code,
            r.name,
            r.severity.as_str(),
            r.summary,
            r.guidance,
            r.explanation
        );
    }
    s
}
