// The page: UI only. SQLite runs in ./worker.js (OPFS needs a dedicated Worker).

const $ = (id) => document.getElementById(id);
const STORES = ["objects", "filestore", "sagas"];

// ------------------------------------------------------------------------------------------
// Errors: always shown in the page.

function showError(title, detail) {
  const box = $("errors");
  const item = h("div", { class: "error", "data-testid": "error" },
    h("strong", {}, title),
    detail ? h("span", {}, " " + detail) : null,
    h("button", { type: "button", class: "link", "aria-label": "Dismiss this message", onclick: () => item.remove() }, "Dismiss"),
  );
  box.append(item);
}

/** A short message for screen readers (the result panels themselves are not live regions). */
function announce(text) {
  $("announce").textContent = text;
}

function describe(err) {
  if (!err) return "Unknown error";
  return `${err.name ?? "Error"}: ${err.message ?? String(err)}`;
}

window.addEventListener("error", (e) => showError("Unexpected error.", e.message));
window.addEventListener("unhandledrejection", (e) => showError("Unexpected error.", describe(e.reason)));

// ------------------------------------------------------------------------------------------
// DOM helper

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// ------------------------------------------------------------------------------------------
// Worker RPC

let worker;
let nextId = 1;
const pending = new Map();

function call(op, args = {}, transfer = []) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...args, id, op }, transfer);
  });
}

function startWorker() {
  worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onmessage = ({ data }) => {
    if (data.event === "persistent") return renderPersistent(data.value);
    if (data.event === "error") return showError("The database worker reported an error.", describe(data.error));
    const p = pending.get(data.id);
    if (!p) return;
    pending.delete(data.id);
    if (data.ok) p.resolve(data.value);
    else p.reject(Object.assign(new Error(data.error.message), data.error));
  };
  worker.onerror = (e) => {
    e.preventDefault();
    const msg = e.message || "The worker script failed to load (module workers need a current browser).";
    showError("The database worker failed.", msg);
    for (const p of pending.values()) p.reject(new Error(msg));
    pending.clear();
    setLoading(null);
  };
  worker.onmessageerror = () => showError("A message from the database worker could not be read.");
}

// ------------------------------------------------------------------------------------------
// Rendering shared by the data directory and the inspector

const STATE_TEXT = {
  missing: "no file yet",
  legacy: "unversioned, pre-flatten shape — adopted if its tables can be",
  behind: "older version — will be migrated",
  current: "matches this build",
  "too-new": "written by a newer build — will be refused",
  unreadable: "not a readable SQLite database",
};

// The package serializes drift keys in camelCase (its .d.ts says snake_case): accept both.
const DRIFT_LABELS = [
  ["missingTables", "Missing tables"],
  ["extraTables", "Extra tables"],
  ["missingColumns", "Missing columns"],
  ["extraColumns", "Extra columns"],
  ["changedColumns", "Changed columns"],
  ["missingIndexes", "Missing indexes"],
  ["extraIndexes", "Extra indexes"],
];
const snake = (k) => k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
const driftItems = (drift, k) => drift[k] ?? drift[snake(k)] ?? [];

function stateBadge(state) {
  return h("span", { class: `badge state-${state}`, "data-testid": "state" }, state);
}

function version(v) {
  return v === null || v === undefined ? "—" : `v${v}`;
}

function hasDrift(drift) {
  return !!drift && DRIFT_LABELS.some(([k]) => driftItems(drift, k).length);
}

function renderDrift(drift) {
  if (!drift) return h("p", { class: "muted", "data-testid": "drift" }, "Drift: not available.");
  const parts = DRIFT_LABELS.filter(([k]) => driftItems(drift, k).length);
  if (!parts.length) return h("p", { class: "ok-text", "data-testid": "drift" }, "No drift: the schema matches this build exactly.");
  return h("div", { class: "drift", "data-testid": "drift" },
    h("p", { class: "drift-title" }, "Drift from this build's schema:"),
    h("dl", {}, parts.map(([k, label]) => [
      h("dt", {}, `${label} (${driftItems(drift, k).length})`),
      h("dd", {}, h("ul", { class: "chips" }, driftItems(drift, k).map((x) => h("li", {}, h("code", {}, x))))),
    ])),
  );
}

