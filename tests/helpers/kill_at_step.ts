/**
 * A test hook that kills leger (SIGKILL) at a journal step, with no hook
 * in leger's own code: loaded before main.ts with `deno run --preload`, it
 * wraps `Deno.rename`, and when a rename puts a journal entry in place
 * (`.../journal/<id>.json`, how lib/state/journal.ts writes every step)
 * whose op and step are `LEGER_TEST_KILL_AT=op:step`, the process kills
 * itself right after, or `+N` milliseconds later (`restore:restoring+300`:
 * somewhere in the middle of the import), or, with `LEGER_TEST_KILL_ON=TEXT`,
 * at the first line leger writes to stderr after that step that holds TEXT
 * (`backup:freezing` with `Taking a reflink copy`: the units are frozen, the
 * copy not begun). A child leger started with the same flags (a background
 * `leger recover`) carries the hook too.
 *
 *   deno run -A --preload tests/helpers/kill_at_step.ts main.ts restore web --yes
 *
 * @module
 */
const target = Deno.env.get("LEGER_TEST_KILL_AT") ?? "";
const m = /^([a-z]+):([a-z-]+)(?:\+(\d+))?$/.exec(target);
if (m) {
  const [, op, step, delay] = m;
  const rename = Deno.rename;
  const hooked = async (from: string | URL, to: string | URL) => {
    await rename(from, to);
    const path = String(to);
    if (!/\/journal\/[^/]+\.json$/.test(path)) return;
    let entry: { op?: string; step?: string } = {};
    try {
      entry = JSON.parse(await Deno.readTextFile(path));
    } catch { /* not an entry */ }
    if (entry.op !== op || entry.step !== step) return;
    const die = () => Deno.kill(Deno.pid, "SIGKILL");
    if (text) armed = true;
    else if (delay) setTimeout(die, Number(delay));
    else die();
  };
  Object.defineProperty(Deno, "rename", { value: hooked, configurable: true, writable: true });
  const text = Deno.env.get("LEGER_TEST_KILL_ON") ?? "";
  let armed = false;
  const write = Deno.stderr.writeSync.bind(Deno.stderr);
  const writeSync = (bytes: Uint8Array) => {
    const n = write(bytes);
    if (armed && new TextDecoder().decode(bytes).includes(text)) Deno.kill(Deno.pid, "SIGKILL");
    return n;
  };
  Object.defineProperty(Deno.stderr, "writeSync", { value: writeSync, configurable: true, writable: true });
}
