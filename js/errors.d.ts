// Declarations for the package's error classes. Each class's fields come from `ErrorFields`,
// which is generated from the Rust type that fills them in, so the two cannot disagree.
import type { ErrorFields } from "../../../agentmux_schema.js";

type Fields<N extends ErrorFields["name"]> = Omit<Extract<ErrorFields, { name: N }>, "name">;

/** What `toJSON()` returns: `name`, `message` and the kind's fields, all plain data. */
export type SchemaErrorJSON = (ErrorFields | { name: "NotInitializedError" }) & { message: string };

/** Base class of every error this package throws (arguments of the wrong type throw `TypeError`). */
export class SchemaError extends Error {
  /** A plain object (`name`, `message` and the kind's fields) that survives `postMessage` and JSON. */
  toJSON(): SchemaErrorJSON;
  /**
   * Rebuild an error from its `toJSON()` (e.g. after `postMessage` from a Worker): an instance of
   * its own class (`SchemaTooNewError`, …) with every field and the message. Anything else comes
   * back as a plain `SchemaError`.
   */
  static fromJSON(json: unknown): SchemaError;
}

/** The file was stamped by a newer build (`found` > `expected`); nothing was written. */
export class SchemaTooNewError extends SchemaError {
  name: "SchemaTooNewError";
}
export interface SchemaTooNewError extends Fields<"SchemaTooNewError"> {}

/** SQLite refused a statement; `code` is the extended result code, `sql` the statement. */
export class SqliteError extends SchemaError {
  name: "SqliteError";
}
export interface SqliteError extends Fields<"SqliteError"> {}

/**
 * Refused before SQLite ran anything: a NUL byte in the SQL, parameters that do not fit the
 * statement, a value that cannot be converted. `sql` is the statement or `null`.
 */
export class DriverError extends SchemaError {
  name: "DriverError";
}
export interface DriverError extends Fields<"DriverError"> {}

/** The bytes are not a usable SQLite database (garbage or truncated); nothing was written. */
export class NotADatabaseError extends SchemaError {
  name: "NotADatabaseError";
}
export interface NotADatabaseError extends Fields<"NotADatabaseError"> {}

/** A table lacks columns no migration can supply; nothing was written. */
export class UnadoptableError extends SchemaError {
  name: "UnadoptableError";
}
export interface UnadoptableError extends Fields<"UnadoptableError"> {}

/** The migrated schema did not match this build's; the migration was rolled back. */
export class VerifyFailedError extends SchemaError {
  name: "VerifyFailedError";
}
export interface VerifyFailedError extends Fields<"VerifyFailedError"> {}

/** A table rebuild would leave rows without their parent (`violations`); rolled back. */
export class ForeignKeyCheckError extends SchemaError {
  name: "ForeignKeyCheckError";
}
export interface ForeignKeyCheckError extends Fields<"ForeignKeyCheckError"> {}

/** A store name other than "objects", "filestore" or "sagas". */
export class UnknownStoreError extends SchemaError {
  name: "UnknownStoreError";
}
export interface UnknownStoreError extends Fields<"UnknownStoreError"> {}

/** The database was closed (or freed, or disposed by `using`). */
export class ClosedError extends SchemaError {
  name: "ClosedError";
}

/**
 * The OPFS pool refused; `kind` says why: `"unsupported"` (not a dedicated Worker of a secure
 * context), `"busy"` (another tab or worker holds the directory), `"in-use"` (a file is open),
 * `"no-capacity"` (pool or quota full), `"other"`.
 */
export class OpfsError extends SchemaError {
  name: "OpfsError";
}
export interface OpfsError extends Fields<"OpfsError"> {}

/**
 * A file could not be read, or is beyond a limit; `kind` says which: `"not-found"`,
 * `"not-readable"` (the browser or the OS refused to read it), `"too-large"` (beyond `limit`
 * bytes, e.g. the WebAssembly memory), `"unsupported"` (not readable this way here: a `Blob`
 * outside a Worker, a path outside Node). `file` and `size` name it when known.
 */
export class FileError extends SchemaError {
  name: "FileError";
}
export interface FileError extends Fields<"FileError"> {}

/** The API was used before `init()` / `initSync()` loaded the WebAssembly module. */
export class NotInitializedError extends SchemaError {
  name: "NotInitializedError";
}

/** @internal used by the WebAssembly module to build the errors above. */
export function schemaError(message: string, fields: ErrorFields): SchemaError;
