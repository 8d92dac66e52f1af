//! Go string and character literal decoding (`strconv.Unquote`).
//!
//! Rust strings must be valid UTF-8, so `\x`/octal escapes above 0x7F (which
//! Go would store as raw bytes) are rejected rather than silently altered.

fn hex_value(s: &str) -> Option<u32> {
    u32::from_str_radix(s, 16).ok()
}

/// Decodes one escape sequence after the backslash; returns the char and bytes used.
fn escape(rest: &str, quote: char) -> Result<(char, usize), String> {
    let bad = || "invalid syntax".to_string();
    let mut it = rest.chars();
    let c = it.next().ok_or_else(bad)?;
    let simple = match c {
        'a' => Some('\u{07}'),
        'b' => Some('\u{08}'),
        'f' => Some('\u{0C}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{0B}'),
        '\\' => Some('\\'),
        '\'' | '"' if c == quote => Some(c),
        _ => None,
    };
    if let Some(s) = simple {
        return Ok((s, 1));
    }
    let (len, radix) = match c {
        'x' => (2, 16),
        'u' => (4, 16),
        'U' => (8, 16),
        '0'..='7' => (3, 8),
        _ => return Err(bad()),
    };
    let start = usize::from(radix == 16);
    let digits = rest.get(start..start + len).ok_or_else(bad)?;
    let v = if radix == 16 {
        hex_value(digits)
    } else {
        u32::from_str_radix(digits, 8).ok()
    }
    .ok_or_else(bad)?;
    if matches!(c, 'x' | '0'..='7') && v > 0x7F {
        return Err("byte escapes above \\x7f are not supported".to_string());
    }
    let ch = char::from_u32(v).ok_or_else(bad)?;
    Ok((ch, start + len))
}

fn unescape(body: &str, quote: char) -> Result<String, String> {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find('\\') {
        out.push_str(rest.get(..i).unwrap_or_default());
        let (c, used) = escape(rest.get(i + 1..).unwrap_or_default(), quote)?;
        out.push(c);
        rest = rest.get(i + 1 + used..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

/// Decodes a double-quoted or backquoted Go string literal.
pub(crate) fn unquote(q: &str) -> Result<String, String> {
    let bad = || "invalid syntax".to_string();
    if q.len() >= 2 && q.starts_with('`') && q.ends_with('`') {
        // Go drops carriage returns from raw strings.
        return Ok(q.get(1..q.len() - 1).unwrap_or_default().replace('\r', ""));
    }
    if q.len() >= 2 && q.starts_with('"') && q.ends_with('"') {
        let body = q.get(1..q.len() - 1).unwrap_or_default();
        if body.contains('\n') {
            return Err(bad());
        }
        return unescape(body, '"');
    }
    Err(bad())
}

/// Decodes a Go character literal such as `'a'` or `'\n'`.
pub(crate) fn unquote_char(q: &str) -> Result<char, String> {
    let bad = || format!("malformed character constant: {q}");
    if q.len() < 3 || !q.starts_with('\'') || !q.ends_with('\'') {
        return Err(bad());
    }
    let s = unescape(q.get(1..q.len() - 1).unwrap_or_default(), '\'').map_err(|_| bad())?;
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(r#""a\tb""#, "a\tb")]
    #[case(r#""\u00e9\x41\101""#, "éAA")]
    #[case("`a\\n\r`", "a\\n")]
    #[case(r#""q\"q""#, "q\"q")]
    fn decodes(#[case] q: &str, #[case] want: &str) {
        assert_eq!(unquote(q).unwrap(), want);
    }

    #[rstest]
    #[case(r#""\q""#)]
    #[case(r#""\'""#)]
    #[case(r#""\xff""#)]
    fn rejects(#[case] q: &str) {
        assert!(unquote(q).is_err());
    }

    #[rstest]
    #[case("'a'", 'a')]
    #[case(r"'\n'", '\n')]
    #[case(r"'\''", '\'')]
    fn chars(#[case] q: &str, #[case] want: char) {
        assert_eq!(unquote_char(q).unwrap(), want);
    }
}
