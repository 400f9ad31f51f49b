//! JSON forms: Graph pages (`{"value":[...]}`, several concatenated), bare arrays, NDJSON,
//! and diagnostic-settings records (`{"time":..,"category":"Devices","properties":{..}}`).
//! Every object becomes a flat record of string cells; a broken value is a rejected row and
//! reading resumes at the next line.

use super::Form;
use crate::diag::RowReject;
use serde_json::Value;

pub struct JsonRecord {
    pub line: u64,
    pub keys: Vec<String>,
    pub values: Vec<Option<String>>,
}

#[derive(Default)]
pub struct JsonRows {
    pub records: Vec<JsonRecord>,
    pub rejects: Vec<RowReject>,
    /// The records came wrapped as diagnostic-settings `properties`.
    pub diagnostic: bool,
    /// The first page's `@odata.context`.
    pub context: Option<String>,
}

/// Recognises an empty Graph page by its `@odata.context`.
pub fn form_from_context(ctx: &str) -> Option<Form> {
    let c = ctx.to_ascii_lowercase();
    if c.contains("manageddevices") {
        Some(Form::IntuneGraphJson)
    } else if c.contains("windowsautopilotdeviceidentities") {
        Some(Form::AutopilotGraphJson)
    } else if c.contains("#devices") {
        Some(Form::EntraGraphJson)
    } else {
        None
    }
}

fn cell(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(cell).collect();
            Some(parts.join("\n"))
        }
        Value::Object(_) => None,
    }
}

fn push_object(out: &mut JsonRows, line: u64, obj: &serde_json::Map<String, Value>) {
    // Diagnostic settings records carry the columns under `properties`.
    if let Some(Value::Object(props)) = obj.get("properties") {
        if obj.contains_key("category") || obj.contains_key("time") {
            out.diagnostic = true;
            let mut keys = Vec::with_capacity(props.len() + 1);
            let mut values = Vec::with_capacity(props.len() + 1);
            for (k, v) in props {
                keys.push(k.clone());
                values.push(cell(v));
            }
            if let Some(t) = obj.get("time") {
                keys.push("time".to_string());
                values.push(cell(t));
            }
            out.records.push(JsonRecord { line, keys, values });
            return;
        }
    }
    let mut keys = Vec::with_capacity(obj.len());
    let mut values = Vec::with_capacity(obj.len());
    for (k, v) in obj {
        keys.push(k.clone());
        values.push(cell(v));
    }
    out.records.push(JsonRecord { line, keys, values });
}

