-- The SQL corpus of tests/differential.rs: one statement per line, run in order on one in-memory
-- database; `-- reset` starts a fresh one. Each result (rows with their types, or the error code
-- and message) is compared exactly with tests/differential/expected.txt, which the native build
-- wrote (BLESS=1 cargo test --test differential) and checks on every run.
-- Nothing here may depend on the clock, randomness or the machine.

-- ==== version and engine
SELECT sqlite_version()
SELECT sqlite_source_id()
SELECT sqlite_compileoption_used('ENABLE_STAT4')
SELECT sqlite_compileoption_used('ENABLE_DBSTAT_VTAB')
SELECT sqlite_compileoption_used('SOUNDEX')
SELECT sqlite_compileoption_used('DEFAULT_FOREIGN_KEYS=1')
SELECT sqlite_compileoption_used('ENABLE_MATH_FUNCTIONS')
SELECT sqlite_compileoption_used('OMIT_CTE')
SELECT sqlite_compileoption_used('OMIT_WINDOWFUNC')
SELECT sqlite_compileoption_used('OMIT_JSON')
SELECT count(*) > 0 FROM pragma_compile_options
PRAGMA foreign_keys
PRAGMA page_size
PRAGMA cache_size
PRAGMA encoding
PRAGMA auto_vacuum
PRAGMA journal_mode
PRAGMA temp_store
PRAGMA recursive_triggers
PRAGMA case_sensitive_like
PRAGMA automatic_index
PRAGMA legacy_alter_table
PRAGMA trusted_schema
PRAGMA cell_size_check
PRAGMA max_page_count
PRAGMA secure_delete
PRAGMA analysis_limit

-- ==== literals, types and affinity
SELECT 1, 1.5, 'a', x'0102', NULL
SELECT typeof(1), typeof(1.0), typeof('1'), typeof(x'01'), typeof(NULL)
SELECT 0x7fffffffffffffff, -9223372036854775808, 1e308, 1e309, -1e309
SELECT 1/2, 1.0/2, 7 % 3, -7 % 3, 7.5 % 2
SELECT 1/0, 1%0, 1.0/0
SELECT 9223372036854775807 + 1
SELECT -9223372036854775808 - 1
SELECT 9223372036854775807 * 2
SELECT abs(-9223372036854775808)
SELECT CAST(9223372036854775807 AS REAL), CAST(1e19 AS INTEGER), CAST(-1e19 AS INTEGER)
SELECT CAST('12abc' AS INTEGER), CAST('  42  ' AS INTEGER), CAST('0x10' AS INTEGER), CAST('1e3' AS INTEGER)
SELECT CAST('3.5e2' AS REAL), CAST(x'3132' AS TEXT), CAST('abc' AS BLOB), CAST(12 AS TEXT)
SELECT CAST('9223372036854775808' AS INTEGER), CAST('-9223372036854775809' AS INTEGER)
SELECT 0.1 + 0.2, 1e-300 * 1e-300, 2.0 * 3, 10 / 4.0
SELECT round(2.5), round(-2.5), round(1.23456, 3), round(1e20), round(0.5e-10, 12)
SELECT 100000000000000000000.0, 1.7976931348623157e308, 4.9e-324, 123456789012345678
SELECT printf('%.20f', 0.1), printf('%e', 12345.678), printf('%g', 1e-5), printf('%!.3g', 2.0)
CREATE TABLE aff(i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC, x)
INSERT INTO aff VALUES ('1', '1', 1, 1, '1.0', '1'), ('1.5', '2', 2.5, '2', '2.50', 2.5), ('abc', 'abc', x'01', x'02', 'abc', x'03')
INSERT INTO aff VALUES ('9223372036854775808', '1e400', NULL, NULL, '0x10', NULL), (' 7 ', '', '', '', ' 8 ', '')
SELECT i, typeof(i), r, typeof(r), t, typeof(t), b, typeof(b), n, typeof(n), x, typeof(x) FROM aff ORDER BY rowid
SELECT count(*), sum(i), total(r), avg(n) FROM aff
SELECT i = '1', i = 1, t = 1, t = '1', x = 1, x = '1' FROM aff WHERE rowid = 1
SELECT 1 < '1', '1' < x'01', NULL < 1, 1 < 1.5, 'a' < 'b', x'00' < x'0000'
SELECT max(1, 'a', x'00'), min(1, 'a', x'00'), max(NULL, 1), min(NULL, 1)
SELECT 10 || 20, 1.5 || 'x', x'41' || 'B', NULL || 'a'
SELECT '10' + '20', 'abc' + 1, x'3132' + 1, '1e2' + 0, ' 5' + 0
SELECT 5 BETWEEN 1 AND 10, 'b' BETWEEN 'a' AND 'c', NULL BETWEEN 1 AND 2
SELECT 1 IN (1, 2), 3 IN (1, NULL), 3 NOT IN (1, NULL), NULL IN (), 1 IN ()
SELECT CASE 1 WHEN 1 THEN 'one' ELSE 'other' END, CASE WHEN NULL THEN 1 ELSE 2 END, iif(0, 'y', 'n')
SELECT coalesce(NULL, NULL, 3), ifnull(NULL, 'x'), nullif(1, 1), nullif(1, 2)
SELECT 1 IS 1, NULL IS NULL, 1 IS NOT NULL, NULL IS NOT 1, 1 IS DISTINCT FROM NULL, NULL IS NOT DISTINCT FROM NULL
SELECT NULL = NULL, NULL <> NULL, NULL AND 0, NULL OR 1, NOT NULL, NULL + 1
SELECT count(*), count(x), sum(x), total(x), avg(x), min(x), max(x), group_concat(x) FROM (SELECT NULL AS x UNION ALL SELECT NULL)
SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)
SELECT total(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)
SELECT avg(x), sum(x) FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 2.5)
SELECT 5 & 3, 5 | 3, ~5, 1 << 63, 1 << 64, -1 >> 1, 8 >> -1
SELECT -(-9223372036854775807 - 1)

