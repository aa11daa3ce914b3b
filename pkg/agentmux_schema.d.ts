/* tslint:disable */
/* eslint-disable */

/** One of the server's three SQLite files (the same type as `Store`). */
export type StoreName = Store;

/** A value read back from SQLite. Integers outside ±(2^53−1) come back as `bigint`. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/**
 * A value bound to a `?` parameter: string → TEXT, safe integer → INTEGER, other number → REAL,
 * bigint → INTEGER (64-bit), boolean → INTEGER 0/1, null → NULL, Uint8Array → BLOB.
 */
export type SqlParam = string | number | bigint | boolean | null | Uint8Array;

/** One row of `Database.query`, keyed by column name. */
export type Row = Record<string, SqlValue>;



/** Options of `OpfsPool.importStream` and `OpfsPool.exportStream`. */
export interface StreamOptions {
    /**
     * The number of bytes the source will give. Required for a `ReadableStream` or an async
     * iterable (the pool reserves exact sizes and checks the quota first); a `Blob` knows its own.
     */
    size?: number;
    /** Called as bytes move (at most every 4 MiB, and once at the end). */
    onProgress?: (done: number, total: number) => void;
}


/**
 * A constraint a rebuilt table was declared without because existing rows break it.
 */
export interface RelaxedConstraint {
    table: string;
    /**
     * As written in the definition: `NOT NULL (entry)`, `CHECK (name <> '')`,
     * `UNIQUE (slug)`, `PRIMARY KEY (id)`, `INTEGER PRIMARY KEY (id)` (declared `INT` instead, so
     * the column keeps its values and is no longer the rowid).
     */
    constraint: string;
    /**
     * Rows that break it, all kept.
     */
    rows: number;
}

/**
 * A legacy table name paired with its current one.
 */
export interface Rename {
    from: string;
    to: string;
}

/**
 * A table a migration rebuilt, and why.
 */
export interface RebuiltTable {
    table: string;
    reason: RebuildReason;
}

/**
 * How a schema differs from the canonical one. Names are `table`, `table.column` or `index`.
 */
export interface Drift {
    missingTables: string[];
    extraTables: string[];
    missingColumns: string[];
    extraColumns: string[];
    /**
     * Present on both sides but declared differently (type, NOT NULL, default or key).
     */
    changedColumns: string[];
    missingIndexes: string[];
    extraIndexes: string[];
    /**
     * Canonical index names that exist with another definition (columns, order, direction,
     * collation, uniqueness, partial `WHERE`) or on another table; `migrate` rebuilds them.
     */
    changedIndexes: string[];
    /**
     * Canonical foreign keys a table lacks (it references another table or column, or has
     * other actions), as declarations: `child(col) REFERENCES parent(col) ON DELETE CASCADE`.
     */
    missingForeignKeys: string[];
}

/**
 * One of the server's three SQLite files.
 */
export type Store = "objects" | "filestore" | "sagas";

/**
 * One store as the package describes it.
 */
export interface StoreInfo {
    store: Store;
    /**
     * The file name in a data directory, e.g. `"objects.db"`.
     */
    fileName: string;
    /**
     * The `user_version` this build writes.
     */
    version: number;
}

/**
 * One table as seen by status.
 */
export interface TableSummary {
    name: string;
    columns: string[];
    rowCount: number;
    indexes: string[];
}

/**
 * The fields of each error kind, tagged by the JS class name.
 */
export type ErrorFields = { name: "SchemaTooNewError"; db: string; found: number; expected: number } | { name: "SqliteError"; code: number; sqliteMessage: string; sql: string | null } | { name: "DriverError"; sql: string | null } | { name: "NotADatabaseError"; db: string; reason: string } | { name: "UnadoptableError"; db: string; table: string; missingColumns: string[] } | { name: "VerifyFailedError"; db: string; missing: string[] } | { name: "ForeignKeyCheckError"; db: string; violations: string[] } | { name: "UnknownStoreError"; store: string } | { name: "ClosedError" } | { name: "OpfsError"; kind: OpfsErrorKind } | { name: "FileError"; file: string | null; kind: FileErrorKind; size: number | null; limit: number | null } | { name: "SchemaError" };

/**
 * The outcome of `PRAGMA quick_check`: page-level consistency of the whole file, including
 * tables the schema check never reads.
 */
export interface Integrity {
    ok: boolean;
    /**
     * SQLite's messages when not ok (at most the first 100).
     */
    problems: string[];
}

/**
 * The read-only status of one database.
 */
