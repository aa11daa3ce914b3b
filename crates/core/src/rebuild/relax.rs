//! What a rebuild does when the new definition refuses rows the old table holds.
//!
//! The invariant: a rebuild keeps every row. When the copy into the new definition fails on a
//! constraint (NOT NULL, CHECK, UNIQUE or PRIMARY KEY, an INTEGER PRIMARY KEY given a value that
//! is not an integer), the refused rows are found, that one constraint is left out of the new
//! definition, and the copy is tried again; each constraint left out is reported with the number
//! of rows that needed it. Only a constraint a refused row breaks is ever left out. Where the
//! constraint cannot be found in the definition's text, or leaving it out changes nothing (SQLite
//! enforces it regardless, e.g. NOT NULL on a WITHOUT ROWID table's key), the rebuild fails with
//! [`StoreError::RowsRefused`], naming the rows, and the caller's transaction rolls back.

use serde::Serialize;

use crate::conn::SqlConn;
use crate::error::codes;
use crate::sqltext::{self, quote_name as quote};
use crate::StoreError;

/// A constraint a rebuilt table was declared without because existing rows break it.
#[cfg_attr(all(target_arch = "wasm32", feature = "js"), derive(tsify::Tsify))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelaxedConstraint {
    pub table: String,
    /// As written in the definition: `NOT NULL (entry)`, `CHECK (name <> '')`,
    /// `UNIQUE (slug)`, `PRIMARY KEY (id)`, `INTEGER PRIMARY KEY (id)` (declared `INT` instead, so
    /// the column keeps its values and is no longer the rowid).
    pub constraint: String,
    /// Rows that break it, all kept.
    pub rows: i64,
}

/// A constraint that refused the copy, found from SQLite's error.
pub(crate) struct Refusal {
    /// How the report and the error name it.
    pub label: String,
    /// The definition without it, or `None` when it cannot be left out.
    pub relaxed: Option<String>,
    /// How many rows break it.
    pub rows: i64,
    /// The old table's rowids of those rows (none for a WITHOUT ROWID table).
    pub rowids: Vec<i64>,
}

/// Whether `e` is a copy refused by the new definition (rather than I/O or corruption).
pub(crate) fn is_refusal(e: &StoreError) -> bool {
    matches!(e.sqlite_code(), Some(codes::CONSTRAINT | codes::MISMATCH))
}

