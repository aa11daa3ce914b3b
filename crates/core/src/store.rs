//! The three databases the server keeps, by name. What each one's schema is lives in
//! [`crate::spec`].

use serde::Serialize;

use crate::StoreError;

/// One of the server's three SQLite files.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Store {
    Objects,
    Filestore,
    Sagas,
}

impl Store {
    /// All stores, in the order the data directory is checked and migrated.
    pub const ALL: [Store; 3] = [Store::Objects, Store::Filestore, Store::Sagas];

    /// The short name used by the CLI and the JS API.
    pub fn name(self) -> &'static str {
        match self {
            Store::Objects => "objects",
            Store::Filestore => "filestore",
            Store::Sagas => "sagas",
        }
    }

    /// The file name inside a data directory; also the label used in errors.
    pub fn file_name(self) -> &'static str {
        match self {
            Store::Objects => "objects.db",
            Store::Filestore => "filestore.db",
            Store::Sagas => "sagas.db",
        }
    }
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Store {
    type Err = StoreError;

    /// Accepts the short name (`objects`) or the file name (`objects.db`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Store::ALL
            .into_iter()
            .find(|st| s == st.name() || s == st.file_name())
            .ok_or_else(|| StoreError::UnknownStore(s.to_string()))
    }
}