export interface StoreStatus {
    store: Store;
    db: string;
    exists: boolean;
    userVersion: number | null;
    expectedVersion: number;
    state: State;
    /**
     * How the schema differs from this build's; `None` when there is nothing meaningful to
     * compare: the file is missing, unreadable, or too new (a newer schema measured against
     * this build's older one is only noise).
     */
    drift: Drift | null;
    tables: TableSummary[];
    /**
     * Rows whose parent row does not exist, per table (tables without any are left out).
     * `migrate` keeps them as they are; they are worth a look, since with foreign keys enforced
     * such a row can no longer be updated without first giving it a parent.
     */
    orphanRows: Record<string, number>;
    /**
     * Why the file is unreadable, when it is.
     */
    error: string | null;
    /**
     * SQLite's `quick_check` result, only when the caller asked for it (natively; the wasm
     * SQLite build leaves the integrity checks out). Absent from JSON when not asked for.
     */
    integrity?: Integrity;
}

/**
 * The short answer of a [`MigrationReport`].
 */
export type Outcome = "up-to-date" | "created" | "migrated";

/**
 * What a migration found and did.
 */
export interface MigrationReport {
    store: Store;
    db: string;
    fromVersion: number;
    toVersion: number;
    outcome: Outcome;
    tablesRenamed: Rename[];
    /**
     * Legacy tables left in place because their replacement already existed.
     */
    legacyTablesKept: Rename[];
    indexesDropped: string[];
    tablesDropped: string[];
    /**
     * Rows each dropped table held (one entry per name in `tables_dropped`); the operator's
     * only record of data a dead legacy table took with it.
     */
    rowsDropped: Record<string, number>;
    tablesCreated: string[];
    columnsAdded: string[];
    /**
     * Columns declared without their canonical NOT NULL, PRIMARY KEY or UNIQUE because existing
     * rows have no value for them: their rows read NULL, and `status` shows the column as
     * changed. Mostly columns of `columns_added` (a table written without the column); a table
     * rebuilt to add a missing `oid` also keeps so a column the file declared nullable and holds
     * NULL in.
     */
    columnsNullable: string[];
    /**
     * Tables rebuilt to their canonical definition, each with why (every row is kept).
     */
    tablesRebuilt: RebuiltTable[];
    /**
     * Constraints a rebuilt table (an upgrade step's or a foreign-key repair's) was declared
     * without because rows it holds break them: each with the table and the number of such
     * rows, every one of them kept. `status` shows the table as changed.
     */
    constraintsRelaxed: RelaxedConstraint[];
    /**
     * Data steps run, as `v5: backfill db_agents`.
     */
    stepsRun: string[];
    /**
     * Indexes that existed under a canonical name with another definition (columns, order,
     * uniqueness, partial `WHERE`, table) and were dropped and created again as canonical.
     */
    indexesRebuilt: string[];
    /**
     * Indexes with another definition that were left as they are because the rows break the
     * canonical one (e.g. duplicate values under a canonical UNIQUE index): no row is changed
     * to fit an index. `status` shows each as a changed index until the rows are fixed and the
     * file repaired. Also the canonical `DESC` indexes of a file whose schema format (below 4,
     * from SQLite before 3.3 or `legacy_file_format`) makes SQLite build them ascending.
     */
    indexesKept: string[];
    /**
     * Blank rows the migration inserted (the seed rows every database of this kind holds).
     */
    rowsSeeded: number;
    /**
     * `sqlite_master` rows that spelled their table or index other than SQLite holds it (a
     * damaged or hand-edited catalogue), rewritten to SQLite's spelling before anything else so
     * that no drop or rename leaves a stale row behind: `index x: tbl_name "a" → "b"`.
     */
    catalogueRepaired: string[];
    /**
     * Tables whose foreign keys differ from the canonical ones but that could not be rebuilt
     * (damage: a column name that is not valid UTF-8, which no SQL this crate writes can name,
     * or rows under a constraint that cannot be left out for them, see
     * [`StoreError::RowsRefused`]). They
     * keep the foreign keys they had, every row in place; `status` shows the difference.
     */
    foreignKeysKept: string[];
    /**
     * Rows whose parent row does not exist, per table (tables without any are left out): kept
     * as they are, never deleted. Counted when a file with tables was migrated.
     */
    orphanRows: Record<string, number>;
}

/**
 * Where a database stands relative to this build.
 */
export type State = "missing" | "legacy" | "empty" | "behind" | "current" | "too-new" | "unreadable";

/**
 * Why a file could not be used (`FileError.kind`).
 */
export type FileErrorKind = "not-found" | "not-readable" | "too-large" | "unsupported";

/**
 * Why a table was rebuilt.
 */
export type RebuildReason = "foreign-keys" | "upgrade-step" | "missing-column";

/**
 * Why the OPFS pool refused (`OpfsError.kind`).
 */
export type OpfsErrorKind = "unsupported" | "busy" | "in-use" | "no-capacity" | "other";


/**
 * An SQLite database (in memory, or a file in an OPFS pool) with the schema operations.
 */
