// Entry for browsers and bundlers: call `await init()` (or `initSync(...)`) once, then use the API.
//
// Everything is wasm-bindgen's generated module (./agentmux_schema.js) plus three things its
// glue cannot express:
//  - a NotInitializedError that says what to do when the API is used before init;
//  - `free()` and `using` close the connection but keep the object valid, so `isClosed` stays
//    readable and any later call throws ClosedError (the object's memory is reclaimed by the
//    garbage collector, as for every wasm-bindgen object);
//  - migrateAll checks its arguments are Database objects (a TypeError otherwise);
//  - `new Database()` / `new OpfsPool()` say how to get one (wasm-bindgen's classes have no
//    public constructor), and Node's `console.log` shows a database's state, not its pointer.
import initWasm, * as wasm from "./agentmux_schema.js";
import { NotInitializedError } from "./snippets/agentmux-schema-be864372be0b2cd4/js/errors.js";

export * from "./agentmux_schema.js";
export {
  SchemaError, SchemaTooNewError, SqliteError, DriverError, NotADatabaseError, UnadoptableError,
  VerifyFailedError, ForeignKeyCheckError, UnknownStoreError, ClosedError, OpfsError, FileError, NotInitializedError,
} from "./snippets/agentmux-schema-be864372be0b2cd4/js/errors.js";

let ready = false;

/** Load and instantiate the WebAssembly module (by default from the package's own .wasm file). */
export default async function init(moduleOrPath) {
  const out = await initWasm(moduleOrPath);
  ready = true;
  return out;
}

/** Instantiate the WebAssembly module synchronously from its bytes or a compiled module. */
export function initSync(module) {
  const out = wasm.initSync(module);
  ready = true;
  return out;
}

function needsInit(fn, name) {
  return function (...args) {
    if (!ready) {
      throw new NotInitializedError(`agentmux-schema: ${name} was called before the WebAssembly module was loaded; call \`await init()\` (browsers, bundlers) or \`initSync({ module })\` first`);
    }
    return fn.apply(this, args);
  };
}

const { Database, OpfsPool } = wasm;
Database.memory = needsInit(Database.memory, "Database.memory()");
Database.fromBytes = needsInit(Database.fromBytes, "Database.fromBytes()");
Database.openReadOnly = needsInit(Database.openReadOnly, "Database.openReadOnly()");

function closeKeepingObject() {
  this.close();
}
Database.prototype.free = closeKeepingObject;
if (Symbol.dispose) Database.prototype[Symbol.dispose] = closeKeepingObject;

// Node's util.inspect (console.log) hook: the state, not wasm-bindgen's `__wbg_ptr`.
const inspect = Symbol.for("nodejs.util.inspect.custom");
Database.prototype[inspect] = function () {
  return `Database { isClosed: ${this.isClosed} }`;
};
OpfsPool.prototype[inspect] = () => "OpfsPool {}";

// The exported classes refuse `new` with a message that names the factories. They are the same
// classes otherwise (statics, prototype, `instanceof`).
function noConstructor(cls, message) {
  return new Proxy(cls, {
    construct() {
      throw new TypeError(message);
    },
  });
}
const DatabaseClass = noConstructor(Database,
  "Database has no public constructor: use Database.memory(), Database.fromBytes(bytes), Database.openReadOnly(fileOrPath) or an OPFS pool's open(name)");
const OpfsPoolClass = noConstructor(OpfsPool, "OpfsPool has no public constructor: use `await installOpfs(directory)`");
export { DatabaseClass as Database, OpfsPoolClass as OpfsPool };

export const statusOfBytes = needsInit(wasm.statusOfBytes, "statusOfBytes()");
export const statusOfFile = needsInit(wasm.statusOfFile, "statusOfFile()");
export const stores = needsInit(wasm.stores, "stores()");
export const packageVersion = needsInit(wasm.packageVersion, "packageVersion()");
export const installOpfs = needsInit(wasm.installOpfs, "installOpfs()");
export const migrateAll = needsInit(function migrateAll(objects, filestore, sagas) {
  for (const [key, value] of Object.entries({ objects, filestore, sagas })) {
    if (!(value instanceof Database)) {
      throw new TypeError(`migrateAll: \`${key}\` must be a Database, got ${value === null ? "null" : typeof value}`);
    }
  }
  return wasm.migrateAll(objects, filestore, sagas);
}, "migrateAll()");