function indexCell(indexes) {
  // SQLite's automatic indexes (PRIMARY KEY / UNIQUE) are noise here: count them instead.
  const named = indexes.filter((i) => !i.startsWith("sqlite_autoindex_"));
  const auto = indexes.length - named.length;
  if (!indexes.length) return h("span", { class: "muted" }, "—");
  return [
    named.map((i) => h("code", { class: "idx" }, i)),
    auto ? h("span", { class: "muted auto-idx", title: "SQLite's automatic indexes for PRIMARY KEY and UNIQUE constraints" }, `${named.length ? "+ " : ""}${auto} automatic`) : null,
  ];
}

function renderTables(tables, { open = false } = {}) {
  const rows = tables.reduce((n, t) => n + Number(t.rowCount), 0);
  const summary = `${tables.length} table${tables.length === 1 ? "" : "s"}, ${rows} row${rows === 1 ? "" : "s"}`;
  if (!tables.length) return h("p", { class: "muted", "data-testid": "tables-summary" }, "No tables.");
  return h("details", { class: "tables", open },
    h("summary", { "data-testid": "tables-summary" }, summary),
    h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": `Tables: ${summary}` },
      h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Table"), h("th", { scope: "col", class: "num" }, "Rows"), h("th", { scope: "col" }, "Indexes"))),
        h("tbody", {}, tables.map((t) => h("tr", { "data-table": t.name },
          h("th", { scope: "row" }, h("code", {}, t.name)),
          h("td", { class: "num", "data-testid": `rows-${t.name}` }, String(t.rowCount)),
          h("td", {}, indexCell(t.indexes)),
        ))),
      ),
    ),
  );
}

function renderStatus(status, { heading = "h3", openTables = false } = {}) {
  return h("div", { class: "status", "data-store": status.store, "data-state": status.state },
    h("div", { class: "status-head" },
      h(heading, {}, status.db),
      stateBadge(status.state),
    ),
    h("p", { class: "state-text" },
      status.state === "current" && hasDrift(status.drift)
        ? "version matches this build, but the schema drifts from it (see below)"
        : STATE_TEXT[status.state] ?? ""),
    h("dl", { class: "facts" },
      h("dt", {}, "Version"), h("dd", { "data-testid": "version" }, `${version(status.userVersion)} (this build: v${status.expectedVersion})`),
    ),
    status.error ? h("p", { class: "reason", "data-testid": "reason" }, h("strong", {}, "Why: "), status.error) : null,
    status.state === "unreadable" ? null : renderDrift(status.drift),
    status.state === "unreadable" ? null : renderTables(status.tables, { open: openTables }),
  );
}

function listItem(label, items, fmt = (x) => h("code", {}, x)) {
  if (!items?.length) return null;
  return [h("dt", {}, `${label} (${items.length})`), h("dd", {}, h("ul", { class: "chips" }, items.map((x) => h("li", {}, fmt(x)))))];
}

