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

fn line_at(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
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
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut value_start = skip_ws(text, 0);
    loop {
        match stream.next() {
            None => break,
            Some(Ok(v)) => {
                push_value(&mut out, line_at(text, value_start), &v);
                value_start = skip_ws(text, stream.byte_offset());
            }
            Some(Err(e)) => {
                // A page that does not parse loses the rest of the file: counted once.
                out.rejects.push(reject(e.line() as u64, &e));
                break;
            }
        }
    }
    out
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
    fn truncated_page_is_one_rejection() {
        let r = records("{\"value\":[{\"a\":1},{\"a\":");
        assert_eq!(r.records.len(), 0);
        assert_eq!(r.rejects.len(), 1);
        assert!(r.rejects[0].reason.contains("truncated"));
    }
}
