//! Parser from tokens to the tree in `node.rs`, after Go's `text/template/parse`.
//!
//! Checked at parse time, as in Go: functions must exist, variables must be
//! declared in an enclosing scope, `break`/`continue` only inside `range`,
//! `define` only at top level, no duplicate non-empty definitions. Nesting
//! (parentheses and control structures) is bounded so hostile input cannot
//! exhaust the stack.

use std::collections::BTreeMap;

mod number;
mod pipeline;

use super::lexer::{lex, Keyword, Tok, Token};
use super::node::{Branch, Node, Pos};
use super::unquote::unquote;

/// Deepest nesting of parentheses and control structures accepted.
const MAX_NESTING: usize = 100;

/// A parse failure at a byte offset.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParseError {
    pub pos: Pos,
    pub msg: String,
}

/// A parsed template: its body and the templates it defines.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parsed {
    pub root: Vec<Node>,
    pub defs: BTreeMap<String, Vec<Node>>,
}

type PResult<T> = Result<T, ParseError>;

/// How a list of statements ended.
enum Ending {
    End,
    Else(Pos),
}

/// One parsed item: a statement or a list terminator.
enum Item {
    Node(Node),
    End(Pos),
    Else(Pos),
}

/// Parses template text; `has_func` says whether a function name exists.
pub(crate) fn parse(text: &str, has_func: &dyn Fn(&str) -> bool) -> PResult<Parsed> {
    let toks = lex(text).map_err(|e| ParseError {
        pos: e.pos,
        msg: e.msg,
    })?;
    let mut p = Parser {
        toks,
        i: 0,
        vars: vec!["$".to_string()],
        range_depth: 0,
        depth: 0,
        defs: BTreeMap::new(),
        has_func,
    };
    let root = p.top()?;
    Ok(Parsed { root, defs: p.defs })
}

/// Go's `IsEmptyTree`: only whitespace text.
pub(crate) fn is_empty_tree(list: &[Node]) -> bool {
    list.iter()
        .all(|n| matches!(n, Node::Text(t) if t.trim().is_empty()))
}

struct Parser<'f> {
    toks: Vec<Token>,
    i: usize,
    vars: Vec<String>,
    range_depth: usize,
    depth: usize,
    defs: BTreeMap<String, Vec<Node>>,
    has_func: &'f dyn Fn(&str) -> bool,
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Eof => "EOF".into(),
        Tok::Keyword(k) => format!("<{}>", k.name()),
        Tok::LeftDelim => "\"{{\"".into(),
        Tok::RightDelim => "\"}}\"".into(),
        Tok::Space => "\" \"".into(),
        Tok::Pipe => "\"|\"".into(),
        Tok::Declare => "\":=\"".into(),
        Tok::Assign => "\"=\"".into(),
        Tok::LeftParen => "\"(\"".into(),
        Tok::RightParen => "\")\"".into(),
        Tok::Char(c) => format!("{:?}", c.to_string()),
        Tok::Field(f) => format!("{:?}", format!(".{f}")),
        Tok::Dot => "\".\"".into(),
        Tok::Nil => "<nil>".into(),
        Tok::Bool(b) => format!("\"{b}\""),
        Tok::Variable(s) | Tok::Identifier(s) | Tok::Number(s) | Tok::Str(s) | Tok::RawStr(s) => {
            format!("{s:?}")
        }
        Tok::Text(s) => format!("{:?}", s.chars().take(10).collect::<String>()),
    }
}

