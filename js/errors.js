// The package's error classes. The Rust side imports `schemaError` from this file (wasm-bindgen
// copies it into the package under snippets/), and the package entry re-exports the classes from
// that same copy, so `e instanceof SchemaTooNewError` holds for every error the wasm code throws.
//
// Which fields each kind carries is decided in Rust (src/js/errors.rs serialises one field view
// of `StoreError`); this file only gives each kind a class.
//
// Crossing threads: structured cloning (postMessage) turns any Error into a plain `Error` with
// only `message` (and, in some browsers, `name` and `stack`): the class and the fields are lost,
// and `JSON.stringify` of an Error drops `message` too. So every error has `toJSON()`, a plain
// object that both postMessage and JSON carry intact, and `SchemaError.fromJSON()` rebuilds the
// same class with every field from it.

/** Base class of every error this package throws (besides `TypeError` for wrong argument types). */
export class SchemaError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "SchemaError";
  }

  /** A plain object (`name`, `message` and the kind's fields) that survives postMessage and JSON. */
  toJSON() {
    const out = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key !== "name" && key !== "message" && key !== "stack" && key !== "cause") out[key] = value;
    }
    return out;
  }

  /**
   * The error `toJSON()` described, as an instance of its own class (`SchemaTooNewError`, …) with
   * every field and the message. Anything else (an unknown name, or not an object) comes back as a
   * `SchemaError` holding what could be read, so a caught value is always an Error.
   */
  static fromJSON(json) {
    if (json === null || typeof json !== "object") {
      return new SchemaError(`not a serialised error: ${String(json)}`);
    }
    return build(json.message, json);
  }
}

// `name` is an own property set in the constructor (not a class field), so it survives minifiers
// that rename classes and is listed by `toJSON()`.
function kind(name) {
  const cls = class extends SchemaError {
    constructor(message, options) {
      super(message, options);
      this.name = name;
    }
  };
  Object.defineProperty(cls, "name", { value: name });
  return cls;
}

export const SchemaTooNewError = kind("SchemaTooNewError");
export const SqliteError = kind("SqliteError");
export const DriverError = kind("DriverError");
export const NotADatabaseError = kind("NotADatabaseError");
export const UnadoptableError = kind("UnadoptableError");
export const VerifyFailedError = kind("VerifyFailedError");
export const ForeignKeyCheckError = kind("ForeignKeyCheckError");
export const UnknownStoreError = kind("UnknownStoreError");
export const ClosedError = kind("ClosedError");
export const OpfsError = kind("OpfsError");
export const FileError = kind("FileError");
export const NotInitializedError = kind("NotInitializedError");

const byName = {
  SchemaTooNewError, SqliteError, DriverError, NotADatabaseError, UnadoptableError, VerifyFailedError,
  ForeignKeyCheckError, UnknownStoreError, ClosedError, OpfsError, FileError, NotInitializedError,
};

function build(message, fields) {
  const cls = Object.hasOwn(byName, fields.name) ? byName[fields.name] : SchemaError;
  const err = new cls(typeof message === "string" ? message : String(message ?? ""));
  for (const [key, value] of Object.entries(fields)) {
    // Defined, not assigned: a `__proto__` key in parsed JSON stays a plain field.
    if (key !== "name" && key !== "message" && key !== "stack") {
      Object.defineProperty(err, key, { value, writable: true, enumerable: true, configurable: true });
    }
  }
  return err;
}

// What the user of an app can do, added to the messages of the errors that reach them. (Written
// here rather than in Rust: the wasm module stays smaller, and the core's messages, which speak
// to a server operator, stay as they are for the CLI.)
const opfsAdvice = {
  unsupported: "OPFS needs a dedicated Worker of a secure context (https or localhost); here, keep the databases in memory and tell the user their data will not be saved",
  busy: "another tab or worker of this site holds this OPFS directory, and only one can hold it at a time: wait for it to close (a Web Lock, as in the package README), or ask the user to close the other tab",
  "in-use": "close the file's Database first",
  "no-capacity": "the pool or this site's storage quota is full: delete files or free storage",
};

function userMessage(message, fields) {
  if (fields.name === "SchemaTooNewError") {
    return `${fields.db} was saved by a newer version of this app (schema v${fields.found}; this version reads up to v${fields.expected}). Nothing was changed: update the app (its agentmux-schema package) to open it`;
  }
  if (fields.name === "OpfsError" && message.endsWith("existing pool uses a different directory or OS callback type")) {
    // installOpfs(directory) where this worker's pool of the same vfsName is on another directory.
    return `${message.slice(0, message.indexOf(":"))}: this worker's pool of the same vfsName is on another directory; reuse it, or give this directory its own vfsName (the second argument)`;
  }
  if (fields.name === "OpfsError" && Object.hasOwn(opfsAdvice, fields.kind)) {
    return `${message}. ${opfsAdvice[fields.kind]}`;
  }
  return message;
}

/**
 * Used by the wasm code: the error of kind `fields.name` with `message` and the other fields.
 * @internal
 */
export function schemaError(message, fields) {
  return build(userMessage(message, fields), fields);
}
