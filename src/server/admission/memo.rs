//! The replica memo: a review's answer, kept for the next review that differs from it only
//! where replicas differ: `request.uid` and the name of the ServiceAccount token volume.
//!
//! A rollout, a scale-up or a node drain sends the webhook one review per replica, and the
//! replicas of one ReplicaSet arrive identical but for those two (the API server names a
//! `generateName` pod after mutating admission). Each of them costs a whole injection; the
//! memo answers all but the first at the cost of reading the body once and comparing it.
//!
//! Exact by construction:
//! - the key is the whole body with the uid's value (and the token volume's suffixes, below)
//!   cut out, compared byte for byte on every
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
//! The one other part replicas differ in: the ServiceAccount admission plugin, which runs
//! before any webhook, mounts the API token as a volume named `kube-api-access-` and five
//! random characters, different in every pod. The name is opaque to the injection (Istio's
//! templates never read the pod's volumes; the merge only matches it against the injected
//! volumes' names, which never share its prefix), so a pod that differs only in it is
//! injected the same way, the name renamed. So such suffixes are holes in the key too: every
//! occurrence of `kube-api-access-` must be a whole JSON string with five
//! lower-case letters or digits after it, all the same (else the body is not kept), and,
//! when a body is kept, exactly the pod's mentions of that volume (`spec.volumes`, the
//! containers' `volumeMounts`). A hit with another suffix gets the kept answer with the name
//! replaced. The caller refuses the holes when custom templates are set (they could read the
//! pod's volumes).
//!
//! Bounded: bodies up to [`MAX_BODY`], [`MAX_ENTRIES`] by default and [`MAX_BYTES`] in all,
//! evicted oldest first; bodies over the inline limit (huge pods, read on review threads of
//! their own) within [`MAX_LARGE_BYTES`] of that, so that a few of them cannot crowd out the
//! many ordinary ones. They are kept at all because a huge pod costs the most to inject
//! (a 2,000-env pod: 2.5 ms) and its replicas arrive like any other's.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, Weak};

use foldhash::quality::RandomState;

use crate::settings::Snapshot;

/// Bodies above this are never kept.
pub const MAX_BODY: usize = 1024 * 1024;
/// Bytes held at most by entries whose body is over the inline limit
/// (`INLINE_BODY_BYTES`): two 2,000-env pods.
pub const MAX_LARGE_BYTES: usize = MAX_BYTES / 4;
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

/// The ServiceAccount admission plugin's token volume: this prefix and [`TOKEN_SUFFIX`]
/// random characters (`kube-api-access-` + `utilrand.String(5)`).
pub const TOKEN_VOLUME_PREFIX: &str = "kube-api-access-";
const TOKEN_SUFFIX: usize = 5;

/// A body cut around the parts replicas differ in.
#[derive(Debug)]
struct Cut<'b> {
    uid: &'b str,
    /// `[split, end)`: the uid's value.
    split: usize,
    end: usize,
    /// Where the token volume's suffixes start (each [`TOKEN_SUFFIX`] bytes), in order.
    holes: Vec<usize>,
    /// Their value (all the same), when there are any.
    suffix: Option<&'b str>,
}

