//! The `ISTIO_KUBE_APP_PROBERS` value: Istio's `KubeAppProbers` map and its JSON codec.
//!
//! pilot-agent reads this value, and Istio compares it as a string, so it must be the bytes
//! Go's `encoding/json` writes for `map[string]*Prober`: keys sorted bytewise, struct fields in
//! Go declaration order with their `omitempty` rules, HTML-sensitive characters escaped. serde's
//! derived output differs on each of these points (k8s-openapi orders fields alphabetically and
//! omits a `None` gRPC service that Go prints as `null`), so encoding is written out here,
//! infallibly, into a `String`.
//!
//! Decoding is needed only when a re-injected Pod already carries the variable and Istio merges
//! it. It follows `json.Unmarshal`'s rules where they change the outcome: field names match
//! case-insensitively, unknown fields are ignored, `null` leaves a value untouched (or clears a
//! pointer), a value of the wrong JSON type fails the whole decode, and objects decode into what
//! an earlier duplicate key already filled in.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{GRPCAction, HTTPGetAction, HTTPHeader, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{Map, Value};

/// One prober handed to pilot-agent (Istio's `inject.Prober`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Prober {
    pub http_get: Option<HTTPGetAction>,
    pub tcp_socket: Option<TCPSocketAction>,
    pub grpc: Option<GRPCAction>,
    /// Go's `int32` with `omitempty`: zero is not printed.
    pub timeout_seconds: i32,
}

/// Prober URL path → prober; `None` is a JSON `null` entry (only ever read back, never built).
pub(crate) type AppProbers = BTreeMap<String, Option<Prober>>;

/// Why an existing `ISTIO_KUBE_APP_PROBERS` value could not be read back.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DecodeError {
    #[error("ISTIO_KUBE_APP_PROBERS is not valid JSON: {0}")]
    Syntax(#[from] serde_json::Error),
    #[error("ISTIO_KUBE_APP_PROBERS: {at} must be {expected}, found {found}")]
    Type {
        at: String,
        expected: &'static str,
        found: &'static str,
    },
}

// ---------------------------------------------------------------- encoding

/// Go's `json.Marshal` of the map, byte for byte.
pub(crate) fn encode(probers: &AppProbers) -> String {
    let mut out = String::with_capacity(64 * probers.len());
    let mut obj = ObjectWriter::open(&mut out);
    for (url, prober) in probers {
        let out = obj.key(url);
        match prober {
            Some(p) => write_prober(out, p),
            None => out.push_str("null"),
        }
    }
    obj.close();
    out
}

fn write_prober(out: &mut String, p: &Prober) {
    let mut obj = ObjectWriter::open(out);
    if let Some(h) = &p.http_get {
        write_http_get(obj.key("httpGet"), h);
    }
    if let Some(t) = &p.tcp_socket {
        let out = obj.key("tcpSocket");
        let mut inner = ObjectWriter::open(out);
        write_int_or_string(inner.key("port"), &t.port);
        write_opt_string(&mut inner, "host", t.host.as_deref());
        inner.close();
    }
    if let Some(g) = &p.grpc {
        let out = obj.key("grpc");
        let mut inner = ObjectWriter::open(out);
        inner.key("port").push_str(&g.port.to_string());
        // `service` is a `*string` without omitempty: absent prints as null.
        match &g.service {
            Some(s) => write_go_string(inner.key("service"), s),
            None => inner.key("service").push_str("null"),
        }
        inner.close();
    }
    if p.timeout_seconds != 0 {
        obj.key("timeoutSeconds")
            .push_str(&p.timeout_seconds.to_string());
    }
    obj.close();
}

fn write_http_get(out: &mut String, h: &HTTPGetAction) {
    let mut obj = ObjectWriter::open(out);
    write_opt_string(&mut obj, "path", h.path.as_deref());
    write_int_or_string(obj.key("port"), &h.port);
    write_opt_string(&mut obj, "host", h.host.as_deref());
    write_opt_string(&mut obj, "scheme", h.scheme.as_deref());
    if let Some(headers) = h.http_headers.as_deref().filter(|v| !v.is_empty()) {
        let out = obj.key("httpHeaders");
        out.push('[');
        for (i, header) in headers.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let mut hobj = ObjectWriter::open(out);
            write_go_string(hobj.key("name"), &header.name);
            write_go_string(hobj.key("value"), &header.value);
            hobj.close();
        }
        out.push(']');
    }
    obj.close();
}

/// A Go `string` field with `omitempty`: `None` and `""` are both left out.
fn write_opt_string(obj: &mut ObjectWriter<'_>, key: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        write_go_string(obj.key(key), v);
    }
}

fn write_int_or_string(out: &mut String, v: &IntOrString) {
    match v {
        IntOrString::Int(i) => out.push_str(&i.to_string()),
        IntOrString::String(s) => write_go_string(out, s),
    }
}

