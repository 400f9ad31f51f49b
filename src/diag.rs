//! Diagnostics: what the library reports instead of printing. A bad row or cell is a
//! diagnostic, never a failure of the run.

use serde::Serialize;

/// How many warnings or rejections of one file are kept verbatim; the rest are counted.
pub const KEEP_PER_FILE: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct Warning {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub message: String,
}

impl Warning {
    pub fn global(message: impl Into<String>) -> Warning {
        Warning {
            file: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            if let Some(col) = &self.column {
                write!(f, " [{col}]")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// A row that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowReject {
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub reason: String,
}

/// The diagnostics of one input file.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    pub file: String,
    pub warnings: Vec<Warning>,
    pub warnings_total: u64,
    pub cell_warnings_total: u64,
    pub rejects: Vec<RowReject>,
    pub rejects_total: u64,
}

impl Diagnostics {
    pub fn new(file: impl Into<String>) -> Diagnostics {
        Diagnostics {
            file: file.into(),
            ..Default::default()
        }
    }

    pub fn warn(&mut self, line: Option<u64>, column: Option<&str>, message: impl Into<String>) {
        self.warnings_total += 1;
        if self.warnings.len() < KEEP_PER_FILE {
            self.warnings.push(Warning {
                file: Some(self.file.clone()),
                line,
                column: column.map(str::to_string),
                message: message.into(),
            });
        }
    }

    pub fn cell_warning(&mut self, line: u64, column: &str, message: String) {
        self.cell_warnings_total += 1;
        self.warn(Some(line), Some(column), message);
    }

    pub fn reject(&mut self, r: RowReject) {
        self.rejects_total += 1;
        if self.rejects.len() < KEEP_PER_FILE {
            self.rejects.push(r);
        }
    }

    /// The kept warnings, plus one line that counts the ones not kept.
    pub fn all_warnings(&self) -> Vec<Warning> {
        let mut out = self.warnings.clone();
        let dropped = self.warnings_total - self.warnings.len() as u64;
        if dropped > 0 {
            out.push(Warning {
                file: Some(self.file.clone()),
                line: None,
                column: None,
                message: format!("{dropped} more warnings not listed"),
            });
        }
        out
    }
}
