//! The Socket Mode connections: the single-use tickets `apps.connections.open` hands out, the
//! sockets that are open and which of them may still receive envelopes, and a record of every
//! connection for tests to inspect.
//!
//! Each socket is driven by its own task (see `websocket.rs`); this registry talks to it through
//! a channel of [`Outgoing`] commands, so it never waits on the network.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

/// What the registry asks a socket's task to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outgoing {
    /// Send a text frame.
    Text(String),
    /// Send a close frame and end the connection.
    Close,
    /// End the connection without a close frame, as a crashed server or a cut network would.
    Drop,
    /// Neither read nor write for this long, then carry on: a network partition, where
    /// neither side hears a close or an error, and pings go unanswered.
    Freeze(Duration),
}

/// One WebSocket connection the app made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// 1 for the first connection; the socket calls itself `applink-<id>`.
    pub id: usize,
    pub opened_at: Instant,
    pub closed_at: Option<Instant>,
    /// The reason of the `disconnect` frame the emulator sent on it, if any.
    pub disconnect_reason: Option<String>,
}

/// The `debug_info.host` of socket `id`'s frames and the sender of its pings.
pub(super) fn host(id: usize) -> String {
    format!("applink-{id}")
}

#[derive(Debug)]
struct OpenSocket {
    commands: UnboundedSender<Outgoing>,
    /// Told to go away: no new envelopes are routed to it.
    draining: bool,
}

/// Whether a new socket may stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Admission {
    Accepted(usize),
    /// One socket too many: it gets `disconnect` `too_many_websockets`.
    Refused(usize),
}

#[derive(Debug, Default)]
pub(super) struct Connections {
    tickets: HashSet<String>,
    open: BTreeMap<usize, OpenSocket>,
    records: Vec<Connection>,
    rotation: usize,
}

impl Connections {
    pub fn issue_ticket(&mut self, ticket: String) {
        self.tickets.insert(ticket);
    }

    /// Uses up a ticket; false if it was never issued or is already used.
    pub fn redeem(&mut self, ticket: &str) -> bool {
        self.tickets.remove(ticket)
    }

    /// Registers a new socket; past `max_open` concurrent ones it is refused (but registered,
    /// draining, until it closes).
    pub fn admit(&mut self, commands: UnboundedSender<Outgoing>, max_open: usize) -> Admission {
        let id = self.records.len() + 1;
        let refused = self.open.len() >= max_open;
        self.records.push(Connection {
            id,
            opened_at: Instant::now(),
            closed_at: None,
            disconnect_reason: refused.then(|| "too_many_websockets".to_string()),
        });
        self.open.insert(
            id,
            OpenSocket {
                commands,
                draining: refused,
            },
        );
        if refused {
            Admission::Refused(id)
        } else {
            Admission::Accepted(id)
        }
    }

    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// The next socket that may receive an envelope, taking turns among them.
    pub fn pick(&mut self) -> Option<usize> {
        let active: Vec<usize> = self
            .open
            .iter()
            .filter(|(_, socket)| !socket.draining)
            .map(|(id, _)| *id)
            .collect();
        if active.is_empty() {
            return None;
        }
        self.rotation += 1;
        Some(active[self.rotation % active.len()])
    }

    /// The longest-open socket still receiving envelopes.
    pub fn oldest_active(&self) -> Option<usize> {
        self.open
            .iter()
            .find(|(_, socket)| !socket.draining)
            .map(|(id, _)| *id)
    }

    /// Hands a command to socket `id`; false (and the socket counts as closed) if its task is
    /// gone.
    pub fn send(&mut self, id: usize, command: Outgoing) -> bool {
        let sent = self
            .open
            .get(&id)
            .is_some_and(|socket| socket.commands.send(command).is_ok());
        if !sent {
            self.closed(id);
        }
        sent
    }

    /// Stops routing envelopes to socket `id` because it was sent `disconnect` for `reason`.
    pub fn drain(&mut self, id: usize, reason: &str) {
        if let Some(socket) = self.open.get_mut(&id) {
            socket.draining = true;
        }
        if let Some(record) = self.records.get_mut(id - 1) {
            record.disconnect_reason = Some(reason.to_string());
        }
    }

    /// Ends every open socket with `command`; returns how many there were.
    pub fn end_all(&mut self, command: Outgoing) -> usize {
        let ids = self.send_all(command);
        for id in &ids {
            self.closed(*id);
        }
        ids.len()
    }

    /// Hands `command` to every open socket; returns their ids.
    pub fn send_all(&mut self, command: Outgoing) -> Vec<usize> {
        let ids: Vec<usize> = self.open.keys().copied().collect();
        for id in &ids {
            self.send(*id, command.clone());
        }
        ids
    }

    pub fn closed(&mut self, id: usize) {
        if self.open.remove(&id).is_some()
            && let Some(record) = self.records.get_mut(id - 1)
        {
            record.closed_at = Some(Instant::now());
        }
    }

    pub fn records(&self) -> Vec<Connection> {
        self.records.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::unbounded_channel;

    #[test]
    fn tickets_are_single_use() {
        let mut connections = Connections::default();
        connections.issue_ticket("t1".into());
        assert!(!connections.redeem("t2"));
        assert!(connections.redeem("t1"));
        assert!(!connections.redeem("t1"));
    }

    #[test]
    fn the_socket_past_the_limit_is_refused_and_never_picked() {
        let mut connections = Connections::default();
        let (tx, _rx) = unbounded_channel();
        assert_eq!(connections.admit(tx.clone(), 2), Admission::Accepted(1));
        assert_eq!(connections.admit(tx.clone(), 2), Admission::Accepted(2));
        assert_eq!(connections.admit(tx.clone(), 2), Admission::Refused(3));
        let picks: Vec<_> = (0..4).filter_map(|_| connections.pick()).collect();
        assert_eq!(picks, [2, 1, 2, 1]);
        connections.closed(3);
        assert_eq!(connections.admit(tx, 2), Admission::Refused(4));
        let reasons: Vec<_> = connections
            .records()
            .into_iter()
            .map(|c| c.disconnect_reason)
            .collect();
        assert_eq!(reasons[2].as_deref(), Some("too_many_websockets"));
        assert_eq!(reasons[0], None);
    }

    #[test]
    fn draining_and_dead_sockets_get_no_envelopes() {
        let mut connections = Connections::default();
        let (live, mut live_rx) = unbounded_channel();
        let (dead, dead_rx) = unbounded_channel();
        drop(dead_rx);
        connections.admit(live.clone(), 10);
        connections.admit(dead, 10);
        connections.admit(live, 10);
        connections.drain(1, "warning");
        assert_eq!(connections.oldest_active(), Some(2));
        assert!(!connections.send(2, Outgoing::Text("x".into())));
        assert_eq!(connections.pick(), Some(3));
        assert_eq!(connections.pick(), Some(3));
        assert!(connections.records()[1].closed_at.is_some());
        assert_eq!(connections.end_all(Outgoing::Drop), 2);
        assert_eq!(connections.open_count(), 0);
        assert_eq!(live_rx.try_recv(), Ok(Outgoing::Drop));
    }
}
