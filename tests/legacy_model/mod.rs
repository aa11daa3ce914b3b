//! The model of a pre-flatten `objects.db` and the oracle for its migration, written from the
//! original module's rules (the seed's `migrations.rs` and its legacy fixtures), not from this
//! crate's code: it knows the rename table, the legacy index names, the two additive columns and
//! the original DDL (`tests/fixtures/reference_*`), and derives the expected outcome from the
//! generated input alone.
//!
//! Shared, not forked: `tests/properties.rs` generates [`Spec`]s with proptest, and the `legacy`
//! fuzz target (`fuzz/fuzz_targets/legacy.rs`) builds them from libFuzzer's bytes with
//! `arbitrary`. Both build the file with [`Spec::build_sql`], read it with [`Before::read`],
//! migrate it, and hold the outcome against [`oracle`] with [`check`]. The includer declares
//! `mod common;` (tests/common) at its crate root.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use agentmux_schema::backend::Db;
use agentmux_schema::{
    inspect, MigrationReport, Outcome, RebuildReason, SqlConn, Store, StoreError, OBJECT_SCHEMA_VERSION,
};

use crate::common;

/// `prop_assert!` for a check that is not a proptest body: the failure is the message.
macro_rules! ensure {
    ($cond:expr) => {
        if !$cond {
            return Err(format!("assertion failed: {}", stringify!($cond)));
        }
    };
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!("assertion failed: {}: {}", stringify!($cond), format!($($fmt)+)));
        }
    };
}

/// `prop_assert_eq!` likewise.
macro_rules! ensure_eq {
    ($left:expr, $right:expr) => {
        ensure_eq!($left, $right, "")
    };
    ($left:expr, $right:expr, $($fmt:tt)+) => {{
        let (left, right) = (&$left, &$right);
        if left != right {
            return Err(format!(
                "assertion failed: {} == {}: {}\n  left: {:?}\n right: {:?}",
                stringify!($left), stringify!($right), format!($($fmt)+), left, right
            ));
        }
    }};
}

// ---- The original module's rules, restated -----------------------------------------------

/// Legacy table → current table, as the original adoption step renames them.
pub(crate) const RENAMES: [(&str, &str); 7] = [
    ("db_forge_agents", "db_agent_definitions"),
    ("db_forge_content", "db_agent_content"),
    ("db_forge_skills", "db_agent_skills"),
    ("db_forge_history", "db_agent_history"),
    ("db_forge_agent_identities", "db_agent_identity_links"),
    ("db_identities", "db_identity_bundles"),
    ("db_memories", "db_memory_bundles"),
];

/// The canonical tables that were never renamed.
pub(crate) const UNRENAMED: [&str; 13] = [
    "db_client",
    "db_window",
    "db_workspace",
    "db_tab",
    "db_layout",
    "db_block",
    "db_temp",
    "db_identity_accounts",
    "db_identity_bindings",
    "db_agent_instances",
    "db_agents",
    "db_drone_definitions",
    "db_drone_runs",
];

/// Legacy index name → the canonical index it became (same definition, renamed table).
pub(crate) const LEGACY_INDEXES: [(&str, &str); 5] = [
    ("idx_forge_agents_slug", "idx_agent_definitions_slug"),
    ("idx_forge_history_agent_date", "idx_agent_history_agent_date"),
    ("idx_forge_agent_identities_account", "idx_agent_identity_links_account"),
    ("idx_identities_is_blank", "idx_identity_bundles_is_blank"),
    ("idx_memories_is_blank", "idx_memory_bundles_is_blank"),
];

pub(crate) const DEAD_TABLES: [&str; 4] =
    ["db_workflow_definitions", "db_workflow_runs", "db_v10_migrated_legacy_defs", "db_v10_migrated_legacy_runs"];

/// The columns the original added with `ALTER TABLE` (v2, v3), in that order.
pub(crate) const ADDITIVE: [&str; 2] = ["updated_at", "user_hidden"];

/// Foreign keys to a parent that has a legacy name: child, column, parent (current name).
pub(crate) const FKS_TO_RENAMED: [(&str, &str, &str); 6] = [
    ("db_agent_content", "agent_id", "db_agent_definitions"),
    ("db_agent_skills", "agent_id", "db_agent_definitions"),
    ("db_agent_history", "agent_id", "db_agent_definitions"),
    ("db_agent_identity_links", "agent_id", "db_agent_definitions"),
    ("db_agent_instances", "definition_id", "db_agent_definitions"),
    ("db_identity_bindings", "identity_id", "db_identity_bundles"),
];

pub(crate) const TOO_NEW: [i64; 2] = [OBJECT_SCHEMA_VERSION + 1, OBJECT_SCHEMA_VERSION + 5];

/// The columns the original's blank-row inserts name (in both bundle tables).
pub(crate) const SEEDED: [&str; 6] = ["id", "name", "description", "is_blank", "created_at", "updated_at"];

