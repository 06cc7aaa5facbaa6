//! The object store: current objects per resource, one global resourceVersion counter (as etcd's
//! revision), and a bounded history of change events.
//!
//! The history serves three things a real API server offers: watches that resume from a
//! resourceVersion, list paging whose `continue` token reads a consistent snapshot at the first
//! page's resourceVersion, and `resourceVersionMatch=Exact` lists. Past the history bound (or
//! after [`Store::compact`]) those answer 410 `Expired`, which is what makes kube's watcher relist.
//! New events are also broadcast to the open watches, in resourceVersion order (every commit
//! happens under the store's lock).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

/// (group, plural): objects are stored per resource, whatever version they were written in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupResource {
    pub group: String,
    pub resource: String,
}

/// (namespace, name); the order of a list.
pub type Key = (String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

/// One committed change.
#[derive(Debug)]
pub struct Event {
    pub rv: u64,
    pub gr: GroupResource,
    pub key: Key,
    pub kind: EventType,
    /// The object after the change (for `Deleted`: its last state, with the deletion's rv).
    pub object: Arc<Value>,
    /// The object before the change (`None` for `Added`).
    pub prev: Option<Arc<Value>>,
}

pub struct Store {
    rv: u64,
    objects: HashMap<GroupResource, BTreeMap<Key, Arc<Value>>>,
    history: VecDeque<Arc<Event>>,
    history_limit: usize,
    /// Every event with `rv > compacted` is still in `history`.
    compacted: u64,
    tx: broadcast::Sender<Arc<Event>>,
}

/// A resourceVersion older than the kept history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooOld {
    /// The oldest resourceVersion that can still be served.
    pub oldest: u64,
}

impl Store {
    pub fn new(history_limit: usize) -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            rv: 0,
            objects: HashMap::new(),
            history: VecDeque::new(),
            history_limit: history_limit.max(1),
            compacted: 0,
            tx,
        }
    }

    /// The newest resourceVersion (that of the last commit).
    pub fn rv(&self) -> u64 {
        self.rv
    }

    /// The next resourceVersion a commit will get.
    pub fn next_rv(&self) -> u64 {
        self.rv + 1
    }

    pub fn get(&self, gr: &GroupResource, key: &Key) -> Option<Arc<Value>> {
        self.objects.get(gr).and_then(|m| m.get(key)).cloned()
    }

    pub fn current(&self, gr: &GroupResource) -> BTreeMap<Key, Arc<Value>> {
        self.objects.get(gr).cloned().unwrap_or_default()
    }

    /// Store `obj`, stamping `metadata.resourceVersion` with the commit's resourceVersion.
    pub fn put(&mut self, gr: &GroupResource, key: Key, mut obj: Value) -> Arc<Value> {
        obj["metadata"]["resourceVersion"] = Value::String(self.next_rv().to_string());
        let obj = Arc::new(obj);
        let prev = self
            .objects
            .entry(gr.clone())
            .or_default()
            .insert(key.clone(), obj.clone());
        let kind = if prev.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.record(gr, key, kind, obj.clone(), prev);
        obj
    }

    /// Remove an object; the `Deleted` event carries its last state with the deletion's rv.
    pub fn remove(&mut self, gr: &GroupResource, key: &Key) -> Option<Arc<Value>> {
        let prev = self.objects.get_mut(gr)?.remove(key)?;
        let mut last = (*prev).clone();
        last["metadata"]["resourceVersion"] = Value::String(self.next_rv().to_string());
        let last = Arc::new(last);
        self.record(
            gr,
            key.clone(),
            EventType::Deleted,
            last.clone(),
            Some(prev),
        );
        Some(last)
    }

    fn record(
        &mut self,
        gr: &GroupResource,
        key: Key,
        kind: EventType,
        object: Arc<Value>,
        prev: Option<Arc<Value>>,
    ) {
        self.rv += 1;
        let ev = Arc::new(Event {
            rv: self.rv,
            gr: gr.clone(),
            key,
            kind,
            object,
            prev,
        });
        self.history.push_back(ev.clone());
        while self.history.len() > self.history_limit {
            if let Some(old) = self.history.pop_front() {
                self.compacted = old.rv;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = self.tx.send(ev);
    }

    /// Forget all history, as an etcd compaction does: older resourceVersions now get 410.
    pub fn compact(&mut self) {
        self.history.clear();
        self.compacted = self.rv;
    }

    pub fn set_history_limit(&mut self, limit: usize) {
        self.history_limit = limit.max(1);
        while self.history.len() > self.history_limit {
            if let Some(old) = self.history.pop_front() {
                self.compacted = old.rv;
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    /// Events after `rv` (for any resource), oldest first.
    pub fn events_after(&self, rv: u64) -> Result<Vec<Arc<Event>>, TooOld> {
        if rv < self.compacted {
            return Err(TooOld {
                oldest: self.compacted + 1,
            });
        }
        Ok(self.history.iter().filter(|e| e.rv > rv).cloned().collect())
    }

    /// The objects of one resource as they were at `rv`, rebuilt by undoing newer events.
    pub fn state_at(
        &self,
        gr: &GroupResource,
        rv: u64,
    ) -> Result<BTreeMap<Key, Arc<Value>>, TooOld> {
        if rv >= self.rv {
            return Ok(self.current(gr));
        }
        let newer = self.events_after(rv)?;
        let mut state = self.current(gr);
        for ev in newer.iter().rev().filter(|e| &e.gr == gr) {
            match &ev.prev {
                Some(prev) => {
                    state.insert(ev.key.clone(), prev.clone());
                }
                None => {
                    state.remove(&ev.key);
                }
            }
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gr() -> GroupResource {
        GroupResource {
            group: "g".into(),
            resource: "things".into(),
        }
    }

    fn obj(name: &str, rv: u64, v: i64) -> Value {
        json!({"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv.to_string()}, "v": v})
    }

    #[test]
    fn state_at_undoes_newer_events_and_compaction_expires_it() {
        let mut s = Store::new(100);
        let k = |n: &str| ("ns".to_string(), n.to_string());
        s.put(&gr(), k("a"), obj("a", 1, 1));
        s.put(&gr(), k("b"), obj("b", 2, 1));
        s.put(&gr(), k("a"), obj("a", 3, 2));
        s.remove(&gr(), &k("b"));
        assert_eq!(s.rv(), 4);
        let at2 = s.state_at(&gr(), 2).unwrap();
        assert_eq!(at2.len(), 2);
        assert_eq!(at2[&k("a")]["v"], 1);
        assert_eq!(s.state_at(&gr(), 4).unwrap().len(), 1);
        assert_eq!(s.events_after(1).unwrap().len(), 3);
        s.compact();
        assert_eq!(s.state_at(&gr(), 2), Err(TooOld { oldest: 5 }));
        assert!(s.events_after(4).unwrap().is_empty());
    }

    #[test]
    fn the_history_bound_compacts_the_oldest_events() {
        let mut s = Store::new(2);
        for i in 0..5 {
            s.put(&gr(), ("ns".into(), format!("o{i}")), obj("x", i + 1, 0));
        }
        assert!(s.events_after(2).is_err());
        assert_eq!(s.events_after(3).unwrap().len(), 2);
    }
}
