//! Identifiers the emulated Slack hands out: message timestamps, envelope and event ids,
//! WebSocket tickets, trigger ids and block ids.
//!
//! They follow Slack's formats but come from a counter, so a test sees the same ids on every
//! run and message timestamps are unique and strictly increasing across the whole workspace.

/// The first message timestamp, in microseconds: `1700000000.000100`.
const FIRST_TS_MICROS: u64 = 1_700_000_000_000_100;
/// How far apart consecutive timestamps are.
const TS_STEP_MICROS: u64 = 100;

#[derive(Debug)]
pub(super) struct Ids {
    next_ts_micros: u64,
    serial: u64,
}

impl Default for Ids {
    fn default() -> Self {
        Self {
            next_ts_micros: FIRST_TS_MICROS,
            serial: 0,
        }
    }
}

impl Ids {
    /// A message timestamp such as `1700000000.000100`.
    pub fn ts(&mut self) -> String {
        let micros = self.next_ts_micros;
        self.next_ts_micros += TS_STEP_MICROS;
        format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
    }

    /// A UUID-shaped id, as Slack uses for envelopes and `client_msg_id`.
    pub fn uuid(&mut self) -> String {
        let high = scramble(self.next_serial());
        let low = scramble(high);
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0xfff,
            low >> 52,
            low & 0xffff_ffff_ffff
        )
    }

    /// An Events API event id such as `Ev0000000007`.
    pub fn event_id(&mut self) -> String {
        format!("Ev{:010}", self.next_serial())
    }

    /// The secret part of a Socket Mode URL.
    pub fn ticket(&mut self) -> String {
        format!("{:016x}", scramble(self.next_serial()))
    }

    /// A trigger id in Slack's documented `132456.7890123.abcdef` format.
    pub fn trigger_id(&mut self) -> String {
        let serial = self.next_serial();
        format!(
            "{serial}.{}.{:06x}",
            1_000_000 + serial,
            scramble(serial) & 0xff_ffff
        )
    }

    /// A short block id, like the four-letter ones Slack assigns.
    pub fn block_id(&mut self) -> String {
        const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut value = scramble(self.next_serial());
        (0..4)
            .map(|_| {
                let letter = LETTERS[(value % LETTERS.len() as u64) as usize];
                value /= LETTERS.len() as u64;
                char::from(letter)
            })
            .collect()
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }
}

/// SplitMix64: spreads a counter over all bits so ids look like Slack's random ones.
fn scramble(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Whether `ts` has the `seconds.micros` shape of a Slack timestamp.
pub(super) fn is_ts(ts: &str) -> bool {
    ts.split_once('.').is_some_and(|(seconds, micros)| {
        !seconds.is_empty()
            && micros.len() == 6
            && (seconds.bytes().chain(micros.bytes())).all(|byte| byte.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_start_at_the_documented_shape_and_increase() {
        let mut ids = Ids::default();
        let first = ids.ts();
        let second = ids.ts();
        assert_eq!(first, "1700000000.000100");
        assert_eq!(second, "1700000000.000200");
        assert!(is_ts(&first));
        assert!(!is_ts("0"));
        assert!(!is_ts("1700000000.1"));
    }

    #[test]
    fn ids_are_fresh_and_shaped_like_slacks() {
        let mut ids = Ids::default();
        let (a, b) = (ids.uuid(), ids.uuid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_ne!(ids.ticket(), ids.ticket());
        assert!(ids.event_id().starts_with("Ev"));
        assert_eq!(ids.trigger_id().split('.').count(), 3);
        assert_eq!(ids.block_id().chars().count(), 4);
    }
}
