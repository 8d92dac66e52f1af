//! JSON text read in place: a cursor that validates what it passes over and builds nothing.
//!
//! The webhook reads an AdmissionReview's envelope and checks the pod in it this way
//! (`server::admission::review`, `goenc::text`), so the body is scanned once instead of being
//! parsed into values. Every method answers `None` where the text is not valid JSON (RFC 8259,
//! as `serde_json` reads it) or not what the caller expects; callers then fall back to
//! `serde_json`, which gives the error. The one thing left to the caller is UTF-8: the text is a
//! `&str`.

/// A read position in JSON text.
pub struct Cursor<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

/// Containers deeper than this are left to `serde_json` (whose own skipping has no limit).
const MAX_DEPTH: u32 = 128;

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str) -> Cursor<'a> {
        Cursor {
            text,
            b: text.as_bytes(),
            i: 0,
        }
    }

    /// The byte offset of the next unread byte.
    pub fn pos(&self) -> usize {
        self.i
    }

    /// `text[from..]` up to the position.
    pub fn since(&self, from: usize) -> Option<&'a str> {
        self.text.get(from..self.i)
    }

    /// The next byte after whitespace, not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        loop {
            let b = *self.b.get(self.i)?;
            // One comparison for the usual case: whitespace is never above a space.
            if b > b' ' || !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.i += 1;
        }
    }

    /// Only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    pub fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.i += usize::from(found);
        found
    }

    pub fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// A string: its content as written (between the quotes) and whether it holds an escape.
    /// Refused: a raw control character, an invalid escape.
    pub fn string(&mut self) -> Option<(&'a str, bool)> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.i + 1;
        let (mut end, mut escaped) = (start, false);
        loop {
            end += find_in_string(self.b.get(end..)?)?;
            match *self.b.get(end)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    end += escape_len(self.b.get(end + 1..)?)? + 1;
                }
                // A raw control character.
                _ => return None,
            }
        }
        self.i = end + 1;
        // Cut at quotes, so at character boundaries.
        Some((self.text.get(start..end)?, escaped))
    }

    /// A member key equal to one of `names` (tried in order, none holding a quote, a
    /// backslash or a control character): its index in `names`. Matched in place, without
    /// scanning the string first: most keys match the first name tried.
    pub fn key_among<'n>(&mut self, names: impl IntoIterator<Item = &'n str>) -> Option<usize> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let rest = self.b.get(self.i + 1..)?;
        let (k, len) = names.into_iter().enumerate().find_map(|(k, name)| {
            let name = name.as_bytes();
            let here = rest.first() == name.first()
                && rest.get(name.len()) == Some(&b'"')
                && rest.starts_with(name);
            here.then_some((k, name.len()))
        })?;
        self.i += len + 2;
        Some(k)
    }

    /// A string without escapes.
    pub fn plain_string(&mut self) -> Option<&'a str> {
        match self.string()? {
            (content, false) => Some(content),
            (_, true) => None,
        }
    }

    /// A scalar other than a string, validated: a number, `true`, `false` or `null`.
    pub fn scalar(&mut self) -> Option<&'a [u8]> {
        self.peek();
        let start = self.i;
        while let Some(b) = self.b.get(self.i) {
            if matches!(b, b',' | b'}' | b']' | b':' | b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.i += 1;
        }
        let token = self.b.get(start..self.i)?;
        (matches!(token, b"true" | b"false" | b"null") || is_number(token)).then_some(token)
    }

    /// Skips one value, validating it, without recursion.
    pub fn skip_value(&mut self) -> Option<()> {
        // One bit per open container, 1 for an object.
        let (mut stack, mut depth) = (0u128, 0u32);
        loop {
            // A value.
            match self.peek()? {
                open @ (b'{' | b'[') => {
                    self.i += 1;
                    let close = if open == b'{' { b'}' } else { b']' };
                    if !self.eat(close) {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return None;
                        }
                        stack = (stack << 1) | u128::from(open == b'{');
                        if open == b'{' {
                            self.member_key()?;
                        }
                        continue;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                _ => {
                    self.scalar()?;
                }
            }
            // After a value: a separator, or the end of containers.
            loop {
                if depth == 0 {
                    return Some(());
                }
                let object = stack & 1 == 1;
                if self.eat(b',') {
                    if object {
                        self.member_key()?;
                    }
                    break;
                }
                self.expect(if object { b'}' } else { b']' })?;
                stack >>= 1;
                depth -= 1;
            }
        }
    }

    /// A member's key and its colon.
    fn member_key(&mut self) -> Option<()> {
        self.string()?;
        self.expect(b':')
    }

    /// After an element: `,` (another follows, `true`) or the closing `end` (`false`).
    pub fn next_or_end(&mut self, end: u8) -> Option<bool> {
        if self.eat(b',') {
            return Some(true);
        }
        self.expect(end).map(|()| false)
    }
}

/// The length of an escape after its backslash (`n`, `u00e9`), if valid.
fn escape_len(after: &[u8]) -> Option<usize> {
    match after.first()? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(1),
        b'u' => after
            .get(1..5)?
            .iter()
            .all(u8::is_ascii_hexdigit)
            .then_some(5),
        _ => None,
    }
}

/// A JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_number(t: &[u8]) -> bool {
    let digits = |from: usize| {
        t.iter()
            .skip(from)
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut i = usize::from(t.first() == Some(&b'-'));
    match t.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digits(i),
        _ => return false,
    }
    if t.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1 + usize::from(matches!(t.get(i + 1), Some(b'+' | b'-')));
        let n = digits(i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == t.len()
}

