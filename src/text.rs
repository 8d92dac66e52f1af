//! Bounded display of values users send: an annotation can be megabytes, and an error message
//! or log line that repeats it whole costs every log pipeline downstream.

use std::borrow::Cow;

/// At most this many bytes of a value appear in a message.
pub const MAX_SHOWN: usize = 256;

/// The value, cut to `MAX_SHOWN` bytes (on a character boundary) with a note of its size.
pub fn elide(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_SHOWN {
        return Cow::Borrowed(s);
    }
    let mut end = MAX_SHOWN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!(
        "{}… ({} bytes)",
        s.get(..end).unwrap_or_default(),
        s.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_unchanged_long_ones_are_cut_on_a_char_boundary() {
        assert_eq!(elide("abc"), "abc");
        let long = "é".repeat(300);
        let cut = elide(&long);
        assert!(cut.len() < 300, "{cut}");
        assert!(cut.ends_with("… (600 bytes)"), "{cut}");
    }
}
