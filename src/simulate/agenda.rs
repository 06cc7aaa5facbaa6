//! The virtual clock: what is due when. Time jumps from one event to the next, so a simulated
//! month takes as long as its few thousand events, never a timer.
//!
//! Events due at the same instant come out in the order they were put in, which keeps a
//! simulation deterministic.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use jiff::Timestamp;

/// Events ordered by when they are due, then by when they were added.
#[derive(Debug)]
pub struct Agenda<E> {
    due: BinaryHeap<Reverse<(Timestamp, u64, E)>>,
    added: u64,
}

impl<E: Ord> Default for Agenda<E> {
    fn default() -> Self {
        Self {
            due: BinaryHeap::new(),
            added: 0,
        }
    }
}

impl<E: Ord> Agenda<E> {
    pub fn add(&mut self, at: Timestamp, event: E) {
        self.added += 1;
        self.due.push(Reverse((at, self.added, event)));
    }

    /// When the next event is due.
    pub fn next_at(&self) -> Option<Timestamp> {
        self.due.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Takes the next event out.
    pub fn pop(&mut self) -> Option<(Timestamp, E)> {
        self.due.pop().map(|Reverse((at, _, event))| (at, event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_out_by_time_then_in_the_order_they_were_added() {
        let at = |s| Timestamp::from_second(s).unwrap();
        let mut agenda = Agenda::default();
        agenda.add(at(20), "late");
        agenda.add(at(10), "b");
        agenda.add(at(10), "a");
        assert_eq!(agenda.next_at(), Some(at(10)));
        let order: Vec<_> = std::iter::from_fn(|| agenda.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["b", "a", "late"]);
    }
}
