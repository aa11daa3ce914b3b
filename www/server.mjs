// A tiny static file server for the demo: plain ES modules, no bundler.
//
//   node server.mjs [--port N]      (PORT env works too; 0 = any free port)
//
// Serves this directory on 127.0.0.1 only, with the right MIME types (.wasm must be
// application/wasm for streaming compilation) and no way out of the directory.
import { parseArgs } from "node:util";
import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL(".", import.meta.url));

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".sql": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".md": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

// Only these top-level entries are public (never tests/, package files, …).
const PUBLIC = new Set(["", "index.html", "src", "scenarios", "node_modules", "favicon.svg"]);
// The only packages the page loads (the worker imports both by path).
const PACKAGES = new Set(["agentmux-schema", "comlink"]);

// The page's built-in scenarios are the crate's own test fixtures, served from where the Rust
// tests read them so there is one copy of each (only their .sql files are exposed).
const SCENARIOS = resolve(fileURLToPath(new URL("../tests/fixtures", import.meta.url)));

function send(res, code, text) {
  res.writeHead(code, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

export function createStaticServer(root = ROOT) {
  const base = resolve(root);
  return createServer(async (req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n");
      let pathname;
      try {
        pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
      } catch {
        return send(res, 400, "bad request\n");
      }
      if (pathname.includes("\0") || pathname.includes("\\")) return send(res, 400, "bad request\n");
      const parts = pathname.split("/").filter(Boolean);
      if (parts.some((p) => p === ".." || p.startsWith("."))) return send(res, 404, "not found\n");
      if (!PUBLIC.has(parts[0] ?? "")) return send(res, 404, "not found\n");
      if (parts[0] === "node_modules" && !PACKAGES.has(parts[1])) return send(res, 404, "not found\n");
      let file = resolve(join(base, ...parts));
      if (parts[0] === "scenarios") {
        if (parts.length !== 2 || extname(parts[1]) !== ".sql") return send(res, 404, "not found\n");
        file = join(SCENARIOS, parts[1]);
      } else if (file !== base && !file.startsWith(base + sep)) return send(res, 404, "not found\n");
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        file = join(file, "index.html");
        info = await stat(file).catch(() => null);
      }
      if (!info?.isFile()) return send(res, 404, "not found\n");
      res.writeHead(200, {
        "content-type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
        "content-length": info.size,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      if (req.method === "HEAD") return res.end();
      createReadStream(file).on("error", () => res.destroy()).pipe(res);
    } catch (e) {
      if (!res.headersSent) send(res, 500, "internal error\n");
      else res.destroy();
    }
  });
}

/** Listen on 127.0.0.1:port (0 = a free port); resolves to { server, url }. */
export function listen(port = 0, root = ROOT) {
  const server = createStaticServer(root);
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", fail);
      ok({ server, url: `http://127.0.0.1:${server.address().port}/` });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: "string" } } });
  const wanted = Number(values.port ?? process.env.PORT ?? 8080);
  let served;
  try {
    served = await listen(wanted);
  } catch (e) {
    if (e.code !== "EADDRINUSE" || wanted === 0) throw e;
    console.error(`port ${wanted} is busy; using a free one`);
    served = await listen(0);
  }
  console.log(`agentmux-schema demo: ${served.url}`);
  console.log("(Ctrl-C to stop)");
  const stop = () => served.server.close(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
