// The page: UI only. SQLite runs in ./worker.js (OPFS needs a dedicated Worker), called through
// Comlink. Every fact shown about a database (state, versions, file names, tables, error
// messages) comes from the package; this file only arranges it.
import * as Comlink from "../node_modules/comlink/dist/esm/comlink.min.mjs";

const $ = (id) => document.getElementById(id);

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

const describe = (err) => (err ? `${err.name ?? "Error"}: ${err.message ?? String(err)}` : "Unknown error");

window.addEventListener("error", (e) => showError("Unexpected error.", e.message));
window.addEventListener("unhandledrejection", (e) => showError("Unexpected error.", describe(e.reason)));

// ------------------------------------------------------------------------------------------
// DOM helpers

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

/** A name like `db_agent_definitions.user_hidden` that may wrap only after `_` or `.`. */
function ident(name) {
  const parts = String(name).split(/(?<=[_.])/);
  return h("code", { class: "ident" }, parts.flatMap((p, i) => (i ? [h("wbr"), p] : [p])));
}

/** A drift entry: a name, or (for foreign keys) a declaration, which wraps at its spaces. */
function driftItem(kind, text) {
  return kind === "missingForeignKeys" ? h("code", { class: "decl" }, text) : ident(text);
}

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

/** A button that is disabled with its reason shown under it (and read with it), or live. */
function guarded(button, reason, testid) {
  const why = h("p", { class: "why", id: nextId("why"), "data-testid": `${testid}-why` }, reason ? `${reason}` : "");
  why.hidden = !reason;
  button.disabled = !!reason;
  if (reason) button.setAttribute("aria-describedby", why.id);
  return [button, why];
}

const plural = (n, word) => `${Number(n).toLocaleString("en")} ${word}${Number(n) === 1 ? "" : "s"}`;

/** Copy a text to the clipboard, with a fallback for pages where the API is refused. */
async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h("textarea", { class: "visually-hidden", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const old = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => (button.textContent = old), 1500);
}

// ------------------------------------------------------------------------------------------
// Worker

let api; // the worker's API, through Comlink
let pkgInfo = { version: "", stores: [] }; // from the package: packageVersion(), stores()
const fileName = (store) => pkgInfo.stores.find((s) => s.store === store)?.fileName ?? store;

function startWorker() {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onerror = (e) => {
    e.preventDefault();
    showError("The database worker failed.", e.message || "The worker script failed to load (module workers need a current browser).");
    setLoading(null);
  };
  api = Comlink.wrap(worker);
}

// ------------------------------------------------------------------------------------------
// Rendering shared by the inspector and the data directory

const STATE_TEXT = {
  missing: "no file yet",
  empty: "no tables and no user_version stamp (a new or 0-byte file): Migrate creates the schema",
  legacy: "tables but no user_version stamp (an older layout): Migrate adopts its tables if it can",
  behind: "stamped by an older build: Migrate brings it forward",
  current: "matches this build",
  "too-new": "stamped by a newer build: this build refuses to write it",
  unreadable: "not a readable SQLite database",
};

const DRIFT_LABELS = [
  ["missingTables", "Missing tables"],
  ["extraTables", "Extra tables"],
  ["missingColumns", "Missing columns"],
  ["extraColumns", "Extra columns"],
  ["changedColumns", "Changed columns"],
  ["missingIndexes", "Missing indexes"],
  ["extraIndexes", "Extra indexes"],
  ["changedIndexes", "Indexes with another definition"],
  ["missingForeignKeys", "Missing foreign keys"],
];

const hasDrift = (drift) => !!drift && DRIFT_LABELS.some(([k]) => drift[k]?.length);
const refusedState = (state) => state === "too-new" || state === "unreadable";
const stateBadge = (state) => h("span", { class: `badge state-${state}`, "data-testid": "state" }, state);
const version = (v) => (v === null || v === undefined ? "—" : `v${v}`);

function renderDrift(drift) {
  const parts = DRIFT_LABELS.filter(([k]) => drift[k].length);
  if (!parts.length) return h("p", { class: "ok-text", "data-testid": "drift" }, "No drift: the schema matches this build exactly.");
  return h("div", { class: "drift", "data-testid": "drift" },
    h("p", { class: "drift-title" }, "Drift from this build's schema:"),
    h("dl", {}, parts.map(([k, label]) => [
      h("dt", {}, `${label} (${drift[k].length})`),
      h("dd", {}, h("ul", { class: "chips" }, drift[k].map((x) => h("li", {}, driftItem(k, x))))),
    ])),
  );
}

