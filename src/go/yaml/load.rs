//! Builds one document's JSON value from saphyr's event stream, the way
//! `sigs.k8s.io/yaml` (go-yaml v2 into `interface{}`, then JSON) sees it:
//! scalars resolve by go-yaml v2's rules (see `resolve`), mapping keys become strings,
//! aliases copy their anchor's value, and merge keys (`<<`) write the merged mapping's entries
//! into the map where they appear, overriding keys before them (go-yaml v2's order; in a list
//! of merged maps the earlier map wins). Floats go through Go's JSON encoding: whole numbers
//! come back as integers, and infinities or NaN are errors because JSON cannot hold them.

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};

use super::resolve::{self, Scalar};
use super::MAX_DEPTH;

/// Where and why a document could not be read (line 1-based, column 1-based, in the document).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Expanded alias nodes allowed beyond this many, relative to the document's own size, are
/// taken as an alias bomb (go-yaml v2 also refuses "excessive aliasing").
const ALIAS_BUDGET: usize = 1_000_000;

enum Key {
    Name(String),
    Merge,
}

enum Frame {
    Seq {
        anchor: usize,
        items: Vec<Value>,
    },
    Map {
        anchor: usize,
        map: Map<String, Value>,
        key: Option<Key>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: Vec<Option<Value>>,
    root: Option<Value>,
    documents: usize,
    expanded: usize,
}

/// Parses one document (`None` when the text holds no node or only `null`); a second
/// document is an error.
pub fn load(text: &str) -> Result<Option<Value>, LoadError> {
    load_with(text, false)
}

/// Parses the first document and ignores the rest, as Go's `yaml.Unmarshal` (and so
/// `sigs.k8s.io/yaml.YAMLToJSON`) does.
pub fn load_first(text: &str) -> Result<Option<Value>, LoadError> {
    load_with(text, true)
}

fn load_with(text: &str, first_only: bool) -> Result<Option<Value>, LoadError> {
    let mut b = Builder::default();
    for event in Parser::new_from_str(text) {
        if first_only && matches!(event, Ok((Event::DocumentEnd, _))) {
            break;
        }
        let (event, span) = event.map_err(|e| LoadError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        b.event(event).map_err(|message| LoadError {
            line: span.start.line(),
            column: span.start.col() + 1,
            message,
        })?;
    }
    Ok(b.root.filter(|v| !v.is_null()))
}

impl Builder {
    fn event(&mut self, event: Event<'_>) -> Result<(), String> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err("more than one document in one `---` section".into());
                }
            }
            Event::Scalar(text, style, anchor, tag) => self.scalar(&text, style, anchor, tag)?,
            Event::Alias(id) => self.alias(id)?,
            Event::SequenceStart(anchor, _) => {
                self.check_depth(1)?;
                self.stack.push(Frame::Seq {
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(1)?;
                self.stack.push(Frame::Map {
                    anchor,
                    map: Map::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => self.end()?,
            _ => {}
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<std::borrow::Cow<'_, Tag>>,
    ) -> Result<(), String> {
        let tag = tag.map(|t| resolve::short_tag(&t.handle, &t.suffix));
        let plain = style == ScalarStyle::Plain;
        if self.expects_key() {
            // A plain `<<` (or one tagged `!!merge`/`!`) is a merge key; a quoted one is not.
            let merge = text == "<<"
                && match tag.as_deref() {
                    None => plain,
                    Some(t) => t == "!!merge" || t == "!",
                };
            let scalar = resolve::resolve(tag.as_deref(), text, plain)?;
            if anchor != 0 {
                self.remember(anchor, scalar_value(scalar.clone())?);
            }
            let key = if merge {
                Key::Merge
            } else {
                Key::Name(resolve::key_string(scalar)?)
            };
            return self.set_key(key);
        }
        let value = scalar_value(resolve::resolve(tag.as_deref(), text, plain)?)?;
        self.remember(anchor, value.clone());
        self.add(value, false)
    }

    fn alias(&mut self, id: usize) -> Result<(), String> {
        let value = match self.anchors.get(id) {
            Some(Some(v)) => v.clone(),
            _ => return Err("alias refers to an anchor that is not complete here".into()),
        };
        self.expanded += count_nodes(&value);
        if self.expanded > ALIAS_BUDGET {
            return Err("document contains excessive aliasing".into());
        }
        // An alias copies its anchor's whole subtree here: chained anchors could otherwise
        // build a value far deeper than the text.
        self.check_depth(depth(&value))?;
        if self.expects_key() {
            let key = match value {
                Value::String(s) => s,
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => return Err("an alias used as a mapping key must be a scalar".into()),
            };
            return self.set_key(Key::Name(key));
        }
        self.add(value, true)
    }

    fn end(&mut self) -> Result<(), String> {
        let (anchor, value) = match self.stack.pop() {
            Some(Frame::Seq { anchor, items }) => (anchor, Value::Array(items)),
            Some(Frame::Map { anchor, map, .. }) => (anchor, Value::Object(map)),
            None => return Err("unbalanced collection end".into()),
        };
        if self.expects_key() {
            return Err("a mapping or sequence cannot be a mapping key".into());
        }
        self.remember(anchor, value.clone());
        self.add(value, false)
    }

    /// Refuses a node `extra` levels deep at the current position past `MAX_DEPTH`.
    fn check_depth(&self, extra: usize) -> Result<(), String> {
        if self.stack.len() + extra > MAX_DEPTH {
            return Err(format!("collections nest deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn set_key(&mut self, k: Key) -> Result<(), String> {
        match self.stack.last_mut() {
            Some(Frame::Map { key, .. }) => {
                *key = Some(k);
                Ok(())
            }
            _ => Err("mapping key outside a mapping".into()),
        }
    }

    fn remember(&mut self, anchor: usize, value: Value) {
        if anchor == 0 {
            return;
        }
        if self.anchors.len() <= anchor {
            self.anchors.resize(anchor + 1, None);
        }
        if let Some(slot) = self.anchors.get_mut(anchor) {
            *slot = Some(value);
        }
    }

    /// Puts a finished node where it belongs: the current sequence, map value, or the root.
    fn add(&mut self, value: Value, from_alias: bool) -> Result<(), String> {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => match key.take() {
                Some(Key::Name(k)) => {
                    map.insert(k, value);
                }
                Some(Key::Merge) => merge(map, value, from_alias)?,
                None => return Err("mapping value without a key".into()),
            },
        }
        Ok(())
    }
}

/// go-yaml v2's merge: a map (or alias to one), or a list of them where earlier ones win.
fn merge(into: &mut Map<String, Value>, value: Value, from_alias: bool) -> Result<(), String> {
    const WANT_MAP: &str = "map merge requires map or sequence of maps as the value";
    match value {
        Value::Object(m) => into.extend(m),
        Value::Array(items) if !from_alias => {
            for item in items.into_iter().rev() {
                match item {
                    Value::Object(m) => into.extend(m),
                    _ => return Err(WANT_MAP.into()),
                }
            }
        }
        _ => return Err(WANT_MAP.into()),
    }
    Ok(())
}

/// A resolved scalar as the JSON value Go's encoder would write for it.
fn scalar_value(s: Scalar) -> Result<Value, String> {
    Ok(match s {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::from(i),
        Scalar::Uint(u) => Value::from(u),
        Scalar::Str(s) => Value::String(s),
        Scalar::Float(f) => float_value(f)?,
    })
}

/// Go's JSON encoder writes whole floats below 1e21 without a fraction, so they read back as
/// integers; NaN and the infinities make it fail.
fn float_value(f: f64) -> Result<Value, String> {
    if !f.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            crate::go::float::go_float(f)
        ));
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return Ok(Value::from(f as i64));
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return Ok(Value::from(f as u64));
        }
    }
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| format!("json: unsupported value: {f}"))
}

/// Nesting depth of a value: 0 for a scalar. Only called on values built within `MAX_DEPTH`.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn count_nodes(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
