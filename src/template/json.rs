//! Go `encoding/json` output for template values (`toJson`, `structToJSON`, ...).
//!
//! Maps (Go maps: `.Values`, dicts) are written with sorted keys; typed data
//! objects keep their stored order, standing in for Go struct field order.
//! Strings are escaped as Go does, including `<`, `>` and `&` as `\u003c`...
//! unless HTML escaping is turned off (`toRawJson`).

use super::format::json_float;
use super::value::{too_deep, Value, MAX_DEPTH};

/// Output options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JsonStyle {
    /// `json.MarshalIndent(v, "", "  ")` instead of compact output.
    pub indent: bool,
    pub escape_html: bool,
}

impl JsonStyle {
    pub(crate) const COMPACT: JsonStyle = JsonStyle {
        indent: false,
        escape_html: true,
    };
}

/// Encodes a value; the error text is Go's (`json: unsupported value: NaN`).
pub(crate) fn to_json(v: &Value<'_>, style: JsonStyle) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, style, 0)?;
    Ok(out)
}

/// Writes a JSON string literal the way Go's encoder does.
pub(crate) fn write_str(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn newline(out: &mut String, style: JsonStyle, level: usize) {
    if style.indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str("  ");
        }
    }
}

fn write_value(
    out: &mut String,
    v: &Value<'_>,
    style: JsonStyle,
    level: usize,
) -> Result<(), String> {
    if level > MAX_DEPTH {
        return Err(too_deep());
    }
    match v {
        Value::Nil | Value::Zero => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => match json_float(*f) {
            Some(s) => out.push_str(&s),
            None => {
                let text = if f.is_nan() {
                    "NaN"
                } else if *f > 0.0 {
                    "+Inf"
                } else {
                    "-Inf"
                };
                return Err(format!("json: unsupported value: {text}"));
            }
        },
        Value::Str(s) => write_str(out, s, style.escape_html),
        _ if v.is_list() => write_list(out, v, style, level)?,
        _ => write_map(out, v, style, level)?,
    }
    Ok(())
}

fn write_list(
    out: &mut String,
    v: &Value<'_>,
    style: JsonStyle,
    level: usize,
) -> Result<(), String> {
    let items = v.list_items().unwrap_or_default();
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, style, level + 1);
        write_value(out, item, style, level + 1)?;
    }
    if !items.is_empty() {
        newline(out, style, level);
    }
    out.push(']');
    Ok(())
}

fn write_map(
    out: &mut String,
    v: &Value<'_>,
    style: JsonStyle,
    level: usize,
) -> Result<(), String> {
    let entries = v.map_entries_ordered().unwrap_or_default();
    out.push('{');
    for (i, (k, val)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, style, level + 1);
        write_str(out, k, style.escape_html);
        out.push(':');
        if style.indent {
            out.push(' ');
        }
        write_value(out, val, style, level + 1)?;
    }
    if !entries.is_empty() {
        newline(out, style, level);
    }
    out.push('}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::value::{MapKind, Origin};
    use serde_json::json;

    #[test]
    fn compact_and_pretty() {
        let data = json!({"z": 1, "a": [true, null, "<x>"], "e": {}});
        let v = Value::Data(&data, Origin::Dynamic);
        assert_eq!(
            to_json(&v, JsonStyle::COMPACT).unwrap(),
            r#"{"a":[true,null,"\u003cx\u003e"],"e":{},"z":1}"#
        );
        let pretty = JsonStyle {
            indent: true,
            escape_html: false,
        };
        assert_eq!(
            to_json(&v, pretty).unwrap(),
            "{\n  \"a\": [\n    true,\n    null,\n    \"<x>\"\n  ],\n  \"e\": {},\n  \"z\": 1\n}"
        );
    }

    #[test]
    fn typed_objects_keep_order_and_errors_are_go_wording() {
        let data = json!({"name": "http", "containerPort": 80});
        let v = Value::Data(&data, Origin::Typed);
        assert_eq!(
            to_json(&v, JsonStyle::COMPACT).unwrap(),
            r#"{"name":"http","containerPort":80}"#
        );
        let m = Value::map(
            [("a".to_string(), Value::Float(f64::NAN))].into(),
            MapKind::Any,
        );
        assert_eq!(
            to_json(&m, JsonStyle::COMPACT).unwrap_err(),
            "json: unsupported value: NaN"
        );
    }
}
