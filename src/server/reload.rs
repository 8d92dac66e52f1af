//! Reloading files without a restart: the settings (values + mesh config) here, and the
//! file watcher the TLS certificate store shares.
//!
//! Kubernetes mounts ConfigMaps and Secrets as symlinks into a `..data` directory and rotates
//! them by creating a new timestamped directory and renaming a `..data_tmp` link over
//! `..data`. Events on the files themselves are therefore unreliable; we watch the parent
//! *directories* (notify), and re-read every watched file on any event. A poll every few
//! seconds backs that up on filesystems without inotify. Either way a change means "the bytes
//! differ": we compare a hash of the contents, so touches and duplicate events do nothing.
//!
//! A new snapshot goes live only after [`Snapshot::check`] (typed key checks, then canary pods
//! through the whole pipeline). A reload that fails is refused: it is logged, counted
//! (`sidecar_injector_settings_reloads_total{result="error"}` for unreadable or unparseable
//! files, `result="rejected"` for settings that parse but would fail injection) and the
//! previous snapshot keeps serving. Warnings (unknown keys, enum values in the wrong case) are
//! logged once each. Requests read the current snapshot with one `ArcSwap::load`.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::{ArcSwap, Guard};
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::metrics::Metrics;
use super::shutdown::Shutdown;
use crate::settings::{SettingsError, Snapshot};

/// Coalesces the burst of events one kubelet rotation produces.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// The live settings: the current snapshot and where it came from.
#[derive(Debug)]
pub struct Settings {
    current: ArcSwap<Snapshot>,
    values: Option<PathBuf>,
    mesh: Option<PathBuf>,
    /// Warnings already logged: each is logged once, not at every reload.
    warned: Mutex<BTreeSet<String>>,
}

impl Settings {
    /// Loads the files once; an error here stops the server from starting.
    pub fn load(values: Option<PathBuf>, mesh: Option<PathBuf>) -> Result<Settings, SettingsError> {
        let snap = Snapshot::load_checked(values.as_deref(), mesh.as_deref())?;
        let warned = Mutex::default();
        log_new_warnings(&warned, &snap);
        Ok(Settings {
            current: ArcSwap::from_pointee(snap),
            values,
            mesh,
            warned,
        })
    }

    /// Fixed settings that are never reloaded (tests, benches).
    pub fn fixed(snap: Snapshot) -> Settings {
        Settings {
            current: ArcSwap::from_pointee(snap),
            values: None,
            mesh: None,
            warned: Mutex::default(),
        }
    }

    /// The snapshot a request works against.
    pub fn current(&self) -> Guard<Arc<Snapshot>> {
        self.current.load()
    }

    /// The files to watch.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.values
            .iter()
            .chain(self.mesh.iter())
            .cloned()
            .collect()
    }

    /// Re-reads and checks the files; on error the old snapshot stays.
    pub fn reload(&self, metrics: &Metrics) -> Result<(), SettingsError> {
        let loaded = Snapshot::load_checked(self.values.as_deref(), self.mesh.as_deref());
        metrics.settings_reload(loaded.as_ref().map_or_else(|e| e.reload_result(), |_| "ok"));
        match loaded {
            Ok(snap) => {
                log_new_warnings(&self.warned, &snap);
                self.current.store(Arc::new(snap));
                tracing::info!(values = ?self.values, mesh = ?self.mesh, "settings reloaded");
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, result = e.reload_result(), "settings reload refused; still serving the previous settings");
                Err(e)
            }
        }
    }
}

/// Logs the snapshot's warnings (WARN) that have not been logged before.
fn log_new_warnings(warned: &Mutex<BTreeSet<String>>, snap: &Snapshot) {
    // A poisoned lock only means a panic elsewhere mid-insert; the set is still usable.
    let mut seen = warned.lock().unwrap_or_else(|p| p.into_inner());
    for w in snap.warnings() {
        if seen.insert(w.clone()) {
            tracing::warn!("settings: {w}");
        }
    }
}

/// Watches `paths` and calls `on_change` whenever their combined [`fingerprint`] differs
/// from `initial`, until shutdown. Take `initial` *before* loading the files, so a change
/// racing the first load is not missed. No files: nothing to watch, the task ends at once.
pub fn spawn_file_watch<F>(
    what: &'static str,
    paths: Vec<PathBuf>,
    initial: u64,
    poll: Duration,
    shutdown: Shutdown,
    mut on_change: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut() + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<()>(1);
    let watcher = build_watcher(what, &paths, tx);
    tokio::spawn(async move {
        // Keeps the notify thread alive for as long as this task runs.
        let _watcher = watcher;
        if paths.is_empty() {
            return;
        }
        let mut last = initial;
        let mut tick = tokio::time::interval(poll.max(Duration::from_millis(50)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = tick.tick() => {}
                Some(()) = rx.recv() => tokio::time::sleep(DEBOUNCE).await,
            }
            let now = fingerprint(&paths);
            if now != last {
                last = now;
                tracing::debug!(what, "watched files changed");
                on_change();
            }
        }
    })
}

/// A notify watcher on the parent directories of `paths`; `None` (poll only) when the
/// platform refuses, e.g. out of inotify watches.
fn build_watcher(
    what: &'static str,
    paths: &[PathBuf],
    tx: mpsc::Sender<()>,
) -> Option<notify::RecommendedWatcher> {
    if paths.is_empty() {
        return None;
    }
    let handler = move |_event: notify::Result<notify::Event>| {
        // A full channel already holds a pending wake-up: dropping this one loses nothing.
        let _ = tx.try_send(());
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(what, error = %e, "file watching unavailable; polling only");
            return None;
        }
    };
    let dirs: BTreeSet<PathBuf> = paths.iter().map(|p| parent_dir(p)).collect();
    for dir in dirs {
        if let Err(e) = watcher.watch(&dir, RecursiveMode::NonRecursive) {
            tracing::warn!(what, dir = %dir.display(), error = %e, "cannot watch directory; polling it");
        }
    }
    Some(watcher)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A hash of every file's bytes (or of the read error, so a file coming back counts).
pub fn fingerprint(paths: &[PathBuf]) -> u64 {
    let mut h = DefaultHasher::new();
    for p in paths {
        match std::fs::read(p) {
            Ok(bytes) => bytes.hash(&mut h),
            Err(e) => e.kind().hash(&mut h),
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn fingerprint_follows_content_not_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        std::fs::write(&f, "x").unwrap();
        let one = fingerprint(std::slice::from_ref(&f));
        std::fs::write(&f, "x").unwrap();
        assert_eq!(one, fingerprint(std::slice::from_ref(&f)));
        std::fs::write(&f, "y").unwrap();
        assert_ne!(one, fingerprint(std::slice::from_ref(&f)));
        std::fs::remove_file(&f).unwrap();
        assert_ne!(one, fingerprint(&[f]));
    }

    #[tokio::test]
    async fn poll_sees_a_change_without_events() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("values.yaml");
        std::fs::write(&f, "a: 1").unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let seen = hits.clone();
        let shutdown = Shutdown::new();
        let task = spawn_file_watch(
            "test",
            vec![f.clone()],
            fingerprint(std::slice::from_ref(&f)),
            Duration::from_millis(50),
            shutdown.clone(),
            move || {
                seen.fetch_add(1, Ordering::SeqCst);
            },
        );
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        std::fs::write(&f, "a: 2").unwrap();
        for _ in 0..100 {
            if hits.load(Ordering::SeqCst) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        shutdown.trigger();
        task.await.unwrap();
    }
}
