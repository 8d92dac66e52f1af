//! go-yaml v2's emitter, for what `sigs.k8s.io/yaml.Marshal` prints: kube-inject's output and
//! the templates' `toYaml`.
//!
//! That library marshals to JSON, reads the JSON back with go-yaml v2 and re-emits it, so:
//! every map is sorted (go-yaml's natural key order, digit runs compare numerically), numbers
//! are ints when the JSON text is integral, block style with 2-space indent, sequences inside
//! mappings are not indented, empty collections are `{}`/`[]`, strings that would read back as
//! another type are double-quoted, strings with newlines use literal style (`|-`), long plain
//! or quoted scalars are folded at column 80, and keys that are multi-line or longer than 128
//! bytes are written as complex keys (`? key` / `: value`). The emitter follows go-yaml's
//! `emitterc.go` closely for exactly these cases; there are no anchors, tags, comments or flow
//! styles to handle.
//!
//! Two deliberate differences, so every string reads back as it was: go-yaml writes the line
//! breaks `\r`, U+0085, U+2028 and U+2029 raw inside quoted scalars, where YAML 1.1 readers
//! (PyYAML, and so many CI tools) fold them into other text; we always escape them in double
//! quotes. And go-yaml writes a mapping key `<<` plain, which every go-yaml reader (kubectl's
//! included) then takes for a merge key and refuses; we double-quote it. Kubernetes refuses
//! such a key anyway, so only invalid objects print differently.

use std::borrow::Cow;

use super::style::{is_base60_float, key_less, resolves_to_str};
use super::MAX_DEPTH;
use crate::go::float::{go_float, json_float};

/// A value as go-yaml sees it after the JSON round trip. Strings are borrowed from the value
/// printed where it has them, so printing a pod copies none of its text.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    /// Integer text.
    Int(String),
    Float(f64),
    Str(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    /// Entries in any order: `emit` sorts them as go-yaml does.
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl Node<'_> {
    /// The node for a JSON number, as go-yaml reads Go's JSON text back: integral text within
    /// 64 bits is an int, anything else a float. Errors for NaN and infinities, which Go's
    /// JSON encoder refuses.
    pub fn number(f: f64) -> Result<Node<'static>, String> {
        let text =
            json_float(f).ok_or_else(|| format!("json: unsupported value: {}", go_float(f)))?;
        let integral = !text.contains(['.', 'e']);
        let fits = text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok();
        Ok(if integral && fits {
            Node::Int(text)
        } else {
            Node::Float(f)
        })
    }

    /// A JSON value (serde's) as a node; errors when it nests deeper than `MAX_DEPTH`.
    pub fn from_json(v: &serde_json::Value) -> Result<Node<'_>, String> {
        from_json(v, 0)
    }
}