-- ==== strings and collations
SELECT length('héllo'), length(x'00ff'), octet_length('héllo'), upper('héllo'), lower('ÀBC')
SELECT substr('hello', 2, 3), substr('hello', -3), substr('hello', 0, 2), substring('hello', 2)
SELECT instr('hello', 'l'), replace('aaa', 'a', 'bb'), trim('  x  '), ltrim('xxy', 'x'), rtrim('yxx', 'x')
SELECT hex('abc'), hex(12), unhex('616263'), unhex('zz'), quote('it''s'), quote(x'ab'), quote(1.5), quote(NULL)
SELECT char(72, 105), unicode('é'), zeroblob(3), typeof(zeroblob(0)), length(randomblob(8))
SELECT 'abc' LIKE 'ABC', 'abc' LIKE 'a_c', 'a%c' LIKE 'a\%c' ESCAPE '\', 'abc' GLOB 'a*', 'abc' GLOB 'A*'
SELECT 'ä' LIKE 'Ä', 'abc' NOT LIKE '%b%', x'616263' LIKE 'abc', 'abc' GLOB '[a-c]*'
SELECT 'a' = 'A', 'a' = 'A' COLLATE NOCASE, 'a  ' = 'a' COLLATE RTRIM, 'a' < 'B', 'a' < 'B' COLLATE NOCASE
CREATE TABLE coll(a TEXT COLLATE NOCASE, b TEXT COLLATE RTRIM, c TEXT)
INSERT INTO coll VALUES ('abc', 'x  ', 'B'), ('ABC', 'x', 'a'), ('Abd', 'y', 'C'), (NULL, NULL, NULL)
SELECT a, b, c FROM coll ORDER BY a, b, c
SELECT count(DISTINCT a), count(DISTINCT b), count(DISTINCT c) FROM coll
SELECT c FROM coll ORDER BY c COLLATE NOCASE
SELECT c FROM coll ORDER BY c DESC NULLS FIRST
SELECT a FROM coll WHERE a = 'ABC' ORDER BY rowid
SELECT 'x' COLLATE nosuch
SELECT format('%d|%5s|%-5s|%05.1f|%x|%q|%Q|%%', 42, 'ab', 'cd', 3.14159, 255, 'it''s', NULL)
SELECT printf('%s %s', 'only')
SELECT concat('a', NULL, 1, 2.5), concat_ws('-', 'a', NULL, 'b'), string_agg(x, ',') FROM (SELECT 'p' AS x UNION ALL SELECT 'q')
SELECT soundex('Robert'), soundex('Rupert'), soundex('Tymczak'), soundex(''), soundex('123')
SELECT like('a%', 'abc'), glob('a*', 'abc'), likely(1), unlikely(0), likelihood(1, 0.5)
SELECT ltrim(x'000102', x'00'), rtrim('abc', ''), trim(NULL), upper(NULL), length(NULL)
SELECT sqlite_compileoption_get(10000)
SELECT typeof(last_insert_rowid()), changes() >= 0, total_changes() >= 0