// ---- The reference DDL, table by table ----------------------------------------------------

pub(crate) struct RefTable {
    pub(crate) sql: String,
    /// (name, declared type), in order.
    pub(crate) columns: Vec<(String, String)>,
    /// Columns a table shape may lack: not in the key, not a foreign key, not additive.
    pub(crate) droppable: Vec<String>,
    /// Its foreign keys: (column, parent table).
    pub(crate) fks: Vec<(String, String)>,
    /// Per column: what a column added to existing rows holds in them (its default as SQL, or
    /// `NULL`), and whether it can carry its declared NOT NULL / UNIQUE when added that way.
    pub(crate) added_as: BTreeMap<String, (String, bool)>,
}

pub(crate) struct Reference {
    pub(crate) tables: BTreeMap<String, RefTable>,
    /// Canonical index name → (table, CREATE INDEX text).
    pub(crate) indexes: BTreeMap<String, (String, String)>,
    /// The dump of a fresh file built from the original DDL ([`common::reference_schema`]),
    /// which [`check`] holds every migrated file against: built once, not once per case.
    pub(crate) schema: inspect::Schema,
}

pub(crate) fn reference() -> &'static Reference {
    static REF: OnceLock<Reference> = OnceLock::new();
    REF.get_or_init(|| {
        let db = common::db_with(common::reference_ddl(Store::Objects));
        let mut tables = BTreeMap::new();
        for r in db
            .query("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE 'db\\_%' ESCAPE '\\'", &[])
            .unwrap()
        {
            let name = r[0].as_str().unwrap().to_string();
            let cols = db
                .query(&format!("SELECT name, type, pk, \"notnull\", dflt_value FROM pragma_table_info('{name}')"), &[])
                .unwrap();
            let sql = r[1].as_str().unwrap();
            let added_as = cols
                .iter()
                .map(|c| {
                    let column = c[0].as_str().unwrap().to_string();
                    let unique =
                        sql.lines().any(|l| l.trim_start().starts_with(&format!("{column} ")) && l.contains(" UNIQUE"));
                    let (value, complete) = match c[4].as_str() {
                        Some(d) => (d.to_string(), !unique),
                        None => ("NULL".to_string(), c[3].as_i64() == Some(0) && !unique),
                    };
                    (column, (value, complete))
                })
                .collect();
            let fks: Vec<(String, String)> = db
                .query(&format!("SELECT \"from\", \"table\" FROM pragma_foreign_key_list('{name}')"), &[])
                .unwrap()
                .iter()
                .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_str().unwrap().to_string()))
                .collect();
            let fk_cols: BTreeSet<&str> = fks.iter().map(|(c, _)| c.as_str()).collect();
            let columns: Vec<(String, String)> =
                cols.iter().map(|c| (c[0].as_str().unwrap().to_string(), c[1].as_str().unwrap().to_string())).collect();
            let droppable = cols
                .iter()
                .filter(|c| c[2].as_i64() == Some(0))
                .map(|c| c[0].as_str().unwrap().to_string())
                .filter(|c| !fk_cols.contains(c.as_str()))
                .filter(|c| !(name == "db_agent_definitions" && ADDITIVE.contains(&c.as_str())))
                .collect();
            tables.insert(name, RefTable { sql: sql.to_string(), columns, droppable, fks, added_as });
        }
        let mut indexes = BTreeMap::new();
        for r in db
            .query("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL", &[])
            .unwrap()
        {
            let t = |i: usize| r[i].as_str().unwrap().to_string();
            indexes.insert(t(0), (t(1), t(2)));
        }
        assert_eq!(tables.len(), 20, "reference tables");
        Reference { tables, indexes, schema: common::dump(&db) }
    })
}

// ---- The generated input -------------------------------------------------------------------

/// What a file holds for one legacy/current pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pair {
    Neither,
    Legacy,
    Current,
    /// Both names: a downgrade round trip.
    Both,
}

/// The agent table's columns: the v11 shape predates both additive columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AgentShape {
    V11,
    V2,
    Current,
}

/// A canonical index on a table present under its current name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IndexState {
    Absent,
    Canonical,
    /// Same name, on the table's first column.
    WrongColumn,
    /// Same name and columns, one property off (UNIQUE, WHERE or DESC).
    Weakened,
}

