//! `check`, read from the JSON text: is the pod as sent (its bytes) already its own Go encoding?
//!
//! The webhook's fast path needs that answer before it can skip building a `serde_json::Value`
//! of the pod, which cost a third of an admission. This pass reads the text once, against the
//! same tables, without allocating.
//!
//! Contract: `true` here implies that `text` is valid JSON and that `check::is_normal_struct`
//! says `true` of the pod parsed as the webhook parses it (top-level `metadata.managedFields`
//! dropped). The converse is not needed: `false` only sends the pod the general way (or the
//! review to `serde_json`), so this pass is allowed to be stricter and is, where being exact
//! would cost code for input an API server never sends: keys must come in Go order (so none
//! repeats), keys and quantities/times must be written without escapes, numbers as plain
//! integers. It validates as it reads (`crate::scan`), so a `true` needs no other parse of the
//! text. `tests/goenc_check.rs` checks the implication on generated pods and their mutations,
//! and that every Go encoding passes.

use std::ops::Range;

use super::check::omitted_when_null;
use super::scalars;
use super::schema::{Field, Omit, Shape, Struct, Ty};
use super::table;
use crate::go::quantity;
use crate::scan::Cursor;

/// Whether `text` (one JSON value) is a Pod in Go's encoding, `managedFields` aside.
pub fn is_pod_encoding(text: &str) -> bool {
    check_pod(text).is_some()
}

/// [`is_pod_encoding`], and where the pod's `metadata.managedFields` member is (from its key's
/// opening quote to the end of its value), which the webhook drops.
pub fn check_pod(text: &str) -> Option<Checked> {
    let mut c = Cursor::new(text);
    let checked = check_pod_at(&mut c)?;
    c.at_end().then_some(checked)
}

/// [`check_pod`] of the value at the cursor, which it leaves right after the pod; the range is
/// relative to where the pod starts.
pub fn check_pod_at(c: &mut Cursor<'_>) -> Option<Checked> {
    c.peek();
    let start = c.pos();
    let mut managed_fields = None;
    is_normal_struct(c, &table::POD, Level::Pod, &mut managed_fields)?;
    let managed_fields = match managed_fields {
        Some(r) => Some(r.start.checked_sub(start)?..r.end.checked_sub(start)?),
        None => None,
    };
    Some(Checked { managed_fields })
}

/// What [`check_pod`] found besides its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub managed_fields: Option<Range<usize>>,
}

/// Where a struct sits: the webhook drops the pod's own `metadata.managedFields` before
/// checking, so there (and only there) that key is skipped, wherever it comes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Pod,
    PodMeta,
    Nested,
}

/// `check::is_normal_struct`, with keys in Go order. `managed_fields`: where the pod's own
/// `metadata.managedFields` member is, once found.
fn is_normal_struct(
    c: &mut Cursor<'_>,
    def: &Struct,
    level: Level,
    managed_fields: &mut Option<Range<usize>>,
) -> Option<()> {
    c.expect(b'{')?;
    let fields = def.fields;
    let (mut next, mut required_present) = (0, 0);
    let mut more = !c.eat(b'}');
    while more {
        c.peek();
        let key_at = c.pos();
        // The pod's own `managedFields` may come anywhere (it is dropped, not checked).
        let managed = level == Level::PodMeta && c.key_among(["managedFields"]).is_some();
        if managed {
            c.expect(b':')?;
            c.skip_value()?;
            // Twice: the parse keeps the last, the cut would take the first. Not Go's anyway.
            if managed_fields.replace(key_at..c.pos()).is_some() {
                return None;
            }
        } else {
            let i = next + c.key_among(fields.iter().skip(next).map(|f| f.name))?;
            let field = fields.get(i)?;
            c.expect(b':')?;
            if level == Level::Pod && field.name == "metadata" {
                is_normal_struct(c, &table::OBJECT_META, Level::PodMeta, managed_fields)?;
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
        return (c.scalar()? == b"null" && !omittable).then_some(());
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
        Ty::Bool => match c.scalar()? {
            b"true" => Some(false),
            b"false" => Some(true),
            _ => None,
        },
        Ty::I32 => normal_int(c.scalar()?, 32),
        Ty::I64 => normal_int(c.scalar()?, 64),
        Ty::Quantity => {
            let s = c.plain_string()?;
            (s.trim() == s && quantity::is_canonical(s)).then_some(false)
        }
        Ty::IntOrString => match c.peek()? {
            b'"' => c.string().map(|_| false),
            _ => normal_int(c.scalar()?, 32).map(|_| false),
        },
        Ty::Time => match c.peek()? {
            b'"' => scalars::is_normal_time(c.plain_string()?).then_some(false),
            _ => (c.scalar()? == b"null").then_some(true),
        },
        Ty::Raw => c.skip_value().map(|()| false),
        Ty::Struct(def) => is_normal_struct(c, def, Level::Nested, &mut None).map(|()| false),
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

    /// Nesting past `scan`'s limit is left to `serde_json` (the pod is parsed instead), and
    /// never recursed into here.
    #[test]
    fn deep_raw_values_do_not_recurse() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let pod = |managed: String| {
            format!(
                r#"{{"metadata":{{"managedFields":{managed}}},"spec":{{"containers":null}},"status":{{}}}}"#
            )
        };
        assert!(is_pod_encoding(&pod(deep(100))));
        assert!(!is_pod_encoding(&pod(deep(100_000))));
    }

    #[test]
    fn invalid_json_is_never_go_encoding() {
        for bad in [
            r#"{"metadata":{"managedFields":[1 2]},"spec":{"containers":null},"status":{}}"#,
            r#"{"metadata":{"name":"a\qb"},"spec":{"containers":null},"status":{}}"#,
            "{\"metadata\":{\"name\":\"a\u{1}b\"},\"spec\":{\"containers\":null},\"status\":{}}",
            r#"{"metadata":{},"spec":{"containers":null,"priority":01},"status":{}}"#,
        ] {
            assert!(!is_pod_encoding(bad), "{bad}");
        }
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
