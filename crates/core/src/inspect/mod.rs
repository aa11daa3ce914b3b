//! Schemas as SQLite reports them, and how a file's differs from the canonical one:
//!
//! - `catalog`: reading a file's schema back (the catalogue and the table pragmas);
//! - `canonical`: the canonical schema of a store, built from its DDL on a scratch database;
//! - `drift`: comparing the two.

pub mod canonical;
pub mod catalog;
pub mod drift;

pub use canonical::Canonical;
pub use catalog::{
    column_definitions, declared_columns, dump, foreign_key_list, foreign_keys, index_definitions, index_sql,
    object_names, row_counts, table_columns, table_sql, Column, Columns, ForeignKey, Index, IndexColumn, IndexSql,
    Schema, Table,
};
pub use drift::{
    columns_not_canonical, describe_column, drift, foreign_key_signature, missing_foreign_keys, missing_from_canonical,
    same_definition, Drift, ForeignKeyConstraint, ForeignKeySignature,
};

pub(crate) use catalog::USER_TABLES;
