//! YAML in and out for `kube-inject`.
//!
//! Reading splits a multi-document stream and keeps each document's text (kinds we don't
//! inject pass through byte for byte, as in istioctl) and reads each document as istioctl does,
//! with go-yaml v2 (`crate::go::yaml`). Writing is `sigs.k8s.io/yaml.Marshal`'s: go-yaml's
//! emitter, its key order and string styles.

use serde_json::Value;

use crate::go::yaml as goyaml;

#[derive(Debug, thiserror::Error)]
#[error("document {}: {message}", .index + 1)]
pub struct YamlError {
    /// 0-based position of the document in the stream (messages count from 1).
    pub index: usize,
    pub message: String,
}

/// Documents in one stream; a manifest of more is split by the caller.
pub const MAX_DOCUMENTS: usize = 10_000;

/// One document of the input: its parsed value (None when empty) and its raw text.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Option<Value>,
    pub raw: String,
}

/// Splits a stream at `---` lines and parses each document with go-yaml v2's scalar rules
/// (what kubectl and istioctl read manifests with).
pub fn read_documents(text: &str) -> Result<Vec<Document>, YamlError> {
    let mut docs = Vec::new();
    let parts = split_documents(text);
    if parts.len() > MAX_DOCUMENTS {
        return Err(YamlError {
            index: MAX_DOCUMENTS,
            message: format!(
                "the stream has {} documents, over the limit of {MAX_DOCUMENTS}; split it",
                parts.len()
            ),
        });
    }
    for (index, (first_line, raw)) in parts.into_iter().enumerate() {
        let value = if raw.trim().is_empty() {
            None
        } else {
            goyaml::load(&raw).map_err(|e| YamlError {
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
    goyaml::load(text).map_err(|e| format!("line {} column {}: {}", e.line, e.column, e.message))
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

/// Prints a value as one YAML document (no `---`), ending with a newline, as
/// `sigs.k8s.io/yaml.Marshal` would.
pub fn to_string(v: &Value) -> Result<String, String> {
    goyaml::to_string(v)
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
    fn typed_looking_strings_are_quoted(#[case] s: &str) {
        let out = to_string(&json!({ "k": s })).unwrap();
        let back = parse_value(&out).unwrap().unwrap();
        assert_eq!(back, json!({ "k": s }), "{out}");
        assert!(out.contains('\'') || out.contains('"'), "{out}");
    }

    #[rstest]
    #[case("hello")]
    #[case("--log_output_level=default:info")]
    #[case("$(POD_NAMESPACE).svc.cluster.local")]
    #[case("registry.istio.io/testing/proxyv2:latest")]
    #[case("-p")]
    #[case("=")]
    fn plain_strings_stay_plain(#[case] s: &str) {
        assert_eq!(to_string(&json!({ "k": s })).unwrap(), format!("k: {s}\n"));
    }

    #[test]
    fn layout_matches_go() {
        let v = json!({"spec": {"containers": [{"name": "a", "args": ["x", "15001"]}], "empty": {}, "none": []},
                       "v": "{}\n", "p": "[\n    {\"a\":1}\n]"});
        let out = to_string(&v).unwrap();
        assert_eq!(
            out,
            "p: |-\n  [\n      {\"a\":1}\n  ]\nspec:\n  containers:\n  - args:\n    - x\n    - \"15001\"\n    name: a\n  empty: {}\n  none: []\nv: |\n  {}\n"
        );
        assert_eq!(parse_value(&out).unwrap(), Some(v));
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
    fn too_many_documents_are_refused() {
        let e = read_documents(&"a: 1\n---\n".repeat(MAX_DOCUMENTS + 1)).unwrap_err();
        assert!(e.to_string().contains("over the limit of 10000"), "{e}");
    }

    #[test]
    fn bad_document_names_its_index() {
        let e = read_documents("a: 1\n---\nb: !!int x\n").unwrap_err();
        assert_eq!(e.index, 1);
        // Lines count in the whole stream, not the document.
        assert!(e.to_string().contains("line 3 column 4"), "{e}");
    }
}
