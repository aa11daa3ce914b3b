-- Two numbers from one scan of {child} (on an index that holds {fk}): its rows, and those whose key
-- {fk} names no row of {parent}, as PRAGMA foreign_key_check counts them for a table with this one
-- single-column constraint (crates/core/src/orphans.rs says when that holds). Why they are right,
-- clause by clause:
--   * `+c.{fk}`: the unary plus strips the child column's affinity, so the comparison applies
--     exactly the parent column's affinity to the child's value (TEXT, NUMERIC or none), which is
--     what the pragma does before it looks the value up in the parent's index.
--   * `COLLATE {collation}`: the collation of the parent index the pragma searches. That index is
--     unique under it (or {key} is the rowid), so a child row meets one parent row at most and the
--     join keeps one row per child row: `count(*)` is the table's row count.
--   * The lookup is the pragma's own kind: a seek in that index, or OP_SeekRowid when the key is
--     the parent's INTEGER PRIMARY KEY (the caller checks the plan says `SEARCH p`).
--   * `IS NOT NULL`: the pragma skips a row whose key is NULL. `p.{key} IS NULL`: no parent row
--     matched (a matched one holds a key equal to a value that is not NULL).
-- It counts rows, and a row breaks the one constraint once at most.
SELECT count(*), count(*) FILTER (WHERE c.{fk} IS NOT NULL AND p.{key} IS NULL)
FROM main.{child} AS c
LEFT JOIN main.{parent} AS p ON p.{key} COLLATE {collation} = +c.{fk}
