//! The replica memo: a review's answer, kept for the next review that differs from it only in
//! `request.uid`.
//!
//! A rollout, a scale-up or a node drain sends the webhook one review per replica, and the
//! replicas of one ReplicaSet arrive byte-identical but for the uid: the API server names a
//! `generateName` pod after mutating admission, so the pods themselves do not differ. Each
//! of them costs a whole injection; the memo answers all but the first at the cost of reading
//! the body once and comparing it.
//!
//! Exact by construction:
//! - the key is the whole body with the uid's value cut out, compared byte for byte on every
//!   hit (the hash only picks the candidate, so no collision can hand one pod another's answer),
//!   plus the URL path (the `/inject/cluster/…` settings);
//! - whatever else the answer read is checked too: the settings snapshot (the memo empties
//!   when it changes) and, by the caller, the namespace's labels and the node table as the
//!   cluster watches show them now;
//! - a hit replays what answering did (metrics, logs, the Event) and encodes the kept answer
//!   under the new uid.
//!
//! Finding the uid costs no parse. A kept body was parsed in full, and its uid's value (read
//! without escapes) sits at a known offset, `split`. A new body with the same bytes before
//! `split`, then a run of UTF-8 without `"`, `\` or control characters, then a `"` and the
//! same bytes as the kept body after its uid, is the kept review with another uid: a JSON
//! parser reads it the same way up to the uid, reads that run as the uid's value, and the
//! same way after it. So a lookup tries the few offsets kept bodies have their uid at (an API
//! server writes the uid first in `request`: one offset), hashes the body around the run and
//! compares. A miss costs those hashes; bodies are kept from the parse that answers them.
//!
//! Bounded: bodies up to [`MAX_BODY`] (larger ones run on review threads of their own and are
//! never kept), [`MAX_ENTRIES`] by default and [`MAX_BYTES`] in all, evicted oldest first.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::{Arc, Mutex, Weak};

use crate::settings::Snapshot;

/// Bodies above this are not kept (the inline limit: huge pods are rare and would crowd out
/// the rest).
pub const MAX_BODY: usize = super::INLINE_BODY_BYTES;
/// Entries kept by default (`serve --review-memo`).
pub const MAX_ENTRIES: usize = 256;
/// Bytes of keys and answers kept at most.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Distinct uid offsets tried per lookup (each costs a hash of the body).
const MAX_SPLITS: usize = 4;

/// Where the uid is in a body: `[start, end)`, its value without the quotes.
fn uid_at(body: &[u8], start: usize) -> Option<(usize, &str)> {
    if start == 0 || body.get(start - 1) != Some(&b'"') {
        return None;
    }
    let rest = body.get(start..)?;
    let len = rest.iter().position(|&b| b == b'"')?;
    let value = rest.get(..len)?;
    if value.iter().any(|&b| b == b'\\' || b < 0x20) {
        return None;
    }
    Some((start + len, std::str::from_utf8(value).ok()?))
}

/// The body before and after `[start, end)`.
fn around(body: &[u8], start: usize, end: usize) -> Option<(&[u8], &[u8])> {
    Some((body.get(..start)?, body.get(end..)?))
}

/// A lookup that found nothing: the hashes it computed, by uid offset (keeping the body
/// reuses the one at its uid's).
#[derive(Debug, Default)]
pub struct Missed {
    hashed: Vec<(usize, u64)>,
}

/// One kept answer and the key it was kept under.
#[derive(Debug)]
pub struct Kept<T> {
    path: String,
    /// The body without the uid's value; `split` is where the uid was.
    key: Vec<u8>,
    split: usize,
    /// Bytes charged against [`MAX_BYTES`].
    cost: usize,
    pub value: T,
}

impl<T> Kept<T> {
    fn matches(&self, body: &[u8], end: usize, path: &str) -> bool {
        let Some((before, after)) = around(body, self.split, end) else {
            return false;
        };
        self.path == path && self.key.split_at_checked(self.split) == Some((before, after))
    }
}

/// The memo; `T` is what the handler replays.
#[derive(Debug)]
pub struct Memo<T> {
    inner: Mutex<Inner<T>>,
    max_entries: usize,
    hasher: RandomState,
}

#[derive(Debug)]
struct Inner<T> {
    entries: HashMap<u64, Arc<Kept<T>>>,
    order: VecDeque<u64>,
    /// The uid offsets of the kept bodies, with how many have each.
    splits: BTreeMap<usize, usize>,
    bytes: usize,
    /// The snapshot the entries were answered against (a `Weak` pins the allocation, so a new
    /// snapshot can never take the old one's address).
    snapshot: Weak<Snapshot>,
}