function indexCell(indexes) {
  // SQLite's automatic indexes (PRIMARY KEY / UNIQUE) are noise here: count them instead.
  const named = indexes.filter((i) => !i.startsWith("sqlite_autoindex_"));
  const auto = indexes.length - named.length;
  if (!indexes.length) return h("span", { class: "muted" }, "—");
  return [
    named.map((i) => h("div", { class: "idx" }, ident(i))),
    auto ? h("span", { class: "muted auto-idx", title: "SQLite's automatic indexes for PRIMARY KEY and UNIQUE constraints" }, `${named.length ? "+ " : ""}${auto} automatic`) : null,
  ];
}

/** The table list; `context` makes its region's name unique on the page. */
function renderTables(tables, context, { open = false } = {}) {
  if (!tables.length) return h("p", { class: "muted", "data-testid": "tables-summary" }, "No tables.");
  const rows = tables.reduce((n, t) => n + Number(t.rowCount), 0);
  const summary = `${plural(tables.length, "table")}, ${plural(rows, "row")}`;
  const cue = h("p", { class: "scroll-cue", "data-testid": "scroll-cue", hidden: true }, `Scroll for all ${tables.length} tables ↓`);
  const scroller = h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": `${context}: ${summary}` },
    h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Table"), h("th", { scope: "col", class: "num" }, "Rows"), h("th", { scope: "col" }, "Indexes"))),
      h("tbody", {}, tables.map((t) => h("tr", { "data-table": t.name },
        h("th", { scope: "row" }, ident(t.name)),
        h("td", { class: "num", "data-testid": `rows-${t.name}` }, String(t.rowCount)),
        h("td", {}, indexCell(t.indexes)),
      ))),
    ),
  );
  scroller.addEventListener("scroll", () => updateCue(scroller, cue), { passive: true });
  const details = h("details", { class: "tables", open }, h("summary", { "data-testid": "tables-summary" }, summary), scroller, cue);
  details.addEventListener("toggle", () => updateCue(scroller, cue));
  requestAnimationFrame(() => updateCue(scroller, cue));
  return details;
}

/** Show "scroll for more" while part of a table list is hidden below its fold. */
function updateCue(scroller, cue) {
  const more = scroller.scrollHeight - scroller.clientHeight - scroller.scrollTop > 4;
  cue.hidden = !more;
  scroller.classList.toggle("has-more", more);
}

function renderStatus(status, context, { heading = "h4", openTables = false } = {}) {
  const refused = refusedState(status.state);
  return h("div", { class: "status", "data-store": status.store, "data-state": status.state },
    h("div", { class: "status-head" }, h(heading, {}, status.db), stateBadge(status.state)),
    h("p", { class: "state-text" },
      status.state === "current" && hasDrift(status.drift)
        ? "version matches this build, but the schema drifts from it (see below)"
        : STATE_TEXT[status.state] ?? ""),
    h("dl", { class: "facts" },
      h("dt", {}, "user_version"), h("dd", { "data-testid": "version" }, `${version(status.userVersion)} (this build: v${status.expectedVersion})`),
    ),
    status.error ? h("p", { class: "reason", "data-testid": "reason" }, h("strong", {}, "Why: "), status.error) : null,
    // A file this build refuses will not be changed here: what it lacks is beside the point.
    refused || !status.drift ? null : renderDrift(status.drift),
    orphanWarning(status.orphanRows),
    status.state === "unreadable" ? null : renderTables(status.tables, context, { open: openTables }),
  );
}

function codeView(code, label) {
  // Focusable and named, so keyboard users can scroll a long line into view.
  const pre = h("pre", { class: "code", "data-testid": "code", tabindex: "0", role: "region", "aria-label": `Code: ${label}` }, h("code", {}, code));
  const copy = h("button", { type: "button", class: "small copy", "data-testid": "copy-code", onclick: () => copyText(code, copy) }, "Copy");
  return h("details", { class: "code-view", "data-testid": "code-view" },
    h("summary", {}, "Code", h("span", { class: "muted" }, ` — ${label}`)),
    h("div", { class: "code-box" }, copy, pre),
  );
}

