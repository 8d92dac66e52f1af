//! One shutdown signal for the whole server, in two phases, as Kubernetes needs them.
//!
//! SIGTERM (kubelet stopping the pod) or SIGINT starts the **drain**: `/readyz` reports
//! not-ready at once, but the listeners keep accepting and serving for `--shutdown-delay`,
//! because Kubernetes goes on routing to a terminating Pod until every endpoint watcher has
//! seen it leave. Then the **stop**: every long-running task (listeners, file watchers, kube
//! watches) selects on [`Shutdown::wait`]; the listeners take what is already in the kernel's
//! backlog, close, tell every connection to finish (HTTP/1.1 closes after the response in
//! flight, idle keep-alive connections close at once, HTTP/2 sends GOAWAY), and the process
//! exits when they are done or `--shutdown-grace` ends, whichever comes first.

use std::time::Duration;

use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Running,
    Draining,
    Stopping,
}

#[derive(Clone, Debug)]
pub struct Shutdown {
    tx: watch::Sender<Phase>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl Shutdown {
    pub fn new() -> Shutdown {
        let (tx, _rx) = watch::channel(Phase::Running);
        Shutdown { tx }
    }

    /// Starts the drain: report not-ready, keep serving (idempotent).
    pub fn drain(&self) {
        self.advance(Phase::Draining);
    }

    /// Stops: listeners close and connections finish (idempotent; implies the drain).
    pub fn trigger(&self) {
        self.advance(Phase::Stopping);
    }

    fn advance(&self, to: Phase) {
        self.tx.send_if_modified(|p| {
            let later = to > *p;
            if later {
                *p = to;
            }
            later
        });
    }

    /// Whether the stop has begun.
    pub fn is_triggered(&self) -> bool {
        *self.tx.borrow() == Phase::Stopping
    }

    /// Whether the drain (or the stop) has begun.
    pub fn is_draining(&self) -> bool {
        *self.tx.borrow() >= Phase::Draining
    }

    /// Resolves once the stop has begun.
    pub async fn wait(&self) {
        self.wait_for(Phase::Stopping).await;
    }

    /// Resolves once the drain (or the stop) has begun.
    pub async fn wait_draining(&self) {
        self.wait_for(Phase::Draining).await;
    }

    async fn wait_for(&self, phase: Phase) {
        let mut rx = self.tx.subscribe();
        // `wait_for` checks the current value first, so a late subscriber never misses it;
        // it errs only when the sender is gone, which cannot happen while `self` lives.
        let _ = rx.wait_for(|p| *p >= phase).await;
    }

    /// On SIGTERM or SIGINT: drain for `delay`, then stop. A second signal stops at once.
    pub fn spawn_signal_listener(&self, delay: Duration) -> std::io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let this = self.clone();
        tokio::spawn(async move {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
                _ = this.wait() => return,
            };
            tracing::info!(
                signal = name,
                delay = ?delay,
                "shutting down: not ready, still serving during the drain delay"
            );
            this.drain();
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = term.recv() => tracing::info!("second SIGTERM: stopping now"),
                _ = int.recv() => tracing::info!("second SIGINT: stopping now"),
                _ = this.wait() => return,
            }
            tracing::info!("drain delay over: no new connections, finishing what is open");
            this.trigger();
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn late_waiters_see_it() {
        let s = Shutdown::new();
        assert!(!s.is_triggered() && !s.is_draining());
        s.trigger();
        s.trigger();
        assert!(s.is_triggered() && s.is_draining());
        tokio::time::timeout(Duration::from_secs(1), s.wait())
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(1), s.wait_draining())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn draining_is_not_stopping_and_never_goes_back() {
        let s = Shutdown::new();
        s.drain();
        assert!(s.is_draining() && !s.is_triggered());
        let waited = tokio::time::timeout(Duration::from_millis(50), s.wait()).await;
        assert!(waited.is_err(), "the drain must not stop the listeners");
        s.trigger();
        s.drain();
        assert!(s.is_triggered(), "a later drain() must not undo the stop");
    }
}
