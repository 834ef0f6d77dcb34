//! One configuration for a server or a client, built field by field (the C face's config
//! handle): address, limits, compression, timeouts, threads, the packet registry and, for a
//! client, its connection type.

use std::time::Duration;

use super::client::ClientConfig;
use super::peer::{DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_FRAME};
use super::registry::Registry;
use super::server::ServerConfig;
use super::session::Settings;

/// Everything a server or a client is made from.
#[derive(Debug, Clone)]
pub struct Config {
    /// A server's listening address (`None`: every address) or a client's server.
    pub host: Option<String>,
    pub port: u16,
    pub max_frame: usize,
    pub settings: Settings,
    pub handshake_timeout: Duration,
    pub connect_timeout: Duration,
    pub threads: usize,
    pub registry: Registry,
    /// A client's connection type.
    pub conn_type: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: None,
            port: 0,
            max_frame: DEFAULT_MAX_FRAME,
            settings: Settings::default(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            connect_timeout: Duration::from_secs(5),
            threads: 0,
            registry: Registry::new(),
            conn_type: "classic".into(),
        }
    }
}

impl Config {
    /// The server's part.
    pub fn server(&self) -> ServerConfig {
        ServerConfig {
            host: self.host.clone(),
            port: self.port,
            max_frame: self.max_frame,
            settings: self.settings.clone(),
            handshake_timeout: self.handshake_timeout,
            threads: self.threads,
        }
    }

    /// The client's part (host "localhost" when none was set).
    pub fn client(&self) -> ClientConfig {
        ClientConfig {
            host: self.host.clone().unwrap_or_else(|| "localhost".into()),
            port: self.port,
            conn_type: self.conn_type.clone(),
            connect_timeout: self.connect_timeout,
            max_frame: self.max_frame,
            settings: self.settings.clone(),
            handshake_timeout: self.handshake_timeout,
            threads: self.threads,
        }
    }
}
