//! The row layer shared by every reader: a file becomes a header plus rows of projected
//! cells, whatever its form (delimited text or JSON). Source readers only see [`Row`].

use super::value::{self, Bad, DateCell, Guid, Micros, SlashDate};
use crate::diag::{Diagnostics, RowReject};

/// One logical column of a source, with every header spelling that means it.
#[derive(Debug)]
pub struct Field {
    /// Canonical name, used in warnings when the file's own spelling is unknown.
    pub name: &'static str,
    /// Accepted spellings, compared case-insensitively after trimming.
    pub aliases: &'static [&'static str],
}

/// Declares a source's fields: `fields!(NAME = ["alias", ...], ...)` defines one `usize`
/// constant per field (its index) and the `FIELDS` table.
#[macro_export]
macro_rules! fields {
    ($($id:ident = [$($alias:literal),+ $(,)?]),+ $(,)?) => {
        $crate::fields!(@consts 0usize; $($id)+);
        pub const FIELDS: &[$crate::ingest::table::Field] = &[
            $($crate::ingest::table::Field { name: stringify!($id), aliases: &[$($alias),+] }),+
        ];
    };
    (@consts $n:expr; $id:ident $($rest:ident)*) => {
        pub const $id: usize = $n;
        $crate::fields!(@consts $n + 1usize; $($rest)*);
    };
    (@consts $n:expr;) => {};
}

/// Normalises a header name for look-up.
pub fn norm_header(h: &str) -> String {
    h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '"')
        .to_ascii_lowercase()
}

/// Maps each field to the header positions that carry it, left to right.
#[derive(Debug, Clone)]
pub struct Projection {
    pub positions: Vec<Vec<usize>>,
    /// The field's column name as spelled in this file (the first match).
    pub spelled: Vec<Option<String>>,
}

impl Projection {
    pub fn new(fields: &[Field], header: &[String]) -> Projection {
        let normed: Vec<String> = header.iter().map(|h| norm_header(h)).collect();
        let mut positions = Vec::with_capacity(fields.len());
        let mut spelled = Vec::with_capacity(fields.len());
        for f in fields {
            let pos: Vec<usize> = normed
                .iter()
                .enumerate()
                .filter(|(_, h)| f.aliases.iter().any(|a| a.eq_ignore_ascii_case(h)))
                .map(|(i, _)| i)
                .collect();
            spelled.push(pos.first().map(|&i| header[i].trim().to_string()));
            positions.push(pos);
        }
        Projection { positions, spelled }
    }

    pub fn has(&self, field: usize) -> bool {
        !self.positions[field].is_empty()
    }

    /// Fields carried by more than one column (duplicate names or two aliases).
    pub fn doubled(&self) -> impl Iterator<Item = usize> + '_ {
        self.positions
            .iter()
            .enumerate()
            .filter(|(_, p)| p.len() > 1)
            .map(|(i, _)| i)
    }

    /// Picks each field's value from a row: the first non-empty from the left. Fails, with
    /// `out` partly filled, when a cell it reads is not text ([`Cells::get`]).
    pub fn project<'r>(
        &self,
        cells: Cells<'r>,
        out: &mut Vec<Option<&'r str>>,
    ) -> Result<(), NotText> {
        out.clear();
        for pos in &self.positions {
            let mut v = None;
            for &i in pos {
                if let Some(c) = value::clean(cells.get(i)?) {
                    v = Some(c);
                    break;
                }
            }
            out.push(v);
        }
        Ok(())
    }
}

/// A cell range that does not fall on character boundaries ([`Cells::Ranges`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotText;

/// A row's cells, by column.
#[derive(Debug, Clone, Copy)]
pub enum Cells<'r> {
    /// Ranges (start, end) of one text: a delimited record checked as UTF-8 at once. Only
    /// the cells a projection reads are sliced out of it (with their boundary checks):
    /// an Intune export has 54 columns, of which the fields use about 20.
    Ranges(&'r str, &'r [(usize, usize)]),
    /// Each cell its own text.
    Each(&'r [&'r str]),
}

