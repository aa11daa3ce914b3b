-- Two numbers from one scan of {child} (on an index that holds {fk}): its rows, and those whose key
-- {fk} is not NULL. PRAGMA foreign_key_check reports every such row when the constraint's parent
-- table does not exist, and skips the rows whose key is NULL.
SELECT count(*), count(c.{fk}) FROM main.{child} AS c
