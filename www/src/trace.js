// Writes down the package calls the worker makes, as the JavaScript a reader would type to make
// them, so the page's "Code" view is generated from what ran rather than kept by hand.

/** An argument shown by name (a variable in the generated code) instead of by value. */
export const named = (name, value) => ({ named: name, value });

const shown = (a) => (a && typeof a === "object" && "named" in a ? a.named : JSON.stringify(a));
const value = (a) => (a && typeof a === "object" && "named" in a ? a.value : a);

/** A one-line summary of a returned value, for the comment after the call. */
function summary(v) {
  if (v === undefined) return "";
  if (v instanceof Uint8Array) return `${v.byteLength.toLocaleString("en")} bytes`;
  if (Array.isArray(v)) {
    if (v.every((r) => r && typeof r === "object" && "outcome" in r)) return `[${v.map(summary).join(", ")}]`;
    try {
      const json = JSON.stringify(v);
      if (json.length <= 80) return json;
    } catch {
      /* a bigint: fall through to the count */
    }
    return `${v.length} row${v.length === 1 ? "" : "s"}`;
  }
  if (v && typeof v === "object") {
    if ("outcome" in v) return `${v.db} ${v.outcome} v${v.fromVersion} → v${v.toVersion}`;
    if ("state" in v) return `${v.db}: ${v.state}, user_version ${v.userVersion ?? "unreadable"}`;
    return "";
  }
  return JSON.stringify(v);
}

export class Trace {
  constructor() {
    this.lines = [];
    this.imports = new Set();
  }

  /** A line that is not a package call (where the bytes came from, a comment). */
  note(line) {
    this.lines.push(line);
  }

  /**
   * Run `target[method](...args)` and record it as `const assign = targetName.method(args);`,
   * with what it returned, or what it threw, as a comment. `targetName` null means a function
   * imported from the package (`target` is then the package module).
   */
  call(assign, targetName, target, method, args = []) {
    if (targetName === null) this.imports.add(method);
    else if (targetName === "Database") this.imports.add("Database");
    const callee = targetName === null ? method : `${targetName}.${method}`;
    const text = `${assign ? `const ${assign} = ` : ""}${callee}(${args.map(shown).join(", ")});`;
    try {
      const out = target[method](...args.map(value));
      const sum = summary(out);
      this.lines.push(sum && assign ? `${text} // ${sum}` : text);
      return out;
    } catch (e) {
      this.lines.push(`${text} // throws ${e?.name ?? "Error"}: ${e?.message ?? e}`);
      throw e;
    }
  }

  /** The whole program: the import line, `await init()`, then every recorded line. */
  text(...more) {
    const imports = new Set(this.imports);
    for (const t of more) for (const i of t.imports) imports.add(i);
    const names = [...imports].sort();
    const head = [
      `import init${names.length ? `, { ${names.join(", ")} }` : ""} from "agentmux-schema";`,
      "",
      "await init(); // browsers and bundlers; in Node the import alone is enough",
    ];
    return [...head, ...this.lines, ...more.flatMap((t) => t.lines)].join("\n");
  }
}
