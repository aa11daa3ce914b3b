export * from "./agentmux_schema.js";
export { default } from "./agentmux_schema.js";
export {
  SchemaError, SchemaTooNewError, SqliteError, DriverError, NotADatabaseError, UnadoptableError,
  VerifyFailedError, ForeignKeyCheckError, UnknownStoreError, ClosedError, OpfsError, FileError, NotInitializedError,
} from "__ERRORS__";
export type { SchemaErrorJSON } from "__ERRORS__";