/// Whether `s` needs escaping inside a JSON string: a quote, a backslash or a control
/// character.
pub fn needs_escape(s: &str) -> bool {
    find_in_string(s.as_bytes()).is_some()
}

/// In a string: the first quote, backslash or raw control character.
fn find_in_string(hay: &[u8]) -> Option<usize> {
    find(
        hay,
        |word| {
            // Bytes below 0x20: the subtraction borrows and the byte's top bit was clear.
            (has_byte(word, b'"') | has_byte(word, b'\\'))
                | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS)
        },
        |b| matches!(b, b'"' | b'\\') || b < 0x20,
    )
}

/// The first of `needles` in `hay`.
pub fn find_any<const N: usize>(hay: &[u8], needles: [u8; N]) -> Option<usize> {
    find(
        hay,
        |word| {
            needles
                .iter()
                .fold(0, |found, &n| found | has_byte(word, n))
        },
        |b| needles.contains(&b),
    )
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The bytes of `word` equal to `byte`, flagged by their top bit. The lowest flag is exact (a
/// borrow only ever flags bytes above a true match), which is all [`find`] reads.
fn has_byte(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The first byte `hit` flags, eight bytes at a time (most strings here are a few words long,
/// where `memchr`'s set-up costs more than the search); `one` decides the tail.
fn find(hay: &[u8], hit: impl Fn(u64) -> u64, one: impl Fn(u8) -> bool) -> Option<usize> {
    let mut words = hay.chunks_exact(8);
    for (k, chunk) in words.by_ref().enumerate() {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(chunk);
        let found = hit(u64::from_le_bytes(bytes));
        if found != 0 {
            return Some(k * 8 + (found.trailing_zeros() / 8) as usize);
        }
    }
    let rest = words.remainder();
    let tail = rest.iter().position(|&b| one(b))?;
    Some(hay.len() - rest.len() + tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skips(text: &str) -> bool {
        let mut c = Cursor::new(text);
        c.skip_value().is_some() && c.at_end()
    }

    /// The validating skip agrees with `serde_json` on valid and invalid JSON.
    #[test]
    fn skip_value_agrees_with_serde() {
        let cases = [
            "null",
            "true",
            "false",
            "0",
            "-0",
            "1.5",
            "-1e5",
            "1E+2",
            "2.5e-3",
            r#""""#,
            r#""a\"b\\c\/\b\f\n\r\t\u00e9""#,
            "[]",
            "{}",
            "[1,[2,{}],\"x\"]",
            r#"{"a":{"b":[1,2,{"c":null}]},"d":"e"}"#,
            " [ 1 , 2 ] ",
            "01",
            "1.",
            ".5",
            "1e",
            "-",
            "+1",
            "tru",
            "nul",
            "[1,]",
            "[,1]",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{1:2}",
            "[1 2]",
            "{\"a\":1 \"b\":2}",
            "\"\\x\"",
            "\"\\u12\"",
            "\"a\u{1}b\"",
            "\"tab\there\"",
            "[",
            "{",
            "\"",
            "]",
            "[1]]",
            "{\"a\":[}]",
            "[{]}",
            "1x",
            "truex",
            "\"é\"",
            "[\"\\ud83d\\ude00\"]",
        ];
        for text in cases {
            let serde = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
            assert_eq!(skips(text), serde, "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_left_to_serde_and_never_recurses() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(skips(&deep));
        let deeper = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(!skips(&deeper));
    }

    #[test]
    fn keys_are_matched_in_place() {
        let mut c = Cursor::new(r#" "image":1 "imagePullPolicy":2 "x\"":3"#);
        assert_eq!(c.key_among(["name", "image", "imagePullPolicy"]), Some(1));
        assert!(c.eat(b':'));
        assert!(c.scalar().is_some());
        // A longer key is not its prefix.
        assert_eq!(c.key_among(["image", "imagePullPolicy"]), Some(1));
        c.expect(b':');
        c.scalar();
        assert_eq!(c.key_among(["x"]), None);
    }

    #[test]
    fn strings_as_written() {
        let mut c = Cursor::new(r#" "a\nb" "plain" "#);
        assert_eq!(c.string(), Some((r"a\nb", true)));
        assert_eq!(c.plain_string(), Some("plain"));
        assert!(c.at_end());
    }

    #[test]
    fn finders_find_the_first_at_every_offset() {
        for len in 0..40 {
            for at in 0..len {
                let mut hay = vec![b'a'; len];
                hay[at] = b'"';
                if at + 3 < len {
                    hay[at + 3] = b'\\';
                }
                assert_eq!(find_any(&hay, [b'"', b'\\']), Some(at), "{len} {at}");
                assert_eq!(find_in_string(&hay), Some(at), "{len} {at}");
                hay[at] = if at % 2 == 0 { b'#' } else { b'!' };
                let want = (at + 3 < len).then_some(at + 3);
                assert_eq!(find_any(&hay, [b'"', b'\\']), want, "{len} {at}");
                hay[at] = 0x1f;
                assert_eq!(find_in_string(&hay), Some(at), "{len} {at}");
                hay[at] = 0x20;
                assert_eq!(find_in_string(&hay), want, "{len} {at}");
            }
        }
        assert_eq!(find_any(b"\x80\xff\x00\"", [b'"']), Some(3));
        assert_eq!(find_in_string("é\u{1}".as_bytes()), Some(2));
    }
}
