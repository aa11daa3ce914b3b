// A minimal bundled app, as a front-end developer would write it. The test reads `window.result`.
import init, { ClosedError, Database, NotInitializedError, SchemaTooNewError, migrateAll, stores } from "agentmux-schema";

async function main() {
  const result = {};
  try {
    Database.memory();
    result.beforeInit = "no error";
  } catch (e) {
    result.beforeInit = e instanceof NotInitializedError ? e.name : `wrong error: ${e}`;
  }
  await init();
  const [objects, filestore, sagas] = stores().map(() => Database.memory());
  result.outcomes = migrateAll(objects, filestore, sagas).map((r) => `${r.db}:${r.outcome}:v${r.toVersion}`);

  const future = Database.memory();
  future.exec("CREATE TABLE later(x); PRAGMA user_version = 99");
  const before = future.toBytes();
  try {
    future.migrate("objects");
  } catch (e) {
    result.tooNew = e instanceof SchemaTooNewError ? `${e.db} ${e.found}>${e.expected}` : `wrong error: ${e}`;
  }
  result.unchanged = before.every((b, i) => b === future.toBytes()[i]);

  objects.free();
  result.closedAfterFree = objects.isClosed;
  try {
    objects.userVersion();
  } catch (e) {
    result.useAfterFree = e instanceof ClosedError ? e.name : `wrong error: ${e}`;
  }
  window.result = result;
  document.getElementById("out").textContent = JSON.stringify(result);
}

main().catch((e) => {
  window.result = { failed: String(e && e.stack || e) };
});
