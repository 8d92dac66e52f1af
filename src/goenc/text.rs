//! `check`, read from the JSON text: is the pod as sent (its bytes) already its own Go encoding?
//!
//! The webhook's fast path needs that answer before it can skip building a `serde_json::Value`
//! of the pod, which cost a third of an admission. This pass reads the text once, against the
//! same tables, without allocating.
//!
//! Contract: `true` here implies `true` from `check::is_normal_struct` on the pod parsed as the
//! webhook parses it (top-level `metadata.managedFields` dropped). The converse is not needed:
//! `false` only sends the pod the general way, so this pass is allowed to be stricter and is,
//! where being exact would cost code for input an API server never sends: keys must come in Go
//! order (so none repeats), keys and quantities/times must be written without escapes, numbers
//! as plain integers. `tests/goenc_check.rs` checks the implication on generated pods and their
//! mutations, and that every Go encoding passes.

use super::check::omitted_when_null;
use super::scalars;
use super::schema::{Field, Omit, Shape, Struct, Ty};
use super::table;
use crate::go::quantity;

/// Whether `text` (one JSON value) is a Pod in Go's encoding, `managedFields` aside.
pub fn is_pod_encoding(text: &str) -> bool {
    let mut c = Cursor {
        b: text.as_bytes(),
        i: 0,
    };
    is_normal_struct(&mut c, &table::POD, Level::Pod).is_some() && c.peek().is_none()
}

/// A read position in JSON text. Every read is bounds-checked: `None` ends the check.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.i += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// A string's content as written, and whether it holds an escape.
    fn string(&mut self) -> Option<(&'a [u8], bool)> {
        self.expect(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.i += 2;
                }
                _ => self.i += 1,
            }
        }
        let content = self.b.get(start..self.i)?;
        self.i += 1;
        Some((content, escaped))
    }

    /// A string without escapes, as text.
    fn plain_string(&mut self) -> Option<&'a str> {
        match self.string()? {
            (content, false) => std::str::from_utf8(content).ok(),
            (_, true) => None,
        }
    }

    /// The bytes of a scalar that is not a string: a number or `true`/`false`/`null`.
    fn bare(&mut self) -> &'a [u8] {
        self.peek();
        let start = self.i;
        while let Some(b) = self.b.get(self.i) {
            if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t' | b'"') {
                break;
            }
            self.i += 1;
        }
        self.b.get(start..self.i).unwrap_or_default()
    }

    /// Skips one value, iteratively (no recursion, whatever the nesting).
    fn skip_value(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    self.i += 1;
                    depth += 1;
                    continue;
                }
                b'}' | b']' => {
                    self.i += 1;
                    depth = depth.checked_sub(1)?;
                }
                b',' | b':' if depth > 0 => {
                    self.i += 1;
                    continue;
                }
                _ => {
                    if self.bare().is_empty() {
                        return None;
                    }
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    /// After an element: `,` (another follows, `true`) or the closing `end` (`false`).
    fn next_or_end(&mut self, end: u8) -> Option<bool> {
        if self.eat(b',') {
            return Some(true);
        }
        self.expect(end).map(|()| false)
    }
}

/// Where a struct sits: the webhook drops the pod's own `metadata.managedFields` before
/// checking, so there (and only there) that key is skipped, wherever it comes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Pod,
    PodMeta,
    Nested,
}

/// `check::is_normal_struct`, with keys in Go order.
fn is_normal_struct(c: &mut Cursor<'_>, def: &Struct, level: Level) -> Option<()> {
    c.expect(b'{')?;
    let fields = def.fields;
    let (mut next, mut required_present) = (0, 0);
    let mut more = !c.eat(b'}');
    while more {
        let key = match c.string()? {
            (key, false) => key,
            (_, true) => return None,
        };
        c.expect(b':')?;
        if level == Level::PodMeta && key == b"managedFields" {
            c.skip_value()?;
        } else {
            let (i, field) = fields
                .iter()
                .enumerate()
                .skip(next)
                .find(|(_, f)| f.name.as_bytes() == key)?;
            if level == Level::Pod && field.name == "metadata" {
                is_normal_struct(c, &table::OBJECT_META, Level::PodMeta)?;
            } else {
                field_kept_as_is(c, field)?;
            }
            required_present += usize::from(!omitted_when_null(field));
            next = i + 1;
        }
        more = c.next_or_end(b'}')?;
    }
    let required = fields.iter().filter(|f| !omitted_when_null(f)).count();
    (required_present == required).then_some(())
}

/// `check::field_kept_as_is`.
fn field_kept_as_is(c: &mut Cursor<'_>, field: &Field) -> Option<()> {
    let omittable = field.omit != Omit::Never;
    let nullable = matches!(field.shape, Shape::Pointer | Shape::Slice | Shape::Map);
    if nullable && c.peek() == Some(b'n') {
        return (c.bare() == b"null" && !omittable).then_some(());
    }
    match field.shape {
        Shape::Pointer => elem_is_normal(c, field.ty).map(|_| ()),
        Shape::Slice => {
            c.expect(b'[')?;
            if c.eat(b']') {
                return (field.omit != Omit::Empty).then_some(());
            }
            loop {
                elem_is_normal(c, field.ty)?;
                if !c.next_or_end(b']')? {
                    return Some(());
                }
            }
        }
        Shape::Map => {
            c.expect(b'{')?;
            if c.eat(b'}') {
                return (field.omit != Omit::Empty).then_some(());
            }
            loop {
                c.string()?;
                c.expect(b':')?;
                elem_is_normal(c, field.ty)?;
                if !c.next_or_end(b'}')? {
                    return Some(());
                }
            }
        }
        Shape::Value => {
            let empty = elem_is_normal(c, field.ty)?;
            (!(omittable && empty)).then_some(())
        }
    }
}