function renderReport(r) {
  const title =
    r.outcome === "up-to-date" ? `${r.db} is already current (v${r.toVersion}): nothing to do.`
    : r.outcome === "created" ? `${r.db} created at v${r.toVersion}.`
    : `${r.db} migrated v${r.fromVersion} → v${r.toVersion}.`;
  const rename = (x) => [h("code", {}, x.from), " → ", h("code", {}, x.to)];
  const kept = (x) => [h("code", {}, x.from), " kept (", h("code", {}, x.to), " already exists)"];
  const details = [
    listItem("Tables adopted (renamed)", r.tablesRenamed, rename),
    listItem("Legacy tables kept", r.legacyTablesKept, kept),
    listItem("Columns added", r.columnsAdded),
    listItem("Tables created", r.tablesCreated),
    listItem("Tables dropped", r.tablesDropped),
    listItem("Indexes dropped", r.indexesDropped),
  ].filter(Boolean);
  return h("div", { class: `report outcome-${r.outcome}`, "data-testid": "report", "data-outcome": r.outcome },
    h("p", { class: "report-title" }, h("span", { class: "badge outcome" }, r.outcome), " ", title),
    details.length || r.rowsSeeded
      ? h("dl", { class: "report-list" }, details, r.rowsSeeded ? [h("dt", {}, "Rows seeded"), h("dd", {}, String(r.rowsSeeded))] : null)
      : null,
  );
}

function refusalText(err) {
  switch (err.name) {
    case "SchemaTooNewError":
      return `${err.db} is newer than this build: found v${err.found}, expected v${err.expected} — nothing written.`;
    case "UnadoptableError":
      return `${err.db}: table ${err.table} cannot be adopted (missing columns: ${(err.missingColumns ?? []).join(", ")}) — nothing written.`;
    case "NotADatabaseError":
      return `Not a database: ${err.reason ?? err.message}`;
    default:
      return `${err.name}: ${err.message}`;
  }
}

function renderRefusal(err, unchanged) {
  return h("div", { class: "refusal", role: "alert", "data-testid": "refusal", "data-error": err.name },
    h("p", { class: "report-title" }, h("span", { class: "badge refused" }, "refused"), " ", refusalText(err)),
    unchanged === true ? h("p", { class: "ok-text", "data-testid": "unchanged" }, "✓ The file is byte-for-byte unchanged.")
    : unchanged === false ? h("p", { class: "reason" }, "Warning: the copy differs from the original.")
    : null,
  );
}

// ------------------------------------------------------------------------------------------
// Data directory

const MODE_TEXT = {
  opfs: ["Persistent (OPFS)", "Stored in this site's Origin Private File System: reloading keeps the data."],
  memory: ["In memory — not persistent", ""],
  locked: ["Open in another tab", ""],
};

let persistentMode = null;

function renderPersistent(snap) {
  persistentMode = snap.mode;
  $("datadir").hidden = false;
  const [label, note] = MODE_TEXT[snap.mode] ?? [snap.mode, ""];
  const mode = $("mode");
  mode.textContent = label;
  mode.className = `mode mode-${snap.mode}`;
  mode.dataset.mode = snap.mode;
  $("mode-note").textContent =
    snap.mode === "locked"
      ? `${snap.reason} This tab is queued and takes over as soon as that tab is closed; inspecting files below works meanwhile.`
      : snap.mode === "memory"
        ? `${snap.reason} The databases below live in memory and disappear when you leave the page.`
        : note;
  const locked = snap.mode === "locked";
  $("add-row").disabled = locked;
  $("reset").disabled = locked;
  const adopt = document.querySelector("[data-testid=adopt]");
  if (adopt && current?.status.state !== "unreadable") adopt.disabled = locked;
  hideResetConfirm();

  const startup = $("startup");
  startup.replaceChildren();
  if (snap.startup?.error) {
    startup.append(h("p", { class: "startup-line refused-line", role: "alert", "data-error": snap.startup.error.name },
      h("strong", {}, "Start-up migration refused: "), refusalText(snap.startup.error),
      " The data directory is left exactly as it was; Reset starts over."));
  } else if (snap.startup?.reports) {
    startup.append(h("p", { class: "startup-line" }, h("strong", {}, "Start-up migration (all three tripwires checked before any write): "),
      snap.startup.reports.map((r, i) => [i ? "; " : "", `${r.db} ${r.outcome}${r.outcome === "migrated" ? ` v${r.fromVersion}→v${r.toVersion}` : ` (v${r.toVersion})`}`])));
  }

  const stores = $("stores");
  stores.replaceChildren(
    ...(locked
      ? [h("p", { class: "locked-note", "data-testid": "locked" }, "Waiting for the other tab… objects.db, filestore.db and sagas.db will appear here when this tab gets them.")]
      : snap.stores.map((s) => h("article", { class: "store-card", "data-testid": `store-${s.store}` }, renderStatus(s, { openTables: true }),
          h("button", { type: "button", class: "small", "data-testid": `download-${s.store}`, onclick: () => downloadPersistent(s.store) }, `Download ${s.db}`)))),
  );
}