impl Parser<'_> {
    fn tok(&self, i: usize) -> &Token {
        // The lexer always ends with Eof, so the last token is a safe fallback.
        self.toks.get(i).or(self.toks.last()).unwrap_or(&EOF_TOKEN)
    }

    fn peek(&self) -> &Token {
        self.tok(self.i)
    }

    fn next(&mut self) -> Token {
        let t = self.tok(self.i).clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn backup(&mut self) {
        self.i = self.i.saturating_sub(1);
    }

    fn skip_space(&mut self) {
        while self.peek().tok == Tok::Space {
            self.i += 1;
        }
    }

    fn peek_non_space(&mut self) -> &Token {
        self.skip_space();
        self.peek()
    }

    fn next_non_space(&mut self) -> Token {
        self.skip_space();
        self.next()
    }

    fn err<T>(&self, pos: Pos, msg: impl Into<String>) -> PResult<T> {
        Err(ParseError {
            pos,
            msg: msg.into(),
        })
    }

    fn unexpected<T>(&self, t: &Token, context: &str) -> PResult<T> {
        self.err(
            t.pos,
            format!("unexpected {} in {context}", describe(&t.tok)),
        )
    }

    fn expect_right_delim(&mut self, context: &str) -> PResult<Pos> {
        let t = self.next_non_space();
        if t.tok != Tok::RightDelim {
            return self.unexpected(&t, context);
        }
        Ok(t.pos)
    }

    fn enter(&mut self, pos: Pos) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.err(pos, format!("nesting deeper than {MAX_NESTING} levels"));
        }
        Ok(())
    }

    fn top(&mut self) -> PResult<Vec<Node>> {
        let mut root = Vec::new();
        loop {
            if self.peek().tok == Tok::Eof {
                return Ok(root);
            }
            if self.peek().tok == Tok::LeftDelim {
                let save = self.i;
                self.next();
                if self.next_non_space().tok == Tok::Keyword(Keyword::Define) {
                    self.definition()?;
                    continue;
                }
                self.i = save;
            }
            match self.text_or_action()? {
                Item::Node(n) => root.push(n),
                Item::End(pos) => return self.err(pos, "unexpected {{end}}"),
                Item::Else(pos) => return self.err(pos, "unexpected {{else}}"),
            }
        }
    }

    fn add_def(&mut self, pos: Pos, name: String, list: Vec<Node>) -> PResult<()> {
        match self.defs.get(&name) {
            Some(old) if !is_empty_tree(old) => {
                if !is_empty_tree(&list) {
                    return self.err(
                        pos,
                        format!("template: multiple definition of template {name:?}"),
                    );
                }
            }
            _ => {
                self.defs.insert(name, list);
            }
        }
        Ok(())
    }

    /// Parses a nested template body with a fresh variable scope.
    fn sub_tree(&mut self, context: &str) -> PResult<Vec<Node>> {
        let vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let range_depth = std::mem::replace(&mut self.range_depth, 0);
        let (list, end) = self.item_list()?;
        self.vars = vars;
        self.range_depth = range_depth;
        if let Ending::Else(pos) = end {
            return self.err(pos, format!("unexpected {{{{else}}}} in {context}"));
        }
        Ok(list)
    }

    fn template_name(&mut self, context: &str) -> PResult<(Pos, String)> {
        let t = self.next_non_space();
        let name = match &t.tok {
            Tok::Str(q) | Tok::RawStr(q) => {
                unquote(q).map_err(|m| ParseError { pos: t.pos, msg: m })?
            }
            _ => return self.unexpected(&t, context),
        };
        Ok((t.pos, name))
    }

    fn definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let (pos, name) = self.template_name(CONTEXT)?;
        self.expect_right_delim(CONTEXT)?;
        let list = self.sub_tree(CONTEXT)?;
        self.add_def(pos, name, list)
    }

    fn text_or_action(&mut self) -> PResult<Item> {
        let t = self.next_non_space();
        match t.tok {
            Tok::Text(s) => Ok(Item::Node(Node::Text(s))),
            Tok::LeftDelim => self.action(),
            _ => self.unexpected(&t, "input"),
        }
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, Ending)> {
        let mut list = Vec::new();
        loop {
            let t = self.peek_non_space();
            if t.tok == Tok::Eof {
                let pos = t.pos;
                return self.err(pos, "unexpected EOF");
            }
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                Item::End(_) => return Ok((list, Ending::End)),
                Item::Else(pos) => return Ok((list, Ending::Else(pos))),
            }
        }
    }

    fn action(&mut self) -> PResult<Item> {
        let t = self.next_non_space();
        let Tok::Keyword(k) = t.tok else {
            self.backup();
            let pipe = self.pipeline("command", &Tok::RightDelim)?;
            return Ok(Item::Node(Node::Action(pipe)));
        };
        match k {
            Keyword::Block => self.block(t.pos).map(Item::Node),
            Keyword::Break | Keyword::Continue => {
                let word = k.name();
                self.expect_right_delim(&format!("{{{{{word}}}}}"))?;
                if self.range_depth == 0 {
                    return self.err(t.pos, format!("{{{{{word}}}}} outside {{{{range}}}}"));
                }
                Ok(Item::Node(if k == Keyword::Break {
                    Node::Break
                } else {
                    Node::Continue
                }))
            }
            Keyword::Else => {
                // `{{else if` / `{{else with`: leave the keyword for the caller.
                let p = self.peek_non_space();
                if !matches!(p.tok, Tok::Keyword(Keyword::If | Keyword::With)) {
                    self.expect_right_delim("else")?;
                }
                Ok(Item::Else(t.pos))
            }
            Keyword::End => {
                self.expect_right_delim("end")?;
                Ok(Item::End(t.pos))
            }
            Keyword::If => Ok(Item::Node(Node::If(self.control("if", t.pos)?))),
            Keyword::Range => Ok(Item::Node(Node::Range(self.control("range", t.pos)?))),
            Keyword::With => Ok(Item::Node(Node::With(self.control("with", t.pos)?))),
            Keyword::Template => self.template(t.pos).map(Item::Node),
            Keyword::Define => self.unexpected(&t, "command"),
        }
    }

    fn control(&mut self, context: &str, pos: Pos) -> PResult<Branch> {
        self.enter(pos)?;
        let mark = self.vars.len();
        let pipe = self.pipeline(context, &Tok::RightDelim)?;
        let is_range = context == "range";
        if is_range {
            self.range_depth += 1;
        }
        let (list, end) = self.item_list()?;
        if is_range {
            self.range_depth -= 1;
        }
        let else_list = match end {
            Ending::End => None,
            Ending::Else(else_pos) => Some(self.else_branch(context, else_pos)?),
        };
        self.vars.truncate(mark);
        self.depth -= 1;
        Ok(Branch {
            pipe,
            list,
            else_list,
        })
    }

    fn else_branch(&mut self, context: &str, else_pos: Pos) -> PResult<Vec<Node>> {
        // `{{else if x}}` is `{{else}}{{if x}}...{{end}}` with the inner end shared.
        let chained = match self.peek().tok {
            Tok::Keyword(Keyword::If) if context == "if" => Some("if"),
            Tok::Keyword(Keyword::With) if context == "with" => Some("with"),
            _ => None,
        };
        if let Some(inner) = chained {
            let t = self.next();
            let branch = self.control(inner, t.pos)?;
            return Ok(vec![if inner == "if" {
                Node::If(branch)
            } else {
                Node::With(branch)
            }]);
        }
        let (list, end) = self.item_list()?;
        if let Ending::Else(pos) = end {
            return self.err(pos.max(else_pos), "expected end; found {{else}}");
        }
        Ok(list)
    }

    fn template(&mut self, pos: Pos) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let (_, name) = self.template_name(CONTEXT)?;
        let pipe = if self.next_non_space().tok == Tok::RightDelim {
            None
        } else {
            self.backup();
            Some(self.pipeline(CONTEXT, &Tok::RightDelim)?)
        };
        Ok(Node::Template { pos, name, pipe })
    }

    fn block(&mut self, pos: Pos) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let (name_pos, name) = self.template_name(CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, &Tok::RightDelim)?;
        self.enter(pos)?;
        let list = self.sub_tree(CONTEXT)?;
        self.depth -= 1;
        self.add_def(name_pos, name.clone(), list)?;
        Ok(Node::Template {
            pos,
            name,
            pipe: Some(pipe),
        })
    }
}