-- ==== JSON
SELECT json('{"a":1, "b":[1,2,{"c":null}]}')
SELECT json_extract('{"a":{"b":[10,20,30]}}', '$.a.b[1]'), json_extract('{"a":1}', '$.x'), json_extract('[1,2,3]', '$[#-1]')
SELECT json_extract('{"a":1,"b":"x"}', '$.a', '$.b')
SELECT '{"a":{"b":1}}' -> '$.a', '{"a":{"b":1}}' ->> '$.a.b', '[5,6]' ->> 1, '{"a":"t"}' ->> 'a'
SELECT json_type('{"a":1.5}', '$.a'), json_type('[]'), json_type('null'), json_valid('{"a":'), json_valid('{"a":1}')
SELECT json_array(1, 'two', NULL, 3.5, json('{"x":1}')), json_object('a', 1, 'b', json_array())
SELECT json_insert('{"a":1}', '$.b', 2), json_replace('{"a":1}', '$.a', 'z'), json_set('{"a":1}', '$.c[0]', 5), json_remove('[0,1,2]', '$[1]')
SELECT json_patch('{"a":1,"b":2}', '{"b":null,"c":3}'), json_array_length('[1,[2,3]]'), json_array_length('{"a":1}')
SELECT json_quote('he said "hi"'), json_quote(3.0), json_quote(NULL), json_error_position('{"a":x}')
SELECT json('{"a":1e400}'), json(' [1 , 2 ] '), json('{"a":0x10}'), json5_valid('{a:1}')
SELECT json('not json')
SELECT json_extract('{"a":1}', 'bad path')
SELECT key, value, type, atom, path FROM json_each('{"x":1,"y":[2,3],"z":null}')
SELECT key, value, type, fullkey FROM json_tree('{"a":[1,{"b":2}]}') ORDER BY id
SELECT json_group_array(x), json_group_object(k, x) FROM (SELECT 'a' AS k, 1 AS x UNION ALL SELECT 'b', 2)
SELECT typeof(jsonb('{"a":1}')), hex(jsonb('[1]')), json(jsonb('{"a":[true,false]}')), jsonb_extract(jsonb('{"a":2}'), '$.a')
SELECT json_pretty('{"a":[1,2]}')
CREATE TABLE docs(id INTEGER PRIMARY KEY, doc TEXT CHECK (json_valid(doc)), kind TEXT GENERATED ALWAYS AS (doc ->> '$.kind') VIRTUAL)
INSERT INTO docs(doc) VALUES ('{"kind":"a","n":1}'), ('{"kind":"b","n":2}'), ('[1,2]')
INSERT INTO docs(doc) VALUES ('{broken')
SELECT id, kind, doc ->> '$.n' FROM docs ORDER BY id
SELECT d.id, j.value FROM docs d, json_each(d.doc) j WHERE j.key = 'n' ORDER BY d.id
CREATE INDEX docs_kind ON docs(doc ->> '$.kind')
SELECT id FROM docs WHERE doc ->> '$.kind' = 'b'

