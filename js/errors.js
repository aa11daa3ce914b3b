// The package's error classes. The Rust side imports `schemaError` from this file (wasm-bindgen
// copies it into the package under snippets/), and the package entry re-exports the classes from
// that same copy, so `e instanceof SchemaTooNewError` holds for every error the wasm code throws.
//
// Which fields each kind carries is decided in Rust (src/js/errors.rs serialises one field view
// of `StoreError`); this file only gives each kind a class.

/** Base class of every error this package throws (besides `TypeError` for wrong argument types). */
export class SchemaError extends Error {}

// `name` is an own property set in the constructor (not a class field) so it survives minifiers
// that rename classes, and so structured cloning to a Worker keeps it.
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
export const NotADatabaseError = kind("NotADatabaseError");
export const UnadoptableError = kind("UnadoptableError");
export const VerifyFailedError = kind("VerifyFailedError");
export const ForeignKeyCheckError = kind("ForeignKeyCheckError");
export const UnknownStoreError = kind("UnknownStoreError");
export const ClosedError = kind("ClosedError");
export const OpfsError = kind("OpfsError");
export const NotInitializedError = kind("NotInitializedError");

const byName = {
  SchemaTooNewError, SqliteError, NotADatabaseError, UnadoptableError, VerifyFailedError,
  ForeignKeyCheckError, UnknownStoreError, ClosedError, OpfsError, NotInitializedError,
};

/**
 * Used by the wasm code: the error of kind `fields.name` with `message` and the other fields.
 * @internal
 */
export function schemaError(message, fields) {
  const cls = byName[fields.name] ?? SchemaError;
  const err = new cls(message);
  for (const [key, value] of Object.entries(fields)) {
    if (key !== "name") err[key] = value;
  }
  return err;
}
