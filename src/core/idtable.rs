//! Generation-checked ids: the table behind connection ids and the C face's handles.
//!
//! An id is `serial << 24 | slot`. `slot` indexes a vector, so a lookup is one array access
//! under a read lock; `serial` comes from one process-wide counter that never repeats, so an
//! id that was removed (stale) or that belongs to another table (foreign) never matches a
//! live entry, even when its slot has been reused. The counter is only an id allocator: no
//! behaviour is shared between tables.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{Error, ErrorKind, Result};

const SLOT_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
/// The most entries one table holds at once.
pub(crate) const MAX_ENTRIES: usize = (1 << SLOT_BITS) - 1;

static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

struct Slot<T> {
    id: u64,
    value: Option<T>,
}

struct Inner<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
}

/// A table of values keyed by never-reused ids. Every method takes `&self` and is
/// thread-safe; values are cloned out (use `Arc<T>`).
pub struct IdTable<T> {
    inner: RwLock<Inner<T>>,
}

impl<T> Default for IdTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> IdTable<T> {
    /// An empty table (usable in a `static`).
    pub const fn new() -> Self {
        IdTable {
            inner: RwLock::new(Inner {
                slots: Vec::new(),
                free: Vec::new(),
                len: 0,
            }),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner<T>> {
        // A panic while the lock was held cannot leave the table inconsistent: every
        // mutation below is completed before anything that could panic.
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner<T>> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `value` and returns its new id (never 0).
    pub fn insert(&self, value: T) -> Result<u64> {
        self.insert_with(|_| value)
    }

    /// Stores the value `make(id)` builds from its own id, and returns that id.
    pub fn insert_with(&self, make: impl FnOnce(u64) -> T) -> Result<u64> {
        let serial = NEXT_SERIAL.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.write();
        let slot = match inner.free.pop() {
            Some(slot) => slot as usize,
            None => {
                if inner.slots.len() >= MAX_ENTRIES {
                    return Err(Error::new(
                        ErrorKind::TooLarge,
                        format!("id table full ({MAX_ENTRIES} entries)"),
                    ));
                }
                inner.slots.push(Slot { id: 0, value: None });
                inner.slots.len() - 1
            }
        };
        // Slot numbers start at 1 so that no id is ever 0.
        let id = (serial << SLOT_BITS) | (slot as u64 + 1);
        inner.slots[slot] = Slot {
            id,
            value: Some(make(id)),
        };
        inner.len += 1;
        Ok(id)
    }

    fn slot_of(id: u64) -> Option<usize> {
        let slot = id & SLOT_MASK;
        (slot != 0).then(|| (slot - 1) as usize)
    }

    /// Removes and returns the value of `id`, or `None` when `id` is not live here.
    pub fn remove(&self, id: u64) -> Option<T> {
        let slot = Self::slot_of(id)?;
        let mut inner = self.write();
        let entry = inner.slots.get_mut(slot).filter(|s| s.id == id)?;
        let value = entry.value.take();
        entry.id = 0;
        if value.is_some() {
            inner.free.push(slot as u32);
            inner.len -= 1;
        }
        value
    }

    /// Removes and returns every value.
    pub fn drain(&self) -> Vec<T> {
        let mut inner = self.write();
        let mut out = Vec::with_capacity(inner.len);
        let mut freed = Vec::new();
        for (i, entry) in inner.slots.iter_mut().enumerate() {
            if let Some(v) = entry.value.take() {
                entry.id = 0;
                out.push(v);
                freed.push(i as u32);
            }
        }
        inner.free.extend(freed);
        inner.len = 0;
        out
    }

    /// Whether `id` is live in this table.
    pub fn contains(&self, id: u64) -> bool {
        let Some(slot) = Self::slot_of(id) else {
            return false;
        };
        self.read().slots.get(slot).is_some_and(|s| s.id == id)
    }

    /// The number of live entries.
    pub fn len(&self) -> usize {
        self.read().len
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: Clone> IdTable<T> {
    /// A clone of the value of `id`, or `None` when `id` is stale, foreign or 0.
    pub fn get(&self, id: u64) -> Option<T> {
        let slot = Self::slot_of(id)?;
        let inner = self.read();
        let entry = inner.slots.get(slot)?;
        if entry.id == id {
            entry.value.clone()
        } else {
            None
        }
    }

    /// Clones of every live value.
    pub fn values(&self) -> Vec<T> {
        self.read()
            .slots
            .iter()
            .filter_map(|s| s.value.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_never_zero_and_never_reused() {
        let t = IdTable::new();
        let a = t.insert(1).unwrap();
        assert_ne!(a, 0);
        assert_eq!(t.remove(a), Some(1));
        let b = t.insert(2).unwrap();
        // Same slot, new serial: the stale id does not see the new value.
        assert_eq!(a & SLOT_MASK, b & SLOT_MASK);
        assert_ne!(a, b);
        assert_eq!(t.get(a), None);
        assert_eq!(t.get(b), Some(2));
        assert_eq!(t.remove(a), None);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn foreign_ids_do_not_match() {
        let t1 = IdTable::new();
        let t2 = IdTable::new();
        let a = t1.insert("a").unwrap();
        let b = t2.insert("b").unwrap();
        assert_eq!(a & SLOT_MASK, b & SLOT_MASK);
        assert_eq!(t1.get(b), None);
        assert_eq!(t2.get(a), None);
        assert!(!t1.contains(b));
        assert_eq!(t1.get(0), None);
        assert_eq!(t1.get(u64::MAX), None);
    }

    #[test]
    fn insert_with_sees_its_id_and_drain_empties() {
        let t = IdTable::new();
        let id = t.insert_with(|id| id).unwrap();
        assert_eq!(t.get(id), Some(id));
        t.insert(7).unwrap();
        let mut all = t.drain();
        all.sort();
        assert_eq!(all, vec![7, id]);
        assert!(t.is_empty());
        assert!(t.values().is_empty());
    }
}
