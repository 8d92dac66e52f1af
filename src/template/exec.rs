//! Execution of a parsed template against JSON data, after Go's `exec.go`.
//!
//! Semantics kept from Go: variable scoping (declarations live until the end
//! of the enclosing control structure; `template` calls start with only `$`),
//! `and`/`or` short-circuit and return the deciding value, a pipeline's value
//! is the last argument of the next command, nil prints as `<no value>`,
//! argument conversion per parameter type, and Go's error wording
//! (`template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`).
//!
//! Robustness: a step budget (every node, command, range iteration and
//! data-proportional function work), an output size cap and a `template` call
//! depth cap turn runaway templates into errors instead of hangs or crashes.

use serde_json::Value as Json;

use super::format::sprint_value;
use super::funcs::{self, Ctx, Ty};
use super::node::{Arg, Branch, Command, Node, Number, Pipe, Pos};
use super::value::{field, Field, Origin, Value};
use super::{Template, TemplateError, MAX_OUTPUT_BYTES, MAX_STEPS, MAX_TEMPLATE_DEPTH};

/// Control flow out of a list of statements.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// An execution failure, located at a node.
struct Fail {
    pos: Pos,
    context: String,
    msg: String,
}

type R<T> = Result<T, Fail>;

fn fail<T>(pos: Pos, context: impl ToString, msg: impl Into<String>) -> R<T> {
    Err(Fail {
        pos,
        context: context.to_string(),
        msg: msg.into(),
    })
}

/// Renders `tmpl` with `data` as dot and `$`.
pub(crate) fn execute(tmpl: &Template, data: &Json) -> Result<String, TemplateError> {
    let root = match data {
        Json::Object(_) => Value::Data(data, Origin::Root),
        other => Value::from_json(other, Origin::Typed),
    };
    let mut st = State {
        tmpl,
        executing: tmpl.name(),
        root: data,
        vars: vec![("$".to_string(), root.clone())],
        out: String::new(),
        depth: 0,
        steps: 0,
    };
    match st.walk(&root, &tmpl.parsed.root) {
        Ok(_) => Ok(st.out),
        Err(f) => {
            let (line, col) = tmpl.line_col(f.pos);
            Err(TemplateError::Exec {
                template: tmpl.name().to_string(),
                executing: st.executing.to_string(),
                line,
                col,
                context: f.context,
                message: f.msg,
            })
        }
    }
}