export class Database {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Close the connection. Idempotent; any later use throws `ClosedError`.
     */
    close(): void;
    /**
     * Run a batch of `;`-separated SQL statements, discarding any rows.
     */
    exec(sql: string): void;
    /**
     * An in-memory database holding a copy of a `.db` file image (the caller's bytes are never
     * modified). Garbage or truncated bytes throw `NotADatabaseError`; zero bytes are an empty
     * database, as an empty file is.
     */
    static fromBytes(bytes: Uint8Array | ArrayBuffer): Database;
    /**
     * An empty in-memory database.
     */
    static memory(): Database;
    /**
     * Bring this database to this build's schema for `store`, atomically. A file stamped by a
     * newer build throws `SchemaTooNewError` and is left untouched.
     */
    migrate(store: StoreName): MigrationReport;
    /**
     * A read-only database on a file read in place: only the pages a query touches are read, so
     * a file of any size opens at once and takes little memory. `fileOrPath` is a `File` or
     * `Blob` in a dedicated Worker, a path in Node; the file must not change while it is open.
     * Garbage or truncated files throw `NotADatabaseError` (as `fromBytes`); a file that cannot
     * be read throws `FileError`; writes throw `SqliteError` (read-only).
     */
    static openReadOnly(fileOrPath: Platform<"Blob"> | string): Database;
    /**
     * Run one statement with `params` bound to `?1..?n` and return its rows as plain objects
     * keyed by column name.
     */
    query(sql: string, params?: SqlParam[] | null): Row[];
    /**
     * `migrate`, also for a database already at this build's version: its schema work runs
     * again, so tables whose foreign keys are stale are rebuilt (every row kept) and missing
     * indexes and blank rows are added. For the drift `status` shows on a current file.
     */
    repair(store: StoreName): MigrationReport;
    /**
     * A read-only account of this database as `store` (works on files this build refuses).
     */
    status(store: StoreName): StoreStatus;
    /**
     * The database's current file image (what would be written as the `.db` file).
     */
    toBytes(): Uint8Array;
    /**
     * `PRAGMA user_version`.
     */
    userVersion(): number;
    /**
     * True once `close()` (or `free()`) was called.
     */
    readonly isClosed: boolean;
}

/**
 * A pool of database files in the Origin Private File System.
 */
export class OpfsPool {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Delete file `name`; returns whether it existed. The file must be closed.
     */
    deleteFile(name: string): boolean;
    /**
     * A copy of a (closed) file's image.
     */
    exportFile(name: string): Uint8Array;
    /**
     * A (closed) file's bytes as a `ReadableStream`, read from OPFS as the consumer pulls them
     * (pipe it to a `FileSystemWritableFileStream` or a `Response`): memory does not grow with
     * the file. The pool's other operations and new opens wait (fail with `OpfsError` kind
     * `"other"`, busy) until the stream is read to the end or cancelled. A missing or open file
     * throws here, at once.
     */
    exportStream(name: string, options?: StreamOptions | null): Platform<"ReadableStream">;
    /**
     * The names of the files in the pool.
     */
    fileNames(): string[];
    /**
     * Store `bytes` as file `name`. Garbage or truncated bytes throw `NotADatabaseError`; the
     * name must not exist yet (delete it first to replace it).
     */
    importFile(name: string, bytes: Uint8Array): void;
    /**
     * Store a `File`/`Blob`, a `ReadableStream` or an async iterable of byte chunks (e.g. a Node
     * stream) as file `name`, a chunk at a time: memory does not grow with the file. Resolves to
     * the number of bytes stored. A stream needs `options.size`. All or nothing: a source that
     * fails, a size that does not match, or a quota that cannot hold it (checked first, with
     * `navigator.storage.estimate()`; `OpfsError` kind `"no-capacity"` naming both figures)
     * leaves no file under `name`. Like `importFile`, it refuses an existing name and bytes that
     * are not a database (`NotADatabaseError`, before anything is written), and stores the bytes
     * as it does: unchanged but for a WAL-mode header, which is set to rollback mode (the pool
     * has no shared memory for WAL).
     */
    importStream(name: string, source: Platform<"Blob"> | Platform<"ReadableStream"> | AsyncIterable<Uint8Array>, options?: StreamOptions | null): Promise<number>;
    /**
     * Open (creating if needed) the database file `name`, e.g. `"objects.db"`.
     */
    open(name: string): Database;
    /**
     * Delete every file in the pool (all must be closed).
     */
    wipe(): void;
}

/**
 * Install (or reuse) the OPFS pool VFS. `directory` defaults to `"agentmux-schema"` (an OPFS
 * directory), `vfsName` to `"opfs-sahpool"`. Must run in a dedicated Worker; elsewhere it
 * throws `OpfsError`. In-memory databases are unaffected (the pool is not the default VFS).
 */
