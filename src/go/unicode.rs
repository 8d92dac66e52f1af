//! Go's `unicode` classes (`IsLetter`, `IsDigit`, `IsPrint`, `IsSpace`) and simple case
//! mappings (`ToUpper`, `ToLower`, `ToTitle`, and `strings.ToUpper`/`ToLower` built on them),
//! for Unicode 15.0.0, the version Go 1.26's tables hold. Rust's own `char` tables are newer
//! and answer other questions: `is_alphabetic` is the Alphabetic property, which takes in marks
//! and letter numbers that Go's `IsLetter` does not, and `to_uppercase` is the full mapping
//! (`ß` → `SS`), where Go maps one rune to one rune.

use unicode_general_category::{get_general_category, GeneralCategory as Gc};

/// `unicode.IsLetter`: categories Lu, Ll, Lt, Lm, Lo.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    is_letter_category(get_general_category(c))
}

/// Category L: Lu, Ll, Lt, Lm, Lo.
fn is_letter_category(gc: Gc) -> bool {
    matches!(
        gc,
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
    )
}

/// `unicode.IsDigit`: category Nd (every script's decimal digits, not only ASCII's).
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    get_general_category(c) == Gc::DecimalNumber
}

/// `unicode.IsPrint` (and `strconv.IsPrint`): letters, marks, numbers, punctuation, symbols
/// and the ASCII space; not other spaces, controls, format characters or unassigned ones.
pub fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    let gc = get_general_category(c);
    is_letter_category(gc)
        || matches!(
            gc,
            Gc::NonspacingMark
                | Gc::SpacingMark
                | Gc::EnclosingMark
                | Gc::DecimalNumber
                | Gc::LetterNumber
                | Gc::OtherNumber
                | Gc::ConnectorPunctuation
                | Gc::DashPunctuation
                | Gc::OpenPunctuation
                | Gc::ClosePunctuation
                | Gc::InitialPunctuation
                | Gc::FinalPunctuation
                | Gc::OtherPunctuation
                | Gc::MathSymbol
                | Gc::CurrencySymbol
                | Gc::ModifierSymbol
                | Gc::OtherSymbol
        )
}

/// `unicode.IsSpace`: the White_Space property, which has not changed since Unicode 6.3 and
/// is what Rust's `char::is_whitespace` tests.
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Rust's full mapping where it is one character both sides of which Unicode 15.0 knows;
/// otherwise `c` (a full mapping to several characters, or a case pair added later).
fn single(mut mapped: impl Iterator<Item = char>, c: char) -> char {
    match (mapped.next(), mapped.next()) {
        (Some(m), None) if assigned(m) && assigned(c) => m,
        _ => c,
    }
}

fn assigned(c: char) -> bool {
    get_general_category(c) != Gc::Unassigned
}

/// Greek letters with ypogegrammeni: their full upper case is two letters (`ᾳ` → `ΑΙ`), their
/// simple upper and title case the capital with prosgegrammeni (`ᾼ`).
fn greek_iota(c: char) -> Option<char> {
    let u = u32::from(c);
    let to = match u {
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => u + 8,
        0x1FB3 | 0x1FC3 | 0x1FF3 => u + 9,
        _ => return None,
    };
    char::from_u32(to)
}

/// `unicode.ToUpper`.
pub fn to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    greek_iota(c).unwrap_or_else(|| single(c.to_uppercase(), c))
}

/// `unicode.ToLower`.
pub fn to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        // İ: the full mapping is i + combining dot, the simple one i.
        return 'i';
    }
    single(c.to_lowercase(), c)
}

/// `unicode.ToTitle`: the upper case, but for the digraphs' own title forms (`ǆ` → `ǅ`) and
/// Georgian Mkhedruli, whose upper case (Mtavruli) is not its title case.
pub fn to_title(c: char) -> char {
    let title = match u32::from(c) {
        0x1C4..=0x1C6 => 0x1C5,
        0x1C7..=0x1C9 => 0x1C8,
        0x1CA..=0x1CC => 0x1CB,
        0x1F1..=0x1F3 => 0x1F2,
        0x10D0..=0x10FA | 0x10FD..=0x10FF => return c,
        _ => return to_upper(c),
    };
    char::from_u32(title).unwrap_or(c)
}

/// `strings.ToUpper`: `unicode.ToUpper` rune by rune.
pub fn to_upper_str(s: &str) -> String {
    s.chars().map(to_upper).collect()
}

/// `strings.ToLower`: `unicode.ToLower` rune by rune (no final-sigma rule).
pub fn to_lower_str(s: &str) -> String {
    s.chars().map(to_lower).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_where_rust_and_go_part() {
        // U+0345 (a combining mark) and U+2160 (ROMAN NUMERAL ONE) are Alphabetic, not letters.
        assert!('\u{345}'.is_alphabetic() && !is_letter('\u{345}'));
        assert!('\u{2160}'.is_alphabetic() && !is_letter('\u{2160}'));
        // Arabic-Indic three is a digit to Go; superscript two is numeric but not a digit.
        assert!(is_digit('\u{663}') && !is_digit('\u{b2}') && '\u{b2}'.is_numeric());
        // NBSP and soft hyphen are not printable; an unassigned code point neither.
        assert!(!is_print('\u{a0}') && !is_print('\u{ad}') && !is_print('\u{378}'));
        assert!(is_print('é') && is_print('€') && is_print('\u{301}'));
        assert!(is_letter('ª') && is_letter('µ') && !is_letter('×'));
    }
}
