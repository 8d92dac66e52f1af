//! The parse tree, shaped like Go's `text/template/parse` nodes.
//!
//! Positions are byte offsets into the template text; line and column are
//! computed only when an error is reported. `Display` prints nodes back the way
//! Go's `String()` methods do, because execution errors quote the node at fault
//! (`executing "x" at <index .A 1>: ...`).

use std::fmt;

/// Byte offset in the template text.
pub(crate) type Pos = usize;

/// A statement of a template body.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    /// `{{pipeline}}`: printed unless it declares variables.
    Action(Pipe),
    If(Branch),
    Range(Branch),
    With(Branch),
    /// `{{template "name" pipeline}}` (also the call half of `block`).
    Template {
        pos: Pos,
        name: String,
        pipe: Option<Pipe>,
    },
    Break,
    Continue,
}

/// The shared shape of `if`, `range` and `with`.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

/// A pipeline with optional variable declarations: `$x := a | b`.
#[derive(Debug, Clone)]
pub(crate) struct Pipe {
    pub pos: Pos,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

/// One stage of a pipeline: an operand followed by arguments.
#[derive(Debug, Clone)]
pub(crate) struct Command {
    pub pos: Pos,
    pub args: Vec<Arg>,
}

/// A numeric constant, with every interpretation Go's parser accepts.
#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub text: String,
    pub int: Option<i64>,
    pub float: Option<f64>,
    /// Character constants (`'a'`) are integers even where floats would do.
    pub is_char: bool,
}

/// An operand.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    /// `.A.B`
    Field {
        pos: Pos,
        idents: Vec<String>,
    },
    /// `$x.A.B` (`idents` may be empty)
    Variable {
        pos: Pos,
        name: String,
        idents: Vec<String>,
    },
    /// `(pipeline).A.B`
    Chain {
        pos: Pos,
        node: Box<Arg>,
        idents: Vec<String>,
    },
    /// `(pipeline)`
    Pipe(Box<Pipe>),
    /// A function name.
    Ident {
        pos: Pos,
        name: String,
    },
    Dot(Pos),
    Nil(Pos),
    Bool(Pos, bool),
    Number(Pos, Number),
    Str {
        pos: Pos,
        quoted: String,
        text: String,
    },
}

impl Arg {
    pub(crate) fn pos(&self) -> Pos {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Ident { pos, .. }
            | Arg::Dot(pos)
            | Arg::Nil(pos)
            | Arg::Bool(pos, _)
            | Arg::Number(pos, _)
            | Arg::Str { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }

    /// Literals cannot start a later pipeline stage (Go: "non executable command").
    pub(crate) fn is_literal(&self) -> bool {
        matches!(
            self,
            Arg::Dot(_) | Arg::Nil(_) | Arg::Bool(..) | Arg::Number(..) | Arg::Str { .. }
        )
    }
}

fn write_idents(f: &mut fmt::Formatter<'_>, idents: &[String]) -> fmt::Result {
    for i in idents {
        write!(f, ".{i}")?;
    }
    Ok(())
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => write_idents(f, idents),
            Arg::Variable { name, idents, .. } => {
                f.write_str(name)?;
                write_idents(f, idents)
            }
            Arg::Chain { node, idents, .. } => {
                match node.as_ref() {
                    Arg::Pipe(p) => write!(f, "({p})")?,
                    other => write!(f, "{other}")?,
                }
                write_idents(f, idents)
            }
            Arg::Pipe(p) => write!(f, "({p})"),
            Arg::Ident { name, .. } => f.write_str(name),
            Arg::Dot(_) => f.write_str("."),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Bool(_, b) => write!(f, "{b}"),
            Arg::Number(_, n) => f.write_str(&n.text),
            Arg::Str { quoted, .. } => f.write_str(quoted),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_go() {
        let pipe = Pipe {
            pos: 0,
            is_assign: false,
            decl: vec!["$x".into()],
            cmds: vec![Command {
                pos: 0,
                args: vec![
                    Arg::Ident {
                        pos: 0,
                        name: "index".into(),
                    },
                    Arg::Field {
                        pos: 0,
                        idents: vec!["A".into(), "B".into()],
                    },
                    Arg::Str {
                        pos: 0,
                        quoted: "`k`".into(),
                        text: "k".into(),
                    },
                ],
            }],
        };
        assert_eq!(pipe.to_string(), "$x := index .A.B `k`");
    }
}