export function installOpfs(directory?: string | null, vfsName?: string | null): Promise<OpfsPool>;

/**
 * Migrate the three stores as one start-up: every tripwire is read before any store is written,
 * so one too-new file stops all of them (`SchemaTooNewError`, nothing written). Reports come
 * back in the order objects, filestore, sagas.
 */
export function migrateAll(objects: Database, filestore: Database, sagas: Database): MigrationReport[];

/**
 * This package's version (the Rust crate's, which the npm package shares).
 */
export function packageVersion(): string;

/**
 * The read-only status of a file image as `store`, without keeping it open: unreadable bytes
 * give `state: "unreadable"` (with the reason in `error`) instead of throwing. The caller's bytes
 * are not modified.
 */
export function statusOfBytes(bytes: Uint8Array | ArrayBuffer, store: StoreName): StoreStatus;

/**
 * `statusOfBytes` for a file read in place (see `Database.openReadOnly`): the same result,
 * reading only the pages the status needs. Unreadable contents give `state: "unreadable"`;
 * a file that cannot be read at all throws `FileError`.
 */
export function statusOfFile(fileOrPath: Platform<"Blob"> | string, store: StoreName): StoreStatus;

/**
 * The three stores, in the order `migrateAll` takes them.
 */
export function stores(): StoreInfo[];

export type InitInput = string | Platform<"URL"> | Platform<"Request"> | Platform<"Response"> | ArrayBuffer | ArrayBufferView | Wasm<"Module">;

export interface InitOutput {
    readonly memory: Wasm<"Memory">;
    readonly __wbg_database_free: (a: number, b: number) => void;
    readonly __wbg_opfspool_free: (a: number, b: number) => void;
    readonly database_close: (a: number) => [number, number];
    readonly database_exec: (a: number, b: any) => [number, number];
    readonly database_fromBytes: (a: any) => [number, number, number];
    readonly database_isClosed: (a: number) => number;
    readonly database_memory: () => [number, number, number];
    readonly database_migrate: (a: number, b: any) => [number, number, number];
    readonly database_openReadOnly: (a: any) => [number, number, number];
    readonly database_query: (a: number, b: any, c: number) => [number, number, number];
    readonly database_repair: (a: number, b: any) => [number, number, number];
    readonly database_status: (a: number, b: any) => [number, number, number];
    readonly database_toBytes: (a: number) => [number, number, number, number];
    readonly database_userVersion: (a: number) => [number, number, number];
    readonly installOpfs: (a: number, b: number) => any;
    readonly migrateAll: (a: number, b: number, c: number) => [number, number, number];
    readonly opfspool_deleteFile: (a: number, b: any) => [number, number, number];
    readonly opfspool_exportFile: (a: number, b: any) => [number, number, number, number];
    readonly opfspool_exportStream: (a: number, b: any, c: number) => [number, number, number];
    readonly opfspool_fileNames: (a: number) => [number, number, number, number];
    readonly opfspool_importFile: (a: number, b: any, c: any) => [number, number];
    readonly opfspool_importStream: (a: number, b: any, c: any, d: number) => any;
    readonly opfspool_open: (a: number, b: any) => [number, number, number];
    readonly opfspool_wipe: (a: number) => [number, number];
    readonly packageVersion: () => [number, number];
    readonly statusOfBytes: (a: any, b: any) => [number, number, number];
    readonly statusOfFile: (a: any, b: any) => [number, number, number];
    readonly stores: () => [number, number, number];
    readonly wasm_bindgen__convert__closures_____invoke__h60702a48838d1764: (a: number, b: number, c: any) => [number, number];
    readonly wasm_bindgen__convert__closures_____invoke__hb98d63cc49481475: (a: number, b: number, c: any, d: any) => void;
    readonly wasm_bindgen__convert__closures_____invoke__hc9d98a4cdd92fa2f: (a: number, b: number, c: any) => void;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: Wasm<"Table">;
    readonly __wbindgen_destroy_closure: (a: number, b: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __externref_drop_slice: (a: number, b: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = ArrayBuffer | ArrayBufferView | Wasm<"Module">;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;

// Platform types, looked up where a lib declares them (DOM, WebWorker, @types/node), so these
// declarations compile under any of them; each is `never` where none does.
type PlatformGlobal = typeof globalThis;
type Platform<K extends string> = PlatformGlobal extends { [k in K]: { prototype: infer T } } ? T : never;
type Wasm<K extends string> = (PlatformGlobal extends { WebAssembly: infer W } ? W : never) extends { [k in K]: { prototype: infer T } } ? T : never;
declare global {
  interface SymbolConstructor {
    /** As declared by lib esnext.disposable and @types/node (`using` calls it). */
    readonly dispose: unique symbol;
  }
}
export {};
