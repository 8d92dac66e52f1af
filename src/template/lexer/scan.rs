//! Scanners for the operands inside an action: identifiers, fields,
//! variables, strings, character constants and numbers.

use super::{is_alnum, is_space, Keyword, LexError, Lexer, Tok, RIGHT};

impl Lexer<'_> {
    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            Some(_) => self.rest().starts_with(RIGHT),
        }
    }

    fn bad_char(&self) -> LexError {
        let c = self.peek().unwrap_or('\0');
        LexError {
            pos: self.pos,
            msg: format!("bad character U+{:04X} {c:?}", u32::from(c)),
        }
    }

    fn take_alnum(&mut self) {
        while self.peek().is_some_and(is_alnum) {
            self.pos += self.peek().map_or(1, char::len_utf8);
        }
    }

    pub(super) fn identifier(&mut self, start: usize) -> Result<(), LexError> {
        self.take_alnum();
        if !self.at_terminator() {
            return Err(self.bad_char());
        }
        let word = self.input.get(start..self.pos).unwrap_or_default();
        let tok = match word {
            "true" => Tok::Bool(true),
            "false" => Tok::Bool(false),
            "nil" => Tok::Nil,
            _ => match Keyword::from_word(word) {
                Some(k) => Tok::Keyword(k),
                None => Tok::Identifier(word.to_string()),
            },
        };
        self.push(tok, start);
        Ok(())
    }

    pub(super) fn field(&mut self, start: usize) -> Result<(), LexError> {
        if self.at_terminator() {
            self.push(Tok::Dot, start);
            return Ok(());
        }
        self.take_alnum();
        if !self.at_terminator() {
            return Err(self.bad_char());
        }
        let name = self
            .input
            .get(start + 1..self.pos)
            .unwrap_or_default()
            .to_string();
        self.push(Tok::Field(name), start);
        Ok(())
    }

    pub(super) fn variable(&mut self, start: usize) -> Result<(), LexError> {
        self.take_alnum();
        if !self.at_terminator() {
            return Err(self.bad_char());
        }
        let name = self
            .input
            .get(start..self.pos)
            .unwrap_or_default()
            .to_string();
        self.push(Tok::Variable(name), start);
        Ok(())
    }

    pub(super) fn quote(&mut self, start: usize) -> Result<(), LexError> {
        self.escaped_until(start, '"', Tok::Str, "unterminated quoted string")
    }

    /// A `"…"` string or `'…'` character constant: backslash escapes, no newline inside.
    fn escaped_until(
        &mut self,
        start: usize,
        close: char,
        token: fn(String) -> Tok,
        unterminated: &str,
    ) -> Result<(), LexError> {
        loop {
            match self.peek() {
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        None | Some('\n') => break,
                        Some(c) => self.pos += c.len_utf8(),
                    }
                }
                None | Some('\n') => break,
                Some(c) if c == close => {
                    self.pos += 1;
                    let text = self
                        .input
                        .get(start..self.pos)
                        .unwrap_or_default()
                        .to_string();
                    self.push(token(text), start);
                    return Ok(());
                }
                Some(c) => self.pos += c.len_utf8(),
            }
        }
        self.err(start, unterminated)
    }

    pub(super) fn raw_quote(&mut self, start: usize) -> Result<(), LexError> {
        let Some(end) = self.rest().find('`') else {
            return self.err(start, "unterminated raw quoted string");
        };
        self.pos += end + 1;
        let text = self
            .input
            .get(start..self.pos)
            .unwrap_or_default()
            .to_string();
        self.push(Tok::RawStr(text), start);
        Ok(())
    }

    pub(super) fn char_const(&mut self, start: usize) -> Result<(), LexError> {
        self.escaped_until(start, '\'', Tok::Number, "unterminated character constant")
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.pos += c.len_utf8();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    /// Scans a number the way Go's lexer does (validation happens in the parser).
    pub(super) fn number(&mut self, start: usize) -> Result<(), LexError> {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alnum) || matches!(self.peek(), Some('+' | '-')) {
            self.pos += self.peek().map_or(1, char::len_utf8);
            let text = self.input.get(start..self.pos).unwrap_or_default();
            return self.err(start, format!("bad number syntax: {text:?}"));
        }
        let text = self
            .input
            .get(start..self.pos)
            .unwrap_or_default()
            .to_string();
        self.push(Tok::Number(text), start);
        Ok(())
    }
}
