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

use std::ops::Range;

use super::check::omitted_when_null;
use super::scalars;
use super::schema::{Field, Omit, Shape, Struct, Ty};
use super::table;
use crate::go::quantity;

/// Whether `text` (one valid JSON value) is a Pod in Go's encoding, `managedFields` aside.
pub fn is_pod_encoding(text: &str) -> bool {
    check_pod(text).is_some()
}

/// [`is_pod_encoding`], and where the pod's `metadata.managedFields` member is (from its key's
/// opening quote to the end of its value), which the webhook drops. `text` must be valid JSON
/// (a `RawValue`'s is): values the check does not look into are skipped by their brackets.
pub fn check_pod(text: &str) -> Option<Checked> {
    let mut c = Cursor {
        text,
        b: text.as_bytes(),
        i: 0,
        managed_fields: None,
    };
    is_normal_struct(&mut c, &table::POD, Level::Pod)?;
    c.peek().is_none().then_some(Checked {
        managed_fields: c.managed_fields,
    })
}

/// What [`check_pod`] found besides its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub managed_fields: Option<Range<usize>>,
}

/// A read position in JSON text. Every read is bounds-checked: `None` ends the check.
struct Cursor<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    managed_fields: Option<Range<usize>>,
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
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.i + 1;
        let (mut end, mut escaped) = (start, false);
        loop {
            end += find_any(self.b.get(end..)?, [b'"', b'\\'])?;
            if self.b.get(end) == Some(&b'"') {
                break;
            }
            escaped = true;
            end += 2;
        }
        self.i = end + 1;
        Some((self.b.get(start..end)?, escaped))
    }

    /// A string without escapes, as text.
    fn plain_string(&mut self) -> Option<&'a str> {
        match self.string()? {
            // Cut at quotes, so at character boundaries: no need to validate again.
            (content, false) => {
                let end = self.i.checked_sub(1)?;
                self.text.get(end.checked_sub(content.len())?..end)
            }
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

    /// Skips one value, iteratively (no recursion, whatever the nesting). An object or array
    /// ends at the first closing bracket of its kind, outside strings, that balances the
    /// opening ones: brackets of each kind balance in valid JSON (see [`check_pod`]), so the
    /// other kind need not be counted.
    fn skip_value(&mut self) -> Option<()> {
        let (open, close) = match self.peek()? {
            b'{' => (b'{', b'}'),
            b'[' => (b'[', b']'),
            b'"' => return self.string().map(|_| ()),
            _ => return (!self.bare().is_empty()).then_some(()),
        };
        let mut depth = 0usize;
        loop {
            self.i += find_any(self.b.get(self.i..)?, [b'"', open, close])?;
            match *self.b.get(self.i)? {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b if b == open => depth += 1,
                _ => depth = depth.checked_sub(1)?,
            }
            self.i += 1;
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

/// A key equals a field name: most are short, and most comparisons fail on the first byte.
fn same(name: &str, key: &[u8]) -> bool {
    name.len() == key.len() && name.bytes().zip(key).all(|(a, &b)| a == b)
}

/// The first of `needles` in `hay`, eight bytes at a time: most strings here are a few words
/// long, where `memchr`'s set-up costs more than the search.
fn find_any<const N: usize>(hay: &[u8], needles: [u8; N]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut words = hay.chunks_exact(8);
    for (k, chunk) in words.by_ref().enumerate() {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        // A byte of `word ^ needle` is zero where the needle is; the lowest flagged byte is
        // exact (a borrow only ever flags bytes above a true zero).
        let mut found = 0;
        for n in needles {
            let x = word ^ (ONES * u64::from(n));
            found |= x.wrapping_sub(ONES) & !x & HIGHS;
        }
        if found != 0 {
            return Some(k * 8 + (found.trailing_zeros() / 8) as usize);
        }
    }
    let rest = words.remainder();
    let tail = rest.iter().position(|b| needles.contains(b))?;
    Some(hay.len() - rest.len() + tail)
}

/// `check::is_normal_struct`, with keys in Go order.
fn is_normal_struct(c: &mut Cursor<'_>, def: &Struct, level: Level) -> Option<()> {
    c.expect(b'{')?;
    let fields = def.fields;
    let (mut next, mut required_present) = (0, 0);
    let mut more = !c.eat(b'}');
    while more {
        c.peek();
        let key_at = c.i;
        let key = match c.string()? {
            (key, false) => key,
            (_, true) => return None,
        };
        c.expect(b':')?;
        if level == Level::PodMeta && key == b"managedFields" {
            c.skip_value()?;
            // Twice: the parse keeps the last, the cut would take the first. Not Go's anyway.
            if c.managed_fields.replace(key_at..c.i).is_some() {
                return None;
            }
        } else {
            let (i, field) = fields
                .iter()
                .enumerate()
                .skip(next)
                .find(|(_, f)| same(f.name, key))?;
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
    // Accumulated negatively, so that i64::MIN fits.
    let value = digits.iter().try_fold(0i64, |v, d| {
        v.checked_mul(10)?.checked_sub(i64::from(d - b'0'))
    })?;
    let value = if token.len() == digits.len() {
        value.checked_neg()?
    } else {
        value
    };
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
        let range = check_pod(managed).unwrap().managed_fields.unwrap();
        let member = &managed[range];
        assert!(member.starts_with(r#""managedFields":[{"#) && member.ends_with("5]"));
        let twice = managed.replace(r#""namespace":"n""#, r#""managedFields":[]"#);
        assert!(!is_pod_encoding(&twice));
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
    fn find_any_finds_the_first_needle_at_every_offset() {
        for len in 0..40 {
            for at in 0..len {
                let mut hay = vec![b'a'; len];
                hay[at] = b'"';
                if at + 3 < len {
                    hay[at + 3] = b'\\';
                }
                assert_eq!(find_any(&hay, [b'"', b'\\']), Some(at), "{len} {at}");
                // Bytes next to a needle's value do not match (`#` and `!` beside `"`).
                hay[at] = if at % 2 == 0 { b'#' } else { b'!' };
                let want = (at + 3 < len).then_some(at + 3);
                assert_eq!(find_any(&hay, [b'"', b'\\']), want, "{len} {at}");
            }
        }
        assert_eq!(find_any(b"\x80\xff\x00\"", [b'"']), Some(3));
    }

    #[test]
    fn integers() {
        assert_eq!(normal_int(b"0", 32), Some(true));
        assert_eq!(normal_int(b"-12", 32), Some(false));
        assert_eq!(normal_int(b"2147483648", 32), None);
        assert_eq!(normal_int(b"2147483648", 64), Some(false));
        assert_eq!(normal_int(b"-2147483648", 32), Some(false));
        assert_eq!(normal_int(b"-9223372036854775808", 64), Some(false));
        assert_eq!(normal_int(b"9223372036854775808", 64), None);
        for bad in [&b"01"[..], b"-0", b"1e3", b"1.0", b"", b"-", b"+1"] {
            assert_eq!(normal_int(bad, 64), None, "{bad:?}");
        }
    }
}
