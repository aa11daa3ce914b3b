//! SQL text, read and written with SQLite's own quoting rules: the one home of every scan of a
//! statement (a partial index's `WHERE`, a table's column definitions, a step's expression list)
//! and of identifier and literal quoting.
//!
//! The tokeniser follows SQLite's (`tokenize.c`): `'…'` is a string with `''` inside it; `"…"`
//! and `` `…` `` are identifiers with the quote doubled inside; `[…]` is an identifier that ends
//! at the first `]`; `--` runs to the end of the line and `/* … */` to its `*/` (or the end);
//! `x'…'` is a blob. Anything that is not one of those cannot hide a keyword or a bracket, so a
//! scan that walks tokens never mistakes `' WHERE c'` or `"from"` for SQL.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A bare word: a keyword or an unquoted identifier.
    Word,
    /// `"…"`, `` `…` `` or `[…]`.
    QuotedName,
    /// `'…'`.
    String,
    /// `x'…'`.
    Blob,
    Number,
    /// `?1`, `:name`, `@name`, `$name`.
    Variable,
    /// An operator or punctuation: `(`, `)`, `,`, `;`, `!=`, `||`, …
    Symbol,
}

/// One token of a statement: its kind and where it is in the text (spaces and comments are not
/// tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// Byte offset of the token in the scanned text.
    pub start: usize,
}

impl Token<'_> {
    /// Byte offset just past the token.
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }

    /// Whether this is the bare keyword `kw` (any case). A quoted name never is.
    pub fn is(&self, kw: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(kw)
    }

    /// Whether this is the symbol `s`.
    pub fn is_symbol(&self, s: &str) -> bool {
        self.kind == Kind::Symbol && self.text == s
    }

    /// The name this token spells, unquoted: a bare word as written, a quoted name without its
    /// quotes (doubled quotes undone). `None` for anything else. (SQLite also reads a `'…'`
    /// string as a name where only a name can stand; callers that need that ask for it.)
    pub fn name(&self) -> Option<String> {
        match self.kind {
            Kind::Word => Some(self.text.to_string()),
            Kind::QuotedName => Some(unquote(self.text)),
            _ => None,
        }
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The tokens of `sql`, spaces and comments left out. Never fails: an unterminated string, name
/// or comment runs to the end of the text, as SQLite reads it before reporting the error.
pub fn tokens(sql: &str) -> Vec<Token<'_>> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // The end of a run that closes with `close`, where a doubled `close` stays inside.
    let closing = |from: usize, close: u8, doubled: bool| -> usize {
        let mut j = from;
        while j < b.len() {
            if b[j] == close {
                if doubled && b.get(j + 1) == Some(&close) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        b.len()
    };
    while i < b.len() {
        let c = b[i];
        let (kind, end) = match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = b[i..].iter().position(|&x| x == b'\n').map_or(b.len(), |p| i + p + 1);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = b[i + 2..].windows(2).position(|w| w == b"*/").map_or(b.len(), |p| i + 2 + p + 2);
                continue;
            }
            b'\'' => (Kind::String, closing(i + 1, b'\'', true)),
            b'"' => (Kind::QuotedName, closing(i + 1, b'"', true)),
            b'`' => (Kind::QuotedName, closing(i + 1, b'`', true)),
            b'[' => (Kind::QuotedName, closing(i + 1, b']', false)),
            b'x' | b'X' if b.get(i + 1) == Some(&b'\'') => (Kind::Blob, closing(i + 2, b'\'', false)),
            b'0'..=b'9' => (Kind::Number, number_end(b, i)),
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => (Kind::Number, number_end(b, i)),
            b'?' => (Kind::Variable, i + 1 + b[i + 1..].iter().take_while(|x| x.is_ascii_digit()).count()),
            b':' | b'@' | b'$' => {
                (Kind::Variable, i + 1 + b[i + 1..].iter().take_while(|&&x| is_ident_byte(x)).count())
            }
            c if is_ident_byte(c) => (Kind::Word, i + b[i..].iter().take_while(|&&x| is_ident_byte(x)).count()),
            _ => {
                let two = b.get(i..i + 2).unwrap_or_default();
                let three = b.get(i..i + 3).unwrap_or_default();
                let len = if three == b"->>" {
                    3
                } else if [&b"||"[..], b"<=", b">=", b"!=", b"<>", b"==", b"<<", b">>", b"->"].contains(&two) {
                    2
                } else {
                    // One character (a multi-byte one whole, so slices stay on char boundaries).
                    sql[i..].chars().next().map_or(1, char::len_utf8)
                };
                (Kind::Symbol, i + len)
            }
        };
        out.push(Token { kind, text: &sql[i..end], start: i });
        i = end;
    }
    out
}