-- ==== date and time (fixed instants only)
SELECT date('2024-02-29'), time('13:45:10.5'), datetime('2024-02-29 13:45:10'), julianday('2000-01-01 12:00:00')
SELECT datetime(0, 'unixepoch'), datetime(1700000000, 'unixepoch'), unixepoch('2024-01-01'), unixepoch('2024-01-01 00:00:00.75', 'subsec')
SELECT date('2024-01-31', '+1 month'), date('2024-01-31', '+1 month', 'floor'), date('2024-03-31', '-1 month', 'ceiling')
SELECT date('2024-05-15', 'start of month'), date('2024-05-15', 'start of year'), date('2024-05-15', 'weekday 0'), datetime('2024-05-15', '+36 hours', '-1 minute')
SELECT strftime('%Y-%m-%d %H:%M:%S %j %w %W %U %u %s', '2024-12-31 23:59:59'), strftime('%f', '2024-01-01 00:00:01.234')
SELECT strftime('%G %V %g %e %k %l %I %p %P %R %T %F %D %J', '2021-01-03 07:08:09')
SELECT timediff('2024-03-01', '2024-02-01'), timediff('2000-01-01', '2024-06-15 12:00:00')
SELECT date('2024-13-01'), date('garbage'), datetime('2024-01-01', 'bogus modifier'), date(NULL)
SELECT datetime(2460000.5), datetime('2460000.5'), date(1700000000, 'auto'), datetime(1700000000000, 'unixepoch')
SELECT date('-0001-01-01'), date('9999-12-31', '+1 day'), julianday('0000-01-01'), datetime('2024-01-01T10:00:00Z'), datetime('2024-01-01 10:00:00+02:30')
SELECT typeof(datetime('now')), length(date('now')), datetime('now') > '2020', julianday('now') > 2459000
SELECT typeof(CURRENT_TIMESTAMP), length(CURRENT_DATE), length(CURRENT_TIME)
CREATE TABLE stamped(id INTEGER PRIMARY KEY, at TEXT NOT NULL DEFAULT (datetime('now')), d TEXT DEFAULT (date('2024-01-01', '+1 day')), u INTEGER DEFAULT (unixepoch('2024-01-01')))
INSERT INTO stamped(id) VALUES (1)
SELECT id, length(at), d, u FROM stamped

