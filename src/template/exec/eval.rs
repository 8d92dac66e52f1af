//! Evaluation of pipelines, commands, fields, function calls and arguments.

use super::{fail, State, R};
use crate::template::funcs::{self, Ctx, Ty};
use crate::template::node::{Arg, Command, Number, Pipe, Pos};
use crate::template::value::{field, Field, Value};
use crate::template::MAX_STEPS;

impl<'t, 'd> State<'t, 'd> {
    pub(super) fn eval_pipeline(&mut self, dot: &Value<'d>, pipe: &'t Pipe) -> R<Value<'d>> {
        let mut value = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?);
        }
        let value = value.unwrap_or(Value::Nil);
        for name in &pipe.decl {
            if pipe.is_assign {
                match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value.clone(),
                    None => return fail(pipe.pos, pipe, format!("undefined variable: {name}")),
                }
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, cmd: &Command, final_: &Option<Value<'d>>) -> R<()> {
        if cmd.args.len() > 1 || final_.is_some() {
            return fail(
                cmd.pos,
                cmd,
                format!(
                    "can't give argument to non-function {}",
                    cmd.args
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ),
            );
        }
        Ok(())
    }

    fn var(&self, name: &str, pos: Pos) -> R<Value<'d>> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => fail(pos, name, format!("undefined variable: {name}")),
        }
    }

    fn eval_command(
        &mut self,
        dot: &Value<'d>,
        cmd: &'t Command,
        final_: Option<Value<'d>>,
    ) -> R<Value<'d>> {
        self.step(cmd.pos, cmd)?;
        let Some((first, rest)) = cmd.args.split_first() else {
            return fail(cmd.pos, cmd, "empty command");
        };
        match first {
            Arg::Field { idents, .. } => self.eval_fields(
                dot.clone(),
                first,
                idents,
                cmd.args.len() > 1 || final_.is_some(),
            ),
            Arg::Chain { node, idents, .. } => {
                let recv = self.eval_arg(dot, node, Ty::Any)?;
                self.eval_fields(recv, first, idents, cmd.args.len() > 1 || final_.is_some())
            }
            Arg::Variable { pos, name, idents } => {
                let v = self.var(name, *pos)?;
                if idents.is_empty() {
                    self.not_a_function(cmd, &final_)?;
                    return Ok(v);
                }
                self.eval_fields(v, first, idents, cmd.args.len() > 1 || final_.is_some())
            }
            Arg::Ident { pos, name } => self.eval_function(dot, *pos, name, cmd, rest, final_),
            Arg::Pipe(p) => {
                self.not_a_function(cmd, &final_)?;
                self.enter(p.pos, cmd)?;
                let v = self.eval_pipeline(dot, p)?;
                self.nest -= 1;
                Ok(v)
            }
            Arg::Nil(pos) => fail(*pos, first, "nil is not a command"),
            Arg::Dot(_) => {
                self.not_a_function(cmd, &final_)?;
                Ok(dot.clone())
            }
            literal => {
                self.not_a_function(cmd, &final_)?;
                self.literal(literal, Ty::Any)
            }
        }
    }

    /// Walks `.A.B.C` from a receiver; data has no methods, so arguments are an error.
    fn eval_fields(
        &mut self,
        mut recv: Value<'d>,
        node: &Arg,
        idents: &[String],
        has_args: bool,
    ) -> R<Value<'d>> {
        for (i, name) in idents.iter().enumerate() {
            recv = match field(&recv, name) {
                Field::Found(v) => v,
                Field::NoField => {
                    let ty = recv.type_name();
                    return fail(
                        node.pos(),
                        node,
                        format!("can't evaluate field {name} in type {ty}"),
                    );
                }
            };
            if has_args && i + 1 == idents.len() {
                return fail(
                    node.pos(),
                    node,
                    format!("{name} is not a method but has arguments"),
                );
            }
        }
        Ok(recv)
    }

    fn eval_function(
        &mut self,
        dot: &Value<'d>,
        pos: Pos,
        name: &str,
        cmd: &dyn std::fmt::Display,
        args: &'t [Arg],
        final_: Option<Value<'d>>,
    ) -> R<Value<'d>> {
        if name == "and" || name == "or" {
            return self.and_or(dot, pos, name, args, final_);
        }
        let Some(func) = funcs::lookup(name) else {
            return fail(pos, name, format!("{name:?} is not a defined function"));
        };
        let num_in = args.len() + usize::from(final_.is_some());
        check_arity(func, name, args.len(), num_in).or_else(|m| fail(pos, name, m))?;
        let ty_at = |i: usize| {
            func.params
                .get(i)
                .copied()
                .or(func.variadic)
                .unwrap_or(Ty::Any)
        };
        let mut argv = Vec::with_capacity(num_in);
        for (i, a) in args.iter().enumerate() {
            argv.push(self.eval_arg(dot, a, ty_at(i))?);
        }
        if let Some(v) = final_ {
            argv.push(convert(v, ty_at(num_in - 1)).or_else(|m| fail(pos, cmd, m))?);
        }
        let mut ctx = Ctx {
            root: self.root,
            steps: &mut self.steps,
            max_steps: MAX_STEPS,
        };
        (func.call)(&mut ctx, argv)
            .or_else(|m| fail(pos, cmd, format!("error calling {name}: {m}")))
    }

    /// `and`/`or`: evaluate arguments lazily, return the deciding one.
    fn and_or(
        &mut self,
        dot: &Value<'d>,
        pos: Pos,
        name: &str,
        args: &'t [Arg],
        final_: Option<Value<'d>>,
    ) -> R<Value<'d>> {
        if args.is_empty() && final_.is_none() {
            let msg = format!("wrong number of args for {name}: want at least 1 got 0");
            return fail(pos, name, msg);
        }
        let mut last = Value::Nil;
        for a in args {
            last = self.eval_arg(dot, a, Ty::Any)?;
            if last.truth() == (name == "or") {
                return Ok(last);
            }
        }
        Ok(final_.unwrap_or(last))
    }

    fn eval_arg(&mut self, dot: &Value<'d>, arg: &'t Arg, ty: Ty) -> R<Value<'d>> {
        let pos = arg.pos();
        let v = match arg {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) if ty.nilable() => return Ok(Value::Nil),
            Arg::Nil(_) => return fail(pos, arg, format!("cannot assign nil to {}", ty.go_name())),
            Arg::Field { idents, .. } => self.eval_fields(dot.clone(), arg, idents, false)?,
            Arg::Variable { name, idents, .. } => {
                let v = self.var(name, pos)?;
                self.eval_fields(v, arg, idents, false)?
            }
            Arg::Chain { node, idents, .. } => {
                let recv = self.eval_arg(dot, node, Ty::Any)?;
                self.eval_fields(recv, arg, idents, false)?
            }
            Arg::Pipe(p) => {
                self.enter(pos, arg)?;
                let v = self.eval_pipeline(dot, p)?;
                self.nest -= 1;
                v
            }
            Arg::Ident { name, .. } => self.eval_function(dot, pos, name, arg, &[], None)?,
            literal => return self.literal(literal, ty),
        };
        convert(v, ty).or_else(|m| fail(pos, arg, m))
    }

    /// A constant operand, typed by the parameter it is passed to (Go's evalArg).
    fn literal(&self, arg: &Arg, ty: Ty) -> R<Value<'d>> {
        let pos = arg.pos();
        let expected = |what: &str| fail(pos, arg, format!("expected {what}; found {arg}"));
        match (arg, ty) {
            (Arg::Bool(_, b), Ty::Bool | Ty::Any) => Ok(Value::Bool(*b)),
            (Arg::Str { text, .. }, Ty::Str | Ty::Any) => Ok(Value::str(text)),
            (Arg::Number(_, n), Ty::Any) => ideal_constant(n).or_else(|m| fail(pos, arg, m)),
            (Arg::Number(_, Number { int: Some(i), .. }), Ty::Int) => Ok(Value::Int(*i)),
            (Arg::Number(_, Number { float: Some(f), .. }), Ty::Float) => Ok(Value::Float(*f)),
            (_, Ty::Bool) => expected("bool"),
            (_, Ty::Str) => expected("string"),
            (_, Ty::Int) => expected("integer"),
            (_, Ty::Float) => expected("float"),
            (_, Ty::Map(t) | Ty::List(t)) => {
                fail(pos, arg, format!("can't handle {arg} for arg of type {t}"))
            }
            (_, Ty::Any) => fail(
                pos,
                arg,
                format!("can't handle assignment of {arg} to empty interface argument"),
            ),
        }
    }
}