#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) version: i64,
    pub(crate) pairs: Vec<Pair>,
    pub(crate) unrenamed: Vec<bool>,
    pub(crate) agent_shape: AgentShape,
    /// (table, column) picks for a table shape lacking one non-additive column.
    pub(crate) truncated: Option<(usize, usize)>,
    pub(crate) legacy_indexes: Vec<bool>,
    pub(crate) canonical_indexes: Vec<IndexState>,
    pub(crate) dead: Vec<bool>,
    pub(crate) agents: usize,
    pub(crate) rows: usize,
    pub(crate) dup_slugs: bool,
    /// Children point at their parent's legacy name even where the parent is not renamed.
    pub(crate) stale_fks: bool,
    /// `db_agent_instances.parent_instance_id` references the table itself (a constraint the
    /// canonical table does not have).
    pub(crate) self_ref: bool,
    /// The AUTOINCREMENT counter of `db_agent_history` stands above its highest id (rows were
    /// deleted), so a rebuild must carry the counter, not recompute it.
    pub(crate) seq_gap: bool,
    pub(crate) foreign_keys_on: bool,
}

pub(crate) fn pair_of(spec: &Spec, current: &str) -> Option<Pair> {
    RENAMES.iter().position(|(_, c)| *c == current).map(|i| spec.pairs[i])
}

pub(crate) fn legacy_name(current: &str) -> Option<&'static str> {
    RENAMES.iter().find(|(_, c)| *c == current).map(|(l, _)| *l)
}

impl Spec {
    /// Whether `table` (a canonical name) is present under that name once renames are done.
    pub(crate) fn canonical_present(&self, table: &str) -> bool {
        match pair_of(self, table) {
            Some(p) => p != Pair::Neither,
            None => self.unrenamed[UNRENAMED.iter().position(|t| *t == table).unwrap()],
        }
    }

    /// Whether the file holds canonical-named indexes on `table` (the generator builds none on a
    /// table written without a column: they may name it).
    pub(crate) fn has_indexes_on(&self, table: &str) -> bool {
        self.has_current_form(table) && self.truncation().map(|(t, _)| t) != Some(table)
    }

    /// Whether the file holds `table` under its current name (not counting a rename to come).
    pub(crate) fn has_current_form(&self, table: &str) -> bool {
        match pair_of(self, table) {
            Some(p) => matches!(p, Pair::Current | Pair::Both),
            None => self.canonical_present(table),
        }
    }

    pub(crate) fn has_legacy_form(&self, table: &str) -> bool {
        matches!(pair_of(self, table), Some(Pair::Legacy | Pair::Both))
    }

    /// The table lacking a column, and which column, if the spec's pick resolves to one.
    pub(crate) fn truncation(&self) -> Option<(&'static str, &'static str)> {
        let (t, c) = self.truncated?;
        let (name, table) = reference().tables.iter().nth(t % 20)?;
        let col = table.droppable.get(c % table.droppable.len().max(1))?;
        Some((name.as_str(), col.as_str()))
    }

    pub(crate) fn duplicate_slugs(&self) -> bool {
        self.dup_slugs && self.agents >= 2
    }

    /// The state an index is really built in: duplicate slugs cannot coexist with a UNIQUE
    /// slug index, so the file carries a non-unique one instead.
    pub(crate) fn effective_index_state(&self, index: &str) -> IndexState {
        let i = reference().indexes.keys().position(|n| n == index).unwrap();
        let state = self.canonical_indexes[i];
        if index == "idx_agent_definitions_slug" && self.duplicate_slugs() && state == IndexState::Canonical {
            IndexState::Weakened
        } else {
            state
        }
    }

    /// Whether a child's foreign key to `parent` names the parent's legacy table.
    pub(crate) fn references_legacy(&self, parent: &str) -> bool {
        legacy_name(parent).is_some() && (self.stale_fks || pair_of(self, parent) == Some(Pair::Legacy))
    }

    pub(crate) fn table_sql(&self, table: &str, as_name: &str) -> String {
        let r = &reference().tables[table];
        let mut lines: Vec<String> = r.sql.lines().map(str::to_string).collect();
        let mut drop: Vec<&str> = Vec::new();
        if table == "db_agent_definitions" {
            match self.agent_shape {
                AgentShape::V11 => drop.extend(ADDITIVE),
                AgentShape::V2 => drop.push(ADDITIVE[1]),
                AgentShape::Current => {}
            }
        }
        if let Some((t, c)) = self.truncation() {
            if t == table {
                drop.push(c);
            }
        }
        lines.retain(|l| !drop.iter().any(|c| l.trim_start().starts_with(&format!("{c} "))));
        // A dropped last column leaves a trailing comma before the closing parenthesis.
        for i in 1..lines.len() {
            if lines[i].trim_start().starts_with(')') {
                let prev = lines[i - 1].trim_end().trim_end_matches(',').to_string();
                lines[i - 1] = prev;
            }
        }
        let mut sql =
            lines.join("\n").replacen(&format!("CREATE TABLE {table} "), &format!("CREATE TABLE {as_name} "), 1);
        if table == "db_agent_instances" && self.self_ref {
            let column = "parent_instance_id TEXT NOT NULL DEFAULT ''";
            sql = sql.replacen(column, &format!("{column} REFERENCES db_agent_instances(id)"), 1);
        }
        for (legacy, current) in RENAMES {
            if self.references_legacy(current) {
                sql = sql.replace(&format!("REFERENCES {current}("), &format!("REFERENCES {legacy}("));
            }
        }
        assert!(sql.starts_with(&format!("CREATE TABLE {as_name} (")), "{sql}");
        sql + ";\n"
    }