async function downloadPersistent(store) {
  try {
    const bytes = await call("exportPersistent", { store });
    saveBytes(bytes, `${store}.db`);
  } catch (e) {
    showError(`Could not export ${store}.db.`, describe(e));
  }
}

async function busy(button, fn) {
  const old = button.getAttribute("aria-busy");
  button.setAttribute("aria-busy", "true");
  button.disabled = true;
  try {
    return await fn();
  } finally {
    button.disabled = button.dataset.done === "true";
    if (old === null) button.removeAttribute("aria-busy");
  }
}

function hideResetConfirm() {
  $("reset-confirm").hidden = true;
  $("reset").hidden = false;
}

function wireDataDir() {
  $("add-row").addEventListener("click", (e) =>
    busy(e.currentTarget, async () => renderPersistent(await call("addRow"))).catch((err) => showError("Could not add the row.", describe(err))),
  );
  $("reset").addEventListener("click", () => {
    $("reset").hidden = true;
    $("reset-confirm").hidden = false;
    $("reset-no").focus();
  });
  $("reset-no").addEventListener("click", () => {
    hideResetConfirm();
    $("reset").focus();
  });
  $("reset-yes").addEventListener("click", (e) =>
    busy(e.currentTarget, async () => {
      renderPersistent(await call("reset"));
      $("reset").focus();
    }).catch((err) => showError("Reset failed.", describe(err))),
  );
}

// ------------------------------------------------------------------------------------------
// Inspector

let current = null; // { id, store, label, size, status }