/// Go's argument count check, with its wording (which counts `args` without
/// the piped value for variadic functions).
fn check_arity(func: &funcs::Func, name: &str, args: usize, num_in: usize) -> Result<(), String> {
    let fixed = func.params.len();
    match func.variadic {
        Some(_) if num_in < fixed => Err(format!(
            "wrong number of args for {name}: want at least {fixed} got {args}"
        )),
        None if num_in != fixed => Err(format!(
            "wrong number of args for {name}: want {fixed} got {num_in}"
        )),
        _ => Ok(()),
    }
}

/// The value of a number where no type is expected: Go's ideal constant rules.
fn ideal_constant<'d>(n: &Number) -> Result<Value<'d>, String> {
    let is_hex = n
        .text
        .trim_start_matches(['+', '-'])
        .to_ascii_lowercase()
        .starts_with("0x");
    match (n.int, n.float) {
        (Some(i), _) if n.is_char => Ok(Value::Int(i)),
        (_, Some(f)) if !is_hex && n.text.contains(['.', 'e', 'E', 'p', 'P']) => {
            Ok(Value::Float(f))
        }
        (Some(i), _) => Ok(Value::Int(i)),
        _ => Err(format!("{} overflows int", n.text)),
    }
}

/// Go's `validateType`: checks a computed value against a parameter type.
fn convert<'d>(v: Value<'d>, ty: Ty) -> Result<Value<'d>, String> {
    let wrong = |v: &Value<'_>| {
        format!(
            "wrong type for value; expected {}; got {}",
            ty.go_name(),
            v.type_name()
        )
    };
    match (ty, v) {
        (Ty::Any, v) => Ok(v),
        (t, Value::Nil) if !t.nilable() => Err(format!("invalid value; expected {}", t.go_name())),
        (Ty::Str, Value::Zero) => Ok(Value::str("")),
        (Ty::Int, Value::Zero) => Ok(Value::Int(0)),
        (Ty::Float, Value::Zero) => Ok(Value::Float(0.0)),
        (Ty::Bool, Value::Zero) => Ok(Value::Bool(false)),
        (Ty::Str, v @ Value::Str(_))
        | (Ty::Int, v @ Value::Int(_))
        | (Ty::Float, v @ Value::Float(_))
        | (Ty::Bool, v @ Value::Bool(_)) => Ok(v),
        (Ty::Map(_) | Ty::List(_), v @ (Value::Nil | Value::Zero)) => Ok(v),
        (Ty::Map(_), v) if v.is_map() => Ok(v),
        (Ty::List(_), v) if v.is_list() => Ok(v),
        (_, v) => Err(wrong(&v)),
    }
}
