//! Tokenizer for Go `text/template` source.
//!
//! Follows Go's `text/template/parse` lexer: text runs between `{{ }}` actions,
//! `{{- ` / ` -}}` trim the adjacent whitespace (space, tab, CR, LF) of the
//! neighbouring text, `{{/* */}}` comments vanish, and actions may span lines.
//! Inside actions, runs of spaces are a token (the parser needs them to tell
//! `$x := 1` from `$x 1`), and `.A.B` is lexed as two field tokens, as in Go.
//! The whole input is tokenized eagerly into a vector; positions are byte offsets.

use crate::go::unicode::{is_digit, is_letter};

mod scan;

/// Keywords of the template language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    Block,
    Break,
    Continue,
    Define,
    Else,
    End,
    If,
    Range,
    Template,
    With,
}

impl Keyword {
    fn from_word(word: &str) -> Option<Keyword> {
        Some(match word {
            "block" => Keyword::Block,
            "break" => Keyword::Break,
            "continue" => Keyword::Continue,
            "define" => Keyword::Define,
            "else" => Keyword::Else,
            "end" => Keyword::End,
            "if" => Keyword::If,
            "range" => Keyword::Range,
            "template" => Keyword::Template,
            "with" => Keyword::With,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Keyword::Block => "block",
            Keyword::Break => "break",
            Keyword::Continue => "continue",
            Keyword::Define => "define",
            Keyword::Else => "else",
            Keyword::End => "end",
            Keyword::If => "if",
            Keyword::Range => "range",
            Keyword::Template => "template",
            Keyword::With => "with",
        }
    }
}

/// One lexical item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// Plain text outside actions, already trimmed.
    Text(String),
    LeftDelim,
    RightDelim,
    Space,
    Pipe,
    /// `:=`
    Declare,
    /// `=`
    Assign,
    LeftParen,
    RightParen,
    /// Any other printable ASCII character inside an action (`,` is the useful one).
    Char(char),
    /// `.Name` (stored without the dot).
    Field(String),
    /// `$` or `$name` (stored with the dollar).
    Variable(String),
    Identifier(String),
    Dot,
    Bool(bool),
    Nil,
    /// Source text of a number or character constant.
    Number(String),
    /// Source text of a quoted string, quotes included.
    Str(String),
    /// Source text of a raw string, backquotes included.
    RawStr(String),
    Keyword(Keyword),
    Eof,
}

/// A token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

/// A lexing failure at a byte offset.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LexError {
    pub pos: usize,
    pub msg: String,
}

const LEFT: &str = "{{";
const RIGHT: &str = "}}";

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// text/template's `isAlphaNumeric`.
fn is_alnum(c: char) -> bool {
    c == '_' || is_letter(c) || is_digit(c)
}

fn has_left_trim(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b, [b'-', c, ..] if is_space(*c as char))
}

fn has_right_trim(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b, [c, b'-', ..] if is_space(*c as char))
}

