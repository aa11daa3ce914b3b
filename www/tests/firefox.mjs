// Debian's firefox-esr under geckodriver, spoken to over the W3C WebDriver HTTP API with fetch.
// playwright cannot drive an unpatched Firefox, and selenium-webdriver would add a dependency
// whose driver lookup (selenium-manager) goes to the network; the handful of WebDriver commands
// the tests and the scale benchmark need (new session, navigate, run a script, set a file
// input, open, switch and close tabs, end the session) are a few lines of JSON.
//
//   const ff = await launchFirefox();               // a fresh profile, deleted by close()
//   await ff.goto(url);
//   const v = await ff.evaluate((a, b) => a + b, 1, 2);   // awaited in the page
//   await ff.close();
//
// GECKODRIVER (default: geckodriver on PATH, else ~/.cargo/bin/geckodriver) and FIREFOX
// (default /usr/bin/firefox-esr) override the paths.
import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export const FIREFOX = process.env.FIREFOX ?? "/usr/bin/firefox-esr";

function findGeckodriver() {
  if (process.env.GECKODRIVER) return process.env.GECKODRIVER;
  const dirs = [...(process.env.PATH ?? "").split(delimiter), join(homedir(), ".cargo/bin")];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, "geckodriver"), constants.X_OK);
      return join(dir, "geckodriver");
    } catch {
      // not here
    }
  }
  throw new Error("geckodriver not found (PATH, ~/.cargo/bin): run scripts/setup.sh or set GECKODRIVER");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/**
 * Start geckodriver and a headless Firefox on `profile` (a fresh directory unless given; a given
 * one is kept, so a second launch on it sees the first one's OPFS). Returns the session's
 * commands, the profile path, and close().
 */
export async function launchFirefox({ profile } = {}) {
  const ownProfile = !profile;
  profile ??= mkdtempSync(join(tmpdir(), "amux-ff-"));
  const port = await freePort();
  const driver = spawn(findGeckodriver(), ["--port", String(port), "--binary", FIREFOX], { stdio: ["ignore", "ignore", "pipe"] });
  let driverLog = "";
  driver.stderr.on("data", (d) => (driverLog = (driverLog + d).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
    return json.value;
  };
  for (let i = 0; ; i++) {
    try {
      if ((await call("GET", "/status")).ready !== undefined) break;
    } catch (e) {
      if (i > 100 || driver.exitCode !== null) throw new Error(`geckodriver did not start: ${e.message}\n${driverLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let session;
  try {
    session = await call("POST", "/session", {
      capabilities: {
        alwaysMatch: {
          browserName: "firefox",
          // An hour for a script: a 3 GiB copy through OPFS takes minutes (Firefox ends an async
          // script at once when the limit is null).
          timeouts: { script: 3_600_000, pageLoad: 60_000 },
          "moz:firefoxOptions": {
            binary: FIREFOX,
            // geckodriver uses a "-profile" given here in place, instead of a temporary copy.
            args: ["-headless", "-profile", profile],
            prefs: { "browser.shell.checkDefaultBrowser": false, "datareporting.policy.dataSubmissionEnabled": false, "app.update.enabled": false },
          },
        },
      },
    });
  } catch (e) {
    driver.kill();
    if (ownProfile) rmSync(profile, { recursive: true, force: true });
    throw new Error(`${e.message}\n${driverLog}`);
  }
  const sid = session.sessionId;
  const s = (path) => `/session/${sid}${path}`;
  let closed = false;
  return {
    profile,
    driverPid: driver.pid,
    goto: (url) => call("POST", s("/url"), { url }),
    /** Run `fn(...args)` in the page and await its promise; a throw in the page rejects here. */
    async evaluate(fn, ...args) {
      const script = `const done = arguments[arguments.length - 1];
        Promise.resolve().then(() => (${fn.toString()})(...Array.from(arguments).slice(0, -1)))
          .then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: String(e && e.stack || e) }));`;
      const r = await call("POST", s("/execute/async"), { script, args });
      if (r && "err" in r) throw new Error(`in Firefox: ${r.err}`);
      return r?.ok;
    },
    /** Poll `fn` in the page until it returns something truthy. */
    async waitFor(fn, { timeout = 60_000, interval = 100 } = {}) {
      const end = Date.now() + timeout;
      for (;;) {
        const v = await this.evaluate(fn);
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${fn}`);
        await new Promise((r) => setTimeout(r, interval));
      }
    },
    /** The current tab's handle; a new tab (not switched to); switching; closing the current tab
     * (the session lives on while another tab is open, and the next command needs a switch). */
    windowHandle: () => call("GET", s("/window")),
    newTab: async () => (await call("POST", s("/window/new"), { type: "tab" })).handle,
    switchTo: (handle) => call("POST", s("/window"), { handle }),
    closeTab: () => call("DELETE", s("/window")),
    /** Choose the file at `path` in the `<input type=file>` matching `selector`. */
    async setInputFiles(selector, path) {
      const el = await call("POST", s("/element"), { using: "css selector", value: selector });
      await call("POST", s(`/element/${el[ELEMENT]}/value`), { text: path });
    },
    async close() {
      if (closed) return;
      closed = true;
      await call("DELETE", s("")).catch(() => {});
      driver.kill();
      await new Promise((r) => (driver.exitCode !== null ? r() : driver.once("exit", r)));
      if (ownProfile) rmSync(profile, { recursive: true, force: true });
    },
  };
}