function saveBytes(bytes, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/vnd.sqlite3" }));
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function renderInspection(info) {
  current = info;
  const { status } = info;
  const canMigrate = status.state !== "unreadable";
  const result = $("result");
  result.dataset.scratch = String(info.id);
  announce(`${info.label} opened as ${status.db}: ${status.state}.`);
  const migrateBtn = h("button", { type: "button", class: "primary", "data-testid": "migrate", disabled: !canMigrate }, "Migrate");
  const downloadBtn = h("button", { type: "button", "data-testid": "download", disabled: !canMigrate }, "Download");
  const adoptBtn = h("button", { type: "button", "data-testid": "adopt", disabled: !canMigrate || persistentMode === "locked" },
    `Use this copy as the data directory's ${status.db}`);
  const outcome = h("div", { class: "outcome", "data-testid": "outcome" });
  const after = h("div", { class: "after" });

  migrateBtn.addEventListener("click", () =>
    busy(migrateBtn, async () => {
      const res = await call("migrate", { scratch: info.id });
      if (res.report) {
        outcome.replaceChildren(renderReport(res.report));
        announce(`Migration done: ${res.report.outcome}, v${res.report.fromVersion} to v${res.report.toVersion}.`);
        after.replaceChildren(h("h4", {}, "After migration"), renderStatus(res.status, { heading: "h5" }));
        downloadBtn.textContent = `Download migrated ${status.db}`;
        migrateBtn.textContent = "Migrated";
        migrateBtn.dataset.done = "true";
      } else {
        outcome.replaceChildren(renderRefusal(res.refused, res.unchanged));
        announce(`Migration refused. ${refusalText(res.refused)}`);
        after.replaceChildren();
        downloadBtn.textContent = `Download ${status.db} (unchanged)`;
      }
      outcome.focus();
    }).catch((err) => showError("Migration failed.", describe(err))),
  );
  downloadBtn.addEventListener("click", () =>
    busy(downloadBtn, async () => saveBytes(await call("bytes", { scratch: info.id }), downloadName(info))).catch((err) =>
      showError("Download failed.", describe(err)),
    ),
  );
  adoptBtn.addEventListener("click", () =>
    busy(adoptBtn, async () => {
      renderPersistent(await call("adopt", { scratch: info.id }));
      $("datadir").scrollIntoView({ behavior: "smooth", block: "start" });
      $("datadir-title").focus();
    }).catch((err) => showError(`Could not replace ${status.db}.`, describe(err))),
  );
  outcome.tabIndex = -1;

  result.replaceChildren(
    h("div", { class: "result-head" },
      h("h3", { "data-testid": "result-title" }, info.label),
      h("p", { class: "muted" }, `${info.source === "scenario" ? "Scenario" : "File"} · ${formatSize(info.size)} · opened as ${status.db} in a scratch in-memory copy`),
    ),
    h("h4", {}, "Read-only status"),
    renderStatus(status, { heading: "h5", openTables: true }),
    h("div", { class: "actions" }, migrateBtn, downloadBtn, adoptBtn),
    h("p", { class: "note small-note" }, `The last button replaces the persistent ${status.db} above with this copy (as it is now) and reruns the start-up migration, which checks all three tripwires before writing anything.`),
    outcome,
    after,
  );
}

function downloadName(info) {
  if (info.source === "file") return info.label.replace(/[^\w.\-]+/g, "_");
  return `${info.store}.db`;
}

function formatSize(n) {
  return n < 1024 ? `${n} bytes` : `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`;
}

async function loadFile(file) {
  if (!file) return;
  const store = $("store-select").value;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const info = await call("inspect", { store, label: file.name, bytes }, [bytes.buffer]);
    renderInspection(info);
  } catch (e) {
    showError(`Could not open ${file.name}.`, describe(e));
  }
}

function wireInspector() {
  const input = $("file-input");
  input.addEventListener("change", () => {
    loadFile(input.files[0]).finally(() => (input.value = ""));
  });
  const zone = $("dropzone");
  const over = (e) => {
    e.preventDefault();
    zone.classList.add("dragging");
  };
  zone.addEventListener("dragenter", over);
  zone.addEventListener("dragover", over);
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    loadFile(e.dataTransfer?.files?.[0]);
  });
  // A file dropped elsewhere on the page must not navigate away from it.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => {
    e.preventDefault();
    if (!zone.contains(e.target)) loadFile(e.dataTransfer?.files?.[0]);
  });
  for (const button of document.querySelectorAll("[data-scenario]")) {
    button.addEventListener("click", () =>
      busy(button, async () => renderInspection(await call("scenario", { name: button.dataset.scenario }))).catch((e) =>
        showError("The scenario failed.", describe(e)),
      ),
    );
  }
}

// ------------------------------------------------------------------------------------------
// Start

function setLoading(text) {
  const box = $("loading");
  if (text === null) {
    box.hidden = true;
    document.body.dataset.ready = "true";
    return;
  }
  box.hidden = false;
  $("loading-text").textContent = text;
}

async function start() {
  wireDataDir();
  wireInspector();
  const storage = new URLSearchParams(location.search).get("storage") === "memory" ? "memory" : "auto";
  if (typeof Worker === "undefined") {
    setLoading(null);
    showError("This browser has no Web Workers;", "the demo cannot run here.");
    return;
  }
  setLoading("Loading SQLite (WebAssembly)…");
  startWorker();
  try {
    const snap = await call("start", { storage });
    $("inspect").hidden = false;
    renderPersistent(snap);
  } catch (e) {
    showError("Could not start SQLite.", describe(e));
  } finally {
    setLoading(null);
  }
}

start();