    pub(crate) fn rows_sql(&self, table: &str, as_name: &str) -> String {
        let r = &reference().tables[table];
        let truncated = self.truncation();
        let cols: Vec<&(String, String)> = r
            .columns
            .iter()
            .filter(|(c, _)| truncated != Some((table, c.as_str())))
            .filter(|(c, _)| {
                table != "db_agent_definitions"
                    || match self.agent_shape {
                        AgentShape::V11 => !ADDITIVE.contains(&c.as_str()),
                        AgentShape::V2 => c != ADDITIVE[1],
                        AgentShape::Current => true,
                    }
            })
            .collect();
        let n = if table == "db_agent_definitions" { self.agents } else { self.rows };
        let mut out = String::new();
        for i in 0..n {
            let values: Vec<String> = cols
                .iter()
                .map(|(c, ty)| match (c.as_str(), ty.as_str()) {
                    ("slug", _) if self.dup_slugs => "'same'".to_string(),
                    (_, "INTEGER") => (i + 1).to_string(),
                    // Keys and references share one value space, so some rows have parents and
                    // the rest are orphans (more children than agents).
                    ("id" | "oid" | "agent_id" | "account_id" | "definition_id" | "identity_id" | "drone_id", _) => {
                        format!("'k{i}'")
                    }
                    (c, _) => format!("'{c}-{i}'"),
                })
                .collect();
            let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
            out += &format!("INSERT INTO {as_name} ({}) VALUES ({});\n", names.join(", "), values.join(", "));
        }
        if table == "db_agent_history" && self.seq_gap {
            out += &format!("UPDATE sqlite_sequence SET seq = seq + 7 WHERE name = '{as_name}';\n");
        }
        out
    }

    pub(crate) fn index_sql(&self, index: &str) -> Option<String> {
        let (table, sql) = &reference().indexes[index];
        match self.effective_index_state(index) {
            IndexState::Absent => None,
            IndexState::Canonical => Some(sql.clone()),
            IndexState::WrongColumn => {
                Some(format!("CREATE INDEX {index} ON {table}({})", reference().tables[table].columns[0].0))
            }
            IndexState::Weakened => Some(if sql.contains("UNIQUE ") {
                sql.replace("UNIQUE ", "")
            } else if let Some(at) = sql.find(" WHERE ") {
                sql[..at].to_string()
            } else if sql.contains(" DESC") {
                sql.replace(" DESC", "")
            } else {
                let at = sql.rfind(')').unwrap();
                format!("{} DESC)", &sql[..at])
            }),
        }
    }

    pub(crate) fn build_sql(&self) -> String {
        let reference = reference();
        let truncated_table = self.truncation().map(|(t, _)| t);
        let mut sql = String::new();
        let mut indexes = String::new();
        for table in reference.tables.keys() {
            let legacy = legacy_name(table);
            let mut forms = Vec::new();
            if self.has_current_form(table) {
                forms.push(table.as_str());
            }
            if self.has_legacy_form(table) {
                forms.push(legacy.unwrap());
            }
            for name in forms {
                sql += &self.table_sql(table, name);
                sql += &self.rows_sql(table, name);
            }
            if truncated_table == Some(table.as_str()) {
                continue; // its indexes may name the missing column
            }
            if self.has_current_form(table) {
                for (index, (on, _)) in &reference.indexes {
                    if on == table {
                        if let Some(s) = self.index_sql(index) {
                            indexes += &format!("{s};\n");
                        }
                    }
                }
            }
            if self.has_legacy_form(table) {
                for ((legacy_index, canonical), present) in LEGACY_INDEXES.iter().zip(&self.legacy_indexes) {
                    let (on, create) = &reference.indexes[*canonical];
                    if *present && on == table {
                        let mut s = create.replacen(canonical, legacy_index, 1).replacen(
                            &format!(" ON {table}("),
                            &format!(" ON {}(", legacy.unwrap()),
                            1,
                        );
                        if self.duplicate_slugs() {
                            s = s.replace("UNIQUE ", "");
                        }
                        indexes += &format!("{s};\n");
                    }
                }
            }
        }
        for (table, present) in DEAD_TABLES.iter().zip(&self.dead) {
            if *present {
                sql += &format!("CREATE TABLE {table} (id TEXT PRIMARY KEY, note TEXT);\nINSERT INTO {table} VALUES ('w1', 'old');\n");
            }
        }
        // Orphan rows need the foreign-key checks off while the file is written.
        format!("PRAGMA foreign_keys = OFF;\n{sql}{indexes}PRAGMA user_version = {};\n", self.version)
    }
}