struct State<'t, 'd> {
    tmpl: &'t Template,
    executing: &'t str,
    root: &'d Json,
    vars: Vec<(String, Value<'d>)>,
    out: String,
    depth: usize,
    steps: u64,
}

impl<'t, 'd> State<'t, 'd> {
    fn step(&mut self, pos: Pos, context: &dyn ToString) -> R<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return fail(pos, context.to_string(), format!("template execution exceeded {MAX_STEPS} steps"));
        }
        Ok(())
    }

    fn write(&mut self, s: &str, pos: Pos) -> R<()> {
        if self.out.len() + s.len() > MAX_OUTPUT_BYTES {
            return fail(pos, "", format!("template output exceeds {MAX_OUTPUT_BYTES} bytes"));
        }
        self.out.push_str(s);
        Ok(())
    }

    fn walk(&mut self, dot: &Value<'d>, nodes: &'t [Node]) -> R<Flow> {
        for node in nodes {
            let flow = match node {
                Node::Text(t) => {
                    self.write(t, 0)?;
                    Flow::Normal
                }
                Node::Action(pipe) => {
                    self.step(pipe.pos, pipe)?;
                    let v = self.eval_pipeline(dot, pipe)?;
                    if pipe.decl.is_empty() {
                        let text = match &v {
                            Value::Nil => "<no value>".to_string(),
                            v => sprint_value(v).or_else(|m| fail(pipe.pos, pipe, m))?,
                        };
                        self.write(&text, pipe.pos)?;
                    }
                    Flow::Normal
                }
                Node::If(b) => self.walk_if_with(dot, b, false)?,
                Node::With(b) => self.walk_if_with(dot, b, true)?,
                Node::Range(b) => self.walk_range(dot, b)?,
                Node::Template { pos, name, pipe } => {
                    self.walk_template(dot, *pos, name, pipe.as_ref())?;
                    Flow::Normal
                }
                Node::Break => Flow::Break,
                Node::Continue => Flow::Continue,
            };
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk_if_with(&mut self, dot: &Value<'d>, b: &'t Branch, with: bool) -> R<Flow> {
        let mark = self.vars.len();
        self.step(b.pipe.pos, &b.pipe)?;
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let flow = if val.truth() {
            let inner = if with { &val } else { dot };
            self.walk(inner, &b.list)?
        } else if let Some(else_list) = &b.else_list {
            self.walk(dot, else_list)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn range_items(&self, b: &'t Branch, val: &Value<'d>) -> R<Vec<(Value<'d>, Value<'d>)>> {
        if let Some(items) = val.list_items() {
            return Ok(items.into_iter().enumerate().map(|(i, v)| (Value::Int(i as i64), v)).collect());
        }
        if let Some(entries) = val.map_entries() {
            return Ok(entries.into_iter().map(|(k, v)| (Value::string(k), v)).collect());
        }
        match val {
            Value::Nil | Value::Zero => Ok(Vec::new()),
            Value::Int(n) => {
                if b.pipe.decl.len() > 1 {
                    return fail(b.pipe.pos, &b.pipe, format!("can't use {n} to iterate over more than one variable"));
                }
                Ok((0..*n).map(|i| (Value::Int(i), Value::Int(i))).collect())
            }
            other => {
                let shown = sprint_value(other).unwrap_or_default();
                fail(b.pipe.pos, &b.pipe, format!("range can't iterate over {shown}"))
            }
        }
    }

    fn walk_range(&mut self, dot: &Value<'d>, b: &'t Branch) -> R<Flow> {
        let mark = self.vars.len();
        self.step(b.pipe.pos, &b.pipe)?;
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let items = self.range_items(b, &val)?;
        let inner = self.vars.len();
        let decls = b.pipe.decl.len();
        for (key, elem) in &items {
            self.step(b.pipe.pos, &b.pipe)?;
            if decls >= 1 {
                self.vars[inner - 1].1 = elem.clone();
            }
            if decls >= 2 {
                self.vars[inner - 2].1 = key.clone();
            }
            let flow = self.walk(elem, &b.list)?;
            self.vars.truncate(inner);
            if flow == Flow::Break {
                break;
            }
        }
        let mut flow = Flow::Normal;
        if items.is_empty() {
            if let Some(else_list) = &b.else_list {
                flow = self.walk(dot, else_list)?;
            }
        }
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn walk_template(&mut self, dot: &Value<'d>, pos: Pos, name: &'t str, pipe: Option<&'t Pipe>) -> R<()> {
        let context = format!("{{{{template {name:?}}}}}");
        let Some(body) = self.tmpl.parsed.defs.get(name) else {
            return fail(pos, context, format!("template {name:?} not defined"));
        };
        if self.depth >= MAX_TEMPLATE_DEPTH {
            return fail(pos, context, format!("exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})"));
        }
        let new_dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Nil,
        };
        let vars = std::mem::replace(&mut self.vars, vec![("$".to_string(), new_dot.clone())]);
        let executing = std::mem::replace(&mut self.executing, name);
        self.depth += 1;
        let result = self.walk(&new_dot, body);
        self.depth -= 1;
        if result.is_ok() {
            // On error, keep the name of the template that failed for the message.
            self.executing = executing;
        }
        self.vars = vars;
        result.map(|_| ())
    }

    fn eval_pipeline(&mut self, dot: &Value<'d>, pipe: &'t Pipe) -> R<Value<'d>> {
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
            return fail(cmd.pos, cmd, format!("can't give argument to non-function {}", cmd.args[0]));
        }
        Ok(())
    }

    fn var(&self, name: &str, pos: Pos) -> R<Value<'d>> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => fail(pos, name, format!("undefined variable: {name}")),
        }
    }

    fn eval_command(&mut self, dot: &Value<'d>, cmd: &'t Command, final_: Option<Value<'d>>) -> R<Value<'d>> {
        self.step(cmd.pos, cmd)?;
        let first = &cmd.args[0];
        match first {
            Arg::Field { idents, .. } => self.eval_fields(dot.clone(), first, idents, cmd.args.len() > 1 || final_.is_some()),
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
            Arg::Ident { pos, name } => self.eval_function(dot, *pos, name, cmd, &cmd.args[1..], final_),
            Arg::Pipe(p) => {
                self.not_a_function(cmd, &final_)?;
                self.eval_pipeline(dot, p)
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
    fn eval_fields(&mut self, mut recv: Value<'d>, node: &Arg, idents: &[String], has_args: bool) -> R<Value<'d>> {
        for (i, name) in idents.iter().enumerate() {
            recv = match field(&recv, name) {
                Field::Found(v) => v,
                Field::NoField => {
                    let ty = recv.type_name();
                    return fail(node.pos(), node, format!("can't evaluate field {name} in type {ty}"));
                }
            };
            if has_args && i + 1 == idents.len() {
                return fail(node.pos(), node, format!("{name} is not a method but has arguments"));
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
            if args.is_empty() && final_.is_none() {
                return fail(pos, name, format!("wrong number of args for {name}: want at least 1 got 0"));
            }
            let mut last = Value::Nil;
            for a in args {
                last = self.eval_arg(dot, a, Ty::Any)?;
                if last.truth() == (name == "or") {
                    return Ok(last);
                }
            }
            return Ok(final_.unwrap_or(last));
        }
        let Some(func) = funcs::lookup(name) else {
            return fail(pos, name, format!("{name:?} is not a defined function"));
        };
        let fixed = func.params.len();
        let num_in = args.len() + usize::from(final_.is_some());
        match func.variadic {
            Some(_) if num_in < fixed => {
                let got = args.len();
                return fail(pos, name, format!("wrong number of args for {name}: want at least {fixed} got {got}"));
            }
            None if num_in != fixed => {
                return fail(pos, name, format!("wrong number of args for {name}: want {fixed} got {num_in}"));
            }
            _ => {}
        }
        let ty_at = |i: usize| func.params.get(i).copied().or(func.variadic).unwrap_or(Ty::Any);
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
        (func.call)(&mut ctx, argv).or_else(|m| fail(pos, cmd, format!("error calling {name}: {m}")))
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
            Arg::Pipe(p) => self.eval_pipeline(dot, p)?,
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
            (_, Ty::Map(t) | Ty::List(t)) => fail(pos, arg, format!("can't handle {arg} for arg of type {t}")),
            (_, Ty::Any) => fail(pos, arg, format!("can't handle assignment of {arg} to empty interface argument")),
        }
    }
}

/// The value of a number where no type is expected: Go's ideal constant rules.
fn ideal_constant<'d>(n: &Number) -> Result<Value<'d>, String> {
    let is_hex = n.text.trim_start_matches(['+', '-']).to_ascii_lowercase().starts_with("0x");
    match (n.int, n.float) {
        (Some(i), _) if n.is_char => Ok(Value::Int(i)),
        (_, Some(f)) if !is_hex && n.text.contains(['.', 'e', 'E', 'p', 'P']) => Ok(Value::Float(f)),
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