fn number_end(b: &[u8], start: usize) -> usize {
    let mut j = start;
    if b[j] == b'0' && matches!(b.get(j + 1), Some(b'x' | b'X')) {
        j += 2;
        while j < b.len() && (b[j].is_ascii_hexdigit() || b[j] == b'_') {
            j += 1;
        }
        return j;
    }
    while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'_' || b[j] == b'.') {
        j += 1;
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if b.get(k).is_some_and(u8::is_ascii_digit) {
            j = k;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
    }
    // SQLite reads `12abc` as one (bad) token; so does this, so no word is split off a number.
    while j < b.len() && is_ident_byte(b[j]) {
        j += 1;
    }
    j
}

/// A quoted name without its quotes: `"a""b"` → `a"b`, `[a b]` → `a b`, `` `a``b` `` → ``a`b``.
pub fn unquote(text: &str) -> String {
    let inner = |close: char| {
        let body = text[1..].strip_suffix(close).unwrap_or(&text[1..]);
        body.replace(&format!("{close}{close}"), &close.to_string())
    };
    match text.as_bytes().first() {
        Some(b'"') => inner('"'),
        Some(b'`') => inner('`'),
        Some(b'\'') => inner('\''),
        Some(b'[') => text[1..].strip_suffix(']').unwrap_or(&text[1..]).to_string(),
        _ => text.to_string(),
    }
}