// ---- The oracle ----------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
pub(crate) enum Expected {
    /// The version is current: nothing is run, nothing changes.
    UpToDate,
    TooNew {
        found: i64,
    },
    /// A negative version, which no build writes: refused as a damaged file.
    Damaged {
        found: i64,
    },
    Unadoptable {
        table: String,
        missing: Vec<String>,
    },
    /// The canonical UNIQUE slug index cannot be built over duplicate slugs.
    UniqueViolation,
    Migrated(Box<Success>),
}

#[derive(Debug, PartialEq)]
pub(crate) struct Success {
    pub(crate) renamed: BTreeSet<(String, String)>,
    pub(crate) kept: BTreeSet<(String, String)>,
    pub(crate) indexes_dropped: BTreeSet<String>,
    pub(crate) tables_dropped: BTreeSet<String>,
    pub(crate) columns_added: Vec<String>,
    pub(crate) indexes_rebuilt: BTreeSet<String>,
    /// Indexes left as found because the rows break the canonical definition.
    pub(crate) indexes_kept: BTreeSet<String>,
    /// Columns added without their canonical NOT NULL / UNIQUE.
    pub(crate) columns_nullable: Vec<String>,
    /// The column a table was written without and that migration adds: (table, column).
    pub(crate) added: Option<(String, String)>,
    /// Canonical tables whose foreign keys differ from the canonical ones once adoption is done
    /// (a child still naming a legacy parent that was not renamed, or the extra self-reference).
    pub(crate) rebuilt: BTreeSet<String>,
    /// Rows without a parent, per table, after the migration.
    pub(crate) orphans: BTreeMap<String, i64>,
    /// Old table name → where its rows must be afterwards (`None`: dropped).
    pub(crate) destination: BTreeMap<String, Option<String>>,
}

pub(crate) fn oracle(spec: &Spec) -> Expected {
    if spec.version < 0 {
        return Expected::Damaged { found: spec.version };
    }
    if spec.version > OBJECT_SCHEMA_VERSION {
        return Expected::TooNew { found: spec.version };
    }
    if spec.version == OBJECT_SCHEMA_VERSION {
        return Expected::UpToDate;
    }
    // A table without one of its columns: the original started unless its DDL (an index on the
    // table, key or WHERE) or its blank rows needed the column; this crate adds the column then.
    let mut added = None;
    if let Some((table, column)) = spec.truncation() {
        if spec.canonical_present(table) {
            let words = |sql: &str| sql.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == column);
            let indexed = reference().indexes.values().any(|(on, sql)| on == table && words(sql));
            let seeded = table.ends_with("_bundles") && SEEDED.contains(&column);
            if indexed || seeded {
                return Expected::Unadoptable { table: table.to_string(), missing: vec![column.to_string()] };
            }
            added = Some((table, column));
        }
    }
    // Duplicate slugs: the canonical UNIQUE index cannot be built. The original failed where it
    // had to create it, and kept an index it found under that name (so does this crate).
    let agents_pair = pair_of(spec, "db_agent_definitions").unwrap();
    let slug_index_found = spec.has_indexes_on("db_agent_definitions")
        && spec.effective_index_state("idx_agent_definitions_slug") != IndexState::Absent;
    if spec.duplicate_slugs() && agents_pair != Pair::Neither && !slug_index_found {
        return Expected::UniqueViolation;
    }
    // A reference to a legacy name is rewritten when that parent is renamed; otherwise it stays,
    // and the child is rebuilt to the canonical reference.
    let mut rebuilt: BTreeSet<String> = FKS_TO_RENAMED
        .iter()
        .filter(|(child, _, parent)| {
            spec.canonical_present(child)
                && spec.references_legacy(parent)
                && pair_of(spec, parent) != Some(Pair::Legacy)
        })
        .map(|(child, _, _)| child.to_string())
        .collect();
    if spec.self_ref && spec.canonical_present("db_agent_instances") {
        rebuilt.insert("db_agent_instances".to_string());
    }

    let mut s = Success {
        renamed: BTreeSet::new(),
        kept: BTreeSet::new(),
        indexes_dropped: BTreeSet::new(),
        tables_dropped: DEAD_TABLES.iter().zip(&spec.dead).filter(|(_, p)| **p).map(|(t, _)| t.to_string()).collect(),
        columns_added: vec![],
        indexes_rebuilt: BTreeSet::new(),
        indexes_kept: BTreeSet::new(),
        columns_nullable: vec![],
        added: None,
        orphans: orphans(spec),
        rebuilt,
        destination: BTreeMap::new(),
    };
    for ((legacy, current), p) in RENAMES.iter().zip(&spec.pairs) {
        let pair = (legacy.to_string(), current.to_string());
        match p {
            Pair::Legacy => {
                s.renamed.insert(pair);
                s.destination.insert(legacy.to_string(), Some(current.to_string()));
            }
            Pair::Both => {
                s.kept.insert(pair);
            }
            _ => {}
        }
        if matches!(p, Pair::Legacy | Pair::Both) {
            for ((legacy_index, canonical), present) in LEGACY_INDEXES.iter().zip(&spec.legacy_indexes) {
                let on = &reference().indexes[*canonical].0;
                if *present && on == current && spec.truncation().map(|(t, _)| t) != Some(on.as_str()) {
                    s.indexes_dropped.insert(legacy_index.to_string());
                }
            }
        }
    }
    for t in &s.tables_dropped {
        s.destination.insert(t.clone(), None);
    }
    if agents_pair != Pair::Neither {
        let lacking: &[&str] = match spec.agent_shape {
            AgentShape::V11 => &ADDITIVE,
            AgentShape::V2 => &ADDITIVE[1..],
            AgentShape::Current => &[],
        };
        s.columns_added = lacking.iter().map(|c| format!("db_agent_definitions.{c}")).collect();
    }
    if let Some((table, column)) = added {
        s.columns_added.push(format!("{table}.{column}"));
        if !reference().tables[table].added_as[column].1 {
            s.columns_nullable.push(format!("{table}.{column}"));
        }
        s.added = Some((table.to_string(), column.to_string()));
    }
    for (index, (table, _)) in &reference().indexes {
        if index == "idx_agent_definitions_slug" && spec.duplicate_slugs() && slug_index_found {
            s.indexes_kept.insert(index.clone());
            continue;
        }
        if spec.has_indexes_on(table)
            && matches!(spec.effective_index_state(index), IndexState::WrongColumn | IndexState::Weakened)
        {
            s.indexes_rebuilt.insert(index.clone());
        }
    }
    Expected::Migrated(Box::new(s))
}