function listItem(label, items, fmt = (x) => ident(x), testid) {
  if (!items?.length) return null;
  return [h("dt", {}, `${label} (${items.length})`), h("dd", { "data-testid": testid }, h("ul", { class: "chips" }, items.map((x) => h("li", {}, fmt(x)))))];
}

function rowCountIn(status, table) {
  return Number(status?.tables.find((t) => t.name === table)?.rowCount ?? 0);
}

function renderReport(r, before, after) {
  const title =
    r.outcome === "up-to-date" ? `${r.db} was already current (v${r.toVersion}): nothing to do.`
    : r.outcome === "created" ? `${r.db} created at v${r.toVersion}.`
    : `${r.db} migrated v${r.fromVersion} → v${r.toVersion}.`;
  const rename = (x) => [ident(x.from), " → ", ident(x.to)];
  const dropped = (t) => {
    const n = rowCountIn(before, t);
    return [ident(t), n ? h("span", { class: "muted" }, ` (held ${plural(n, "row")})`) : null];
  };
  const kept = (x) => {
    const n = rowCountIn(after, x.from);
    return h("div", { class: "kept", "data-testid": `kept-${x.from}` },
      ident(x.from), ` kept beside `, ident(x.to), `: it still holds ${plural(n, "row")}. `,
      n
        ? [`The migration did not copy ${n === 1 ? "it" : "them"} because `, ident(x.to), " already existed; copy what you need into ",
           ident(x.to), " by hand (INSERT … SELECT), then drop ", ident(x.from), "."]
        : ["It is empty, so it can simply be dropped."],
    );
  };
  const details = [
    listItem("Tables adopted (renamed)", r.tablesRenamed, rename),
    listItem("Legacy tables kept", r.legacyTablesKept, kept, "kept"),
    listItem("Columns added", r.columnsAdded),
    listItem("Tables created", r.tablesCreated),
    listItem("Tables dropped", r.tablesDropped, dropped),
    listItem("Indexes dropped", r.indexesDropped),
    listItem("Tables rebuilt (every row kept)", r.tablesRebuilt, (t) => [ident(t.table), h("span", { class: "muted" }, ` (${t.reason.replace("-", " ")})`)]),
    listItem("Indexes rebuilt", r.indexesRebuilt),
    listItem("Catalogue rows repaired", r.catalogueRepaired),
    listItem("Foreign keys kept as found", r.foreignKeysKept),
  ].filter(Boolean);
  return h("div", { class: `report outcome-${r.outcome}`, "data-testid": "report", "data-outcome": r.outcome },
    orphanWarning(r.orphanRows),
    h("p", { class: "report-title" }, h("span", { class: "badge outcome" }, r.outcome), " ", title),
    details.length || r.rowsSeeded
      ? h("dl", { class: "report-list" }, details, r.rowsSeeded ? [h("dt", {}, "Rows seeded"), h("dd", {}, String(r.rowsSeeded))] : null)
      : null,
  );
}

/** Rows whose parent row does not exist: kept by the migration, but worth a look. */
function orphanWarning(orphans) {
  const tables = Object.entries(orphans ?? {});
  if (!tables.length) return null;
  return h("div", { class: "orphans", role: "note", "data-testid": "orphans" },
    h("span", { class: "badge warn" }, "warning"), " Rows whose parent row does not exist (kept as they are): ",
    tables.map(([t, n], i) => [i ? ", " : "", ident(t), ` ${plural(n, "row")}`]),
  );
}

function renderRefusal(err, unchanged) {
  return h("div", { class: "refusal", "data-testid": "refusal", "data-error": err.name },
    h("p", { class: "report-title" }, h("span", { class: "badge refused" }, "refused"), " ", h("code", {}, err.name), " ", err.message),
    unchanged === true ? h("p", { class: "ok-text", "data-testid": "unchanged" }, "✓ The copy is byte-for-byte the file you loaded.")
    : unchanged === false ? h("p", { class: "reason" }, "Warning: the copy differs from the original.")
    : null,
  );
}

