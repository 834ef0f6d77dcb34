//! The packet registry: names `namespace:category[.sub].name` and their ids. peng3dnet's
//! internal packets have ids 1, 2, 3, 4 and 16; the application's get 64, 65, ... in
//! registration order unless one forces its id. The handshake carries the server's
//! registry; the client checks it holds exactly the same names and adopts the server's ids.

use std::collections::HashMap;

use super::msgpack::Value;
use crate::core::error::{Error, ErrorKind, Result};

pub const HELLO: u32 = 1;
pub const SETTYPE: u32 = 2;
pub const HANDSHAKE: u32 = 3;
pub const ACCEPT: u32 = 4;
pub const CLOSECONN: u32 = 16;
/// The first id given to the application's packets.
pub const FIRST_USER_ID: u32 = 64;
/// The longest packet name (what an event's name field holds).
pub const MAX_NAME: usize = 127;

/// The internal packets, in peng3dnet's registration order.
pub const INTERNAL: [(&str, u32); 5] = [
    ("peng3dnet:internal.hello", HELLO),
    ("peng3dnet:internal.settype", SETTYPE),
    ("peng3dnet:internal.handshake", HANDSHAKE),
    ("peng3dnet:internal.handshake.accept", ACCEPT),
    ("peng3dnet:internal.closeconn", CLOSECONN),
];

/// Names and ids of one side.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// The application's packets, in registration order.
    user: Vec<(String, u32)>,
    by_name: HashMap<String, u32>,
    by_id: HashMap<u32, usize>,
}

/// Checks a packet name: `namespace:rest`, both parts non-empty, without whitespace or
/// control characters (any other Unicode is fine: peng3dnet takes any str).
pub fn check_name(name: &str) -> Result<()> {
    let ok = match name.split_once(':') {
        Some((ns, rest)) => {
            !ns.is_empty()
                && !rest.is_empty()
                && name.chars().all(|c| !c.is_whitespace() && !c.is_control())
        }
        None => false,
    };
    if !ok {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "'{name}' is not a packet name (namespace:category[.sub].name, without \
                 spaces or control characters)"
            ),
        ));
    }
    if name.len() > MAX_NAME {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("packet name '{name}' is longer than {MAX_NAME} bytes"),
        ));
    }
    Ok(())
}

