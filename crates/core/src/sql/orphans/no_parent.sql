-- The rows of {child} whose key {fk} is not NULL: PRAGMA foreign_key_check reports every such
-- row when the constraint's parent table does not exist, and skips the rows whose key is NULL.
SELECT count(*) FROM main.{child} AS c WHERE c.{fk} IS NOT NULL
