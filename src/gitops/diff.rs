//! A unified diff (`diff -u` format, three lines of context) between two texts, line by line.
//!
//! The common prefix and suffix are cut first, so the longest-common-subsequence table only
//! spans the changed middle: manifests differ in a few places, and a 10,000-line file with a
//! changed image costs a few hundred cells, not 10^8.

const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Del,
    Add,
}

/// The diff from `old` to `new`, empty when the texts are equal.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = edit_script(&a, &b);
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    for hunk in hunks(&ops) {
        write_hunk(&mut out, &ops, hunk, &a, &b);
    }
    if ops.iter().all(|(op, _, _)| *op == Op::Same) {
        // Only a trailing newline differs.
        out.push_str("\\ No newline at end of file\n");
    }
    out
}

/// Each step with the line indexes it is at in `a` and `b`.
fn edit_script(a: &[&str], b: &[&str]) -> Vec<(Op, usize, usize)> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (
        a.get(pre..).unwrap_or_default(),
        b.get(pre..).unwrap_or_default(),
    );
    let suf = ra
        .iter()
        .rev()
        .zip(rb.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let ma = ra.get(..ra.len() - suf).unwrap_or_default();
    let mb = rb.get(..rb.len() - suf).unwrap_or_default();
    // lcs[i * w + j]: the LCS length of ma[i..] and mb[j..]; out-of-table cells are 0.
    let w = mb.len() + 1;
    let mut lcs = vec![0u32; (ma.len() + 1) * w];
    let cell = |t: &[u32], i: usize, j: usize| t.get(i * w + j).copied().unwrap_or(0);
    for (i, x) in ma.iter().enumerate().rev() {
        for (j, y) in mb.iter().enumerate().rev() {
            let v = if x == y {
                cell(&lcs, i + 1, j + 1) + 1
            } else {
                cell(&lcs, i + 1, j).max(cell(&lcs, i, j + 1))
            };
            if let Some(c) = lcs.get_mut(i * w + j) {
                *c = v;
            }
        }
    }
    let mut ops: Vec<(Op, usize, usize)> = (0..pre).map(|k| (Op::Same, k, k)).collect();
    let (mut i, mut j) = (0, 0);
    while i < ma.len() || j < mb.len() {
        let (x, y) = (ma.get(i), mb.get(j));
        if x.is_some() && x == y {
            ops.push((Op::Same, pre + i, pre + j));
            i += 1;
            j += 1;
        } else if x.is_some() && (y.is_none() || cell(&lcs, i + 1, j) >= cell(&lcs, i, j + 1)) {
            // Deletions first, as `diff -u` prints a changed line.
            ops.push((Op::Del, pre + i, pre + j));
            i += 1;
        } else {
            ops.push((Op::Add, pre + i, pre + j));
            j += 1;
        }
    }
    let (ea, eb) = (a.len() - suf, b.len() - suf);
    ops.extend((0..suf).map(|k| (Op::Same, ea + k, eb + k)));
    ops
}

/// Ranges of `ops` to print: every change with its context, nearby changes merged.
fn hunks(ops: &[(Op, usize, usize)]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (k, (op, _, _)) in ops.iter().enumerate() {
        if *op == Op::Same {
            continue;
        }
        let from = k.saturating_sub(CONTEXT);
        let to = (k + CONTEXT + 1).min(ops.len());
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = to,
            _ => out.push((from, to)),
        }
    }
    out
}

fn write_hunk(
    out: &mut String,
    ops: &[(Op, usize, usize)],
    (from, to): (usize, usize),
    a: &[&str],
    b: &[&str],
) {
    let part = ops.get(from..to).unwrap_or_default();
    let old_len = part.iter().filter(|(op, _, _)| *op != Op::Add).count();
    let new_len = part.iter().filter(|(op, _, _)| *op != Op::Del).count();
    let (_, ia, ib) = part.first().copied().unwrap_or((Op::Same, 0, 0));
    let start = |i: usize, len: usize| if len == 0 { i } else { i + 1 };
    out.push_str(&format!(
        "@@ -{},{old_len} +{},{new_len} @@\n",
        start(ia, old_len),
        start(ib, new_len)
    ));
    for (op, i, j) in part {
        let (mark, line) = match op {
            Op::Same => (' ', a.get(*i)),
            Op::Del => ('-', a.get(*i)),
            Op::Add => ('+', b.get(*j)),
        };
        out.push(mark);
        out.push_str(line.copied().unwrap_or(""));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n", "x", "y"), "");
    }

    #[test]
    fn a_changed_line_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n";
        let new = "1\n2\n3\n4\nFIVE\n6\n7\n8\n";
        assert_eq!(
            unified(old, new, "old", "new"),
            "--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn additions_at_the_end_and_far_apart_changes() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new = old
            .replacen("2\n", "two\n", 1)
            .replacen("19\n", "19\n19b\n", 1);
        let d = unified(&old, &new, "o", "n");
        assert!(d.contains("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n"), "{d}");
        assert!(
            // As GNU `diff -u` prints it.
            d.contains("@@ -17,4 +17,5 @@\n 17\n 18\n 19\n+19b\n 20\n"),
            "{d}"
        );
    }

    #[test]
    fn from_empty() {
        assert_eq!(
            unified("", "a\n", "o", "n"),
            "--- o\n+++ n\n@@ -0,0 +1,1 @@\n+a\n"
        );
    }
}
