//! YAML in and out for `kube-inject`.
//!
//! Reading splits a multi-document stream and keeps each document's text (kinds we don't
//! inject pass through byte for byte, as in istioctl) and reads values the way istioctl does,
//! with go-yaml v2's YAML 1.1 scalars (`0644` is octal, `yes`/`on` are booleans; `load`,
//! `resolve`), on saphyr's event parser because serde_yaml only knows YAML 1.2. Writing prints JSON values the way
//! Go's `sigs.k8s.io/yaml` does (sorted keys, block style, lists not indented under their key,
//! multi-line strings as literal blocks) and quotes every string a YAML 1.1 reader (Go's
//! go-yaml v2, which kubectl uses) would otherwise take for a bool, number or null.

use std::fmt::Write;

use serde_json::Value;

mod load;
mod resolve;

#[derive(Debug, thiserror::Error)]
#[error("document {index}: {message}")]
pub struct YamlError {
    pub index: usize,
    pub message: String,
}

/// One document of the input: its parsed value (None when empty) and its raw text.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Option<Value>,
    pub raw: String,
}

/// Splits a stream at `---` lines and parses each document with go-yaml v2's scalar rules
/// (what kubectl and istioctl read manifests with; see `resolve`).
pub fn read_documents(text: &str) -> Result<Vec<Document>, YamlError> {
    let mut docs = Vec::new();
    for (index, (first_line, raw)) in split_documents(text).into_iter().enumerate() {
        let value = if raw.trim().is_empty() {
            None
        } else {
            load::load(&raw).map_err(|e| YamlError {
                index,
                message: format!(
                    "line {} column {}: {}",
                    first_line + e.line - 1,
                    e.column,
                    e.message
                ),
            })?
        };
        docs.push(Document { value, raw });
    }
    Ok(docs)
}

/// Parses a single-document text (a values file, a template's output) with the same rules;
/// `None` when it holds nothing.
pub fn parse_value(text: &str) -> Result<Option<Value>, String> {
    load::load(text).map_err(|e| format!("line {} column {}: {}", e.line, e.column, e.message))
}

/// Document boundaries are lines that start with `---` (Kubernetes' YAML reader). Each
/// document comes with the line (1-based, in the whole stream) its text starts on.
fn split_documents(text: &str) -> Vec<(usize, String)> {
    let mut docs = vec![(1, String::new())];
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        if body == "---" || body.starts_with("--- ") {
            docs.push((n + 2, String::new()));
            continue;
        }
        if let Some((_, cur)) = docs.last_mut() {
            cur.push_str(line);
        }
    }
    // A leading `---` leaves an empty first document, and blank sections carry nothing: drop
    // them like the reader does.
    docs.into_iter()
        .filter(|(_, d)| !d.trim().is_empty())
        .collect()
}

/// Prints a value as one YAML document (no `---`), ending with a newline.
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        other => {
            out.push_str(&scalar(other, 0));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_map(out: &mut String, m: &serde_json::Map<String, Value>, ind: usize) {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push_str(&quote_str(k));
        out.push(':');
        write_value(out, &m[k], ind, true);
    }
}

fn write_seq(out: &mut String, a: &[Value], ind: usize) {
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push(' ');
                write_map(out, m, ind + 2);
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push(' ');
                write_seq(out, inner, ind + 2);
            }
            other => write_value(out, other, ind, false),
        }
    }
}

/// Writes what follows `key:` or `-`.
fn write_value(out: &mut String, v: &Value, ind: usize, in_map: bool) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_map(out, m, ind + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            // go-yaml puts a map's list at the key's own indentation.
            let child = if in_map { ind } else { ind + 2 };
            out.push('\n');
            indent(out, child);
            write_seq(out, a, child);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, ind + 2));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value, block_indent: usize) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s, block_indent),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

fn string(s: &str, block_indent: usize) -> String {
    if s.contains('\n') && block_ok(s) {
        return literal_block(s, block_indent);
    }
    quote_str(s)
}

/// A literal block keeps the text exactly when no line starts with a space or tab in a way
/// the indentation would swallow, and there are no other control characters.
fn block_ok(s: &str) -> bool {
    !s.starts_with([' ', '\t', '\n'])
        && !s.chars().any(|c| c.is_control() && c != '\n')
        && s.lines().all(|l| !l.ends_with([' ', '\t']))
}

fn literal_block(s: &str, ind: usize) -> String {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let mut out = format!("|{chomp}");
    let body = s.strip_suffix('\n').unwrap_or(s);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(&mut out, ind);
            out.push_str(line);
        }
    }
    out
}