impl<'b> Cut<'b> {
    /// `None` when the uid is not at `split`, or the body mentions the token volume prefix
    /// other than as whole strings sharing one suffix.
    fn of(body: &'b [u8], split: usize) -> Option<Cut<'b>> {
        let (end, uid) = uid_at(body, split)?;
        let mut cut = Cut {
            uid,
            split,
            end,
            holes: Vec::new(),
            suffix: None,
        };
        let prefix = TOKEN_VOLUME_PREFIX.as_bytes();
        let mut from = 0;
        while let Some(at) = find(body.get(from..)?, prefix) {
            let p = from + at;
            let hole = p + prefix.len();
            if (split..end).contains(&p) {
                // Inside the uid: the uid is a hole already.
                from = end;
                continue;
            }
            let value = body.get(hole..hole + TOKEN_SUFFIX)?;
            let whole = body.get(p.checked_sub(1)?) == Some(&b'"')
                && body.get(hole + TOKEN_SUFFIX) == Some(&b'"')
                && value
                    .iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            let value = std::str::from_utf8(value).ok()?;
            if !whole || cut.suffix.is_some_and(|s| s != value) {
                return None;
            }
            cut.suffix = Some(value);
            cut.holes.push(hole);
            from = hole + TOKEN_SUFFIX;
        }
        Some(cut)
    }

    /// The cut-out ranges, in order: the uid's value and the token suffixes.
    fn ranges(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let before = self.holes.iter().take_while(|h| **h < self.split);
        let after = self.holes.iter().skip_while(|h| **h < self.split);
        let token = |h: &usize| (*h, h + TOKEN_SUFFIX);
        before
            .map(token)
            .chain(std::iter::once((self.split, self.end)))
            .chain(after.map(token))
    }

    /// The bytes that must match, in order.
    fn segments<'s>(&'s self, body: &'b [u8]) -> impl Iterator<Item = &'b [u8]> + 's {
        let starts = std::iter::once(0).chain(self.ranges().map(|(_, e)| e));
        let ends = self
            .ranges()
            .map(|(s, _)| s)
            .chain(std::iter::once(body.len()));
        starts
            .zip(ends)
            .map(move |(a, b)| body.get(a..b).unwrap_or_default())
    }

