export * from "./agentmux_schema.js";
export { default } from "./agentmux_schema.js";
export {
  SchemaError, SchemaTooNewError, SqliteError, DriverError, NotADatabaseError, UnadoptableError,
  VerifyFailedError, ForeignKeyCheckError, UnknownStoreError, ClosedError, OpfsError, FileError, NotInitializedError,
} from "./snippets/agentmux-schema-be864372be0b2cd4/js/errors.js";
export type { SchemaErrorJSON } from "./snippets/agentmux-schema-be864372be0b2cd4/js/errors.js";
