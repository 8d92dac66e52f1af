//! One shutdown signal for the whole server.
//!
//! SIGTERM (kubelet stopping the pod) or SIGINT flips a `watch` channel; every long-running
//! task (listeners, file watchers, kube watches) selects on [`Shutdown::wait`]. The listeners
//! stop accepting at once, existing connections are told to finish (HTTP/1.1 closes after the
//! in-flight response, HTTP/2 sends GOAWAY) and the process exits when they are done or the
//! grace period ends, whichever comes first.

use tokio::sync::watch;

#[derive(Clone, Debug)]
pub struct Shutdown {
    tx: watch::Sender<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl Shutdown {
    pub fn new() -> Shutdown {
        let (tx, _rx) = watch::channel(false);
        Shutdown { tx }
    }

    /// Starts the shutdown (idempotent).
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    pub fn is_triggered(&self) -> bool {
        *self.tx.borrow()
    }

    /// Resolves once shutdown has started.
    pub async fn wait(&self) {
        let mut rx = self.tx.subscribe();
        // `wait_for` checks the current value first, so a late subscriber never misses it;
        // it errs only when the sender is gone, which cannot happen while `self` lives.
        let _ = rx.wait_for(|stopping| *stopping).await;
    }

    /// Triggers shutdown on SIGTERM or SIGINT.
    pub fn spawn_signal_listener(&self) -> std::io::Result<()> {
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
            tracing::info!(signal = name, "shutting down: no new connections, draining");
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
        assert!(!s.is_triggered());
        s.trigger();
        s.trigger();
        assert!(s.is_triggered());
        tokio::time::timeout(std::time::Duration::from_secs(1), s.wait())
            .await
            .unwrap();
    }
}