fn push_value(out: &mut JsonRows, line: u64, v: &Value) {
    match v {
        Value::Object(obj) => {
            if let Some(Value::Array(items)) = obj.get("value") {
                if out.context.is_none() {
                    out.context = obj
                        .get("@odata.context")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
                for item in items {
                    push_item(out, line, item);
                }
            } else {
                push_object(out, line, obj);
            }
        }
        Value::Array(items) => {
            for item in items {
                push_item(out, line, item);
            }
        }
        other => out.rejects.push(RowReject {
            line,
            column: None,
            reason: format!("expected a JSON object, found {}", kind(other)),
        }),
    }
}

fn push_item(out: &mut JsonRows, line: u64, item: &Value) {
    match item {
        Value::Object(obj) => push_object(out, line, obj),
        other => out.rejects.push(RowReject {
            line,
            column: None,
            reason: format!("expected a JSON object, found {}", kind(other)),
        }),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads every top-level JSON value of `text` (pages, arrays, NDJSON lines).
pub fn records(text: &str) -> JsonRows {
    let mut out = JsonRows::default();
    if is_line_delimited(text) {
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(t) {
                Ok(v) => push_value(&mut out, i as u64 + 1, &v),
                Err(e) => out.rejects.push(reject(i as u64 + 1, &e)),
            }
        }
        return out;
    }
    let mut lines = Lines::new(text);
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut value_start = skip_ws(text, 0);
    loop {
        match stream.next() {
            None => break,
            Some(Ok(v)) => {
                push_value(&mut out, lines.line_at(value_start), &v);
                value_start = skip_ws(text, stream.byte_offset());
            }
            Some(Err(_)) => {
                // A page or array that does not parse keeps its complete objects; the broken
                // one and the rest of the file are counted once.
                salvage(text, value_start, &mut lines, &mut out);
                break;
            }
        }
    }
    out
}

/// Line numbers of byte offsets of a text, for offsets that do not decrease.
struct Lines<'t> {
    text: &'t [u8],
    offset: usize,
    line: u64,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, offset: usize) -> u64 {
        let end = offset.min(self.text.len()).max(self.offset);
        self.line += self.text[self.offset..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.offset = end;
        self.line
    }
}

/// Re-reads a top-level value that failed to parse, one item at a time: a Graph page's
/// `value` array or a bare array. Every complete object is kept, with its own line; the
/// first broken item (or the value itself, when it is neither) is one rejection.
fn salvage(text: &str, start: usize, lines: &mut Lines<'_>, out: &mut JsonRows) {
    let b = text.as_bytes();
    let mut i = start;
    let items_at = match b.get(i) {
        Some(b'[') => Some(i + 1),
        Some(b'{') => {
            // Walk the page's members up to `"value": [`.
            i += 1;
            loop {
                i = skip_ws(text, i);
                let key = match one::<String>(text, i) {
                    Ok((k, n)) => {
                        i = skip_ws(text, i + n);
                        k
                    }
                    Err(_) => break None,
                };
                if b.get(i) != Some(&b':') {
                    break None;
                }
                i = skip_ws(text, i + 1);
                if key == "value" && b.get(i) == Some(&b'[') {
                    break Some(i + 1);
                }
                match one::<Value>(text, i) {
                    Ok((v, n)) => {
                        if key == "@odata.context" && out.context.is_none() {
                            out.context = v.as_str().map(str::to_string);
                        }
                        i = skip_ws(text, i + n);
                    }
                    Err(_) => break None,
                }
                if b.get(i) != Some(&b',') {
                    break None;
                }
                i += 1;
            }
        }
        _ => None,
    };
    let Some(mut i) = items_at else {
        // Not a page or array, or broken before its items: the whole value is lost.
        broken(text, start, lines, out);
        return;
    };
    loop {
        i = skip_ws(text, i);
        if b.get(i) == Some(&b']') {
            // The array closed: what broke is after it.
            broken(text, i + 1, lines, out);
            return;
        }
        match one::<Value>(text, i) {
            Ok((v, n)) => {
                push_item(out, lines.line_at(i), &v);
                i = skip_ws(text, i + n);
                match b.get(i) {
                    Some(b',') => i += 1,
                    Some(b']') => {
                        broken(text, i + 1, lines, out);
                        return;
                    }
                    _ => {
                        broken(text, i, lines, out);
                        return;
                    }
                }
            }
            Err(_) => {
                broken(text, i, lines, out);
                return;
            }
        }
    }
}

/// Parses one JSON value at `at`; returns it and its length in bytes.
fn one<T: serde::de::DeserializeOwned>(
    text: &str,
    at: usize,
) -> Result<(T, usize), serde_json::Error> {
    let rest = text.get(at..).unwrap_or("");
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<T>();
    match stream.next() {
        Some(Ok(v)) => Ok((v, stream.byte_offset())),
        Some(Err(e)) => Err(e),
        None => Err(serde::de::Error::custom("EOF while parsing a value")),
    }
}

/// The one rejection for what cannot be read from `at` to the end of the text.
fn broken(text: &str, at: usize, lines: &mut Lines<'_>, out: &mut JsonRows) {
    let at = skip_ws(text, at).min(text.len());
    let line = lines.line_at(at);
    let rest = text.get(at..).unwrap_or("");
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
    let err = match stream.next() {
        Some(Err(e)) => e,
        // The value there parses on its own: what follows it in the text is the problem.
        _ => match serde_json::from_str::<Value>(rest) {
            Err(e) => e,
            Ok(_) => {
                out.rejects.push(RowReject {
                    line,
                    column: None,
                    reason: "malformed JSON: a value that does not continue the one before \
                             it; the rest of the file is unread"
                        .to_string(),
                });
                return;
            }
        },
    };
    // Positions of the error in the whole text.
    let err_line = line + err.line() as u64 - 1;
    let err_col = if err.line() <= 1 {
        text[..at].rfind('\n').map_or(at, |nl| at - nl - 1) + err.column()
    } else {
        err.column()
    };
    let msg = err.to_string();
    let msg = msg
        .rsplit_once(" at line ")
        .map_or(msg.as_str(), |(m, _)| m);
    let what = if err.is_eof() {
        "the JSON ends in the middle of a value (truncated file?)"
    } else {
        "malformed JSON"
    };
    out.rejects.push(RowReject {
        line,
        column: Some(format!("column {err_col}")),
        reason: format!(
            "{what}: {msg} at line {err_line} column {err_col}; the rest of the file is unread"
        ),
    });
}

/// NDJSON (or pages one per line): the first line is a whole JSON value and more follow.
fn is_line_delimited(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    lines.next().is_some() && serde_json::from_str::<Value>(first).is_ok()
}

fn reject(line: u64, e: &serde_json::Error) -> RowReject {
    let what = if e.is_eof() {
        "the JSON ends in the middle of a value (truncated file?)"
    } else {
        "malformed JSON"
    };
    RowReject {
        line,
        column: Some(format!("column {}", e.column())),
        reason: format!("{what}: {e}"),
    }
}

fn skip_ws(s: &str, mut i: usize) -> usize {
    let b = s.as_bytes();
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_arrays_and_ndjson() {
        let text = "{\"value\":[{\"a\":1},{\"a\":2}]}\n{\"value\":[{\"a\":3}]}\n";
        assert_eq!(records(text).records.len(), 3);
        assert_eq!(records("[{\"a\":1},{\"a\":null}]").records.len(), 2);
        let nd = "{\"a\":1}\n{\"a\":2}\n";
        let r = records(nd);
        assert_eq!(r.records.len(), 2);
        assert_eq!(r.records[1].line, 2);
    }

    #[test]
    fn a_broken_line_is_rejected_and_reading_resumes() {
        let nd = "{\"a\":1}\n{\"a\":\n{\"a\":3}\n";
        let r = records(nd);
        assert_eq!(r.records.len(), 2, "first and third lines");
        assert_eq!(r.rejects.len(), 1);
    }

    #[test]
    fn truncated_page_keeps_its_complete_objects() {
        let r = records("{\"@odata.context\":\"x#devices\",\"value\":[{\"a\":1},\n{\"a\":");
        assert_eq!(r.records.len(), 1, "the complete object is kept");
        assert_eq!(r.context.as_deref(), Some("x#devices"));
        assert_eq!(r.rejects.len(), 1);
        assert_eq!(r.rejects[0].line, 2, "the line the broken object starts on");
        assert!(
            r.rejects[0].reason.contains("truncated"),
            "{:?}",
            r.rejects[0]
        );
        let r = records("[{\"a\":1},{\"a\":2},{\"a\"");
        assert_eq!((r.records.len(), r.rejects.len()), (2, 1));
        let r = records("{\"a\":1,\"b\":");
        assert_eq!((r.records.len(), r.rejects.len()), (0, 1));
        assert_eq!(r.rejects[0].line, 1);
    }

    #[test]
    fn malformed_item_after_complete_ones() {
        let r = records("{\"value\":[\n{\"a\":1},\n{\"a\":2,},\n{\"a\":3}]}");
        assert_eq!(r.records.len(), 1);
        assert_eq!(r.rejects.len(), 1);
        assert_eq!(r.rejects[0].line, 3);
        assert!(
            r.rejects[0].reason.contains("malformed"),
            "{:?}",
            r.rejects[0]
        );
        // Garbage after a complete page.
        let r = records("{\"value\":[{\"a\":1}]} x");
        assert_eq!((r.records.len(), r.rejects.len()), (1, 1));
    }
}