-- ==== CTEs, windows, compound selects, subqueries
WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < 10) SELECT group_concat(x), sum(x) FROM cnt
WITH RECURSIVE fib(a, b, n) AS (SELECT 0, 1, 0 UNION ALL SELECT b, a + b, n + 1 FROM fib WHERE n < 90) SELECT a FROM fib WHERE n IN (10, 50, 90)
WITH RECURSIVE fib(a, b, n) AS (SELECT 0, 1, 0 UNION ALL SELECT b, a + b, n + 1 FROM fib WHERE n < 95) SELECT a, typeof(a) FROM fib WHERE n >= 91
WITH a(x) AS MATERIALIZED (SELECT 1), b(y) AS NOT MATERIALIZED (SELECT x + 1 FROM a) SELECT * FROM a, b
WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT n FROM t) SELECT count(*) FROM t
WITH RECURSIVE t(n) AS (SELECT n FROM t) SELECT * FROM t
WITH x AS (SELECT 1) SELECT * FROM x, x AS y
CREATE TABLE sales(region TEXT, month INTEGER, amount REAL)
INSERT INTO sales VALUES ('n', 1, 10), ('n', 2, 20), ('n', 3, 5), ('s', 1, 7), ('s', 2, 7), ('s', 3, NULL), ('e', 1, 1.5)
SELECT region, month, amount, sum(amount) OVER (PARTITION BY region ORDER BY month) FROM sales ORDER BY region, month
SELECT region, month, row_number() OVER w, rank() OVER w, dense_rank() OVER w, percent_rank() OVER w, cume_dist() OVER w FROM sales WINDOW w AS (ORDER BY amount) ORDER BY region, month
SELECT region, month, ntile(3) OVER (ORDER BY region, month), lag(amount) OVER (ORDER BY region, month), lead(amount, 2, -1) OVER (ORDER BY region, month) FROM sales ORDER BY region, month
SELECT region, month, first_value(amount) OVER p, last_value(amount) OVER p, nth_value(amount, 2) OVER p FROM sales WINDOW p AS (PARTITION BY region ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) ORDER BY region, month
SELECT month, avg(amount) OVER (ORDER BY month RANGE BETWEEN 1 PRECEDING AND CURRENT ROW), count(*) OVER (ORDER BY month GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES) FROM sales ORDER BY month, region
SELECT region, sum(amount) FILTER (WHERE month > 1), count(*) FILTER (WHERE amount IS NULL) FROM sales GROUP BY region ORDER BY region
SELECT region, group_concat(month, ';' ORDER BY month DESC) FROM sales GROUP BY region ORDER BY 1
SELECT region, total(amount) FROM sales GROUP BY region HAVING total(amount) > 5 ORDER BY 2 DESC
SELECT row_number() OVER (ORDER BY nosuch) FROM sales
SELECT rank() FROM sales
SELECT region FROM sales UNION SELECT 'w' ORDER BY 1
SELECT region FROM sales EXCEPT SELECT 'n' ORDER BY 1
SELECT region FROM sales INTERSECT SELECT 's'
SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 1 ORDER BY 1 DESC LIMIT 2 OFFSET 1
SELECT 1, 2 UNION SELECT 3
SELECT (SELECT max(month) FROM sales), EXISTS (SELECT 1 FROM sales WHERE amount > 100), (SELECT amount FROM sales WHERE 0)
SELECT region, (SELECT count(*) FROM sales s2 WHERE s2.region = s1.region) FROM sales s1 GROUP BY region ORDER BY 1
SELECT * FROM (SELECT region, max(amount) AS m FROM sales GROUP BY region) WHERE m > 5 ORDER BY region
SELECT a.region, b.month FROM sales a LEFT JOIN sales b ON a.region = b.region AND b.month = 3 WHERE a.month = 1 ORDER BY 1
SELECT a.region, b.region FROM (SELECT 'n' AS region UNION SELECT 'x') a FULL OUTER JOIN (SELECT DISTINCT region FROM sales) b USING (region) ORDER BY 1, 2
SELECT a.region, b.region FROM (SELECT 'x' AS region) a RIGHT JOIN (SELECT 'n' AS region) b ON a.region = b.region
SELECT * FROM sales NATURAL JOIN (SELECT 'n' AS region, 2 AS month) ORDER BY 1
SELECT value FROM generate_series(1, 3)
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) ORDER BY 1 DESC
SELECT DISTINCT region FROM sales ORDER BY region LIMIT 2
SELECT region, month FROM sales ORDER BY amount NULLS LAST, region LIMIT 3
SELECT count(*) FROM sales LIMIT -1
SELECT max(amount), region FROM sales

-- ==== views
CREATE VIEW region_totals AS SELECT region, total(amount) AS t FROM sales GROUP BY region
SELECT * FROM region_totals ORDER BY region
CREATE VIEW v_cols(r, t2) AS SELECT region, t * 2 FROM region_totals
SELECT * FROM v_cols WHERE r <> 'e' ORDER BY r
CREATE TEMP VIEW tv AS SELECT 42 AS answer
SELECT * FROM tv
SELECT type, name, tbl_name FROM sqlite_master WHERE type = 'view' ORDER BY name
INSERT INTO region_totals VALUES ('x', 1)
CREATE TRIGGER rt_insert INSTEAD OF INSERT ON region_totals BEGIN INSERT INTO sales VALUES (new.region, 0, new.t); END
INSERT INTO region_totals VALUES ('w', 3.25)
SELECT * FROM region_totals WHERE region = 'w'
CREATE VIEW broken_view AS SELECT nosuch FROM sales
SELECT * FROM broken_view
DROP VIEW broken_view
DROP VIEW nosuch_view
DROP VIEW IF EXISTS nosuch_view
CREATE VIEW region_totals AS SELECT 1