impl<T> Memo<T> {
    /// A memo of at most `max_entries` answers (0 keeps none).
    pub fn new(max_entries: usize) -> Memo<T> {
        Memo {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                order: VecDeque::new(),
                splits: BTreeMap::new(),
                bytes: 0,
                snapshot: Weak::new(),
            }),
            max_entries,
            hasher: RandomState::new(),
        }
    }

    fn key_hash(&self, path: &str, before: &[u8], after: &[u8]) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(path.as_bytes());
        h.write_u8(0xff);
        h.write(before);
        h.write_usize(before.len());
        h.write(after);
        h.finish()
    }

    /// The answer kept for this body (but for its uid), path and snapshot, and the body's uid;
    /// else what the lookup learnt, for [`Memo::keep`]. Bodies too large to keep are not
    /// looked at.
    pub fn find<'b>(
        &self,
        body: &'b [u8],
        path: &str,
        snapshot: &Arc<Snapshot>,
    ) -> Result<(Arc<Kept<T>>, &'b str), Missed> {
        let mut missed = Missed::default();
        if body.len() > MAX_BODY {
            return Err(missed);
        }
        let splits: Vec<usize> = {
            let Ok(mut inner) = self.inner.lock() else {
                return Err(missed);
            };
            if !Weak::ptr_eq(&inner.snapshot, &Arc::downgrade(snapshot)) {
                inner.clear(snapshot);
                return Err(missed);
            }
            inner.splits.keys().copied().collect()
        };
        for split in splits {
            let Some((end, uid)) = uid_at(body, split) else {
                continue;
            };
            let Some((before, after)) = around(body, split, end) else {
                continue;
            };
            let hash = self.key_hash(path, before, after);
            missed.hashed.push((split, hash));
            let Ok(inner) = self.inner.lock() else {
                return Err(missed);
            };
            if let Some(kept) = inner.entries.get(&hash) {
                if kept.matches(body, end, path) {
                    return Ok((kept.clone(), uid));
                }
            }
        }
        Err(missed)
    }

    /// Keeps `value` (about `size` bytes besides the key) as the answer for this body; `uid`
    /// is the body's `request.uid` as the parse that answered it read it (borrowed from the
    /// body: a uid written with escapes is not kept).
    #[allow(clippy::too_many_arguments)]
    pub fn keep(
        &self,
        missed: &Missed,
        body: &[u8],
        uid: &str,
        path: &str,
        snapshot: &Arc<Snapshot>,
        value: T,
        size: usize,
    ) {
        if self.max_entries == 0 || body.len() > MAX_BODY {
            return;
        }
        // A borrowed uid points into the body, between its quotes.
        let Some(start) = (uid.as_ptr() as usize).checked_sub(body.as_ptr() as usize) else {
            return;
        };
        if uid_at(body, start).map(|(end, _)| end) != Some(start + uid.len()) {
            return;
        }
        let Some((before, after)) = around(body, start, start + uid.len()) else {
            return;
        };
        let key_len = before.len() + after.len();
        let cost = key_len + path.len() + size;
        if cost > MAX_BYTES {
            return;
        }
        let hash = match missed.hashed.iter().find(|(split, _)| *split == start) {
            Some((_, hash)) => *hash,
            None => self.key_hash(path, before, after),
        };
        let mut key = Vec::with_capacity(key_len);
        key.extend_from_slice(before);
        key.extend_from_slice(after);
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if !Weak::ptr_eq(&inner.snapshot, &Arc::downgrade(snapshot)) {
            inner.clear(snapshot);
        }
        if !inner.splits.contains_key(&start) && inner.splits.len() >= MAX_SPLITS {
            return;
        }
        inner.remove(hash);
        while inner.entries.len() >= self.max_entries || inner.bytes + cost > MAX_BYTES {
            let Some(oldest) = inner.order.front().copied() else {
                break;
            };
            inner.remove(oldest);
        }
        inner.bytes += cost;
        inner.order.push_back(hash);
        *inner.splits.entry(start).or_default() += 1;
        let kept = Kept {
            path: path.to_string(),
            key,
            split: start,
            cost,
            value,
        };
        inner.entries.insert(hash, Arc::new(kept));
    }

    /// Entries and bytes held (tests).
    pub fn usage(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map(|i| (i.entries.len(), i.bytes))
            .unwrap_or((0, 0))
    }
}

impl<T> Inner<T> {
    fn clear(&mut self, snapshot: &Arc<Snapshot>) {
        self.entries.clear();
        self.order.clear();
        self.splits.clear();
        self.bytes = 0;
        self.snapshot = Arc::downgrade(snapshot);
    }

    fn remove(&mut self, hash: u64) {
        let Some(old) = self.entries.remove(&hash) else {
            return;
        };
        self.bytes = self.bytes.saturating_sub(old.cost);
        self.order.retain(|h| *h != hash);
        if let Some(n) = self.splits.get_mut(&old.split) {
            *n -= 1;
            if *n == 0 {
                self.splits.remove(&old.split);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uid_is_a_plain_run_up_to_its_quote() {
        let body = br#"{"request":{"uid":"abc-1","x":1}}"#;
        assert_eq!(uid_at(body, 19), Some((24, "abc-1")));
        assert_eq!(uid_at(body, 18), None, "not after a quote");
        assert_eq!(uid_at(br#"{"uid":"a\"b"}"#, 8), None, "escapes");
        assert_eq!(uid_at(b"{\"uid\":\"a\nb\"}", 8), None, "control character");
        assert_eq!(uid_at(b"{\"uid\":\"a\xffb\"}", 8), None, "not UTF-8");
        assert_eq!(uid_at(br#"{"uid":"abc"#, 8), None, "no closing quote");
        assert_eq!(uid_at(body, 0), None);
        assert_eq!(uid_at(body, 999), None);
    }
}