    fn token_name(&self) -> Option<String> {
        self.suffix.map(|s| format!("{TOKEN_VOLUME_PREFIX}{s}"))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// A lookup that found nothing: the hashes it computed, by uid offset (keeping the body
/// reuses the one at its uid's).
#[derive(Debug, Default)]
pub struct Missed {
    hashed: Vec<(usize, u64)>,
}

/// A memo hit: the kept answer, the review's uid, and the token volume's name in the kept
/// body and in this one when they differ (the answer needs it replaced).
#[derive(Debug)]
pub struct Hit<'b, T> {
    pub kept: Arc<Kept<T>>,
    pub uid: &'b str,
    pub renamed: Option<(String, String)>,
}

/// One kept answer and the key it was kept under.
#[derive(Debug)]
pub struct Kept<T> {
    path: String,
    /// The body's segments (all but the uid and the token suffixes), concatenated.
    key: Vec<u8>,
    /// The token volume's suffix in the kept body.
    suffix: Option<String>,
    /// Bytes charged against [`MAX_BYTES`].
    cost: usize,
    /// The uid offset it was kept under.
    split: usize,
    /// Charged against [`MAX_LARGE_BYTES`] too.
    large: bool,
    pub value: T,
}

impl<T> Kept<T> {
    fn matches(&self, body: &[u8], cut: &Cut<'_>, path: &str) -> bool {
        if self.path != path || self.split != cut.split {
            return false;
        }
        let mut rest = self.key.as_slice();
        for segment in cut.segments(body) {
            match rest.split_at_checked(segment.len()) {
                Some((head, tail)) if head == segment => rest = tail,
                _ => return false,
            }
        }
        rest.is_empty()
    }
}

/// The memo; `T` is what the handler replays.
#[derive(Debug)]
pub struct Memo<T> {
    inner: Mutex<Inner<T>>,
    max_entries: usize,
    /// Hashes the bodies (every review's, hit or miss): foldhash, seeded per process, ~3x
    /// SipHash's speed on a 12 KB body. Not DoS-proof, and need not be: a hit is only taken
    /// after comparing the bodies, so a crafted collision costs its sender a miss, or evicts one
    /// entry, as any new pod can.
    hasher: RandomState,
}

#[derive(Debug)]
struct Inner<T> {
    entries: HashMap<u64, Arc<Kept<T>>>,
    order: VecDeque<u64>,
    /// The uid offsets of the kept bodies, with how many have each.
    splits: BTreeMap<usize, usize>,
    bytes: usize,
    /// Of which entries with a body over the inline limit.
    large_bytes: usize,
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
                large_bytes: 0,
                snapshot: Weak::new(),
            }),
            max_entries,
            hasher: RandomState::default(),
        }
    }

    fn key_hash(&self, path: &str, body: &[u8], cut: &Cut<'_>) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(path.as_bytes());
        h.write_u8(0xff);
        for segment in cut.segments(body) {
            h.write(segment);
            h.write_usize(segment.len());
        }
        h.finish()
    }

    /// The answer kept for this body (but for its uid and token volume), path and snapshot;
    /// else what the lookup learnt, for [`Memo::keep`]. Bodies too large to keep are not
    /// looked at.
    pub fn find<'b>(
        &self,
        body: &'b [u8],
        path: &str,
        snapshot: &Arc<Snapshot>,
    ) -> Result<Hit<'b, T>, Missed> {
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
            let Some(cut) = Cut::of(body, split) else {
                continue;
            };
            let hash = self.key_hash(path, body, &cut);
            missed.hashed.push((split, hash));
            let Ok(inner) = self.inner.lock() else {
                return Err(missed);
            };
            let Some(kept) = inner.entries.get(&hash) else {
                continue;
            };
            if kept.matches(body, &cut, path) {
                let renamed = match (&kept.suffix, cut.suffix) {
                    (Some(was), Some(now)) if was != now => Some((
                        format!("{TOKEN_VOLUME_PREFIX}{was}"),
                        format!("{TOKEN_VOLUME_PREFIX}{now}"),
                    )),
                    _ => None,
                };
                return Ok(Hit {
                    kept: kept.clone(),
                    uid: cut.uid,
                    renamed,
                });
            }
        }
        Err(missed)
    }

    /// Keeps `value` (about `size` bytes besides the key) as the answer for this body; `uid`
    /// is the body's `request.uid` as the parse that answered it read it (borrowed from the
    /// body: a uid written with escapes is not kept). `mentions(name)`: how often the pod
    /// names the volume `name` in `spec.volumes` and the containers' `volumeMounts`, and
    /// `elsewhere(name)`: whether the answer's texts other than the patch mention it.
    #[allow(clippy::too_many_arguments)]
    pub fn keep(
        &self,
        missed: &Missed,
        body: &[u8],
        uid: &str,
        path: &str,
        snapshot: &Arc<Snapshot>,
        mentions: impl FnOnce(&str) -> usize,
        value: T,
        size: usize,
    ) {
        if self.max_entries == 0 || body.len() > MAX_BODY {
            return;
        }
        // A borrowed uid points into the body, between its quotes.
        let Some(split) = (uid.as_ptr() as usize).checked_sub(body.as_ptr() as usize) else {
            return;
        };
        let Some(cut) = Cut::of(body, split) else {
            return;
        };
        if cut.end != split + uid.len() {
            return;
        }
        if let Some(name) = cut.token_name() {
            if mentions(&name) != cut.holes.len() {
                return;
            }
        }
        let key_len: usize = cut.segments(body).map(<[u8]>::len).sum();
        let cost = key_len + path.len() + size;
        let large = body.len() > super::INLINE_BODY_BYTES;
        if cost > MAX_BYTES || (large && cost > MAX_LARGE_BYTES) {
            return;
        }
        let hash = match missed.hashed.iter().find(|(s, _)| *s == split) {
            Some((_, hash)) => *hash,
            None => self.key_hash(path, body, &cut),
        };
        let mut key = Vec::with_capacity(key_len);
        for segment in cut.segments(body) {
            key.extend_from_slice(segment);
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if !Weak::ptr_eq(&inner.snapshot, &Arc::downgrade(snapshot)) {
            inner.clear(snapshot);
        }
        if !inner.splits.contains_key(&split) && inner.splits.len() >= MAX_SPLITS {
            // Bodies laid out anew (another API server version, say): start over rather than
            // keep trying offsets nothing is sent with any more.
            inner.clear(snapshot);
        }
        inner.remove(hash);
        while large && inner.large_bytes + cost > MAX_LARGE_BYTES {
            let oldest = inner
                .order
                .iter()
                .copied()
                .find(|h| inner.entries.get(h).is_some_and(|k| k.large));
            let Some(oldest) = oldest else {
                break;
            };
            inner.remove(oldest);
        }
        while inner.entries.len() >= self.max_entries || inner.bytes + cost > MAX_BYTES {
            let Some(oldest) = inner.order.front().copied() else {
                break;
            };
            inner.remove(oldest);
        }
        inner.bytes += cost;
        if large {
            inner.large_bytes += cost;
        }
        inner.order.push_back(hash);
        *inner.splits.entry(split).or_default() += 1;
        let kept = Kept {
            path: path.to_string(),
            key,
            suffix: cut.suffix.map(str::to_string),
            cost,
            split,
            large,
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

    /// Entries with a body over the inline limit, and their bytes (tests).
    pub fn large_usage(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map(|i| {
                (
                    i.entries.values().filter(|k| k.large).count(),
                    i.large_bytes,
                )
            })
            .unwrap_or((0, 0))
    }
}

impl<T> Inner<T> {
    fn clear(&mut self, snapshot: &Arc<Snapshot>) {
        self.entries.clear();
        self.order.clear();
        self.splits.clear();
        self.bytes = 0;
        self.large_bytes = 0;
        self.snapshot = Arc::downgrade(snapshot);
    }

    fn remove(&mut self, hash: u64) {
        let Some(old) = self.entries.remove(&hash) else {
            return;
        };
        self.bytes = self.bytes.saturating_sub(old.cost);
        if old.large {
            self.large_bytes = self.large_bytes.saturating_sub(old.cost);
        }
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

    #[test]
    fn a_new_uid_offset_past_the_limit_starts_over() {
        let snap = Arc::new(Snapshot::load(None, None).unwrap());
        let memo: Memo<usize> = Memo::new(16);
        let body = |pad: usize, uid: &str| format!(r#"{{"{}":1,"uid":"{uid}"}}"#, "p".repeat(pad));
        for pad in 0..=MAX_SPLITS {
            let kept = body(pad, "a1");
            let uid = &kept[kept.len() - 4..kept.len() - 2];
            memo.keep(
                &Missed::default(),
                kept.as_bytes(),
                uid,
                "/",
                &snap,
                |_| 0,
                pad,
                0,
            );
            let next = body(pad, "b2");
            let hit = memo.find(next.as_bytes(), "/", &snap).ok().unwrap();
            assert_eq!((hit.kept.value, hit.uid), (pad, "b2"));
        }
        assert_eq!(memo.usage().0, 1, "started over at the fifth offset");
    }

    #[test]
    fn bodies_are_cut_at_the_uid_and_the_token_suffixes() {
        let body =
            br#"{"uid":"u1","v":[{"name":"kube-api-access-ab1cd"}],"m":"kube-api-access-ab1cd"}"#;
        let cut = Cut::of(body, 8).unwrap();
        assert_eq!((cut.uid, cut.end), ("u1", 10));
        assert_eq!(cut.suffix, Some("ab1cd"));
        let segments: Vec<&[u8]> = cut.segments(body).collect();
        assert_eq!(
            segments,
            [
                &br#"{"uid":""#[..],
                br#"","v":[{"name":"kube-api-access-"#,
                br#""}],"m":"kube-api-access-"#,
                br#""}"#,
            ]
        );
        for bad in [
            &br#"{"uid":"u1","a":"kube-api-access-ab1cd","b":"kube-api-access-zzzzz"}"#[..],
            br#"{"uid":"u1","a":"kube-api-access-AB1CD"}"#,
            br#"{"uid":"u1","a":"kube-api-access-ab1cde"}"#,
            br#"{"uid":"u1","a":"x kube-api-access-ab1cd"}"#,
            br#"{"uid":"u1","a":"kube-api-access-ab"}"#,
        ] {
            assert!(
                Cut::of(bad, 8).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let plain = br#"{"uid":"u1","a":1}"#;
        let cut = Cut::of(plain, 8).unwrap();
        assert!(cut.holes.is_empty() && cut.suffix.is_none());
        assert_eq!(cut.segments(plain).count(), 2);
    }
}