fn from_json(v: &serde_json::Value, depth: usize) -> Result<Node<'_>, String> {
    use serde_json::Value as J;
    if depth > MAX_DEPTH {
        return Err(format!("value nests deeper than {MAX_DEPTH} levels"));
    }
    Ok(match v {
        J::Null => Node::Null,
        J::Bool(b) => Node::Bool(*b),
        J::Number(n) if n.is_i64() || n.is_u64() => Node::Int(n.to_string()),
        J::Number(n) => Node::number(n.as_f64().unwrap_or(f64::NAN))?,
        J::String(s) => Node::Str(Cow::Borrowed(s)),
        J::Array(items) => Node::Seq(
            items
                .iter()
                .map(|i| from_json(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(m) => Node::Map(
            m.iter()
                .map(|(k, v)| Ok((Cow::Borrowed(k.as_str()), from_json(v, depth + 1)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// Prints one document (no `---`), ending with a newline.
pub fn emit(node: &Node<'_>) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        chars: Vec::new(),
    };
    e.value(node, -1, false);
    if e.column != 0 {
        e.out.push('\n');
    }
    e.out
}

const BEST_WIDTH: usize = 80;

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// What go-yaml's `yaml_emitter_analyze_scalar` learns about a string.
struct Analysis {
    multiline: bool,
    block_plain: bool,
    single: bool,
    block: bool,
}

fn yaml_printable(c: char) -> bool {
    let u = u32::from(c);
    c == '\n'
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank_or_break(c: char) -> bool {
    matches!(c, ' ' | '\t') || is_break(c)
}

/// Whether an indicator character forbids the plain style in block context.
fn has_block_indicator(s: &str, chars: &[char]) -> bool {
    if s.starts_with("---") || s.starts_with("...") {
        return true;
    }
    let mut preceded_ws = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_ws = chars.get(i + 1).is_none_or(|&n| is_blank_or_break(n));
        let indicator = if i == 0 {
            matches!(
                c,
                '#' | ','
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '&'
                    | '*'
                    | '!'
                    | '|'
                    | '>'
                    | '\''
                    | '"'
                    | '%'
                    | '@'
                    | '`'
            ) || (matches!(c, '?' | ':' | '-') && followed_ws)
        } else {
            (c == ':' && followed_ws) || (c == '#' && preceded_ws)
        };
        if indicator {
            return true;
        }
        preceded_ws = is_blank_or_break(c);
    }
    false
}

/// Adjacent characters.
fn pairs(chars: &[char]) -> impl Iterator<Item = (char, char)> + '_ {
    chars.iter().copied().zip(chars.iter().copied().skip(1))
}

/// What `analyze` looks for character by character.
struct Flags {
    /// A character go-yaml does not print as it is (or a tab).
    special: bool,
    breaks: bool,
    break_space: bool,
    space_break: bool,
}

/// `Flags` of any scalar, character by character.
fn char_flags(chars: &[char]) -> Flags {
    Flags {
        special: chars.iter().any(|&c| !yaml_printable(c) || c == '\t'),
        breaks: chars.iter().any(|&c| is_break(c)),
        // A space right after a line break, or right before one.
        break_space: pairs(chars).any(|(a, b)| is_break(a) && b == ' '),
        space_break: pairs(chars).any(|(a, b)| a == ' ' && is_break(b)),
    }
}

/// `Flags` of an ASCII scalar in one pass over its bytes (most scalars are ASCII; the four
/// passes over characters cost a tenth of kube-inject). In ASCII, go-yaml prints `\n` and
/// 0x20-0x7E as they are, and its breaks are `\r` and `\n`.
fn ascii_flags(bytes: &[u8]) -> Flags {
    let is_break = |b: u8| b == b'\n' || b == b'\r';
    let mut f = Flags {
        special: false,
        breaks: false,
        break_space: false,
        space_break: false,
    };
    // Without a control character (breaks are ones) every flag is false: checked first with a
    // fold that has no early exit, so it runs over many bytes at once.
    if !bytes
        .iter()
        .fold(false, |any, &b| any | (b < 0x20) | (b == 0x7F))
    {
        return f;
    }
    let mut prev = 0u8;
    for &b in bytes {
        f.special |= (b < 0x20 && b != b'\n') || b == 0x7F;
        f.breaks |= is_break(b);
        f.break_space |= is_break(prev) && b == b' ';
        f.space_break |= prev == b' ' && is_break(b);
        prev = b;
    }
    f
}

fn analyze(s: &str, chars: &[char]) -> Analysis {
    let (Some(&lead), Some(&trail)) = (chars.first(), chars.last()) else {
        return Analysis {
            multiline: false,
            block_plain: true,
            single: true,
            block: false,
        };
    };
    let Flags {
        special,
        breaks,
        break_space,
        space_break,
    } = if s.is_ascii() {
        ascii_flags(s.as_bytes())
    } else {
        char_flags(chars)
    };
    let edge_ws = lead == ' ' || is_break(lead) || trail == ' ' || is_break(trail);
    Analysis {
        multiline: breaks,
        block_plain: !(edge_ws
            || breaks
            || has_block_indicator(s, chars)
            || break_space
            || space_break
            || special),
        single: !(break_space || space_break || special),
        block: !(trail == ' ' || space_break || special),
    }
}

/// go-yaml's `yaml_emitter_check_simple_key` for a string key: single-line, at most 128 bytes.
fn is_simple_key(k: &str) -> bool {
    k.len() <= 128 && !k.chars().any(is_break)
}

fn choose_style(s: &str, chars: &[char], simple_key: bool) -> Style {
    // Our departures from go-yaml (see the module doc): breaks other than `\n` are escaped,
    // and a key `<<` is quoted.
    if s.chars().any(|c| is_break(c) && c != '\n') || (simple_key && s == "<<") {
        return Style::Double;
    }
    let mut style = if s.contains('\n') {
        Style::Literal
    } else if resolves_to_str(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::Double
    };
    let a = analyze(s, chars);
    if simple_key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!a.block_plain || (s.is_empty() && simple_key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block || simple_key) {
        style = Style::Double;
    }
    style
}

struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    /// The scalar being written, as characters (go-yaml looks ahead and behind); reused so a
    /// document costs one buffer, not one per scalar.
    chars: Vec<char>,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        if c == '\n' {
            self.column = 0;
        } else {
            self.column += 1;
        }
    }

    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put('\n');
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn indicator(&mut self, s: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        s.chars().for_each(|c| self.put(c));
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    /// Emits a node whose parent block is at `parent` (-1 at the root).
    fn value(&mut self, y: &Node<'_>, parent: isize, mapping_context: bool) {
        let child = if parent < 0 { 0 } else { parent as usize + 2 };
        match y {
            Node::Map(entries) if entries.is_empty() => self.indicator("{}", true, false, false),
            Node::Seq(items) if items.is_empty() => self.indicator("[]", true, false, false),
            Node::Map(entries) => {
                let mut sorted: Vec<&(Cow<'_, str>, Node<'_>)> = entries.iter().collect();
                // Go's sort.Sort: go-yaml's key order is not transitive, which Rust's sorts
                // reject with a panic.
                crate::go::sort::sort(&mut sorted, |a, b| key_less(&a.0, &b.0));
                for (k, v) in sorted {
                    self.write_indent(child);
                    if is_simple_key(k) {
                        self.scalar_str(k, child + 2, true);
                        self.indicator(":", false, false, false);
                        self.value(v, child as isize, true);
                    } else {
                        // go-yaml's complex key: `? key`, then `: value` on its own line,
                        // the value laid out as after a sequence's `- `.
                        self.indicator("?", true, false, true);
                        self.scalar_str(k, child + 2, false);
                        self.write_indent(child);
                        self.indicator(":", true, false, true);
                        self.value(v, child as isize, false);
                    }
                }
            }
            Node::Seq(items) => {
                let indent = if mapping_context && !self.indention {
                    parent.max(0) as usize
                } else {
                    child
                };
                for item in items {
                    self.write_indent(indent);
                    self.indicator("-", true, false, true);
                    self.value(item, indent as isize, false);
                }
            }
            Node::Null => self.plain("null", child, true),
            Node::Bool(b) => self.plain(if *b { "true" } else { "false" }, child, true),
            Node::Int(t) => self.plain(t, child, true),
            Node::Float(f) => {
                let s = match go_float(*f).as_str() {
                    "+Inf" => ".inf".to_string(),
                    "-Inf" => "-.inf".to_string(),
                    "NaN" => ".nan".to_string(),
                    s => s.to_string(),
                };
                self.plain(&s, child, true);
            }
            Node::Str(s) => {
                let indent = if parent < 0 { 2 } else { parent as usize + 2 };
                self.scalar_str(s, indent, false);
            }
        }
    }

    /// Runs `f` with `s` as characters, in the reused buffer.
    fn with_chars(&mut self, s: &str, f: impl FnOnce(&mut Self, &[char])) {
        let mut chars = std::mem::take(&mut self.chars);
        chars.clear();
        chars.extend(s.chars());
        f(self, &chars);
        self.chars = chars;
    }

    fn scalar_str(&mut self, s: &str, indent: usize, simple_key: bool) {
        self.with_chars(s, |e, chars| match choose_style(s, chars, simple_key) {
            Style::Plain => e.plain_chars(chars, indent, !simple_key),
            Style::Single => e.single(chars, indent, !simple_key),
            Style::Double => e.double(chars, indent, !simple_key),
            Style::Literal => e.literal(chars, indent),
        });
    }

    fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.with_chars(s, |e, chars| e.plain_chars(chars, indent, allow_breaks));
    }

    fn plain_chars(&mut self, chars: &[char], indent: usize, allow_breaks: bool) {
        if !chars.is_empty() && !self.whitespace {
            self.put(' ');
        }
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        if !chars.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
    }

    fn single(&mut self, chars: &[char], indent: usize, allow_breaks: bool) {
        self.indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inner = i > 0 && chars.get(i + 1).is_some_and(|n| *n != ' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && inner {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put('\n');
                }
                self.put('\n');
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.indicator("'", false, false, false);
    }

    fn double(&mut self, chars: &[char], indent: usize, allow_breaks: bool) {
        self.indicator("\"", true, false, false);
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !yaml_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let u = u32::from(c);
                let esc = match c {
                    '\0' => "0".to_string(),
                    '\u{07}' => "a".into(),
                    '\u{08}' => "b".into(),
                    '\t' => "t".into(),
                    '\n' => "n".into(),
                    '\u{0B}' => "v".into(),
                    '\u{0C}' => "f".into(),
                    '\r' => "r".into(),
                    '\u{1B}' => "e".into(),
                    '"' => "\"".into(),
                    '\\' => "\\".into(),
                    '\u{85}' => "N".into(),
                    '\u{A0}' => "_".into(),
                    '\u{2028}' => "L".into(),
                    '\u{2029}' => "P".into(),
                    _ if u <= 0xFF => format!("x{u:02X}"),
                    _ if u <= 0xFFFF => format!("u{u:04X}"),
                    _ => format!("U{u:08X}"),
                };
                esc.chars().for_each(|e| self.put(e));
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.indicator("\"", false, false, false);
    }

    fn literal(&mut self, chars: &[char], indent: usize) {
        self.indicator("|", true, false, false);
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.indicator("2", false, false, false);
        }
        let chomp = match chars {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if is_break(*before) => Some("+"),
            _ => None,
        };
        if let Some(h) = chomp {
            self.indicator(h, false, false, false);
        }
        self.put('\n');
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in chars {
            if is_break(c) {
                self.put('\n');
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[test]
    fn ascii_flags_equal_the_character_passes() {
        // Every string of up to four characters over the ones the flags look at.
        let alphabet = [' ', '\n', '\r', '\t', 'a', '\u{1}', '\u{7f}', '~', ':'];
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
        }
        strings.dedup();
        for s in &strings {
            let chars: Vec<char> = s.chars().collect();
            let (f, g) = (ascii_flags(s.as_bytes()), char_flags(&chars));
            assert_eq!(
                (f.special, f.breaks, f.break_space, f.space_break),
                (g.special, g.breaks, g.break_space, g.space_break),
                "{s:?}"
            );
        }
        assert!(strings.len() > 6000);
    }

    fn y(j: serde_json::Value) -> String {
        emit(&Node::from_json(&j).unwrap())
    }

    #[rstest]
    #[case(json!({"b": 1, "a": {"c": [1, 2]}}), "a:\n  c:\n  - 1\n  - 2\nb: 1\n")]
    #[case(json!({"limits": {"cpu": "2000m", "memory": "1024Mi"}}), "limits:\n  cpu: 2000m\n  memory: 1024Mi\n")]
    #[case(json!({"e": {}, "l": [], "n": null, "t": true}), "e: {}\nl: []\n\"n\": null\nt: true\n")]
    // Our departure: a key `<<` would read back as a merge key; a value `<<` is a string.
    #[case(json!({"<<": "", "a": "<<"}), "\"<<\": \"\"\na: <<\n")]
    #[case(json!([{"a": 1, "b": [[1, 2]]}]), "- a: 1\n  b:\n  - - 1\n    - 2\n")]
    #[case(json!({"s": "true", "p": "80", "q": "", "x": "a: b", "c": "- x"}), "c: '- x'\np: \"80\"\nq: \"\"\ns: \"true\"\nx: 'a: b'\n")]
    #[case(json!({"m": "line1\nline2", "k": "end\n"}), "k: |\n  end\nm: |-\n  line1\n  line2\n")]
    #[case(json!({"f": 0.5, "g": 1e21, "i": 1000000.0}), "f: 0.5\ng: 1e+21\ni: 1000000\n")]
    #[case(json!({"t": "a\tb", "u": "é"}), "t: \"a\\tb\"\nu: é\n")]
    #[case(json!("x"), "x\n")]
    #[case(json!(null), "null\n")]
    #[case(json!({"": 1}), "\"\": 1\n")]
    fn emits(#[case] v: serde_json::Value, #[case] want: &str) {
        assert_eq!(y(v), want);
    }

    #[test]
    fn folds_long_plain_scalars_at_80_columns() {
        let words = vec!["word"; 30].join(" ");
        let out = y(json!({ "k": words }));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(lines[0].len() > 80 && lines[1].starts_with("  word"));
    }
}