/// `check::elem_is_normal`; `Some(empty)`: normal, and whether it is the type's empty scalar
/// (`walk::is_empty_scalar`).
fn elem_is_normal(c: &mut Cursor<'_>, ty: Ty) -> Option<bool> {
    match ty {
        Ty::Str => c.string().map(|(content, _)| content.is_empty()),
        Ty::Bool => match c.bare() {
            b"true" => Some(false),
            b"false" => Some(true),
            _ => None,
        },
        Ty::I32 => normal_int(c.bare(), 32),
        Ty::I64 => normal_int(c.bare(), 64),
        Ty::Quantity => {
            let s = c.plain_string()?;
            (s.trim() == s && quantity::is_canonical(s)).then_some(false)
        }
        Ty::IntOrString => match c.peek()? {
            b'"' => c.string().map(|_| false),
            _ => normal_int(c.bare(), 32).map(|_| false),
        },
        Ty::Time => match c.peek()? {
            b'"' => scalars::is_normal_time(c.plain_string()?).then_some(false),
            _ => (c.bare() == b"null").then_some(true),
        },
        Ty::Raw => c.skip_value().map(|()| false),
        Ty::Struct(def) => is_normal_struct(c, def, Level::Nested).map(|()| false),
    }
}

/// An integer as Go prints it (`-?(0|[1-9][0-9]*)`, not `-0`) in range; `Some(is zero)`.
fn normal_int(token: &[u8], bits: u32) -> Option<bool> {
    let digits = token.strip_prefix(b"-").unwrap_or(token);
    let canonical = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits == b"0" || !digits.starts_with(b"0"))
        && token != b"-0";
    if !canonical {
        return None;
    }
    let value: i64 = std::str::from_utf8(token).ok()?.parse().ok()?;
    let fits = bits == 64 || i32::try_from(value).is_ok();
    fits.then_some(value == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(spec: &str) -> String {
        format!(r#"{{"metadata":{{"name":"p"}},"spec":{spec},"status":{{}}}}"#)
    }

    #[test]
    fn go_encoding_passes() {
        let ok = pod(r#"{"containers":[{"name":"a","image":"i","resources":{}}]}"#);
        assert!(is_pod_encoding(&ok), "{ok}");
        // Whitespace between tokens is not part of the value.
        assert!(is_pod_encoding(&format!(" {} ", ok.replace(',', ", "))));
    }

    #[test]
    fn what_go_would_rewrite_fails() {
        for spec in [
            // Key order.
            r#"{"containers":[{"image":"i","name":"a","resources":{}}]}"#,
            // An omitempty slice, empty.
            r#"{"volumes":[],"containers":[{"name":"a","resources":{}}]}"#,
            // A required struct missing.
            r#"{"containers":[{"name":"a"}]}"#,
            // An unknown key, a float spelling, a non-canonical quantity, an escaped key.
            r#"{"containers":[{"name":"a","resources":{}}],"x":1}"#,
            r#"{"containers":[{"name":"a","resources":{}}],"priority":1.0}"#,
            r#"{"containers":[{"name":"a","resources":{"limits":{"cpu":"1000m"}}}]}"#,
            r#"{"containers":[{"n\u0061me":"a","resources":{}}]}"#,
            r#"{"containers":[{"name":"a","resources":{}}],"priority":-0}"#,
            r#"{"containers":[{"name":"a","resources":{}}],"priority":3000000000}"#,
        ] {
            assert!(!is_pod_encoding(&pod(spec)), "{spec}");
        }
        assert!(!is_pod_encoding("{"));
        assert!(!is_pod_encoding(""));
        assert!(!is_pod_encoding(&format!(
            "{}x",
            pod(r#"{"containers":null}"#)
        )));
    }

    #[test]
    fn managed_fields_are_skipped_only_at_the_top() {
        let managed = r#"{"metadata":{"name":"p","managedFields":[{"manager":"m","fieldsV1":{"f:a":{}}}, 5],"namespace":"n"},"spec":{"containers":null},"status":{}}"#;
        assert!(is_pod_encoding(managed));
    }

    #[test]
    fn deep_raw_values_do_not_recurse() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let text = format!(
            r#"{{"metadata":{{"managedFields":{deep}}},"spec":{{"containers":null}},"status":{{}}}}"#
        );
        assert!(is_pod_encoding(&text));
    }

    #[test]
    fn integers() {
        assert_eq!(normal_int(b"0", 32), Some(true));
        assert_eq!(normal_int(b"-12", 32), Some(false));
        assert_eq!(normal_int(b"2147483648", 32), None);
        assert_eq!(normal_int(b"2147483648", 64), Some(false));
        for bad in [&b"01"[..], b"-0", b"1e3", b"1.0", b"", b"-", b"+1"] {
            assert_eq!(normal_int(bad, 64), None, "{bad:?}");
        }
    }
}