/// Writes `{"k":v,...}` with the commas in the right places.
struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    fn open(out: &'a mut String) -> Self {
        out.push('{');
        Self { out, empty: true }
    }

    /// Writes the key and colon; the caller writes the value into the returned buffer.
    fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_go_string(self.out, key);
        self.out.push(':');
        self.out
    }

    fn close(self) {
        self.out.push('}');
    }
}

/// How [`write_go_string`] writes one character.
enum Escape {
    None,
    Text(&'static str),
    /// `\u00xx` of an ASCII byte.
    Byte,
}

/// A JSON string exactly as Go's `encoding/json` writes it with HTML escaping on (the default
/// for `json.Marshal`): `\b \f \n \r \t` short forms, other controls as `\u00xx`, and `<`,
/// `>`, `&`, U+2028, U+2029 as `\u` escapes.
pub(crate) fn write_go_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    // Runs of characters that need no escape are copied whole; every split is at an ASCII
    // byte or before a U+2028/U+2029 lead byte, so on a character boundary.
    let (mut start, mut i) = (0, 0);
    while let Some(&b) = bytes.get(i) {
        let (escape, len) = match b {
            b'"' => (Escape::Text("\\\""), 1),
            b'\\' => (Escape::Text("\\\\"), 1),
            0x08 => (Escape::Text("\\b"), 1),
            0x0c => (Escape::Text("\\f"), 1),
            b'\n' => (Escape::Text("\\n"), 1),
            b'\r' => (Escape::Text("\\r"), 1),
            b'\t' => (Escape::Text("\\t"), 1),
            0xe2 if bytes.get(i + 1) == Some(&0x80) => match bytes.get(i + 2) {
                Some(0xa8) => (Escape::Text("\\u2028"), 3),
                Some(0xa9) => (Escape::Text("\\u2029"), 3),
                _ => (Escape::None, 1),
            },
            b if b < 0x20 || b == b'<' || b == b'>' || b == b'&' => (Escape::Byte, 1),
            _ => (Escape::None, 1),
        };
        let copied = s.get(start..i).unwrap_or_default();
        match escape {
            Escape::None => {}
            Escape::Text(text) => {
                out.push_str(copied);
                out.push_str(text);
                start = i + len;
            }
            Escape::Byte => {
                out.push_str(copied);
                out.push_str("\\u00");
                // Lower-case hex digits, as Go writes them; a nibble always is one.
                for nibble in [b >> 4, b & 0xf] {
                    out.extend(char::from_digit(u32::from(nibble), 16));
                }
                start = i + len;
            }
        }
        i += len;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

// ---------------------------------------------------------------- decoding

/// Reads a value back the way `json.Unmarshal` fills `map[string]*Prober`.
pub(crate) fn decode(text: &str) -> Result<AppProbers, DecodeError> {
    let mut probers = AppProbers::new();
    match serde_json::from_str::<Value>(text)? {
        // Unmarshalling null leaves the map nil: nothing to merge.
        Value::Null => {}
        Value::Object(entries) => {
            // Go starts every map element from zero, so entries never merge.
            for (url, v) in entries {
                let prober = match v {
                    Value::Null => None,
                    Value::Object(fields) => {
                        let mut p = Prober::default();
                        decode_prober(&fields, &mut p, &url)?;
                        Some(p)
                    }
                    other => return Err(type_error(url, "an object", &other)),
                };
                probers.insert(url, prober);
            }
        }
        other => return Err(type_error("the value".into(), "an object", &other)),
    }
    Ok(probers)
}

fn decode_prober(fields: &Map<String, Value>, p: &mut Prober, at: &str) -> Result<(), DecodeError> {
    for (key, v) in fields {
        let at = format!("{at}.{key}");
        match folded(key).as_deref() {
            Some("httpget") => decode_ptr(v, &mut p.http_get, &at, decode_http_get)?,
            Some("tcpsocket") => decode_ptr(v, &mut p.tcp_socket, &at, decode_tcp_socket)?,
            Some("grpc") => decode_ptr(v, &mut p.grpc, &at, decode_grpc)?,
            Some("timeoutseconds") => decode_i32(v, &mut p.timeout_seconds, &at)?,
            _ => {}
        }
    }
    Ok(())
}

fn decode_http_get(
    fields: &Map<String, Value>,
    h: &mut HTTPGetAction,
    at: &str,
) -> Result<(), DecodeError> {
    for (key, v) in fields {
        let at = format!("{at}.{key}");
        match folded(key).as_deref() {
            Some("path") => decode_opt_string(v, &mut h.path, &at)?,
            Some("port") => decode_int_or_string(v, &mut h.port, &at)?,
            Some("host") => decode_opt_string(v, &mut h.host, &at)?,
            Some("scheme") => decode_opt_string(v, &mut h.scheme, &at)?,
            Some("httpheaders") => decode_headers(v, &mut h.http_headers, &at)?,
            _ => {}
        }
    }
    Ok(())
}

fn decode_tcp_socket(
    fields: &Map<String, Value>,
    t: &mut TCPSocketAction,
    at: &str,
) -> Result<(), DecodeError> {
    for (key, v) in fields {
        let at = format!("{at}.{key}");
        match folded(key).as_deref() {
            Some("port") => decode_int_or_string(v, &mut t.port, &at)?,
            Some("host") => decode_opt_string(v, &mut t.host, &at)?,
            _ => {}
        }
    }
    Ok(())
}

fn decode_grpc(
    fields: &Map<String, Value>,
    g: &mut GRPCAction,
    at: &str,
) -> Result<(), DecodeError> {
    for (key, v) in fields {
        let at = format!("{at}.{key}");
        match folded(key).as_deref() {
            Some("port") => decode_i32(v, &mut g.port, &at)?,
            // A `*string`: null clears it.
            Some("service") => match v {
                Value::Null => g.service = None,
                Value::String(s) => g.service = Some(s.clone()),
                other => return Err(type_error(at, "a string", other)),
            },
            _ => {}
        }
    }
    Ok(())
}

/// Decodes a JSON object's fields into a struct that may already hold values.
type FillFn<T> = fn(&Map<String, Value>, &mut T, &str) -> Result<(), DecodeError>;

/// A pointer-to-struct field: null clears it, an object fills it (reusing what is there).
fn decode_ptr<T: Default>(
    v: &Value,
    slot: &mut Option<T>,
    at: &str,
    fill: FillFn<T>,
) -> Result<(), DecodeError> {
    match v {
        Value::Null => *slot = None,
        Value::Object(fields) => fill(fields, slot.get_or_insert_with(T::default), at)?,
        other => return Err(type_error(at.to_owned(), "an object", other)),
    }
    Ok(())
}

fn decode_headers(
    v: &Value,
    slot: &mut Option<Vec<HTTPHeader>>,
    at: &str,
) -> Result<(), DecodeError> {
    let items = match v {
        Value::Null => {
            *slot = None;
            return Ok(());
        }
        Value::Array(items) => items,
        other => return Err(type_error(at.to_owned(), "an array", other)),
    };
    // Go decodes array elements into the slots already there, then truncates.
    let headers = slot.get_or_insert_with(Vec::new);
    headers.resize_with(items.len().max(headers.len()), HTTPHeader::default);
    for (i, (header, item)) in headers.iter_mut().zip(items).enumerate() {
        let at = format!("{at}[{i}]");
        match item {
            Value::Null => {}
            Value::Object(fields) => {
                for (key, v) in fields {
                    let at = format!("{at}.{key}");
                    match folded(key).as_deref() {
                        Some("name") => decode_string(v, &mut header.name, &at)?,
                        Some("value") => decode_string(v, &mut header.value, &at)?,
                        _ => {}
                    }
                }
            }
            other => return Err(type_error(at, "an object", other)),
        }
    }
    headers.truncate(items.len());
    Ok(())
}

fn decode_string(v: &Value, slot: &mut String, at: &str) -> Result<(), DecodeError> {
    match v {
        Value::Null => {}
        Value::String(s) => slot.clone_from(s),
        other => return Err(type_error(at.to_owned(), "a string", other)),
    }
    Ok(())
}

/// A plain Go `string` held as `Option<String>` by k8s-openapi; `""` and `None` print alike.
fn decode_opt_string(v: &Value, slot: &mut Option<String>, at: &str) -> Result<(), DecodeError> {
    match v {
        Value::Null => {}
        Value::String(s) => *slot = Some(s.clone()),
        other => return Err(type_error(at.to_owned(), "a string", other)),
    }
    Ok(())
}

/// Go `int32`: the literal must be an integer in range (`1.0` and `1e3` are refused).
fn decode_i32(v: &Value, slot: &mut i32, at: &str) -> Result<(), DecodeError> {
    match v {
        Value::Null => {}
        Value::Number(n) => match n.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(n) => *slot = n,
            None => return Err(type_error(at.to_owned(), "a 32-bit integer", v)),
        },
        other => return Err(type_error(at.to_owned(), "a 32-bit integer", other)),
    }
    Ok(())
}

/// `intstr.IntOrString.UnmarshalJSON`: a quoted value is a string, anything else an `int32`
/// (so `null` yields the integer form, keeping a previous integer).
fn decode_int_or_string(v: &Value, slot: &mut IntOrString, at: &str) -> Result<(), DecodeError> {
    match v {
        Value::String(s) => *slot = IntOrString::String(s.clone()),
        other => {
            let mut n = match slot {
                IntOrString::Int(n) => *n,
                IntOrString::String(_) => 0,
            };
            decode_i32(other, &mut n, at)?;
            *slot = IntOrString::Int(n);
        }
    }
    Ok(())
}

/// The key folded the way Go matches field names (`bytes.EqualFold`), for comparison against
/// our lower-case ASCII field names. Only the Kelvin sign and the long s fold onto ASCII
/// letters; any other non-ASCII character cannot match, so the key then matches nothing.
fn folded(key: &str) -> Option<String> {
    key.chars()
        .map(|c| match c {
            '\u{212a}' => Some('k'),
            '\u{17f}' => Some('s'),
            c if c.is_ascii() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn type_error(at: String, expected: &'static str, found: &Value) -> DecodeError {
    let found = match found {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    DecodeError::Type {
        at,
        expected,
        found,
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::plain("abc", r#""abc""#)]
    #[case::quotes_and_backslash("a\"b\\c", r#""a\"b\\c""#)]
    #[case::short_escapes("\u{8}\u{c}\n\r\t", r#""\b\f\n\r\t""#)]
    #[case::other_controls("\u{0}\u{1f}\u{7f}", "\"\\u0000\\u001f\u{7f}\"")]
    #[case::html("<a href='x'>&</a>", r#""\u003ca href='x'\u003e\u0026\u003c/a\u003e""#)]
    #[case::line_separators("\u{2028}\u{2029}é", "\"\\u2028\\u2029é\"")]
    #[case::multibyte_runs(
        "é€\u{2027}<\u{2029}ü\u{e000}",
        "\"é€\u{2027}\\u003c\\u2029ü\u{e000}\""
    )]
    fn go_string_escaping(#[case] raw: &str, #[case] want: &str) {
        let mut out = String::new();
        write_go_string(&mut out, raw);
        assert_eq!(out, want);
    }

    /// The run-copying writer against Go's rules applied a character at a time, on strings
    /// mixing every class of character.
    #[test]
    fn go_string_runs_match_the_per_character_rules() {
        fn per_char(s: &str) -> String {
            let mut out = String::from('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                    c if c < ' ' || "<>&".contains(c) => {
                        out.push_str(&format!("\\u{:04x}", u32::from(c)))
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        let alphabet = [
            'a',
            '"',
            '\\',
            '\n',
            '\u{1}',
            '\u{1f}',
            '<',
            '>',
            '&',
            'é',
            '€',
            '\u{2027}',
            '\u{2028}',
            '\u{2029}',
            '\u{7f}',
            '\u{1f600}',
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2_000 {
            let mut raw = String::new();
            for _ in 0..(state % 12) {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                raw.push(alphabet[(state >> 33) as usize % alphabet.len()]);
            }
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let mut out = String::new();
            write_go_string(&mut out, &raw);
            assert_eq!(out, per_char(&raw), "{raw:?}");
        }
    }

    #[rstest]
    #[case::int_or_string_string(r#"{"/a":{"tcpSocket":{"port":"p","host":"h"}}}"#)]
    #[case::grpc_service(
        r#"{"/a":{"grpc":{"port":1,"service":"s"}},"/b":{"grpc":{"port":2,"service":null}}}"#
    )]
    #[case::headers(r#"{"/a":{"httpGet":{"port":1,"httpHeaders":[{"name":"","value":""},{"name":"n","value":"v"}]},"timeoutSeconds":-1}}"#)]
    fn codec_round_trips(#[case] canonical: &str) {
        assert_eq!(encode(&decode(canonical).unwrap()), canonical);
    }

    #[rstest]
    #[case::top_level_array("[]")]
    #[case::entry_string(r#"{"/a":"x"}"#)]
    #[case::port_bool(r#"{"/a":{"httpGet":{"port":true}}}"#)]
    #[case::port_float(r#"{"/a":{"httpGet":{"port":1.0}}}"#)]
    #[case::port_out_of_range(r#"{"/a":{"httpGet":{"port":4294967296}}}"#)]
    #[case::path_number(r#"{"/a":{"httpGet":{"path":1}}}"#)]
    #[case::headers_object(r#"{"/a":{"httpGet":{"httpHeaders":{}}}}"#)]
    #[case::empty("")]
    fn decode_refuses(#[case] text: &str) {
        assert!(decode(text).is_err(), "{text}");
    }

    #[test]
    fn decode_follows_go_null_and_fold_rules() {
        // null leaves a port number alone and turns a name into 0; the Kelvin sign folds to `k`.
        let got: AppProbers = decode(
            r#"{"/a":{"tcpSoc\u212aet":{"port":null}},"/b":{"httpGet":{"port":7,"PORT":null}}}"#,
        )
        .unwrap();
        assert_eq!(
            encode(&got),
            r#"{"/a":{"tcpSocket":{"port":0}},"/b":{"httpGet":{"port":7}}}"#
        );
    }
}