static EOF_TOKEN: Token = Token {
    tok: Tok::Eof,
    pos: 0,
};

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn p(src: &str) -> PResult<Parsed> {
        parse(src, &|f| matches!(f, "print" | "index" | "len"))
    }

    #[rstest]
    #[case("{{.A.B | print}}", "A.B")]
    #[case("{{$x := 1}}{{$x}}", "decl")]
    #[case("{{range $i, $v := .}}{{$i}}{{end}}", "range2")]
    #[case("{{if .}}a{{else if .B}}b{{else}}c{{end}}", "elseif")]
    #[case("{{define \"x\"}}X{{end}}{{template \"x\" .}}", "define")]
    #[case("{{block \"b\" .}}B{{end}}", "block")]
    #[case("{{range .}}{{break}}{{continue}}{{end}}", "break")]
    #[case("{{(index . 1).Name}}", "chain")]
    fn parses(#[case] src: &str, #[case] _what: &str) {
        p(src).unwrap();
    }

    #[rstest]
    #[case("{{end}}", "unexpected {{end}}")]
    #[case("{{if .}}", "unexpected EOF")]
    #[case("{{foo}}", "function \"foo\" not defined")]
    #[case("{{$x}}", "undefined variable \"$x\"")]
    #[case("{{break}}", "{{break}} outside {{range}}")]
    #[case("{{}}", "missing value for command")]
    #[case("{{. | 1}}", "non executable command in pipeline stage 2")]
    #[case("{{if .}}{{else}}{{else}}{{end}}", "expected end; found {{else}}")]
    #[case("{{\"a\".B}}", "unexpected . after term \"\\\"a\\\"\"")]
    #[case(
        "{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}",
        "template: multiple definition of template \"a\""
    )]
    #[case(
        "{{if .}}{{define \"a\"}}{{end}}{{end}}",
        "unexpected <define> in command"
    )]
    #[case("{{99999999999999999999}}", "99999999999999999999 overflows int")]
    #[case("{{range $a, $b, $c := .}}{{end}}", "too many declarations in range")]
    fn rejects(#[case] src: &str, #[case] want: &str) {
        assert_eq!(p(src).unwrap_err().msg, want);
    }

    #[test]
    fn nesting_is_bounded() {
        let src = format!("{{{{{}1{}}}}}", "(".repeat(500), ")".repeat(500));
        assert!(p(&src).unwrap_err().msg.contains("nesting deeper"));
    }
}
