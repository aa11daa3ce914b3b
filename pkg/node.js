// Entry for Node (the "node" export condition): ready to use on import. The module is compiled
// synchronously from the package's own .wasm file, so no `init()` call is needed (calling it
// anyway is harmless).
import { readFileSync } from "node:fs";
import { initSync } from "./index.js";

initSync({ module: readFileSync(new URL("./agentmux_schema_bg.wasm", import.meta.url)) });

export * from "./index.js";
export { default } from "./index.js";