/// Identify the constraint behind `e`, a refused copy into `temp` (created by `create`, which
/// still exists, empty) from `source`, a `SELECT` whose first column is the old rowid and whose
/// others are the values of `temp`'s stored columns in order.
pub(crate) fn diagnose<C: SqlConn + ?Sized>(
    conn: &C,
    e: &StoreError,
    temp: &str,
    create: &str,
    source: &str,
) -> Result<Option<Refusal>, StoreError> {
    let StoreError::Sqlite { message, .. } = e else { return Ok(None) };
    let columns = stored_columns(conn, temp)?;
    // The values as the new table's columns would hold them (same declared types, so the same
    // affinity), without any constraint: what the refused rows are read from.
    let probe = "agentmux_probe";
    let defs: Vec<String> = columns.iter().map(|(n, t, _)| format!("{} {t}", quote(n))).collect();
    conn.exec(&format!(
        "DROP TABLE IF EXISTS temp.{probe}; CREATE TEMP TABLE {probe} (agentmux_rowid, {})",
        defs.join(", ")
    ))?;
    conn.exec(&format!("INSERT INTO temp.{probe} {source}"))?;
    let rowids = |condition: &str| -> Result<(i64, Vec<i64>), StoreError> {
        let rows = conn.query(&format!("SELECT agentmux_rowid FROM temp.{probe} WHERE {condition} ORDER BY 1"), &[])?;
        Ok((rows.len() as i64, rows.iter().filter_map(|r| r.first().and_then(|v| v.as_i64())).collect()))
    };
    let refusal = |label: String, relaxed: Option<String>, (rows, rowids): (i64, Vec<i64>)| Refusal {
        label,
        relaxed,
        rows,
        rowids,
    };
    let prefix = format!("{temp}.");
    let column_of = |s: &str| s.trim().strip_prefix(prefix.as_str()).unwrap_or(s.trim()).to_string();
    let out = if e.sqlite_code() == Some(codes::MISMATCH) {
        // Only an INTEGER PRIMARY KEY (the rowid) refuses a value for its type.
        let Some((name, _, _)) = columns.iter().find(|(_, t, pk)| *pk && t.eq_ignore_ascii_case("INTEGER")) else {
            return drop_probe(conn, None);
        };
        refusal(
            format!("INTEGER PRIMARY KEY ({name})"),
            edit_column(create, name, |words| {
                let at = words.iter().position(|w| w.text.eq_ignore_ascii_case("INTEGER"))?;
                words[at].text = "INT".to_string();
                words.retain(|w| !w.text.eq_ignore_ascii_case("AUTOINCREMENT"));
                Some(())
            }),
            rowids(&format!("typeof({}) NOT IN ('integer', 'null')", quote(name)))?,
        )
    } else if let Some(rest) = message.strip_prefix("NOT NULL constraint failed: ") {
        let name = column_of(rest);
        refusal(
            format!("NOT NULL ({name})"),
            edit_column(create, &name, |words| remove_pair(words, "NOT", "NULL")),
            rowids(&format!("{} IS NULL", quote(&name)))?,
        )
    } else if let Some(rest) = message.strip_prefix("UNIQUE constraint failed: ") {
        let names: Vec<String> = rest.split(", ").map(column_of).collect();
        let list = names.iter().map(|n| quote(n)).collect::<Vec<_>>().join(", ");
        let (label, relaxed) = relax_unique(create, &names);
        refusal(
            label,
            relaxed,
            rowids(&format!("({list}) IN (SELECT {list} FROM temp.{probe} GROUP BY {list} HAVING count(*) > 1)"))?,
        )
    } else if let Some(rest) = message.strip_prefix("CHECK constraint failed: ") {
        match find_check(create, rest.trim()) {
            Some((expr, relaxed)) => refusal(
                format!("CHECK ({expr})"),
                Some(relaxed),
                rowids(&format!("({expr}) IS NOT NULL AND NOT ({expr})"))?,
            ),
            None => refusal(format!("CHECK ({})", rest.trim()), None, (0, Vec::new())),
        }
    } else {
        return drop_probe(conn, None);
    };
    drop_probe(conn, Some(out))
}

fn drop_probe<C: SqlConn + ?Sized>(conn: &C, out: Option<Refusal>) -> Result<Option<Refusal>, StoreError> {
    conn.exec("DROP TABLE IF EXISTS temp.agentmux_probe")?;
    Ok(out)
}

/// Name, declared type and "is the only PRIMARY KEY column" of each stored column of `table`.
pub(crate) fn stored_columns<C: SqlConn + ?Sized>(
    conn: &C,
    table: &str,
) -> Result<Vec<(String, String, bool)>, StoreError> {
    let rows = conn.query(&format!("PRAGMA main.table_xinfo({})", quote(table)), &[])?;
    let pks = rows.iter().filter(|r| r.get(5).and_then(|v| v.as_i64()).unwrap_or(0) > 0).count();
    Ok(rows
        .iter()
        .filter(|r| r.get(6).and_then(|v| v.as_i64()) == Some(0))
        .filter_map(|r| {
            let pk = pks == 1 && r.get(5).and_then(|v| v.as_i64()) == Some(1);
            Some((r.get(1)?.as_str()?.to_string(), r.get(2)?.as_str().unwrap_or("").to_string(), pk))
        })
        .collect())
}

/// A token of a definition, with the text it came from.
#[derive(Debug, Clone)]
struct Word {
    text: String,
}

/// Split `text` into words as SQLite's tokeniser reads it ([`sqltext::tokens`]): each token
/// (comments left out), and each parenthesised group kept whole, as written. `None` for
/// unbalanced brackets.
fn words(text: &str) -> Option<Vec<Word>> {
    let toks = sqltext::tokens(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        if t.is_symbol(")") {
            return None;
        }
        let end = if t.is_symbol("(") { sqltext::matching_close(&toks, i)? } else { i };
        out.push(Word { text: text[t.start..toks[end].end()].to_string() });
        i = end + 1;
    }
    Some(out)
}

