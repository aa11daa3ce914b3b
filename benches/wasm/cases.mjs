// The timed cases, shared by the Node run and the browser page: each returns a time in ms.
// Same scheme as benches/native_memory.rs: runs/5 untimed warm-up calls, then the fastest of
// `runs` timed calls (on a shared machine the minimum is the figure other load disturbs least;
// medians moved by 2x between runs here, minimums by a few per cent).

export function fastest(runs, f, setup = () => undefined) {
  return timings(runs, f, setup)[0];
}

/** The fastest and the median time of `runs` timed calls, after the warm-up calls. */
export function fastestAndMedian(runs, f, setup = () => undefined) {
  const t = timings(runs, f, setup);
  return [t[0], t[Math.floor(t.length / 2)]];
}

/** The sorted times of `runs` timed calls of `f`, after runs/5 untimed warm-up calls. */
function timings(runs, f, setup) {
  for (let i = 0; i < Math.floor(runs / 5); i++) f(setup());
  const t = [];
  for (let i = 0; i < runs; i++) {
    const input = setup();
    const start = performance.now();
    f(input);
    t.push(performance.now() - start);
  }
  return t.sort((a, b) => a - b);
}

function check(cond, what) {
  if (!cond) throw new Error(`benchmark check failed: ${what}`);
}

/** Fresh objects.db in memory, and v11 adoption from an image (200 agents). */
export function memoryCases({ Database }, legacyImage) {
  const [fresh, freshMedian] = fastestAndMedian(200, () => {
    const db = Database.memory();
    check(db.migrate("objects").toVersion === 4, "fresh objects.db at v4");
    db.close();
  });
  const [adopt, adoptMedian] = fastestAndMedian(100, () => {
    const db = Database.fromBytes(legacyImage);
    check(db.migrate("objects").tablesRenamed.length === 7, "seven v11 tables adopted");
    db.close();
  });
  return { fresh_memory: fresh, adopt_v11_200: adopt, fresh_memory_median: freshMedian, adopt_v11_200_median: adoptMedian };
}
