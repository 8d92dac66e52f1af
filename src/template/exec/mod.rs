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

mod eval;

use super::format::sprint_value;
use super::node::{Branch, Node, Pipe, Pos};
use super::value::{Origin, Value};
use super::{Template, TemplateError, MAX_OUTPUT_BYTES, MAX_STEPS, MAX_TEMPLATE_DEPTH};

/// Deepest recursion of control structures, parenthesized pipelines and
/// template calls combined; keeps the Rust stack bounded whatever the input.
const MAX_NESTING: usize = 200;

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
        nest: 0,
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
    nest: usize,
    steps: u64,
}

impl<'t, 'd> State<'t, 'd> {
    fn step(&mut self, pos: Pos, context: &dyn ToString) -> R<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return fail(
                pos,
                context.to_string(),
                format!("template execution exceeded {MAX_STEPS} steps"),
            );
        }
        Ok(())
    }

    /// Enters a nested construct; the matching `nest -= 1` follows on success
    /// (on failure the whole state is dropped).
    fn enter(&mut self, pos: Pos, context: &dyn ToString) -> R<()> {
        self.nest += 1;
        if self.nest > MAX_NESTING {
            let msg = format!("template nesting exceeds {MAX_NESTING} levels");
            return fail(pos, context.to_string(), msg);
        }
        Ok(())
    }

    fn write(&mut self, s: &str, pos: Pos) -> R<()> {
        if self.out.len() + s.len() > MAX_OUTPUT_BYTES {
            return fail(
                pos,
                "",
                format!("template output exceeds {MAX_OUTPUT_BYTES} bytes"),
            );
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
        self.enter(b.pipe.pos, &b.pipe)?;
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
        self.nest -= 1;
        Ok(flow)
    }

    fn range_items(&self, b: &'t Branch, val: &Value<'d>) -> R<Vec<(Value<'d>, Value<'d>)>> {
        if let Some(items) = val.list_items() {
            return Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Int(i as i64), v))
                .collect());
        }
        if let Some(entries) = val.map_entries() {
            return Ok(entries
                .into_iter()
                .map(|(k, v)| (Value::string(k), v))
                .collect());
        }
        match val {
            Value::Nil | Value::Zero => Ok(Vec::new()),
            Value::Int(n) => {
                if b.pipe.decl.len() > 1 {
                    return fail(
                        b.pipe.pos,
                        &b.pipe,
                        format!("can't use {n} to iterate over more than one variable"),
                    );
                }
                Ok((0..*n).map(|i| (Value::Int(i), Value::Int(i))).collect())
            }
            other => {
                let shown = sprint_value(other).unwrap_or_default();
                fail(
                    b.pipe.pos,
                    &b.pipe,
                    format!("range can't iterate over {shown}"),
                )
            }
        }
    }

    fn walk_range(&mut self, dot: &Value<'d>, b: &'t Branch) -> R<Flow> {
        let mark = self.vars.len();
        self.step(b.pipe.pos, &b.pipe)?;
        self.enter(b.pipe.pos, &b.pipe)?;
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let items = self.range_items(b, &val)?;
        let inner = self.vars.len();
        let decls = b.pipe.decl.len();
        for (key, elem) in &items {
            self.step(b.pipe.pos, &b.pipe)?;
            if decls >= 1 {
                if let Some(var) = inner.checked_sub(1).and_then(|i| self.vars.get_mut(i)) {
                    var.1 = elem.clone();
                }
            }
            if decls >= 2 {
                if let Some(var) = inner.checked_sub(2).and_then(|i| self.vars.get_mut(i)) {
                    var.1 = key.clone();
                }
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
        self.nest -= 1;
        Ok(flow)
    }

    fn walk_template(
        &mut self,
        dot: &Value<'d>,
        pos: Pos,
        name: &'t str,
        pipe: Option<&'t Pipe>,
    ) -> R<()> {
        let context = format!("{{{{template {name:?}}}}}");
        let Some(body) = self.tmpl.parsed.defs.get(name) else {
            return fail(pos, context, format!("template {name:?} not defined"));
        };
        if self.depth >= MAX_TEMPLATE_DEPTH {
            return fail(
                pos,
                context,
                format!("exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})"),
            );
        }
        let new_dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Nil,
        };
        let vars = std::mem::replace(&mut self.vars, vec![("$".to_string(), new_dot.clone())]);
        let executing = std::mem::replace(&mut self.executing, name);
        self.depth += 1;
        self.enter(pos, &context)?;
        let result = self.walk(&new_dot, body);
        self.nest -= 1;
        self.depth -= 1;
        if result.is_ok() {
            // On error, keep the name of the template that failed for the message.
            self.executing = executing;
        }
        self.vars = vars;
        result.map(|_| ())
    }
}