/// Rows per table: agents in the agent table, `rows` in every other one.
pub(crate) fn rows_of(spec: &Spec, table: &str) -> usize {
    if table == "db_agent_definitions" {
        spec.agents
    } else {
        spec.rows
    }
}

/// The orphan rows a migrated file holds, per table. Row `i` of every table carries key `k{i}` in
/// its id and in each of its references, so row `i` of a child is an orphan exactly when one of
/// its parents, as migrated, has `i` rows or fewer. Canonical children reference the canonical
/// parents (rebuilt if need be); a kept legacy child keeps whatever it referenced, through a
/// rename of that parent if there was one, and a parent table that does not exist has no rows.
pub(crate) fn orphans(spec: &Spec) -> BTreeMap<String, i64> {
    let parent_rows = |parent: &str| if spec.canonical_present(parent) { rows_of(spec, parent) } else { 0 };
    let referenced_rows = |parent: &str| match legacy_name(parent) {
        Some(_) if spec.references_legacy(parent) => match pair_of(spec, parent) {
            Some(Pair::Legacy) => parent_rows(parent),
            Some(Pair::Both) => rows_of(spec, parent),
            _ => 0,
        },
        _ => parent_rows(parent),
    };
    let mut out = BTreeMap::new();
    let mut count = |name: &str, table: &str, rows_in: &dyn Fn(&str) -> usize| {
        let fks = &reference().tables[table].fks;
        let n = (0..rows_of(spec, table)).filter(|i| fks.iter().any(|(_, p)| *i >= rows_in(p))).count();
        if n > 0 {
            out.insert(name.to_string(), n as i64);
        }
    };
    for table in reference().tables.keys() {
        if spec.canonical_present(table) {
            count(table, table, &parent_rows);
        }
        if pair_of(spec, table) == Some(Pair::Both) {
            count(legacy_name(table).unwrap(), table, &referenced_rows);
        }
    }
    out
}

// ---- Reading a file back ----------------------------------------------------------------

/// Every row of every user table, as text, by table name.
pub(crate) fn contents(db: &impl SqlConn) -> BTreeMap<String, Vec<String>> {
    contents_in(db, &inspect::dump(db).unwrap())
}

/// Every row of `schema`'s tables, over `schema`'s columns.
pub(crate) fn contents_in(db: &impl SqlConn, schema: &inspect::Schema) -> BTreeMap<String, Vec<String>> {
    schema
        .tables
        .iter()
        .map(|(t, tab)| {
            let cols =
                tab.columns.iter().map(|c| format!("quote(\"{}\")", c.name)).collect::<Vec<_>>().join(" || '|' || ");
            (t.clone(), db.query_strings(&format!("SELECT {cols} FROM \"{t}\" ORDER BY 1"), &[]).unwrap())
        })
        .collect()
}

// ---- The check -----------------------------------------------------------------------------

/// What is read from a generated file before it is migrated.
pub(crate) struct Before {
    pub(crate) image: Vec<u8>,
    pub(crate) schema: inspect::Schema,
    pub(crate) rows: BTreeMap<String, Vec<String>>,
    pub(crate) sequences: Vec<(String, i64)>,
}