-- ==== generated columns, constraints, error codes
CREATE TABLE gen(a INTEGER, b INTEGER, s INTEGER GENERATED ALWAYS AS (a + b) STORED, v TEXT AS (printf('%d-%d', a, b)))
INSERT INTO gen(a, b) VALUES (1, 2), (10, NULL)
SELECT a, b, s, v, typeof(s) FROM gen ORDER BY a
UPDATE gen SET b = 5 WHERE a = 10
SELECT s, v FROM gen WHERE a = 10
INSERT INTO gen(a, b, s) VALUES (1, 1, 1)
SELECT name, type, hidden FROM pragma_table_xinfo('gen') ORDER BY cid
CREATE TABLE gen_bad(a, b AS (a + c))
CREATE TABLE k(id INTEGER PRIMARY KEY, u TEXT UNIQUE, nn TEXT NOT NULL DEFAULT 'd', c INTEGER CHECK (c > 0), p INTEGER REFERENCES k(id) ON DELETE CASCADE)
INSERT INTO k(id, u, c) VALUES (1, 'a', 1)
INSERT INTO k(id, u, c) VALUES (2, 'a', 1)
INSERT INTO k(id, u, nn, c) VALUES (3, 'b', NULL, 1)
INSERT INTO k(id, u, c) VALUES (4, 'c', 0)
INSERT INTO k(id, u, c, p) VALUES (5, 'd', 1, 99)
INSERT INTO k(id, u, c) VALUES (1, 'z', 1)
INSERT INTO k(id, u, c, p) VALUES (6, 'e', 1, 1), (7, 'f', 1, 6)
DELETE FROM k WHERE id = 1
SELECT count(*) FROM k
INSERT INTO k(id, u, c) VALUES (8, 'g', 1) ON CONFLICT(u) DO UPDATE SET c = c + 1 RETURNING id, c
INSERT INTO k(id, u, c) VALUES (9, 'g', 1) ON CONFLICT(u) DO UPDATE SET c = excluded.c + 10 RETURNING id, u, c
INSERT OR IGNORE INTO k(id, u, c) VALUES (8, 'h', 1)
INSERT OR REPLACE INTO k(id, u, c) VALUES (8, 'i', 2)
SELECT id, u, nn, c, p FROM k ORDER BY id
UPDATE OR ROLLBACK k SET c = -1
INSERT INTO k(id, u, c) VALUES ('x', 'j', 1)
CREATE TABLE st(i INTEGER, r REAL, t TEXT, b BLOB, a ANY) STRICT
INSERT INTO st VALUES (1, 1, 'a', x'00', 1.5), ('2', 2, 3, NULL, 'x')
INSERT INTO st VALUES ('abc', 1, 'a', NULL, NULL)
INSERT INTO st(r) VALUES ('x')
SELECT i, typeof(i), r, typeof(r), t, typeof(t), a, typeof(a) FROM st ORDER BY rowid
CREATE TABLE st_bad(x FOO) STRICT
CREATE TABLE wr(a TEXT PRIMARY KEY, b) WITHOUT ROWID
INSERT INTO wr VALUES ('b', 2), ('a', 1)
INSERT INTO wr VALUES ('a', 3)
SELECT * FROM wr
CREATE TABLE ai(id INTEGER PRIMARY KEY AUTOINCREMENT, x)
INSERT INTO ai(x) VALUES (1), (2)
DELETE FROM ai WHERE id = 2
INSERT INTO ai(x) VALUES (3)
SELECT id, x FROM ai
SELECT name, seq FROM sqlite_sequence
SELECT * FROM nosuch
SELECT nosuch FROM k
SELECT * FROM k WHERE
SELECT 1 +
SELECT * FROM k, k
SELECT count(
INSERT INTO k VALUES (1)
CREATE TABLE k(x)
CREATE TABLE IF NOT EXISTS k(x)
DROP TABLE nosuch
SELECT abs(1, 2)
SELECT nosuchfunction(1)
SELECT sum(*) FROM k
SELECT ?1, ?2
SELECT :named
SELECT $dollar, @at
SELECT json_extract()
SELECT substr()
SELECT raise(ABORT, 'no')
SELECT zeroblob(1e10)
SELECT randomblob(-1) IS NOT NULL
SELECT char()
SELECT 1 LIMIT 'a'
SELECT * FROM k ORDER BY 99
SELECT * FROM (SELECT 1) GROUP BY 2
SELECT x'ABC'
SELECT 'unterminated
SELECT 1e
SELECT 0x
SELECT 1 1
CREATE INDEX ix ON nosuch(x)
CREATE TRIGGER t_bad AFTER INSERT ON nosuch BEGIN SELECT 1; END
ALTER TABLE nosuch ADD COLUMN x
ALTER TABLE k ADD COLUMN q TEXT NOT NULL
ALTER TABLE k ADD COLUMN q TEXT NOT NULL DEFAULT 'q'
ALTER TABLE k ADD COLUMN r INTEGER PRIMARY KEY
ALTER TABLE k RENAME COLUMN q TO q2
ALTER TABLE k DROP COLUMN q2
ALTER TABLE k DROP COLUMN id
ALTER TABLE k RENAME TO k2
SELECT name FROM sqlite_master WHERE name LIKE 'k%' ORDER BY 1
PRAGMA foreign_key_check
PRAGMA foreign_keys = OFF
INSERT INTO k2(id, u, c, p) VALUES (20, 'zz', 1, 999)
PRAGMA foreign_key_check
PRAGMA foreign_keys = ON
SAVEPOINT s1
INSERT INTO wr VALUES ('c', 3)
ROLLBACK TO s1
RELEASE s1
SELECT count(*) FROM wr
BEGIN
BEGIN
COMMIT
COMMIT
ROLLBACK

-- ==== triggers, returning, upsert
CREATE TABLE audit(msg TEXT)
CREATE TRIGGER wr_ins AFTER INSERT ON wr BEGIN INSERT INTO audit VALUES ('ins ' || new.a); END
CREATE TRIGGER wr_guard BEFORE DELETE ON wr WHEN old.a = 'a' BEGIN SELECT raise(ABORT, 'keep a'); END
INSERT INTO wr VALUES ('d', 4) RETURNING a, b * 2
DELETE FROM wr WHERE a = 'a'
DELETE FROM wr WHERE a = 'd' RETURNING *
SELECT msg FROM audit
UPDATE wr SET b = b + 100 WHERE a = 'b' RETURNING a, b
UPDATE wr SET b = src.n FROM (SELECT 'b' AS k, 7 AS n) AS src WHERE wr.a = src.k
SELECT * FROM wr ORDER BY a

-- ==== schema introspection (table-valued pragmas and virtual tables)
SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_info('k2') ORDER BY cid
SELECT name, "unique", origin, partial FROM pragma_index_list('k2') ORDER BY name
SELECT seqno, cid, name FROM pragma_index_info('sqlite_autoindex_k2_1')
SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list('k2')
SELECT schema, name, type, ncol, wr, strict FROM pragma_table_list WHERE name IN ('k2', 'st', 'wr', 'region_totals') ORDER BY name
SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.name = 'gen' ORDER BY p.cid
SELECT name FROM pragma_function_list WHERE name IN ('json_extract', 'soundex', 'sin', 'date', 'sqlite_offset') ORDER BY name
SELECT name FROM pragma_module_list WHERE name IN ('dbstat', 'json_each', 'json_tree', 'generate_series', 'pragma_table_info', 'bytecode', 'sqlite_dbpage', 'sqlite_stmt') ORDER BY name
SELECT name FROM pragma_pragma_list WHERE name IN ('integrity_check', 'quick_check', 'compile_options', 'table_list', 'count_changes') ORDER BY name
SELECT name FROM pragma_collation_list ORDER BY name
SELECT seq, name FROM pragma_database_list
PRAGMA table_info("gen")
PRAGMA index_xinfo("docs_kind")
SELECT name, path, pageno, pagetype, ncell, payload, unused FROM dbstat WHERE name = 'sqlite_schema' ORDER BY path
SELECT count(*) > 5, sum(pgsize) % 4096 FROM dbstat
SELECT name, sum(pgsize) FROM dbstat WHERE aggregate = TRUE AND name IN ('k2', 'wr') GROUP BY name ORDER BY name
SELECT * FROM sqlite_dbpage
SELECT * FROM bytecode('SELECT 1')
SELECT sqlite_offset(u) FROM k2
SELECT sin(0)
SELECT pi()

-- ==== ANALYZE / STAT4, REINDEX, VACUUM, EXPLAIN, integrity
CREATE TABLE big(id INTEGER PRIMARY KEY, g INTEGER, s TEXT)
INSERT INTO big(g, s) WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 2000) SELECT v % 7, printf('row %05d', v) FROM n
CREATE INDEX big_g ON big(g)
CREATE INDEX big_s ON big(s)
ANALYZE
SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = 'big' ORDER BY idx
SELECT tbl, idx, count(*) FROM sqlite_stat4 WHERE tbl = 'big' GROUP BY idx ORDER BY idx
SELECT tbl, idx, neq, nlt, ndlt, hex(sample) FROM sqlite_stat4 WHERE idx = 'big_g' ORDER BY nlt LIMIT 3
EXPLAIN QUERY PLAN SELECT * FROM big WHERE g = 3 AND s > 'row 01000'
EXPLAIN QUERY PLAN SELECT region, sum(amount) FROM sales GROUP BY region
EXPLAIN QUERY PLAN WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3) SELECT * FROM c
EXPLAIN SELECT g, count(*) FROM big WHERE g > 5 GROUP BY g
SELECT g, count(*) FROM big GROUP BY g ORDER BY g
ANALYZE big
ANALYZE nosuch
PRAGMA optimize
REINDEX
REINDEX big_s
REINDEX NOCASE
REINDEX nosuch
PRAGMA integrity_check
PRAGMA quick_check
PRAGMA integrity_check(big)
PRAGMA integrity_check(nosuch)
PRAGMA freelist_count
DELETE FROM big WHERE id > 100
SELECT freelist_count > 0 FROM pragma_freelist_count
VACUUM
PRAGMA freelist_count
PRAGMA page_count
VACUUM INTO 'file:vac?mode=memory'
VACUUM nosuch
PRAGMA auto_vacuum = INCREMENTAL
VACUUM
PRAGMA auto_vacuum
PRAGMA incremental_vacuum
PRAGMA user_version = 7
PRAGMA user_version
PRAGMA application_id = 1234
PRAGMA application_id
SELECT schema_version > 0 FROM pragma_schema_version
PRAGMA data_version
SELECT count(*) FROM sqlite_schema
ATTACH ':memory:' AS aux
CREATE TABLE aux.t(x)
INSERT INTO aux.t VALUES (1)
SELECT * FROM aux.t
SELECT seq, name FROM pragma_database_list ORDER BY seq
DETACH aux
DETACH aux