/// `name` as an SQL identifier: `"name"`, any `"` inside doubled. Safe for every name, keywords
/// and odd characters included.
pub fn quote_name(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `s` as an SQL string literal: `'s'`, any `'` inside doubled.
pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The index of the token that closes the bracket opened at `tokens[open]` (a `(`), or `None`
/// when it is never closed.
pub fn matching_close(tokens: &[Token<'_>], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        if t.is_symbol("(") {
            depth += 1;
        } else if t.is_symbol(")") {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// The tokens split at the top-level (outside brackets) symbol `sep`. An unbalanced `)` ends
/// the scan with `None`.
pub fn split_top_level<'t, 'a>(tokens: &'t [Token<'a>], sep: &str) -> Option<Vec<&'t [Token<'a>]>> {
    let (mut depth, mut start, mut out) = (0usize, 0usize, Vec::new());
    for (i, t) in tokens.iter().enumerate() {
        if t.is_symbol("(") {
            depth += 1;
        } else if t.is_symbol(")") {
            depth = depth.checked_sub(1)?;
        } else if depth == 0 && t.is_symbol(sep) {
            out.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    out.push(&tokens[start..]);
    Some(out)
}

/// The first top-level token that is the keyword `kw`, by index.
pub fn find_top_level_keyword(tokens: &[Token<'_>], kw: &str) -> Option<usize> {
    let mut depth = 0i64;
    for (i, t) in tokens.iter().enumerate() {
        if t.is_symbol("(") {
            depth += 1;
        } else if t.is_symbol(")") {
            depth -= 1;
        } else if depth == 0 && t.is(kw) {
            return Some(i);
        }
    }
    None
}

/// The condition of a partial index (`CREATE INDEX … WHERE <condition>`), as written, its
/// whitespace collapsed to single spaces; `None` for an index without one. Only a top-level
/// `WHERE` keyword counts: one inside a string, a quoted name or a comment is text.
pub fn where_clause(create_index: &str) -> Option<String> {
    let toks = tokens(create_index);
    let at = find_top_level_keyword(&toks, "WHERE")?;
    let mut end = toks.len();
    while end > at + 1 && toks[end - 1].is_symbol(";") {
        end -= 1;
    }
    let (first, last) = (toks.get(at + 1)?, toks[end - 1]);
    Some(one_line(&create_index[first.start..last.end()], usize::MAX))
}

/// One column of a `CREATE TABLE` statement, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnText {
    /// The column's name, unquoted.
    pub name: String,
    /// Its definition after the name (type and constraints), as written.
    pub definition: String,
    /// The collating sequence of its `COLLATE` clause (not one inside a CHECK or a generated
    /// expression), upper-cased; `None` when it has none or names `BINARY`, SQLite's default.
    pub collation: Option<String>,
}

/// The keywords that start a table constraint rather than a column.
const TABLE_CONSTRAINTS: [&str; 5] = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

/// The columns of a `CREATE TABLE … ( … )` statement, in order; `None` when the text is not one
/// (e.g. `CREATE TABLE … AS SELECT`, or unbalanced brackets).
pub fn table_columns(create_table: &str) -> Option<Vec<ColumnText>> {
    let toks = tokens(create_table);
    let open = toks.iter().position(|t| t.is_symbol("("))?;
    let close = matching_close(&toks, open)?;
    let mut out = Vec::new();
    for part in split_top_level(&toks[open + 1..close], ",")? {
        let Some(first) = part.first() else { continue };
        if TABLE_CONSTRAINTS.iter().any(|k| first.is(k)) {
            continue;
        }
        // SQLite also takes a '…' string as a column name.
        let name = match first.kind {
            Kind::String => unquote(first.text),
            _ => first.name()?,
        };
        let definition = match (part.get(1), part.last()) {
            (Some(a), Some(z)) => create_table[a.start..z.end()].to_string(),
            _ => String::new(),
        };
        // The last top-level `COLLATE` (SQLite lets a later one override an earlier one).
        let mut depth = 0i64;
        let mut at = None;
        for (i, t) in part.iter().enumerate().skip(1) {
            if t.is_symbol("(") {
                depth += 1;
            } else if t.is_symbol(")") {
                depth -= 1;
            } else if depth == 0 && t.is("COLLATE") {
                at = Some(i);
            }
        }
        let collation = at
            .and_then(|i| part.get(i + 1))
            .and_then(|t| match t.kind {
                Kind::String => Some(unquote(t.text)),
                _ => t.name(),
            })
            .map(|c| c.to_ascii_uppercase())
            .filter(|c| c != "BINARY");
        out.push(ColumnText { name, definition, collation });
    }
    Some(out)
}

/// Whether `text` names `word` as a bare or quoted name anywhere (not inside a string or a
/// comment), compared as SQLite compares names, without regard to ASCII case.
pub fn names(text: &str, word: &str) -> bool {
    tokens(text).iter().any(|t| t.name().is_some_and(|n| n.eq_ignore_ascii_case(word)))
}

/// Collapse whitespace so SQL can be shown in one line (and compared regardless of layout), cut
/// to `max_chars` with an ellipsis.
pub fn one_line(sql: &str, max_chars: usize) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        flat
    } else {
        let cut: String = flat.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        tokens(sql).iter().map(|t| t.text).collect()
    }

    #[test]
    fn strings_names_and_comments_hide_what_they_hold() {
        assert_eq!(texts("a != ' WHERE c'"), ["a", "!=", "' WHERE c'"]);
        assert_eq!(texts("\"x\"\"y\" [a b] `c``d`"), ["\"x\"\"y\"", "[a b]", "`c``d`"]);
        assert_eq!(texts("a -- b ' c\n d /* e ' */ f"), ["a", "d", "f"]);
        assert_eq!(texts("x'00' 1.5e-3 ?1 :n"), ["x'00'", "1.5e-3", "?1", ":n"]);
        assert_eq!(unquote("\"x\"\"y\""), "x\"y");
        assert_eq!(unquote("[a\"b]"), "a\"b");
    }

    #[test]
    fn a_partial_index_condition_is_the_top_level_where() {
        assert_eq!(where_clause("CREATE INDEX i ON t(b) WHERE b != ' WHERE c'").as_deref(), Some("b != ' WHERE c'"));
        assert_eq!(where_clause("CREATE INDEX i ON \"where\"(b)"), None);
        assert_eq!(where_clause("CREATE INDEX i ON t(b) -- WHERE x\n"), None);
        assert_eq!(where_clause("CREATE INDEX i ON t(b)\n  WHERE  a IS NULL;").as_deref(), Some("a IS NULL"));
    }

    #[test]
    fn columns_and_their_collations() {
        let cols = table_columns(
            "CREATE TABLE t (\"a,b\" TEXT COLLATE nocase, [c] INT CHECK (c COLLATE rtrim <> ''), `d` TEXT \
             COLLATE BINARY, PRIMARY KEY (\"a,b\"))",
        )
        .unwrap();
        let names: Vec<_> = cols.iter().map(|c| (c.name.as_str(), c.collation.as_deref())).collect();
        assert_eq!(names, [("a,b", Some("NOCASE")), ("c", None), ("d", None)]);
    }
}
