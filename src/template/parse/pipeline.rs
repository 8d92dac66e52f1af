//! Pipelines, commands and operands: the expression half of the parser.

use super::number::number;
use super::{PResult, ParseError, Parser};
use crate::template::lexer::Tok;
use crate::template::node::{Arg, Command, Pipe, Pos};
use crate::template::unquote::unquote;

impl Parser<'_> {
    /// Parses `$a, $b :=` / `$a =` declarations at the start of a pipeline.
    fn declarations(&mut self, context: &str, pipe: &mut Pipe) -> PResult<()> {
        loop {
            let Tok::Variable(name) = self.peek_non_space().tok.clone() else {
                return Ok(());
            };
            let save = self.i;
            self.next();
            let t = self.peek_non_space().clone();
            match t.tok {
                Tok::Assign | Tok::Declare => {
                    self.next();
                    pipe.is_assign = t.tok == Tok::Assign;
                    pipe.decl.push(name.clone());
                    self.vars.push(name);
                    return Ok(());
                }
                Tok::Char(',') => {
                    self.next();
                    pipe.decl.push(name.clone());
                    self.vars.push(name);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().tok {
                            Tok::Variable(_) | Tok::RightDelim | Tok::RightParen => continue,
                            _ => return self.err(t.pos, "range can only initialize variables"),
                        }
                    }
                    return self.err(t.pos, format!("too many declarations in {context}"));
                }
                _ => {
                    self.i = save;
                    return Ok(());
                }
            }
        }
    }

    pub(super) fn pipeline(&mut self, context: &str, end: &Tok) -> PResult<Pipe> {
        let pos = self.peek_non_space().pos;
        let mut pipe = Pipe {
            pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        self.declarations(context, &mut pipe)?;
        loop {
            let t = self.next_non_space();
            if &t.tok == end {
                self.check_pipeline(&pipe, context, t.pos)?;
                return Ok(pipe);
            }
            match t.tok {
                Tok::Bool(_)
                | Tok::Number(_)
                | Tok::Dot
                | Tok::Field(_)
                | Tok::Identifier(_)
                | Tok::Nil
                | Tok::RawStr(_)
                | Tok::Str(_)
                | Tok::Variable(_)
                | Tok::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return self.unexpected(&t, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str, pos: Pos) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.err(pos, format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if c.args.first().is_some_and(Arg::is_literal) {
                return self.err(
                    c.pos,
                    format!("non executable command in pipeline stage {}", i + 1),
                );
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.skip_space();
            if let Some(op) = self.operand()? {
                args.push(op);
            }
            let t = self.next();
            match t.tok {
                Tok::Space => continue,
                Tok::RightDelim | Tok::RightParen => self.backup(),
                Tok::Pipe => {}
                _ => return self.unexpected(&t, "operand"),
            }
            break;
        }
        if args.is_empty() {
            return self.err(pos, "empty command");
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        let mut fields = Vec::new();
        while let Tok::Field(f) = &self.peek().tok {
            fields.push(f.clone());
            self.next();
        }
        if fields.is_empty() {
            return Ok(Some(node));
        }
        Ok(Some(match node {
            Arg::Field { pos, mut idents } => {
                idents.extend(fields);
                Arg::Field { pos, idents }
            }
            Arg::Variable {
                pos,
                name,
                mut idents,
            } => {
                idents.extend(fields);
                Arg::Variable { pos, name, idents }
            }
            n if n.is_literal() => {
                return self.err(
                    n.pos(),
                    format!("unexpected . after term {:?}", n.to_string()),
                )
            }
            n => Arg::Chain {
                pos: n.pos(),
                node: Box::new(n),
                idents: fields,
            },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let t = self.next_non_space();
        let pos = t.pos;
        Ok(Some(match t.tok {
            Tok::Identifier(name) => {
                if !(self.has_func)(&name) {
                    return self.err(pos, format!("function {name:?} not defined"));
                }
                Arg::Ident { pos, name }
            }
            Tok::Dot => Arg::Dot(pos),
            Tok::Nil => Arg::Nil(pos),
            Tok::Variable(name) => {
                if !self.vars.contains(&name) {
                    return self.err(pos, format!("undefined variable {name:?}"));
                }
                Arg::Variable {
                    pos,
                    name,
                    idents: Vec::new(),
                }
            }
            Tok::Field(f) => Arg::Field {
                pos,
                idents: vec![f],
            },
            Tok::Bool(b) => Arg::Bool(pos, b),
            Tok::Number(text) => {
                Arg::Number(pos, number(&text).map_err(|msg| ParseError { pos, msg })?)
            }
            Tok::LeftParen => {
                self.enter(pos)?;
                let p = self.pipeline("parenthesized pipeline", &Tok::RightParen)?;
                self.depth -= 1;
                Arg::Pipe(Box::new(p))
            }
            Tok::Str(q) | Tok::RawStr(q) => {
                let text = unquote(&q).map_err(|msg| ParseError { pos, msg })?;
                Arg::Str {
                    pos,
                    quoted: q,
                    text,
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}