/// Tokenizes a whole template.
pub(crate) fn lex(input: &str) -> Result<Vec<Token>, LexError> {
    let mut lx = Lexer {
        input,
        pos: 0,
        out: Vec::new(),
        paren_depth: 0,
    };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    out: Vec<Token>,
    paren_depth: usize,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn push(&mut self, tok: Tok, pos: usize) {
        self.out.push(Token { tok, pos });
    }

    fn err<T>(&self, pos: usize, msg: impl Into<String>) -> Result<T, LexError> {
        Err(LexError {
            pos,
            msg: msg.into(),
        })
    }

    fn run(&mut self) -> Result<(), LexError> {
        loop {
            let start = self.pos;
            let Some(x) = self.rest().find(LEFT) else {
                if self.pos < self.input.len() {
                    self.push(Tok::Text(self.rest().to_string()), start);
                }
                self.push(Tok::Eof, self.input.len());
                return Ok(());
            };
            let delim = start + x;
            let after = delim + LEFT.len();
            let trim = has_left_trim(self.input.get(after..).unwrap_or_default());
            let text = self.input.get(start..delim).unwrap_or_default();
            let text = if trim {
                text.trim_end_matches(is_space)
            } else {
                text
            };
            if !text.is_empty() {
                self.push(Tok::Text(text.to_string()), start);
            }
            self.pos = after + if trim { 2 } else { 0 };
            if self.rest().starts_with("/*") {
                self.comment(delim)?;
            } else {
                self.push(Tok::LeftDelim, delim);
                self.paren_depth = 0;
                self.inside_action(delim)?;
            }
        }
    }

    /// Checks for `}}`, possibly preceded by a trim marker; returns (found, trim).
    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim(rest) && rest.get(2..).unwrap_or_default().starts_with(RIGHT) {
            return (true, true);
        }
        (rest.starts_with(RIGHT), false)
    }

    fn comment(&mut self, open: usize) -> Result<(), LexError> {
        self.pos += 2;
        let Some(end) = self.rest().find("*/") else {
            return self.err(open, "unclosed comment");
        };
        self.pos += end + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.err(open, "comment ends before closing delimiter");
        }
        self.pos += if trim { 2 } else { 0 } + RIGHT.len();
        if trim {
            self.skip_leading_space();
        }
        Ok(())
    }

    fn skip_leading_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches(is_space).len();
    }

    fn right_delim(&mut self, trim: bool) {
        if trim {
            self.pos += 2;
        }
        self.push(Tok::RightDelim, self.pos);
        self.pos += RIGHT.len();
        if trim {
            self.skip_leading_space();
        }
    }

    fn inside_action(&mut self, open: usize) -> Result<(), LexError> {
        loop {
            let (delim, trim) = self.at_right_delim();
            if delim {
                if self.paren_depth > 0 {
                    return self.err(self.pos, "unclosed left paren");
                }
                self.right_delim(trim);
                return Ok(());
            }
            let Some(c) = self.peek() else {
                return self.err(open, "unclosed action");
            };
            if is_space(c) {
                self.space();
            } else {
                self.token(c)?;
            }
        }
    }

    /// Lexes the token starting with `c` (not a space) at the current position.
    fn token(&mut self, c: char) -> Result<(), LexError> {
        let start = self.pos;
        self.pos += c.len_utf8();
        match c {
            ':' => {
                if self.peek() != Some('=') {
                    return self.err(start, "expected :=");
                }
                self.pos += 1;
                self.push(Tok::Declare, start);
            }
            '=' => self.push(Tok::Assign, start),
            '|' => self.push(Tok::Pipe, start),
            '"' => self.quote(start)?,
            '`' => self.raw_quote(start)?,
            '$' => self.variable(start)?,
            '\'' => self.char_const(start)?,
            '.' if self.peek().is_some_and(|d| !d.is_ascii_digit()) => self.field(start)?,
            '.' | '+' | '-' | '0'..='9' => {
                self.pos = start;
                self.number(start)?;
            }
            '(' => {
                self.push(Tok::LeftParen, start);
                self.paren_depth += 1;
            }
            ')' => {
                if self.paren_depth == 0 {
                    return self.err(start, "unexpected right paren");
                }
                self.paren_depth -= 1;
                self.push(Tok::RightParen, start);
            }
            c if is_alnum(c) => {
                self.pos = start;
                self.identifier(start)?;
            }
            c if c.is_ascii() && !c.is_ascii_control() => self.push(Tok::Char(c), start),
            c => {
                let msg = format!(
                    "unrecognized character in action: U+{:04X} {c:?}",
                    u32::from(c)
                );
                return self.err(start, msg);
            }
        }
        Ok(())
    }

    /// Consumes a run of spaces. The last space before a ` -}}` belongs to the
    /// delimiter, so it is left in place; a run of only that space emits nothing.
    fn space(&mut self) {
        let start = self.pos;
        let mut n = 0;
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
            n += 1;
        }
        let last = self.pos - 1;
        let tail = self.input.get(last..).unwrap_or_default();
        if has_right_trim(tail) && tail.get(2..).unwrap_or_default().starts_with(RIGHT) {
            self.pos = last;
            if n == 1 {
                return;
            }
        }
        self.push(Tok::Space, start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[rstest]
    #[case("a {{- 1 -}} b", vec![Tok::Text("a".into()), Tok::LeftDelim, Tok::Number("1".into()), Tok::RightDelim, Tok::Text("b".into()), Tok::Eof])]
    #[case("a\n  {{- /* c */ -}}\n b", vec![Tok::Text("a".into()), Tok::Text("b".into()), Tok::Eof])]
    #[case("{{.A.B}}", vec![Tok::LeftDelim, Tok::Field("A".into()), Tok::Field("B".into()), Tok::RightDelim, Tok::Eof])]
    #[case("{{$x := .}}", vec![Tok::LeftDelim, Tok::Variable("$x".into()), Tok::Space, Tok::Declare, Tok::Space, Tok::Dot, Tok::RightDelim, Tok::Eof])]
    #[case("{{-3}}", vec![Tok::LeftDelim, Tok::Number("-3".into()), Tok::RightDelim, Tok::Eof])]
    #[case("{{ if\n true }}", vec![Tok::LeftDelim, Tok::Space, Tok::Keyword(Keyword::If), Tok::Space, Tok::Bool(true), Tok::Space, Tok::RightDelim, Tok::Eof])]
    #[case("{{ `a\"b` }}", vec![Tok::LeftDelim, Tok::Space, Tok::RawStr("`a\"b`".into()), Tok::Space, Tok::RightDelim, Tok::Eof])]
    fn lexes(#[case] src: &str, #[case] want: Vec<Tok>) {
        assert_eq!(toks(src), want);
    }

    #[rstest]
    #[case("{{ 1", "unclosed action")]
    #[case("{{/* x", "unclosed comment")]
    #[case("{{/* x */ 1}}", "comment ends before closing delimiter")]
    #[case("{{ \"abc }}", "unterminated quoted string")]
    #[case("{{ ( 1 }}", "unclosed left paren")]
    #[case("{{ ) }}", "unexpected right paren")]
    #[case("{{ 3k }}", "bad number syntax: \"3k\"")]
    #[case("{{ $x=1 }}", "bad character U+003D '='")]
    fn errors(#[case] src: &str, #[case] want: &str) {
        assert_eq!(lex(src).unwrap_err().msg, want);
    }
}
