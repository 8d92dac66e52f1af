//! The shape of the Go struct table: what `encoding/json` needs to know about a field.
//!
//! A row is `f(json name, element type, shape + omission)`. Embedded (`json:",inline"`) structs
//! are already flattened into their parent, in place, as Go's encoder does.
//!
//! Element types: `S` a string kind (string, `types.UID`, every `type X string`), `B` bool,
//! `I32`/`I64` integers, `Q` `resource.Quantity`, `IOS` `intstr.IntOrString`, `TIME`
//! `metav1.Time`, `RAW` opaque JSON (`runtime.RawExtension`, `metav1.FieldsV1`), `st(&X)` a struct.
//!
//! Shape + omission codes: `V` a plain value, `P` a pointer (`*T`), `L` a slice (`[]T`), `M` a
//! `map[string]T`; suffix `E` for `omitempty`, `Z` for `omitzero` (which wins when both are set:
//! only `creationTimestamp` has both, and `omitempty` never omits a struct).

/// One Go struct as `encoding/json` sees it.
pub(crate) struct Struct {
    /// The Go type name, for error messages.
    pub name: &'static str,
    /// JSON fields in Go declaration order (the order Go encodes them in).
    pub fields: &'static [Field],
}

/// One JSON field of a Go struct.
pub(crate) struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub shape: Shape,
    pub omit: Omit,
}

/// The element type of a field (for slices and maps, of their elements/values).
#[derive(Clone, Copy)]
pub(crate) enum Ty {
    Str,
    Bool,
    I32,
    I64,
    Quantity,
    IntOrString,
    Time,
    Raw,
    Struct(&'static Struct),
}

/// How the element is held.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Value,
    Pointer,
    Slice,
    Map,
}

/// The field's `omitempty` / `omitzero` option.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Omit {
    Never,
    Empty,
    Zero,
}

/// A (shape, omission) pair, the third column of a row.
pub(crate) type Kind = (Shape, Omit);

pub(crate) const S: Ty = Ty::Str;
pub(crate) const B: Ty = Ty::Bool;
pub(crate) const I32: Ty = Ty::I32;
pub(crate) const I64: Ty = Ty::I64;
pub(crate) const Q: Ty = Ty::Quantity;
pub(crate) const IOS: Ty = Ty::IntOrString;
pub(crate) const TIME: Ty = Ty::Time;
pub(crate) const RAW: Ty = Ty::Raw;

pub(crate) const V: Kind = (Shape::Value, Omit::Never);
pub(crate) const VE: Kind = (Shape::Value, Omit::Empty);
pub(crate) const VZ: Kind = (Shape::Value, Omit::Zero);
pub(crate) const P: Kind = (Shape::Pointer, Omit::Never);
pub(crate) const PE: Kind = (Shape::Pointer, Omit::Empty);
pub(crate) const L: Kind = (Shape::Slice, Omit::Never);
pub(crate) const LE: Kind = (Shape::Slice, Omit::Empty);
pub(crate) const ME: Kind = (Shape::Map, Omit::Empty);

/// A table row.
pub(crate) const fn f(name: &'static str, ty: Ty, kind: Kind) -> Field {
    Field {
        name,
        ty,
        shape: kind.0,
        omit: kind.1,
    }
}

/// A struct element type.
pub(crate) const fn st(def: &'static Struct) -> Ty {
    Ty::Struct(def)
}
