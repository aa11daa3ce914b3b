// Compiled with `tsc --noEmit` in strict mode (moduleResolution bundler and node16) against the
// installed tarball: every documented API and every error field must type-check exactly, and the
// `@ts-expect-error` lines prove the types are precise (they fail if a type degrades to `any`).
import init, {
  ClosedError, Database, FileError, ForeignKeyCheckError, NotADatabaseError, NotInitializedError, OpfsError, SchemaError, SchemaTooNewError,
  SqliteError, UnadoptableError, UnknownStoreError, VerifyFailedError, initSync, installOpfs, migrateAll,
  packageVersion, statusOfBytes, statusOfFile, stores,
} from "agentmux-schema";
import type {
  Drift, FileErrorKind, InitInput, MigrationReport, OpfsErrorKind, SyncInitInput, OpfsPool, Outcome, SchemaErrorJSON, Row, SqlParam, SqlValue, State, Store, StoreInfo, StoreName, StoreStatus,
} from "agentmux-schema";

export async function everything(bytes: Uint8Array, module: SyncInitInput): Promise<void> {
  const source: InitInput = "/agentmux_schema_bg.wasm";
  await init(source);
  initSync({ module });
  const db: Database = Database.fromBytes(bytes);
  const empty: Database = Database.memory();
  db.exec("CREATE TABLE t(x)");
  const params: SqlParam[] = ["a", 1, 2.5, 3n, true, null, new Uint8Array([1])];
  const rows: Row[] = db.query("SELECT ?1", params);
  const value: SqlValue | undefined = rows[0]?.["x"];
  db.query("SELECT 1");
  const store: StoreName = "objects";
  const report: MigrationReport = db.migrate(store);
  const outcome: Outcome = report.outcome;
  const counts: number[] = [report.fromVersion, report.toVersion, report.rowsSeeded];
  const names: string[] = [...report.tablesCreated, ...report.columnsAdded, ...report.indexesDropped, ...report.tablesDropped,
    ...report.tablesRebuilt.map((t) => `${t.table}:${t.reason}`), ...report.stepsRun,
    ...Object.entries(report.orphanRows).map(([t, n]) => `${t}:${n}`)];
  const renamed: string[] = [...report.tablesRenamed, ...report.legacyTablesKept].map((r) => `${r.from}->${r.to}`);
  const status: StoreStatus = db.status("sagas");
  const state: State = status.state;
  const drift: Drift | null = status.drift;
  const version: number | null = status.userVersion;
  const why: string | null = status.error;
  const orphans: number = Object.values(status.orphanRows).reduce((a, n) => a + n, 0);
  const tableNames: string[] = status.tables.map((t) => `${t.name}:${t.rowCount}:${t.columns.length}:${t.indexes.length}`);
  const all: MigrationReport[] = migrateAll(db, empty, Database.memory());
  const info: StoreInfo[] = stores();
  const which: Store = info[0]!.store;
  const fileName: string = info[0]!.fileName;
  const fromBytes: StoreStatus = statusOfBytes(db.toBytes(), "filestore");
  const pkgVersion: string = packageVersion();
  const n: number = db.userVersion();
  const closed: boolean = db.isClosed;
  db.close();
  db.free();
  // @ts-expect-error: a store name outside the union
  db.migrate("objectz");
  // @ts-expect-error: parameters are not arbitrary objects
  db.query("SELECT ?1", [{}]);
  const pool: OpfsPool = await installOpfs("dir", "vfs");
  const opened: Database = pool.open("objects.db");
  const exported: Uint8Array = pool.exportFile("objects.db");
  pool.importFile("copy.db", exported);
  const deleted: boolean = pool.deleteFile("copy.db");
  const files: string[] = pool.fileNames();
  pool.wipe();
  await installOpfs();
  void [value, outcome, counts, names, renamed, state, drift, version, why, orphans, tableNames, all, which, fileName,
    fromBytes, pkgVersion, n, closed, opened, deleted, files];
}

export function describe(e: unknown): string {
  if (e instanceof SchemaTooNewError) {
    const found: number = e.found;
    const expected: number = e.expected;
    const db: string = e.db;
    const name: "SchemaTooNewError" = e.name;
    // @ts-expect-error: a field SchemaTooNewError does not have
    void e.reason;
    return `${name} ${db} ${found} ${expected}`;
  }
  if (e instanceof SqliteError) {
    const code: number = e.code;
    const sql: string | null = e.sql;
    const message: string = e.sqliteMessage;
    return `${code} ${sql} ${message}`;
  }
  if (e instanceof NotADatabaseError) return `${e.db}: ${e.reason}`;
  if (e instanceof UnadoptableError) return `${e.db} ${e.table} ${e.missingColumns.join(",")}`;
  if (e instanceof VerifyFailedError) return `${e.db} ${e.missing.join(",")}`;
  if (e instanceof ForeignKeyCheckError) return `${e.db} ${e.violations.join(",")}`;
  if (e instanceof UnknownStoreError) return e.store;
  if (e instanceof ClosedError || e instanceof OpfsError || e instanceof NotInitializedError) return e.message;
  if (e instanceof SchemaError) return e.name;
  return String(e);
}

export function crossing(e: unknown): string {
  // Errors cross postMessage as plain data and come back as their own class.
  if (!(e instanceof SchemaError)) return "";
  const json: SchemaErrorJSON = e.toJSON();
  const message: string = json.message;
  const back: SchemaError = SchemaError.fromJSON(structuredClone(json));
  if (back instanceof SchemaTooNewError) return `${back.db} ${back.found} ${back.expected} ${message}`;
  if (back instanceof OpfsError) {
    const kind: OpfsErrorKind = back.kind;
    // @ts-expect-error: not one of the kinds
    const wrong: OpfsErrorKind = "full";
    return `${kind} ${wrong}`;
  }
  return json.name;
}

export function inPlace(path: string, file: Blob): string {
  // A file read in place: a path (Node) or a File/Blob (a Worker); the same StoreStatus.
  const status: StoreStatus = statusOfFile(path, "filestore");
  const other: StoreStatus = statusOfFile(file, "objects");
  const db: Database = Database.openReadOnly(file);
  db.close();
  // @ts-expect-error: bytes go to statusOfBytes
  statusOfFile(new Uint8Array(1), "objects");
  try {
    Database.openReadOnly(path);
  } catch (e) {
    if (e instanceof FileError) {
      const kind: FileErrorKind = e.kind;
      const known: [string | null, number | null, number | null] = [e.file, e.size, e.limit];
      // @ts-expect-error: not one of the kinds
      const wrong: FileErrorKind = "permission";
      return `${kind} ${known.join()} ${wrong}`;
    }
  }
  return `${status.state} ${other.state}`;
}

export function construct(buffer: ArrayBuffer): Database {
  // @ts-expect-error: Database has no public constructor
  void new Database();
  return Database.fromBytes(buffer);
}
