//! Aggregation and rate limiting of Events: pure bookkeeping over explicit instants, so the
//! rule is tested without a clock or an API server.
//!
//! The rule (README, "Kubernetes Events"): one Event object per key (workload, event reason,
//! message). Its first occurrence is written at once; later ones only raise a count, written
//! as the Event's `series.count` at most once per [`Rules::window`]. Across all keys, writes
//! spend tokens from one bucket ([`Rules::rate`] per second, [`Rules::burst`] at once); a
//! write without a token waits for a later tick and keeps aggregating meanwhile, so no
//! occurrence is lost, only written later. At most [`Rules::max_keys`] keys are tracked: a
//! new key beyond that is dropped. A key idle for [`Rules::ttl`] is forgotten, and its next
//! occurrence starts a new Event object.
//!
//! client-go's recorder, which Linkerd's injector uses, has the same shape (identical events
//! become one object with a count; a per-object spam filter lets 25 through, then one per 5
//! minutes), but its spam filter drops the later occurrences; here they are counted, so a
//! rollout of 1,000 pods reads "x1000" on one Event, written twice, not 1,000 times.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// The limits; [`Rules::default`] is what `serve` uses.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Least time between two writes of the same Event.
    pub window: Duration,
    /// Writes per second across all Events (token refill).
    pub rate: f64,
    /// Writes allowed at once across all Events (bucket size).
    pub burst: f64,
    /// Events tracked at once.
    pub max_keys: usize,
    /// Forget an Event this long after its last occurrence.
    pub ttl: Duration,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            window: Duration::from_secs(30),
            rate: 10.0,
            burst: 30.0,
            max_keys: 1024,
            ttl: Duration::from_secs(600),
        }
    }
}

/// What became of one occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// A new Event: due for creation.
    New,
    /// Counted on an Event already tracked.
    Aggregated,
    /// Too many Events tracked: lost.
    Dropped,
}

/// A write to make now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write<K> {
    /// Create the Event (count 1 so far as the API is concerned).
    Create { key: K },
    /// Raise the Event's series count to `count`.
    Update { key: K, name: String, count: u32 },
}

#[derive(Debug)]
struct Entry {
    /// The Event object's name once created.
    name: Option<String>,
    /// Occurrences so far.
    count: u32,
    /// The count the API server has.
    written: u32,
    last_write: Option<Instant>,
    last_seen: Instant,
}

/// Per-key state plus the global token bucket.
#[derive(Debug)]
pub struct Limiter<K> {
    rules: Rules,
    entries: HashMap<K, Entry>,
    tokens: f64,
    refilled: Instant,
}

impl<K: Clone + Eq + Hash> Limiter<K> {
    pub fn new(rules: Rules, now: Instant) -> Limiter<K> {
        Limiter {
            rules,
            entries: HashMap::new(),
            tokens: rules.burst,
            refilled: now,
        }
    }

    /// Counts one occurrence of `key`.
    pub fn observe(&mut self, key: K, now: Instant) -> Observed {
        if let Some(e) = self.entries.get_mut(&key) {
            e.count = e.count.saturating_add(1);
            e.last_seen = now;
            return Observed::Aggregated;
        }
        if self.entries.len() >= self.rules.max_keys {
            self.forget_idle(now);
            if self.entries.len() >= self.rules.max_keys {
                return Observed::Dropped;
            }
        }
        let entry = Entry {
            name: None,
            count: 1,
            written: 0,
            last_write: None,
            last_seen: now,
        };
        self.entries.insert(key, entry);
        Observed::New
    }