impl Before {
    pub(crate) fn read(db: &mut Db) -> Self {
        let image = common::bytes_of(db);
        let schema = inspect::dump(&*db).unwrap();
        let rows = contents_in(&*db, &schema);
        let sequences = common::sequences(&*db);
        Before { image, schema, rows, sequences }
    }
}

/// Hold the outcome of migrating `db` (built from `spec`, read as `before`) against the oracle's
/// `expected`: the predicted error with the file unchanged byte for byte, or success with the
/// predicted report, a schema canonical but for what the report owns up to, and every row kept.
pub(crate) fn check(
    spec: &Spec,
    db: Db,
    before: &Before,
    expected: Expected,
    result: Result<MigrationReport, StoreError>,
) -> Result<(), String> {
    let _ = spec;
    let mut db = db;
    let (before_image, before_schema, before_seq) = (&before.image, &before.schema, &before.sequences);
    let before = &before.rows;
    let Expected::Migrated(want) = expected else {
        match (&expected, &result) {
            (Expected::UpToDate, Ok(r)) => ensure_eq!(r.outcome, Outcome::UpToDate),
            (
                Expected::TooNew { found },
                Err(StoreError::SchemaTooNew { found: f, expected: OBJECT_SCHEMA_VERSION, db }),
            ) => {
                ensure_eq!((f, db.as_str()), (found, "objects.db"));
            }
            (Expected::Damaged { found }, Err(StoreError::NotADatabase { reason, db })) => {
                ensure_eq!(db.as_str(), "objects.db");
                ensure!(reason.contains(&format!("user_version is {found}")), "{}", reason);
            }
            (
                Expected::Unadoptable { table, missing },
                Err(StoreError::Unadoptable { table: t, missing_columns, .. }),
            ) => {
                // The error names every column the table lacks against the canonical shape of
                // the version the file starts from: the truncated one, and the columns of
                // `AddColumn` steps that version already had (a file stamped before them gets
                // them from the steps, after this check).
                let start = spec.version.max(1);
                let had: Vec<&str> = Store::Objects
                    .spec()
                    .steps
                    .iter()
                    .filter(|s| s.since <= start)
                    .filter_map(|s| match s.change {
                        agentmux_schema::Change::AddColumn(a) if a.table == table => Some(a.column),
                        _ => None,
                    })
                    .collect();
                ensure_eq!(&t, &table);
                ensure!(
                    missing.iter().all(|m| missing_columns.contains(m)),
                    "{:?} lacks {:?}",
                    missing_columns,
                    missing
                );
                ensure!(
                    missing_columns.iter().all(|m| missing.contains(m) || had.contains(&m.as_str())),
                    "{:?}: more than {:?} and the columns of steps up to v{start} ({:?})",
                    missing_columns,
                    missing,
                    had
                );
            }
            (Expected::UniqueViolation, Err(StoreError::Sqlite { code, sql: Some(sql), .. })) => {
                ensure_eq!(code & 0xff, 19, "SQLITE_CONSTRAINT expected");
                ensure!(sql.contains("CREATE UNIQUE INDEX") && sql.contains("idx_agent_definitions_slug"), "{}", sql);
            }
            _ => ensure!(false, "oracle says {:?}, migrate gave {:?}", expected, result),
        }
        ensure!(common::bytes_of(&mut db) == *before_image, "{:?}: the file changed", expected);
        return Ok(());
    };

    let report = match result {
        Ok(r) => r,
        Err(e) => return Err(format!("oracle says success {want:?}, migrate failed: {e}")),
    };
    ensure_eq!(common::version(&db), OBJECT_SCHEMA_VERSION);
    let pairs = |v: &[agentmux_schema::legacy::Rename]| {
        v.iter().map(|r| (r.from.clone(), r.to.clone())).collect::<BTreeSet<_>>()
    };
    ensure_eq!(pairs(&report.tables_renamed), want.renamed.clone());
    ensure_eq!(pairs(&report.legacy_tables_kept), want.kept.clone());
    ensure_eq!(report.indexes_dropped.iter().cloned().collect::<BTreeSet<_>>(), want.indexes_dropped.clone());
    ensure_eq!(report.tables_dropped.iter().cloned().collect::<BTreeSet<_>>(), want.tables_dropped.clone());
    ensure_eq!(&report.columns_added, &want.columns_added);
    ensure_eq!(report.indexes_rebuilt.iter().cloned().collect::<BTreeSet<_>>(), want.indexes_rebuilt.clone());
    ensure_eq!(report.indexes_kept.iter().cloned().collect::<BTreeSet<_>>(), want.indexes_kept.clone());
    ensure_eq!(&report.columns_nullable, &want.columns_nullable);
    // Upgrade steps newer than the file may rebuild tables too (read from the spec: none in the
    // original's v4); the model predicts the foreign-key repairs.
    let step_rebuilds = step_rebuilds(spec.version);
    ensure!(
        report.tables_rebuilt.iter().all(|r| r.reason == RebuildReason::ForeignKeys
            || (r.reason == RebuildReason::UpgradeStep && step_rebuilds.contains(&r.table))),
        "{:?}",
        report.tables_rebuilt
    );
    let repaired = report.tables_rebuilt.iter().filter(|r| r.reason == RebuildReason::ForeignKeys);
    ensure_eq!(repaired.map(|r| r.table.clone()).collect::<BTreeSet<_>>(), want.rebuilt.clone());
    let orphans: BTreeMap<String, i64> = report.orphan_rows.iter().map(|(t, n)| (t.clone(), *n)).collect();
    ensure_eq!(&orphans, &want.orphans);
    ensure_eq!(db.query_strings("PRAGMA integrity_check", &[]).unwrap(), ["ok"]);

    // The result matches the original DDL at pragma level but for what the report owns up to:
    // kept legacy tables, indexes kept over rows that break them, columns added nullable.
    let drift = inspect::drift(&inspect::dump(&db).unwrap(), &reference().schema);
    let kept: Vec<String> = want.kept.iter().map(|(l, _)| l.clone()).collect();
    ensure_eq!(&drift.extra_tables, &kept);
    ensure_eq!(&drift.changed_indexes, &want.indexes_kept.iter().cloned().collect::<Vec<_>>());
    ensure_eq!(&drift.changed_columns, &want.columns_nullable);
    let rest =
        inspect::Drift { extra_tables: vec![], changed_indexes: vec![], changed_columns: vec![], ..drift.clone() };
    ensure!(rest.is_empty(), "{:?}", drift);

    // Every row is still there, under its table's new name, with every value it had (read by
    // column name: a rebuilt table has the canonical column order); columns the migration
    // added hold 0 (the additive ones) or the column's default.
    let after = contents(&db);
    for (table, rows) in before {
        let Some(dest) = want.destination.get(table).cloned().unwrap_or_else(|| Some(table.clone())) else {
            ensure!(!after.contains_key(table), "{} should be dropped", table);
            continue;
        };
        ensure!(after.contains_key(&dest), "{} → {} is gone", table, dest);
        let mut old_columns = inspect::Schema::default();
        old_columns.tables.insert(dest.clone(), before_schema.tables[table.as_str()].clone());
        let now = contents_in(&db, &old_columns).remove(&dest).unwrap();
        // The seeded blank bundle is the one row a migration may add.
        let now: Vec<&String> = now.iter().filter(|r| !r.starts_with("'blank'|")).collect();
        ensure_eq!(now, rows.iter().collect::<Vec<_>>(), "{} → {}", table, dest);
        let mut added: Vec<(String, String)> = vec![];
        if dest == "db_agent_definitions" {
            added.extend(
                want.columns_added
                    .iter()
                    .filter_map(|c| c.strip_prefix("db_agent_definitions."))
                    .filter(|c| ADDITIVE.contains(c))
                    .map(|c| (c.to_string(), "0".to_string())),
            );
        }
        if let Some((t, c)) = &want.added {
            if *t == dest {
                added.push((c.clone(), reference().tables[t.as_str()].added_as[c.as_str()].0.clone()));
            }
        }
        for (column, value) in added {
            let other = common::count(
                &db,
                &format!(
                    "SELECT count(*) FROM \"{dest}\" WHERE quote(\"{column}\") != '{}'",
                    value.replace('\'', "''")
                ),
            );
            ensure_eq!(other, 0, "{}.{} should hold {} in every old row", dest, column, value);
        }
    }
    // AUTOINCREMENT counters move with their table, so ids are never reused.
    let after_seq = common::sequences(&db);
    for (table, seq) in before_seq {
        let dest = want.destination.get(table).cloned().flatten().unwrap_or_else(|| table.clone());
        ensure!(after_seq.contains(&(dest.clone(), *seq)), "sqlite_sequence lost {} ({}): {:?}", table, seq, after_seq);
    }
    ensure_eq!(common::count(&db, "SELECT count(*) FROM db_identity_bundles WHERE id = 'blank' AND is_blank = 1"), 1);
    ensure_eq!(common::count(&db, "SELECT count(*) FROM db_memory_bundles WHERE id = 'blank' AND is_blank = 1"), 1);
    Ok(())
}

/// The tables that the shipped objects.db steps newer than `version` rebuild.
pub(crate) fn step_rebuilds(version: i64) -> BTreeSet<String> {
    Store::Objects
        .spec()
        .steps
        .iter()
        .filter(|s| s.since > version)
        .filter_map(|s| match s.change {
            agentmux_schema::Change::RebuildTable { table, .. } => Some(table.to_string()),
            _ => None,
        })
        .collect()
}
