export * from "./agentmux_schema.js";
export { default } from "./agentmux_schema.js";
export {
  SchemaError, SchemaTooNewError, SqliteError, NotADatabaseError, UnadoptableError,
  VerifyFailedError, UnknownStoreError, ClosedError, OpfsError, NotInitializedError,
} from "__ERRORS__";
