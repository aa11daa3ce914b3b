//! [`NameMap`]: the name-keyed maps of the reports (tables, indexes, rows dropped per table).
//!
//! A sorted `Vec` rather than a `BTreeMap`: these maps hold tens of entries, and every
//! `BTreeMap<K, V>` type links its own copy of the B-tree code into the WebAssembly module. Like a `BTreeMap`, it iterates in name order and serialises as a map.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Values by name, in name order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMap<V>(Vec<(String, V)>);

impl<V> Default for NameMap<V> {
    fn default() -> Self {
        NameMap(Vec::new())
    }
}

impl<V> NameMap<V> {
    pub fn new() -> Self {
        Self::default()
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.position(name).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut V> {
        self.position(name).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Insert or replace; returns the value `name` had.
    pub fn insert(&mut self, name: String, value: V) -> Option<V> {
        match self.position(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (name, value));
                None
            }
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> Iter<'_, V> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
}

/// The iterator of [`NameMap::iter`]: `(name, value)` in name order.
pub type Iter<'a, V> = std::iter::Map<std::slice::Iter<'a, (String, V)>, fn(&'a (String, V)) -> (&'a String, &'a V)>;

impl<'a, V> IntoIterator for &'a NameMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = Iter<'a, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<V> FromIterator<(String, V)> for NameMap<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        let mut map = NameMap::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl<V> std::ops::Index<&str> for NameMap<V> {
    type Output = V;
    fn index(&self, name: &str) -> &V {
        self.get(name).unwrap_or_else(|| panic!("no entry named {name:?}"))
    }
}

impl<V: Serialize> Serialize for NameMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::NameMap;

    #[test]
    fn keeps_name_order_and_replaces_like_a_btreemap() {
        let mut m = NameMap::new();
        let mut b = std::collections::BTreeMap::new();
        for (i, name) in ["db_tab", "db_agents", "saga", "db_tab", "a", "zz", "db_agents"].into_iter().enumerate() {
            assert_eq!(m.insert(name.to_string(), i), b.insert(name.to_string(), i), "{name}");
        }
        assert!(m.iter().map(|(k, v)| (k.clone(), *v)).eq(b.clone()));
        assert_eq!(m.len(), b.len());
        assert_eq!(m.get("db_tab"), Some(&3));
        assert_eq!(m["zz"], 5);
        assert!(!m.contains_key("db_"));
        *m.get_mut("a").unwrap() = 9;
        assert_eq!(m.values().copied().collect::<Vec<_>>(), vec![9, 6, 3, 2, 5]);
    }
}