-- reset
-- ==== UTF-16 databases
PRAGMA encoding = 'UTF-16le'
CREATE TABLE u(t TEXT)
INSERT INTO u VALUES ('héllo wörld'), ('日本語'), ('😀')
PRAGMA encoding
SELECT t, length(t), hex(t), upper(t), typeof(t) FROM u ORDER BY rowid
SELECT hex(CAST(t AS BLOB)) FROM u ORDER BY rowid
SELECT json_object('t', t) FROM u ORDER BY rowid
PRAGMA integrity_check

-- reset
PRAGMA encoding = 'UTF-16be'
CREATE TABLE u(t TEXT)
INSERT INTO u VALUES ('Ünïcödé'), ('a')
PRAGMA encoding
SELECT t, length(t), hex(t) FROM u ORDER BY t
PRAGMA encoding = 'UTF-8'
PRAGMA encoding

-- reset
-- ==== journal modes (in memory: WAL is refused, the mode stays memory)
PRAGMA journal_mode
PRAGMA journal_mode = WAL
PRAGMA journal_mode = DELETE
PRAGMA journal_mode = OFF
PRAGMA wal_checkpoint
PRAGMA synchronous
PRAGMA locking_mode
PRAGMA busy_timeout
PRAGMA busy_timeout = 250
PRAGMA nosuch_pragma
PRAGMA page_size = 8192
CREATE TABLE p(x)
PRAGMA page_size
PRAGMA max_page_count = 3
INSERT INTO p SELECT zeroblob(10000)
PRAGMA max_page_count