    /// The writes due at `now`, each paid for with a token: creations first (someone is
    /// waiting to see the first Event), then count updates whose window has passed.
    pub fn due(&mut self, now: Instant) -> Vec<Write<K>> {
        self.refill(now);
        self.forget_idle(now);
        let window = self.rules.window;
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        for (key, e) in &self.entries {
            let waited = e
                .last_write
                .is_none_or(|t| now.saturating_duration_since(t) >= window);
            match &e.name {
                None if waited => creates.push(Write::Create { key: key.clone() }),
                Some(name) if waited && e.count > e.written => updates.push(Write::Update {
                    key: key.clone(),
                    name: name.clone(),
                    count: e.count,
                }),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for w in creates.into_iter().chain(updates) {
            if self.tokens < 1.0 {
                break;
            }
            self.tokens -= 1.0;
            out.push(w);
        }
        out
    }

    /// The API server took a write: `name` is the Event object, `count` what it now holds.
    pub fn written(&mut self, key: &K, name: String, count: u32, now: Instant) {
        if let Some(e) = self.entries.get_mut(key) {
            e.name = Some(name);
            e.written = count;
            e.last_write = Some(now);
        }
    }

    /// A write failed: try again after a window (not at once: a refusal such as missing RBAC
    /// would otherwise be retried on every tick). `gone`: the Event object no longer exists
    /// (expired on the API server), so the retry creates a new one.
    pub fn failed(&mut self, key: &K, now: Instant, gone: bool) {
        if let Some(e) = self.entries.get_mut(key) {
            e.last_write = Some(now);
            if gone {
                e.name = None;
                e.written = 0;
            }
        }
    }

    /// The count `key` has reached (for the write about to be made).
    pub fn count(&self, key: &K) -> u32 {
        self.entries.get(key).map_or(0, |e| e.count)
    }

    pub fn tracked(&self) -> usize {
        self.entries.len()
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rules.rate).min(self.rules.burst);
        self.refilled = now;
    }

    /// Drops keys idle for the TTL whose count is fully written (an unwritten count is kept
    /// until it is written, so it is never lost to eviction).
    fn forget_idle(&mut self, now: Instant) {
        let ttl = self.rules.ttl;
        self.entries
            .retain(|_, e| now.saturating_duration_since(e.last_seen) < ttl || e.written < e.count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            window: Duration::from_secs(30),
            rate: 10.0,
            burst: 30.0,
            max_keys: 4,
            ttl: Duration::from_secs(600),
        }
    }

    /// Plays the worker: every write succeeds, Event names are `ev-<key>`.
    fn run(l: &mut Limiter<&'static str>, now: Instant) -> Vec<Write<&'static str>> {
        let writes = l.due(now);
        for w in &writes {
            match w {
                Write::Create { key } => l.written(key, format!("ev-{key}"), 1, now),
                Write::Update { key, count, .. } => {
                    l.written(key, format!("ev-{key}"), *count, now)
                }
            }
        }
        writes
    }

    #[test]
    fn a_rollout_of_1000_pods_is_two_writes() {
        let t0 = Instant::now();
        let mut l = Limiter::new(rules(), t0);
        let mut writes = Vec::new();
        // 1,000 admissions in one second, the worker ticking every 100 ms.
        for i in 0..1000u64 {
            let now = t0 + Duration::from_millis(i);
            let seen = l.observe("shop/deployment/web/Injected", now);
            assert_eq!(
                seen,
                if i == 0 {
                    Observed::New
                } else {
                    Observed::Aggregated
                }
            );
            if i % 100 == 0 {
                writes.extend(run(&mut l, now));
            }
        }
        assert_eq!(
            writes,
            vec![Write::Create {
                key: "shop/deployment/web/Injected"
            }]
        );
        // Nothing more until the window has passed since the create…
        assert!(run(&mut l, t0 + Duration::from_secs(29)).is_empty());
        // …then one update carrying every occurrence.
        let later = run(&mut l, t0 + Duration::from_secs(30));
        assert_eq!(
            later,
            vec![Write::Update {
                key: "shop/deployment/web/Injected",
                name: "ev-shop/deployment/web/Injected".into(),
                count: 1000
            }]
        );
        // Quiet afterwards: nothing new to write.
        assert!(run(&mut l, t0 + Duration::from_secs(120)).is_empty());
    }

    #[test]
    fn a_slow_trickle_writes_once_per_window() {
        let t0 = Instant::now();
        let mut l = Limiter::new(rules(), t0);
        let mut writes = 0;
        // One pod every second for 5 minutes, ticking every second.
        for s in 0..300u64 {
            let now = t0 + Duration::from_secs(s);
            l.observe("k", now);
            writes += run(&mut l, now).len();
        }
        // A create, then one update per 30 s window.
        assert_eq!(writes, 1 + 9);
        assert_eq!(l.count(&"k"), 300);
    }

    #[test]
    fn the_bucket_caps_writes_across_workloads() {
        let t0 = Instant::now();
        let mut l = Limiter::new(
            Rules {
                max_keys: 1000,
                ..rules()
            },
            t0,
        );
        let keys: Vec<&'static str> = (0..100)
            .map(|i| &*Box::leak(format!("w{i}").into_boxed_str()))
            .collect();
        for k in keys {
            assert_eq!(l.observe(k, t0), Observed::New);
        }
        // The burst goes out at once, the rest at the refill rate.
        assert_eq!(run(&mut l, t0).len(), 30);
        assert_eq!(run(&mut l, t0 + Duration::from_secs(1)).len(), 10);
        assert_eq!(run(&mut l, t0 + Duration::from_secs(2)).len(), 10);
        let rest: usize = (3..=20)
            .map(|s| run(&mut l, t0 + Duration::from_secs(s)).len())
            .sum();
        assert_eq!(rest, 50, "every workload gets its Event, later");
    }

    #[test]
    fn too_many_events_are_dropped_until_some_are_forgotten() {
        let t0 = Instant::now();
        let mut l = Limiter::new(rules(), t0);
        for k in ["a", "b", "c", "d"] {
            assert_eq!(l.observe(k, t0), Observed::New);
        }
        assert_eq!(l.observe("e", t0), Observed::Dropped);
        assert_eq!(l.observe("a", t0), Observed::Aggregated);
        run(&mut l, t0);
        // "a" has an unwritten count: kept past the TTL until written; the others go.
        let late = t0 + Duration::from_secs(601);
        assert_eq!(l.observe("e", late), Observed::New);
        assert_eq!(l.tracked(), 2);
        let writes = run(&mut l, late);
        assert!(writes.contains(&Write::Update {
            key: "a",
            name: "ev-a".into(),
            count: 2
        }));
    }

    #[test]
    fn a_failed_write_is_retried_after_a_window() {
        let t0 = Instant::now();
        let mut l = Limiter::new(rules(), t0);
        l.observe("k", t0);
        assert_eq!(l.due(t0), vec![Write::Create { key: "k" }]);
        l.failed(&"k", t0, false);
        assert!(l.due(t0 + Duration::from_secs(1)).is_empty());
        assert_eq!(
            l.due(t0 + Duration::from_secs(30)),
            vec![Write::Create { key: "k" }]
        );
        // An update refused because the Event expired: the retry creates a new one.
        let t1 = t0 + Duration::from_secs(30);
        l.written(&"k", "ev-k".into(), 1, t1);
        l.observe("k", t1);
        let t2 = t1 + Duration::from_secs(30);
        assert!(matches!(
            l.due(t2).as_slice(),
            [Write::Update { count: 2, .. }]
        ));
        l.failed(&"k", t2, true);
        assert_eq!(
            l.due(t2 + Duration::from_secs(30)),
            vec![Write::Create { key: "k" }]
        );
    }
}