impl Registry {
    /// A registry with no application packets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers an application packet: `id` forces its id (64 or more), `None` takes the
    /// next free one from 64. A name or id already taken, an internal name or a forced id
    /// below 64 is an error that says which.
    pub fn register(&mut self, name: &str, id: Option<u32>) -> Result<u32> {
        check_name(name)?;
        if name.starts_with("peng3dnet:") {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("'{name}': the peng3dnet namespace is the protocol's own"),
            ));
        }
        if self.by_name.contains_key(name) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("packet '{name}' is registered already"),
            ));
        }
        let id = match id {
            Some(id) if id < FIRST_USER_ID => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("packet id {id} is below {FIRST_USER_ID}, kept for peng3dnet"),
                ));
            }
            Some(id) => {
                if let Some(&i) = self.by_id.get(&id) {
                    return Err(Error::new(
                        ErrorKind::InvalidArgument,
                        format!("packet id {id} is taken by '{}'", self.user[i].0),
                    ));
                }
                id
            }
            None => (FIRST_USER_ID..=u32::MAX)
                .find(|i| !self.by_id.contains_key(i))
                .ok_or_else(|| Error::new(ErrorKind::TooLarge, "no packet id is left"))?,
        };
        self.by_id.insert(id, self.user.len());
        self.by_name.insert(name.to_string(), id);
        self.user.push((name.to_string(), id));
        Ok(id)
    }

    /// The id of `name` (internal or the application's).
    pub fn id(&self, name: &str) -> Option<u32> {
        INTERNAL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, id)| *id)
            .or_else(|| self.by_name.get(name).copied())
    }

    /// The name of the application packet `id`.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.by_id.get(&id).map(|&i| self.user[i].0.as_str())
    }

    /// The application's packets, in registration order.
    pub fn user_packets(&self) -> &[(String, u32)] {
        &self.user
    }

    /// The registry as the handshake carries it: the application's packets first, in
    /// registration order, then the internal ones (peng3dnet registers those when its server
    /// starts, after the application's).
    pub fn to_value(&self) -> Value {
        Value::Map(
            self.user
                .iter()
                .map(|(n, id)| (n.as_str(), *id))
                .chain(INTERNAL.iter().copied())
                .map(|(n, id)| (Value::Str(n.to_string()), Value::Int(i64::from(id))))
                .collect(),
        )
    }

    /// Checks the server's registry (`{name: id}`) against this one and adopts its ids:
    /// `Err` (the close reason `packetregmismatch`, with what differs) unless both hold
    /// exactly the same names.
    pub fn adopt(&mut self, server: &Value) -> std::result::Result<(), String> {
        let Value::Map(entries) = server else {
            return Err("the server's registry is not a map".into());
        };
        let mut theirs: HashMap<&str, u32> = HashMap::new();
        for (k, v) in entries {
            let (Some(name), Some(id)) = (k.as_str(), v.as_i64()) else {
                return Err("the server's registry holds a non-name or a non-id".into());
            };
            let id = u32::try_from(id).map_err(|_| format!("'{name}' has id {id}"))?;
            theirs.insert(name, id);
        }
        for (name, id) in INTERNAL {
            if theirs.remove(name) != Some(id) {
                return Err(format!("the server's registry lacks '{name}' as {id}"));
            }
        }
        let mine: Vec<&str> = self.user.iter().map(|(n, _)| n.as_str()).collect();
        if let Some(missing) = mine.iter().find(|n| !theirs.contains_key(**n)) {
            return Err(format!("the server does not know '{missing}'"));
        }
        if let Some(extra) = theirs.keys().find(|n| !mine.contains(n)) {
            return Err(format!("the server knows '{extra}', this client does not"));
        }
        let mut ids: Vec<u32> = theirs.values().copied().collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1])
            || ids.iter().any(|id| INTERNAL.iter().any(|(_, i)| i == id))
        {
            return Err("the server's registry gives two packets one id".into());
        }
        let user: Vec<(String, u32)> = self
            .user
            .iter()
            .map(|(n, _)| (n.clone(), theirs[n.as_str()]))
            .collect();
        self.by_name = user.iter().cloned().collect();
        self.by_id = user
            .iter()
            .enumerate()
            .map(|(i, (_, id))| (*id, i))
            .collect();
        self.user = user;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_order_forced_ids_and_every_refusal_says_why() {
        let mut r = Registry::new();
        assert_eq!(r.register("anchor:echo", None).unwrap(), 64);
        assert_eq!(r.register("chat:said", Some(65)).unwrap(), 65);
        assert_eq!(r.register("chat:join", None).unwrap(), 66);
        for (name, id, why) in [
            ("anchor:echo", None, "registered already"),
            ("peng3dnet:internal.hello", None, "the protocol's own"),
            ("nocolon", None, "not a packet name"),
            (":b", None, "not a packet name"),
            ("a:has space", None, "not a packet name"),
            ("a:tab\there", None, "not a packet name"),
            ("x:y", Some(3), "below 64"),
            ("x:y", Some(65), "taken by 'chat:said'"),
        ] {
            let e = r.register(name, id).unwrap_err();
            assert!(e.message().contains(why), "{name}: {}", e.message());
        }
        // Any other str is a name, as peng3dnet takes any.
        assert_eq!(r.register("ns:ünï", None).unwrap(), 67);
        assert_eq!(r.register("a:b:c", None).unwrap(), 68);
        assert_eq!(r.id("peng3dnet:internal.closeconn"), Some(16));
        assert_eq!(r.name(66), Some("chat:join"));
    }

    #[test]
    fn a_client_adopts_the_servers_ids_and_refuses_another_set_of_names() {
        let mut server = Registry::new();
        server.register("anchor:echo", Some(200)).unwrap();
        let mut client = Registry::new();
        client.register("anchor:echo", None).unwrap();
        client.adopt(&server.to_value()).unwrap();
        assert_eq!(client.id("anchor:echo"), Some(200));
        assert_eq!(client.name(200), Some("anchor:echo"));
        let mut other = Registry::new();
        other.register("anchor:other", None).unwrap();
        let e = other.adopt(&server.to_value()).unwrap_err();
        assert!(e.contains("anchor:other"), "{e}");
        let mut fewer = Registry::new();
        assert!(
            fewer
                .adopt(&server.to_value())
                .unwrap_err()
                .contains("anchor:echo")
        );
    }
}
