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

/// The candidate closest to `word` by edit distance (case-insensitive), if it is close enough
/// to be a plausible typo: at most a third of the word's length, and at least one edit away
/// from nothing. Used for "did you mean" hints on unknown keys, annotations and enum values.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters, one row at a time (candidates are short names).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        // `diag` is the previous row's value one column to the left; `left` this row's.
        let mut diag = i;
        let mut left = i + 1;
        let mut next = Vec::with_capacity(row.len());
        next.push(left);
        for (cb, up) in b.iter().zip(row.iter().skip(1)) {
            let cost = diag + usize::from(ca != *cb);
            left = cost.min(up + 1).min(left + 1);
            diag = *up;
            next.push(left);
        }
        row = next;
    }
    row.last().copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_typos_and_case_slips_but_not_strangers() {
        let keys = ["proxy", "hub", "defaultConfig", "autoInject"];
        assert_eq!(did_you_mean("proxyy", keys), Some("proxy"));
        assert_eq!(did_you_mean("hubb", keys), Some("hub"));
        assert_eq!(did_you_mean("defaultConfg", keys), Some("defaultConfig"));
        assert_eq!(did_you_mean("AutoInject", keys), Some("autoInject"));
        assert_eq!(did_you_mean("tag", keys), None);
        assert_eq!(
            did_you_mean("hub", keys),
            None,
            "an exact match is not a typo"
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn short_values_are_unchanged_long_ones_are_cut_on_a_char_boundary() {
        assert_eq!(elide("abc"), "abc");
        let long = "é".repeat(300);
        let cut = elide(&long);
        assert!(cut.len() < 300, "{cut}");
        assert!(cut.ends_with("… (600 bytes)"), "{cut}");
    }
}