fn quote_str(s: &str) -> String {
    if !needs_quotes(s) {
        return s.to_string();
    }
    // go-yaml double-quotes what would otherwise read as another type, single-quotes the rest.
    if s.is_empty() || looks_typed(s) || s.chars().any(|c| c.is_control()) {
        return double_quoted(s);
    }
    format!("'{}'", s.replace('\'', "''"))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Would a YAML 1.1 reader take the plain scalar for something other than this string?
fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s != s.trim() {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`=~".contains(first) {
        // `-x`, `--flag`, `*` … are still plain-safe when nothing follows that makes them syntax,
        // but quoting them is always correct, and go-yaml quotes most of them too.
        return first != '-' || s.len() <= 1 || s.starts_with("- ") || looks_typed(s);
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.contains('\t') {
        return true;
    }
    looks_typed(s)
}

fn looks_typed(s: &str) -> bool {
    const WORDS: [&str; 22] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ];
    if WORDS.contains(&s) || matches!(s, "null" | "Null" | "NULL" | "~") {
        return true;
    }
    let t = s.trim_start_matches(['-', '+']);
    let lower = t.to_ascii_lowercase();
    if matches!(lower.as_str(), ".inf" | ".nan") {
        return true;
    }
    // Anything made only of digits, signs, dots, exponents, `_`, `:` or a radix prefix could be
    // a number (ints, floats, base-60, 0x/0o/0b) or a timestamp: quote it.
    let numeric_chars = t.chars().all(|c| {
        c.is_ascii_hexdigit() || matches!(c, '.' | '_' | ':' | '+' | '-' | 'x' | 'o' | 'X' | 'O')
    });
    let starts_numeric = t.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    starts_numeric && numeric_chars
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case("on")]
    #[case("yes")]
    #[case("Y")]
    #[case("15001")]
    #[case("1.0")]
    #[case("0o12")]
    #[case("1e3")]
    #[case("0x1F")]
    #[case("1:20")]
    #[case("2020-01-01")]
    #[case("null")]
    #[case("~")]
    #[case("")]
    #[case("*")]
    #[case("a: b")]
    #[case("-1")]
    #[case(" x")]
    #[case("=")]
    fn typed_looking_strings_are_quoted(#[case] s: &str) {
        let out = to_string(&json!({ "k": s }));
        let back: Value = serde_yaml::from_str(&out).unwrap();
        assert_eq!(back, json!({ "k": s }), "{out}");
        assert!(out.contains('\'') || out.contains('"'), "{out}");
    }

    #[rstest]
    #[case("hello")]
    #[case("--log_output_level=default:info")]
    #[case("$(POD_NAMESPACE).svc.cluster.local")]
    #[case("registry.istio.io/testing/proxyv2:latest")]
    #[case("-p")]
    fn plain_strings_stay_plain(#[case] s: &str) {
        assert_eq!(to_string(&json!({ "k": s })), format!("k: {s}\n"));
    }

    #[test]
    fn layout_matches_go() {
        let v = json!({"spec": {"containers": [{"name": "a", "args": ["x", "15001"]}], "empty": {}, "none": []},
                       "v": "{}\n", "p": "[\n    {\"a\":1}\n]"});
        let out = to_string(&v);
        assert_eq!(
            out,
            "p: |-\n  [\n      {\"a\":1}\n  ]\nspec:\n  containers:\n  - args:\n    - x\n    - \"15001\"\n    name: a\n  empty: {}\n  none: []\nv: |\n  {}\n"
        );
        let back: Value = serde_yaml::from_str(&out).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn documents_split_and_keep_raw_text() {
        let docs = read_documents("a: 1\n---\n# only a comment\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].value, Some(json!({"a": 1})));
        assert!(docs[1].value.is_none());
        assert_eq!(docs[2].raw, "b: 2\n");
    }

    #[test]
    fn documents_use_go_yaml_scalars() {
        let docs = read_documents("mode: 0644\noptional: yes\nv: \"on\"\n").unwrap();
        assert_eq!(
            docs[0].value,
            Some(json!({"mode": 420, "optional": true, "v": "on"}))
        );
    }

    #[test]
    fn bad_document_names_its_index() {
        let e = read_documents("a: 1\n---\nb: !!int x\n").unwrap_err();
        assert_eq!(e.index, 1);
        // Lines count in the whole stream, not the document.
        assert!(e.to_string().contains("line 3 column 4"), "{e}");
    }
}