async function saveBytes(bytes, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/vnd.sqlite3" }));
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Save a File (disk-backed: the browser streams it to the download, nothing is read here). */
function saveFile(file, name) {
  const url = URL.createObjectURL(file);
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// Files larger than this are never read into memory: the status reads the pages it needs, and
// Migrate and Download stream through OPFS. `?streamAbove=<bytes>` moves the line (tests use 0).
const STREAM_ABOVE = (() => {
  const v = Number(new URLSearchParams(location.search).get("streamAbove"));
  return Number.isFinite(v) && new URLSearchParams(location.search).has("streamAbove") ? v : 64 * 1024 * 1024;
})();

/**
 * Run `fn(onProgress)`, showing a progress bar under `anchor` only if it is still running after a
 * moment (a quick copy does not flash one).
 */
async function withProgress(anchor, label, fn) {
  const bar = h("progress", { max: "1", value: "0", "aria-label": label });
  const text = h("span", { class: "progress-text" }, label);
  const box = h("div", { class: "progress", role: "status", "data-testid": "progress" }, bar, text);
  let last = [0, 0];
  const paint = () => {
    const [done, total] = last;
    if (total > 0) bar.value = done / total;
    text.textContent = total > 0 ? `${label}: ${formatSize(done)} of ${formatSize(total)}` : label;
  };
  const timer = setTimeout(() => {
    paint();
    anchor.after(box);
  }, 300);
  try {
    return await fn(Comlink.proxy((done, total) => {
      last = [done, total];
      if (box.isConnected) paint();
    }));
  } finally {
    clearTimeout(timer);
    box.remove();
  }
}

async function busy(button, fn) {
  button.setAttribute("aria-busy", "true");
  button.disabled = true;
  try {
    return await fn();
  } finally {
    button.removeAttribute("aria-busy");
    if (button.isConnected) button.disabled = false;
  }
}

// ------------------------------------------------------------------------------------------
// Data directory

const MODE_TEXT = {
  opfs: ["Persistent (OPFS)", "Stored in this site's Origin Private File System: reloading keeps the data."],
  memory: ["In memory — not persistent", ""],
  locked: ["Open in another tab", ""],
};

let persistentSnap = null;

function storeSummary(status) {
  const withRows = status.tables.filter((t) => Number(t.rowCount) > 0);
  const rows = withRows.reduce((n, t) => n + Number(t.rowCount), 0);
  if (!rows) return `${status.db} holds no rows (${plural(status.tables.length, "empty table")})`;
  const list = withRows.slice(0, 4).map((t) => `${t.name} ${t.rowCount}`).join(", ");
  return `${status.db} holds ${plural(rows, "row")} (${list}${withRows.length > 4 ? ", …" : ""})`;
}

function startupText(snap) {
  const parts = [];
  const last = snap.last;
  if (last?.kind === "replaced") {
    parts.push(h("strong", {}, `${last.db} was replaced`), ` with “${last.label}”; the previous ${last.db} (${plural(last.lostRows, "row")} in ${plural(last.lostTables, "table")}) is gone. `);
  } else if (last?.kind === "reset") {
    parts.push(h("strong", {}, "Reset: "), `deleted ${last.lost.map((l) => `${l.db} (${plural(l.rows, "row")})`).join(", ")} and started over. `);
  }
  if (snap.startup?.error) {
    const e = snap.startup.error;
    parts.push(h("strong", {}, "Start-up migration refused: "), h("code", {}, e.name), " ", e.message,
      ". Every file is exactly as the start-up found it",
      last?.kind === "replaced" ? ` (${last.db} is the copy you put there)` : "",
      ". Nothing in this page writes to the data directory until the refused file is replaced or you Reset.");
    return h("p", { class: "startup-line refused-line", role: "alert", "data-testid": "banner", "data-error": e.name }, parts);
  }
  if (snap.startup?.reports) {
    parts.push(h("strong", {}, "Start-up migration (all three tripwires read before any write): "),
      snap.startup.reports.map((r, i) => [i ? "; " : "", `${r.db} ${r.outcome}${r.outcome === "migrated" ? ` v${r.fromVersion}→v${r.toVersion}` : ` (v${r.toVersion})`}`]));
    return h("p", { class: "startup-line", "data-testid": "banner" }, parts);
  }
  return null;
}

function renderPersistent(snap) {
  const modeChanged = persistentSnap?.mode !== snap.mode;
  persistentSnap = snap;
  $("datadir").hidden = false;
  const [label, note] = MODE_TEXT[snap.mode] ?? [snap.mode, ""];
  const mode = $("mode");
  mode.textContent = label;
  mode.className = `mode mode-${snap.mode}`;
  mode.dataset.mode = snap.mode;
  $("mode-note").textContent =
    snap.mode === "locked"
      ? `${snap.reason} This tab is queued and takes over as soon as that tab is closed; inspecting files above works meanwhile.`
      : snap.mode === "memory"
        ? `${snap.reason} The databases below live in memory and disappear when you leave the page.`
        : note;
  if (snap.failure) showError("The data directory could not be taken over.", describe(snap.failure));
  const locked = snap.mode === "locked";

  // A demo row: one INSERT into objects.db's db_tab table (where the server keeps its open tabs).
  const why = $("add-row-help");
  const addRow = $("add-row");
  addRow.disabled = !!snap.readOnly;
  why.textContent = snap.readOnly
    ? `Read-only: ${snap.readOnly}`
    : "Adds one row to objects.db's db_tab table (where the server keeps open tabs), to watch data survive a reload or a migration.";
  why.classList.toggle("disabled-why", !!snap.readOnly);
  $("reset").disabled = locked;
  hideResetConfirm();

  $("startup").replaceChildren(startupText(snap) ?? "");
  $("datadir-code").replaceChildren(snap.code ? codeView(snap.code, "the calls behind this panel") : "");

  $("stores").replaceChildren(
    ...(locked
      ? [h("p", { class: "locked-note", "data-testid": "locked" }, "Waiting for the other tab… objects.db, filestore.db and sagas.db will appear here when this tab gets them.")]
      : snap.stores.map((s) => h("article", { class: "store-card", "data-testid": `store-${s.store}` },
          renderStatus(s, `Data directory ${s.db} tables`, { heading: "h3" }),
          h("button", { type: "button", class: "small", "data-testid": `download-${s.store}`, onclick: () => downloadPersistent(s.store) }, `Download ${s.db}`)))),
  );
  // Whether the inspected copy may go into the data directory depends on the mode only.
  // The inspector depends on the data directory: its mode, and the open "Replace …?" question,
  // which must name what would be lost now (e.g. after "Add a demo tab row").
  if (current && (modeChanged || confirming)) renderInspection(current, { keepFocus: true });
}

async function downloadPersistent(store) {
  try {
    saveBytes(await api.exportPersistent(store), fileName(store));
  } catch (e) {
    showError(`Could not export ${fileName(store)}.`, describe(e));
  }
}

function hideResetConfirm() {
  $("reset-confirm").hidden = true;
  $("reset").hidden = false;
}

function wireDataDir() {
  $("add-row").addEventListener("click", (e) =>
    busy(e.currentTarget, async () => renderPersistent(await api.addRow())).catch((err) => showError("Could not add the row.", describe(err))),
  );
  $("reset").addEventListener("click", () => {
    const lost = persistentSnap?.stores.map(storeSummary).join("; ");
    $("reset-question").textContent = `Delete all three databases? ${lost ? `Lost: ${lost}.` : ""}`;
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
      renderPersistent(await api.reset());
      $("reset").focus();
    }).catch((err) => showError("Reset failed.", describe(err))),
  );
}

// ------------------------------------------------------------------------------------------
// Inspector

let current = null; // the worker's description of the loaded file
let confirming = false; // the replace-in-data-directory question is open

function migrateBlock(info) {
  const { status, migration } = info;
  if (status.state === "too-new")
    return `Migrate is off: ${status.db} is v${status.userVersion}, newer than this build (v${status.expectedVersion}). The package refuses to write it (SchemaTooNewError).`;
  if (status.state === "unreadable") return `Migrate is off: ${status.error ?? "this is not a readable SQLite database."}`;
  if (migration?.refused) return `Migrate is off: the package refused this file (${migration.refused.name}); nothing was written. Load it again to retry.`;
  return null;
}

function adoptBlock(info) {
  const snap = persistentSnap;
  if (info.streamed) return `This page puts files of up to ${formatSize(STREAM_ABOVE)} into the data directory; this one is ${formatSize(info.size)}.`;
  if (!snap || snap.mode === "locked") return "The data directory is open in another tab.";
  if (info.status.state === "unreadable") return `Not a readable SQLite database, so it cannot go into the data directory.`;
  return null;
}

function downloadName(info) {
  if (info.source === "file") return info.label.replace(/[^\w.\-]+/g, "_");
  return info.db;
}

function formatSize(n) {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function wrongStoreHint(info) {
  const g = info.looksLike;
  if (!g) return null;
  const switchBtn = h("button", { type: "button", class: "small primary", "data-testid": "switch-store" }, `Open it as ${g.db} instead`);
  switchBtn.addEventListener("click", () =>
    busy(switchBtn, async () => {
      $("store-select").value = g.store;
      renderInspection(await api.reopenAs(info.id, g.store));
    }).catch((e) => showError("Could not reopen the file.", describe(e))),
  );
  return h("div", { class: "hint", role: "note", "data-testid": "wrong-store", "data-looks-like": g.store },
    h("p", {}, h("strong", {}, `This looks like an ${g.db}`),
      `: ${g.matched} of ${g.db}'s ${g.of} tables are in this file, against ${g.matchedChosen} of ${info.db}'s ${g.ofChosen}. Migrating it as ${info.db} would add ${info.db}'s tables to it.`),
    switchBtn,
  );
}

function renderInspection(info, { keepFocus = false } = {}) {
  current = info;
  const { status, migration } = info;
  const result = $("result");
  result.dataset.scratch = String(info.id);
  result.dataset.store = info.store;

  const migrated = !!migration?.report;
  const migrateBtn = h("button", { type: "button", class: "primary", "data-testid": "migrate" }, migrated ? "Migrated" : "Migrate");
  const [mBtn, mWhy] = guarded(migrateBtn, migrated ? null : migrateBlock(info), "migrate");
  if (migrated) mBtn.disabled = true;
  const downloadBtn = h("button", { type: "button", "data-testid": "download" },
    migrated ? `Download migrated ${info.db}` : migration?.refused || refusedState(status.state) ? `Download ${info.db} (unchanged)` : "Download");
  const adoptBtn = h("button", { type: "button", "data-testid": "adopt" }, `Use this copy as the data directory's ${info.db}…`);
  const [aBtn, aWhy] = guarded(adoptBtn, adoptBlock(info), "adopt");

  mBtn.addEventListener("click", () =>
    busy(mBtn, async () => {
      const next = info.streamed
        ? await withProgress(mBtn.parentElement, `Copying ${info.label} into OPFS`, (p) => api.migrateLarge(info.id, p))
        : await api.migrate(info.id);
      renderInspection(next);
      const m = next.migration;
      announce(m.report ? `Migration done: ${m.report.outcome}, v${m.report.fromVersion} to v${m.report.toVersion}.` : `Migration refused. ${m.refused.message}`);
      result.querySelector("[data-testid=outcome]")?.focus();
    }).catch((err) => showError("Migration failed.", describe(err))),
  );
  downloadBtn.addEventListener("click", () =>
    busy(downloadBtn, async () => {
      let code;
      if (info.streamed) {
        const out = await withProgress(downloadBtn.parentElement, `Streaming ${info.db} out of OPFS`, (p) => api.largeDownload(info.id, p));
        saveFile(out.file, downloadName(info));
        code = out.code;
      } else {
        const out = await api.bytes(info.id);
        saveBytes(out.bytes, downloadName(info));
        code = out.code;
      }
      current = { ...current, code };
      result.querySelector("[data-testid=code]").firstChild.textContent = code;
    }).catch((err) => showError("Download failed.", describe(err))),
  );
  const confirmBox = h("div", { class: "confirm", "data-testid": "adopt-confirm", hidden: !confirming });
  aBtn.addEventListener("click", () => {
    confirming = true;
    renderInspection(current);
    $("result").querySelector("[data-testid=adopt-no]")?.focus();
  });
  if (confirming && !aBtn.disabled) {
    const target = persistentSnap.stores.find((s) => s.store === info.store);
    const what = migrated ? "this migrated copy" : "this copy, as loaded";
    confirmBox.append(
      h("p", { id: "adopt-question", class: "confirm-text", "data-testid": "adopt-question" },
        `Replace the data directory's ${info.db} with ${what}? ${target ? storeSummary(target) : ""}; it will be deleted. `,
        "Then the start-up migration runs on the three files.",
        refusedState(status.state) || migration?.refused
          ? ` It will refuse this ${status.state === "too-new" ? "too-new " : ""}file, and the data directory stays read-only until you replace it again or Reset.`
          : ""),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "danger", "data-testid": "adopt-yes", "aria-describedby": "adopt-question", onclick: (e) =>
          busy(e.currentTarget, async () => {
            confirming = false;
            renderPersistent(await api.adopt(info.id));
            renderInspection(current);
            $("datadir").scrollIntoView({ block: "start" });
            $("datadir-title").focus();
          }).catch((err) => showError(`Could not replace ${info.db}.`, describe(err))) }, `Yes, replace ${info.db}`),
        h("button", { type: "button", "data-testid": "adopt-download", onclick: () => downloadPersistent(info.store) }, `Download the current ${info.db} first`),
        h("button", { type: "button", "data-testid": "adopt-no", onclick: () => {
          confirming = false;
          renderInspection(current);
          $("result").querySelector("[data-testid=adopt]")?.focus();
        } }, "Cancel"),
      ),
    );
  } else confirming = false;
  aBtn.hidden = confirming;

  const actions = [h("div", { class: "actions" }, mBtn, downloadBtn, aBtn), mWhy, aWhy, confirmBox];
  const outcome = h("div", { class: "outcome", "data-testid": "outcome", tabindex: "-1" });
  let body;
  if (migrated) {
    outcome.append(renderReport(migration.report, status, migration.after));
    body = [
      outcome,
      h("h4", { class: "phase" }, "After"),
      renderStatus(migration.after, `${info.label} after migration, tables`, { heading: "h5", openTables: true }),
      actions,
      h("details", { class: "before", "data-testid": "before" },
        h("summary", {}, "Before: ", stateBadge(status.state), ` ${version(status.userVersion)}`),
        renderStatus(status, `${info.label} before migration, tables`, { heading: "h5" })),
    ];
  } else {
    if (migration?.refused) outcome.append(renderRefusal(migration.refused, migration.unchanged));
    body = [
      h("h4", { class: "phase" }, "Read-only status"),
      renderStatus(status, `${info.label}, tables`, { heading: "h5", openTables: true }),
      outcome,
      actions,
    ];
  }

  const focused = keepFocus && result.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
  result.replaceChildren(...[
    h("div", { class: "result-head" },
      h("h3", { "data-testid": "result-title" }, info.label),
      h("p", { class: "muted" }, `${info.source === "scenario" ? "Scenario" : "File"} · ${formatSize(info.size)} · opened as ${info.db}`),
    ),
    codeView(info.code, "the package calls that produced this result"),
    wrongStoreHint(info),
    body,
  ].flat(Infinity).filter(Boolean));
  if (focused) result.querySelector(`[data-testid=${focused}]`)?.focus();
}

