//! The optional per-manager log sink. Nothing is global: each manager has its own.

use std::sync::{Arc, RwLock};

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

/// Holds the sink and the most verbose level it wants.
#[derive(Default)]
pub struct Logger {
    sink: RwLock<Option<(LogFn, LogLevel)>>,
}

impl Logger {
    /// Replaces the sink (`None` removes it). The old sink is dropped after the swap, outside
    /// the lock, so a sink's destructor may log or set a new sink without deadlock.
    pub fn set(&self, sink: Option<(LogFn, LogLevel)>) {
        let old = {
            let mut guard = self.sink.write().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *guard, sink)
        };
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
                Some((f, max)) if level <= *max => f.clone(),
                _ => return,
            }
        };
        sink(level, &msg());
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