fn join(words: &[Word]) -> String {
    words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
}

/// `CREATE TABLE name (` , the definitions between the outer parentheses, and what follows
/// (`WITHOUT ROWID`, `STRICT`).
fn parts(create: &str) -> Option<(String, Vec<Vec<Word>>, String)> {
    let toks = sqltext::tokens(create);
    let open_at = toks.iter().position(|t| t.is_symbol("("))?;
    let close_at = sqltext::matching_close(&toks, open_at)?;
    let (open, close) = (toks[open_at].start, toks[close_at].start);
    let body = words(&create[open + 1..close])?;
    let mut parts = vec![Vec::new()];
    for w in body {
        if w.text == "," {
            parts.push(Vec::new());
        } else {
            parts.last_mut()?.push(w);
        }
    }
    Some((create[..open + 1].to_string(), parts, create[close..].to_string()))
}

fn assemble(head: &str, parts: &[Vec<Word>], tail: &str) -> String {
    let body = parts.iter().map(|p| format!("\n    {}", join(p))).collect::<Vec<_>>().join(",");
    format!("{head}{body}\n{tail}")
}

const TABLE_CONSTRAINTS: &[&str] = &["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

fn is_column(part: &[Word]) -> bool {
    part.first().is_some_and(|w| !TABLE_CONSTRAINTS.iter().any(|k| w.text.eq_ignore_ascii_case(k)))
}

/// `create` with column `name`'s definition changed by `edit` (`None` when the column is not
/// found or `edit` changes nothing).
fn edit_column(create: &str, name: &str, edit: impl FnOnce(&mut Vec<Word>) -> Option<()>) -> Option<String> {
    let (head, mut parts, tail) = parts(create)?;
    let part = parts.iter_mut().find(|p| is_column(p) && sqltext::unquote(&p[0].text).eq_ignore_ascii_case(name))?;
    let before = join(part);
    edit(part)?;
    (join(part) != before).then(|| assemble(&head, &parts, &tail))
}

/// Remove the word pair `a b` (any case) and a `CONSTRAINT name` right before it.
fn remove_pair(words: &mut Vec<Word>, a: &str, b: &str) -> Option<()> {
    let at = (0..words.len().saturating_sub(1))
        .find(|&i| words[i].text.eq_ignore_ascii_case(a) && words[i + 1].text.eq_ignore_ascii_case(b))?;
    let mut end = at + 2;
    // `ON CONFLICT <resolution>` belongs to the constraint.
    if words.get(end).is_some_and(|w| w.text.eq_ignore_ascii_case("ON")) {
        end = (end + 3).min(words.len());
    }
    let start = if at >= 2 && words[at - 2].text.eq_ignore_ascii_case("CONSTRAINT") { at - 2 } else { at };
    words.drain(start..end);
    Some(())
}

/// The uniqueness over `columns` left out: a column's own `UNIQUE` or `PRIMARY KEY`, or a table
/// constraint over exactly those columns. Returns the label and the relaxed definition.
fn relax_unique(create: &str, columns: &[String]) -> (String, Option<String>) {
    let label_list = columns.join(", ");
    let Some((head, mut parts, tail)) = parts(create) else { return (format!("UNIQUE ({label_list})"), None) };
    if let [only] = columns {
        if let Some(part) =
            parts.iter_mut().find(|p| is_column(p) && sqltext::unquote(&p[0].text).eq_ignore_ascii_case(only))
        {
            let is_pk = (0..part.len().saturating_sub(1))
                .any(|i| part[i].text.eq_ignore_ascii_case("PRIMARY") && part[i + 1].text.eq_ignore_ascii_case("KEY"));
            let before = join(part);
            if is_pk {
                remove_pair(part, "PRIMARY", "KEY");
                part.retain(|w| !["AUTOINCREMENT", "ASC", "DESC"].iter().any(|k| w.text.eq_ignore_ascii_case(k)));
            } else if let Some(at) = part.iter().position(|w| w.text.eq_ignore_ascii_case("UNIQUE")) {
                part.remove(at);
            }
            if join(part) != before {
                let label = if is_pk { "PRIMARY KEY" } else { "UNIQUE" };
                return (format!("{label} ({label_list})"), Some(assemble(&head, &parts, &tail)));
            }
        }
    }
    // A table constraint whose column list is exactly these columns.
    let listed = |group: &str| -> Vec<String> {
        let toks = sqltext::tokens(group);
        let inner = toks.get(1..toks.len().saturating_sub(1)).unwrap_or_default();
        let columns = sqltext::split_top_level(inner, ",").unwrap_or_default();
        columns.iter().map(|c| c.first().and_then(|t| t.name()).unwrap_or_default()).collect()
    };
    let found = parts.iter().position(|p| {
        !is_column(p)
            && p.windows(2).any(|w| {
                (w[0].text.eq_ignore_ascii_case("UNIQUE") || w[0].text.eq_ignore_ascii_case("KEY"))
                    && w[1].text.starts_with('(')
                    && {
                        let got = listed(&w[1].text);
                        got.len() == columns.len() && got.iter().zip(columns).all(|(a, b)| a.eq_ignore_ascii_case(b))
                    }
            })
    });
    match found {
        Some(at) => {
            let is_pk = parts[at].iter().any(|w| w.text.eq_ignore_ascii_case("PRIMARY"));
            parts.remove(at);
            let label = if is_pk { "PRIMARY KEY" } else { "UNIQUE" };
            (format!("{label} ({label_list})"), Some(assemble(&head, &parts, &tail)))
        }
        None => (format!("UNIQUE ({label_list})"), None),
    }
}

/// The CHECK that SQLite names `failed` (its expression text, or its `CONSTRAINT` name), as its
/// expression and the definition without it.
fn find_check(create: &str, failed: &str) -> Option<(String, String)> {
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (head, mut parts, tail) = parts(create)?;
    for pi in 0..parts.len() {
        let part = &parts[pi];
        for i in 0..part.len().saturating_sub(1) {
            if !part[i].text.eq_ignore_ascii_case("CHECK") || !part[i + 1].text.starts_with('(') {
                continue;
            }
            let group = &part[i + 1].text;
            let expr = group[1..group.len() - 1].trim().to_string();
            let named = i >= 2 && part[i - 2].text.eq_ignore_ascii_case("CONSTRAINT");
            let matches = flat(&expr) == flat(failed) || (named && sqltext::unquote(&part[i - 1].text) == failed);
            if !matches {
                continue;
            }
            let start = if named { i - 2 } else { i };
            if is_column(part) {
                parts[pi].drain(start..i + 2);
            } else {
                parts.remove(pi);
            }
            return Some((expr, assemble(&head, &parts, &tail)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: &str = "CREATE TABLE t (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n  name TEXT NOT NULL \
                          CHECK (name <> '') UNIQUE,\n  note TEXT NOT NULL DEFAULT 'a, (b',\n  CONSTRAINT c1 \
                          CHECK (length(note) < 9),\n  UNIQUE (name, note)\n)";

    #[test]
    fn leaves_out_only_the_named_constraint() {
        let out = edit_column(CREATE, "name", |w| remove_pair(w, "NOT", "NULL")).unwrap();
        assert!(out.contains("name TEXT CHECK (name <> '') UNIQUE") && out.contains("note TEXT NOT NULL"), "{out}");
        let (expr, out) = find_check(CREATE, "name <> ''").unwrap();
        assert_eq!(expr, "name <> ''");
        assert!(!out.contains("name <> ''") && out.contains("length(note)"), "{out}");
        let (expr, out) = find_check(CREATE, "c1").unwrap();
        assert_eq!(expr, "length(note) < 9");
        assert!(!out.contains("c1") && out.contains("name <> ''"), "{out}");
        let (label, out) = relax_unique(CREATE, &["name".into(), "note".into()]);
        assert_eq!(label, "UNIQUE (name, note)");
        assert!(!out.unwrap().contains("UNIQUE (name, note)"));
        let (label, out) = relax_unique(CREATE, &["id".into()]);
        assert_eq!(label, "PRIMARY KEY (id)");
        assert!(out.unwrap().contains("id INTEGER,"));
        assert!(find_check(CREATE, "nope").is_none());
        assert!(edit_column(CREATE, "note", |w| remove_pair(w, "PRIMARY", "KEY")).is_none());
    }
}
