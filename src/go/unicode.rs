//! Go's `unicode` classes: `IsLetter`, `IsDigit`, `IsPrint`, `IsSpace`, from Unicode 15.0.0's
//! general categories, the version Go 1.26's tables hold (Rust's own `char` tables are newer and
//! answer other questions: `is_alphabetic` is the Alphabetic property, which takes in marks
//! and letter numbers that Go's `IsLetter` does not).

use unicode_general_category::{get_general_category, GeneralCategory as Gc};

/// `unicode.IsLetter`: categories Lu, Ll, Lt, Lm, Lo.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        get_general_category(c),
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
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
            | Gc::NonspacingMark
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