impl<'r> Cells<'r> {
    /// Cell `i`, `None` past the row's end.
    pub fn get(self, i: usize) -> Result<Option<&'r str>, NotText> {
        match self {
            Cells::Ranges(all, ranges) => match ranges.get(i) {
                Some(&(a, b)) => all.get(a..b).map(Some).ok_or(NotText),
                None => Ok(None),
            },
            Cells::Each(cells) => Ok(cells.get(i).copied()),
        }
    }

    pub fn len(self) -> usize {
        match self {
            Cells::Ranges(_, ranges) => ranges.len(),
            Cells::Each(cells) => cells.len(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// A pending slash date: which record and field it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct PendingDate {
    pub record: usize,
    pub field: usize,
    pub date: SlashDate,
    pub line: u64,
}

/// The last value a field interned, and its symbol: the next row's value is most often
/// the same (an OS, a compliance state), and one comparison then stands for the intern
/// table's look-up.
pub type LastSym = std::cell::Cell<Option<(crate::intern::Sym, &'static str)>>;

/// What a row builder may consult and report into while it reads one row.
pub struct Row<'a> {
    pub cells: &'a [Option<&'a str>],
    /// Per field (empty: no memory of earlier rows).
    pub last_syms: &'a [LastSym],
    pub line: u64,
    pub record_index: usize,
    pub fields: &'static [Field],
    pub projection: &'a Projection,
    pub diag: &'a mut Diagnostics,
    pub pending_dates: &'a mut Vec<PendingDate>,
}

impl Row<'_> {
    pub fn str(&self, f: usize) -> Option<&str> {
        self.cells.get(f).copied().flatten()
    }

    pub fn string(&self, f: usize) -> Option<super::value::Text> {
        self.str(f).map(super::value::Text::from)
    }

    /// A cell the classified device will share with the record.
    pub fn shared(&self, f: usize) -> Option<super::value::Shared> {
        self.str(f).map(super::value::Shared::from)
    }

    /// A low-cardinality cell, interned.
    pub fn sym(&self, f: usize) -> Option<crate::intern::Sym> {
        let s = self.str(f)?;
        let Some(last) = self.last_syms.get(f) else {
            return Some(crate::intern::Sym::new(s));
        };
        match last.get() {
            Some((sym, text)) if text == s => Some(sym),
            _ => {
                let (sym, text) = crate::intern::Sym::with_text(s);
                last.set(Some((sym, text)));
                Some(sym)
            }
        }
    }

    fn column_name(&self, f: usize) -> String {
        self.projection.spelled[f]
            .clone()
            .unwrap_or_else(|| self.fields[f].name.to_string())
    }

    /// Records a cell warning: the value is treated as absent, the row is used.
    pub fn warn(&mut self, f: usize, what: &str, value: &str) {
        let col = self.column_name(f);
        self.diag
            .cell_warning(self.line, &col, format!("{what} {:?}", truncate(value)));
    }

    pub fn bool(&mut self, f: usize) -> Option<bool> {
        let s = self.str(f)?;
        match value::parse_bool(s) {
            Ok(b) => Some(b),
            Err(Bad) => {
                let s = s.to_string();
                self.warn(f, "not a boolean:", &s);
                None
            }
        }
    }

    /// A GUID link column; the zero GUID is "none".
    pub fn guid(&mut self, f: usize) -> Option<Guid> {
        let s = self.str(f)?;
        match value::parse_link_guid(s) {
            Ok(g) => g,
            Err(Bad) => {
                let s = s.to_string();
                self.warn(f, "not a GUID:", &s);
                None
            }
        }
    }

    pub fn int(&mut self, f: usize) -> Option<i64> {
        let s = self.str(f)?;
        let t = s.trim();
        let parsed = t.parse::<i64>().ok().or_else(|| {
            t.parse::<f64>()
                .ok()
                .filter(|v| v.fract() == 0.0 && v.abs() < 9.2e18)
                .map(|v| v as i64)
        });
        match parsed {
            Some(v) => Some(v),
            None => {
                let s = s.to_string();
                self.warn(f, "not a number:", &s);
                None
            }
        }
    }

    pub fn date(&mut self, f: usize) -> Option<Micros> {
        let s = self.str(f)?;
        match value::parse_date(s) {
            Ok(DateCell::Known(v)) => v,
            Ok(DateCell::Slash(d)) => {
                self.pending_dates.push(PendingDate {
                    record: self.record_index,
                    field: f,
                    date: d,
                    line: self.line,
                });
                None
            }
            Err(Bad) => {
                let s = s.to_string();
                self.warn(f, "not a date:", &s);
                None
            }
        }
    }

    pub fn reject_missing(&self, f: usize) -> RowReject {
        RowReject {
            line: self.line,
            column: Some(self.column_name(f)),
            reason: format!("required column {:?} is empty", self.column_name(f)),
        }
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 80 {
        let t: String = s.chars().take(77).collect();
        format!("{t}...")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field {
            name: "id",
            aliases: &["Device ID", "id"],
        },
        Field {
            name: "name",
            aliases: &["Device name"],
        },
    ];

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ranges_project_only_the_cells_read_the_first_non_empty_from_the_left() {
        let p = Projection::new(
            FIELDS,
            &header(&["Device ID", "Model", "id", "Device name"]),
        );
        let text = " ,Latitude 5420,abc,  PC-1 ";
        let ranges = [(0, 1), (2, 15), (16, 19), (20, 27)];
        let mut out = Vec::new();
        p.project(Cells::Ranges(text, &ranges), &mut out).unwrap();
        assert_eq!(out, [Some("abc"), Some("PC-1")]);
        let each = [" ", "Latitude 5420", "abc", "  PC-1 "];
        let mut out2 = Vec::new();
        p.project(Cells::Each(&each), &mut out2).unwrap();
        assert_eq!(out, out2);
    }

    #[test]
    fn a_range_inside_a_character_fails_instead_of_losing_the_value() {
        let p = Projection::new(FIELDS, &header(&["Device ID", "Device name"]));
        let text = "id-1é";
        // The second cell starts inside `é` (two bytes at 4..6).
        let ranges = [(0, 4), (5, 6)];
        assert_eq!(Cells::Ranges(text, &ranges).get(1), Err(NotText));
        assert_eq!(Cells::Ranges(text, &ranges).get(2), Ok(None));
        let mut out = Vec::new();
        assert_eq!(
            p.project(Cells::Ranges(text, &ranges), &mut out),
            Err(NotText)
        );
    }
}
