//! Reviews of huge bodies (over [`super::INLINE_BODY_BYTES`]) run off the async workers, on
//! threads of their own: one per core, living as long as the process, fed through a queue.
//!
//! Why not `spawn_blocking`: each review holds several copies of a big pod (the parsed review,
//! the typed pod), and glibc gives every thread that allocates its own arena, which keeps its
//! peak. The blocking pool starts a new thread whenever none is idle at that instant, so a
//! burst of huge pods spread over several threads and arenas (env2k under load: 48 MiB peak
//! RSS with the pool, 31–38 MiB with the pool limited to one review per core, 24.5 MiB with a
//! single arena). A fixed set of threads bounds both the reviews in flight and the arenas.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use axum::body::Bytes;

use super::{panic_text, review, Rejection, Reviewed};
use crate::server::AppState;

type Job = Box<dyn FnOnce() + Send>;

/// The queue to the review threads; `None` if not one could be started (then the blocking
/// pool serves, as before).
static QUEUE: LazyLock<Option<Sender<Job>>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (tx, rx) = channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    let started = (0..cores)
        .filter(|i| {
            let rx = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("huge-review-{i}"))
                .spawn(move || work(&rx))
                .is_ok()
        })
        .count();
    (started > 0).then_some(tx)
});

fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is only held to take a job, never while running one.
        let job = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Runs `review` on a review thread; a panic in the core is caught and becomes `Err`.
pub(super) async fn run(
    state: &AppState,
    path: &str,
    bytes: Bytes,
) -> Result<Result<Reviewed, Rejection>, String> {
    let (worker_state, path, span) = (state.clone(), path.to_string(), tracing::Span::current());
    let task = move || {
        span.in_scope(|| {
            let run = AssertUnwindSafe(|| review(&worker_state, &path, &bytes));
            std::panic::catch_unwind(run).map_err(|p| panic_text(p.as_ref()))
        })
    };
    let Some(queue) = QUEUE.as_ref() else {
        return tokio::task::spawn_blocking(task)
            .await
            .map_err(|e| e.to_string())?;
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        // The client may have given up; the answer is then dropped.
        let _ = tx.send(task());
    });
    queue
        .send(job)
        .map_err(|_| "the review threads have stopped".to_string())?;
    rx.await
        .map_err(|_| "a review thread dropped the review".to_string())?
}
