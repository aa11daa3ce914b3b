//! A column named by its table, as the migration's stages pass it to each other.

use std::fmt;

/// A column of a table, passed between stages (the report prints it as `table.column`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnRef {
    pub table: String,
    pub column: String,
}

impl ColumnRef {
    pub(crate) fn new(table: &str, column: &str) -> Self {
        ColumnRef { table: table.to_string(), column: column.to_string() }
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.table, self.column)
    }
}
