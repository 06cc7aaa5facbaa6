//! Running a pass at once and then every so often until shutdown, for the loops beside the
//! engine (the emergency sweep, the GA catalog refresh). A pass that overran delays the next one
//! rather than bunching them up, and shutdown wins over a due pass.

use std::future::Future;
use std::time::Duration;

/// Runs `pass` at once and then every `every` until `shutdown` completes.
pub async fn repeat_until<F: Future<Output = ()>>(
    every: Duration,
    shutdown: impl Future<Output = ()>,
    mut pass: impl FnMut() -> F,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            _ = ticks.tick() => pass().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn passes_run_at_once_then_every_interval_until_shutdown() {
        let passes = AtomicUsize::new(0);
        let shutdown = tokio::time::sleep(Duration::from_millis(2_500));
        repeat_until(Duration::from_secs(1), shutdown, || async {
            passes.fetch_add(1, Ordering::SeqCst);
        })
        .await;
        assert_eq!(passes.load(Ordering::SeqCst), 3, "at 0 s, 1 s and 2 s");
    }
}