async function loadFile(file) {
  if (!file) return;
  const t0 = performance.now();
  const store = $("store-select").value;
  try {
    let info;
    if (file.size > STREAM_ABOVE) {
      // The File itself goes to the worker (a handle on the disk file, not its bytes).
      info = await api.inspectFile(store, file);
    } else {
      const bytes = new Uint8Array(await file.arrayBuffer());
      // Transferred, not copied: the page keeps no reference to the bytes.
      info = await api.inspect(store, file.name, Comlink.transfer(bytes, [bytes.buffer]));
    }
    confirming = false;
    renderInspection(info);
    announce(`${info.label} opened as ${info.db}: ${info.status.state}.`);
    // How long choosing a file took to show its status (read by the e2e suite).
    $("result").dataset.loadMs = (performance.now() - t0).toFixed(1);
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
      busy(button, async () => {
        const info = await api.scenario(button.dataset.scenario);
        confirming = false;
        $("store-select").value = info.store;
        renderInspection(info);
        announce(`${info.label} opened as ${info.db}: ${info.status.state}.`);
      }).catch((e) => showError("The scenario failed.", describe(e))),
    );
  }
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => copyText($(button.dataset.copy).textContent, button));
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
    const quota = Number(new URLSearchParams(location.search).get("quota")) || 0;
    const started = await api.start(storage, Comlink.proxy(renderPersistent), quota);
    pkgInfo = { version: started.version, stores: started.stores };
    $("version-badge").textContent = `v${started.version}`;
    $("store-select").replaceChildren(...started.stores.map((s) => h("option", { value: s.store }, s.fileName)));
    $("inspect").hidden = false;
    renderPersistent(started.persistent);
  } catch (e) {
    showError("Could not start SQLite.", describe(e));
  } finally {
    setLoading(null);
  }
}

start();
