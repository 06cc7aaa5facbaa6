//! Pacing posts per channel, as Slack limits them: "1 per second, short bursts >1 allowed" for
//! each channel. slack-morphism's own rate control paces `chat.postMessage` per team instead,
//! which would hold the release channel back whenever another channel is busy, so it stays off
//! and this keyed limiter does the pacing.
//!
//! Every call that puts a message in the channel counts: posts and updates. Ephemerals, shown to
//! one person, fall under their method's own limit instead.
//! Surfaces for the same channel must share one [`ChannelPacing`] for the limit to hold.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota};

/// How many calls may go out at once to a channel that was quiet.
pub const POST_BURST: u32 = 3;

/// How soon after that the next call may go. A little over Slack's second: Slack measures at
/// its end, where two calls a second apart at ours may arrive closer together.
pub const POST_INTERVAL: Duration = Duration::from_millis(1050);

/// The pace of calls per channel id.
pub struct ChannelPacing {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl Default for ChannelPacing {
    fn default() -> Self {
        let burst = NonZeroU32::new(POST_BURST).expect("the burst is not zero");
        let quota = Quota::with_period(POST_INTERVAL)
            .expect("the interval is not zero")
            .allow_burst(burst);
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
        }
    }
}

impl ChannelPacing {
    /// Waits until one more call to `channel` keeps within the pace, and counts it.
    pub async fn until_ready(&self, channel: &str) {
        self.limiter.until_key_ready(&channel.to_string()).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn a_burst_goes_at_once_then_calls_are_spaced_and_channels_are_apart() {
        let pacing = ChannelPacing::default();
        let start = Instant::now();
        for _ in 0..POST_BURST {
            pacing.until_ready("C1").await;
        }
        pacing.until_ready("C2").await;
        assert!(start.elapsed() < Duration::from_millis(100));
        pacing.until_ready("C1").await;
        let waited = start.elapsed();
        assert!(
            waited >= POST_INTERVAL - Duration::from_millis(10) && waited < Duration::from_secs(2),
            "{waited:?}"
        );
    }
}
