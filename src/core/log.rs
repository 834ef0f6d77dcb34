//! The optional per-manager log sink. Nothing is global: each manager has its own.

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex, RwLock};

/// How important a log message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(i32)]
pub enum LogLevel {
    /// Something failed.
    Error = 1,
    /// Something unexpected that gamenet handled.
    Warn = 2,
    /// Lifecycle events: connections opened and closed.
    Info = 3,
    /// Detail for debugging.
    Debug = 4,
}

impl LogLevel {
    /// The level for a raw value, if it names one.
    pub fn from_i32(v: i32) -> Option<LogLevel> {
        Some(match v {
            1 => LogLevel::Error,
            2 => LogLevel::Warn,
            3 => LogLevel::Info,
            4 => LogLevel::Debug,
            _ => return None,
        })
    }
}

/// A log sink: called on whatever thread logs.
pub type LogFn = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// Holds the sink and the most verbose level it wants, and counts the calls in progress so
/// that replacing the sink waits for them: once [`Logger::set`] returns, the old sink is
/// never called again and has been dropped (the C face's `userdata_free` runs there).
#[derive(Default)]
pub struct Logger {
    sink: RwLock<Option<(LogFn, LogLevel)>>,
    calls: Mutex<usize>,
    idle: Condvar,
}

thread_local! {
    /// The loggers whose sink this thread is running (a sink may log or set a sink).
    static IN_SINK: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

impl Logger {
    fn key(&self) -> usize {
        self as *const Logger as usize
    }

    /// Replaces the sink (`None` removes it), waits until the calls of the old one still in
    /// progress on other threads have returned, then drops it, outside the lock, so a
    /// sink's destructor may log or set a new sink without deadlock. Called from inside the
    /// sink, it does not wait for that call.
    pub fn set(&self, sink: Option<(LogFn, LogLevel)>) {
        let old = {
            let mut guard = self.sink.write().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *guard, sink)
        };
        let mine = IN_SINK.with(|s| s.borrow().iter().filter(|k| **k == self.key()).count());
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        while *calls > mine {
            calls = self.idle.wait(calls).unwrap_or_else(|p| p.into_inner());
        }
        drop(calls);
        drop(old);
    }

    /// Whether a message at `level` would be delivered.
    pub fn enabled(&self, level: LogLevel) -> bool {
        let guard = self.sink.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().is_some_and(|(_, max)| level <= *max)
    }

    /// Delivers a message built by `msg` if a sink wants `level`. The sink runs outside the
    /// lock, so it may call back into gamenet.
    pub fn log(&self, level: LogLevel, msg: impl FnOnce() -> String) {
        let sink = {
            let guard = self.sink.read().unwrap_or_else(|p| p.into_inner());
            match guard.as_ref() {
                Some((f, max)) if level <= *max => {
                    // Counted before the lock is let go: `set` cannot miss this call.
                    *self.calls.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                    f.clone()
                }
                _ => return,
            }
        };
        struct Done<'a>(&'a Logger);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                let key = self.0.key();
                IN_SINK.with(|s| {
                    let mut s = s.borrow_mut();
                    if let Some(i) = s.iter().rposition(|k| *k == key) {
                        s.remove(i);
                    }
                });
                let mut calls = self.0.calls.lock().unwrap_or_else(|p| p.into_inner());
                *calls -= 1;
                self.0.idle.notify_all();
            }
        }
        IN_SINK.with(|s| s.borrow_mut().push(self.key()));
        let done = Done(self);
        let text = msg();
        sink(level, &text);
        drop(sink);
        drop(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn filters_by_level_and_replaces() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let logger = Logger::default();
        logger.log(LogLevel::Error, || "dropped: no sink".into());
        logger.set(Some((
            Arc::new(move |l, m: &str| s.lock().unwrap().push((l, m.to_string()))),
            LogLevel::Info,
        )));
        assert!(logger.enabled(LogLevel::Warn));
        assert!(!logger.enabled(LogLevel::Debug));
        logger.log(LogLevel::Debug, || unreachable!("not built when filtered"));
        logger.log(LogLevel::Warn, || "w".into());
        logger.set(None);
        logger.log(LogLevel::Error, || "after removal".into());
        assert_eq!(
            *seen.lock().unwrap(),
            vec![(LogLevel::Warn, "w".to_string())]
        );
        assert_eq!(LogLevel::from_i32(4), Some(LogLevel::Debug));
        assert_eq!(LogLevel::from_i32(0), None);
    }
}
