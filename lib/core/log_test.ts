import assert from "node:assert/strict";
import { priorityPrefix } from "./log.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Runs a logger in a child whose stderr is a file, with JOURNAL_STREAM set (or not) to that file's dev:inode. */
async function logToFile(journalStream: "match" | "other" | "unset"): Promise<string> {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/log.ts`;
  await Deno.writeTextFile(
    script,
    `import { consoleLogger } from "${ROOT}lib/core/log.ts";
const log = consoleLogger({});
log.info("synced 2 secrets");
log.warn("setec did not answer\\nretrying in 30s");
log.error("cannot write the cache");`,
  );
  const set = journalStream === "unset"
    ? ""
    : journalStream === "match"
    ? `JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) `
    : `JOURNAL_STREAM=1:1 `;
  const out = await new Deno.Command("sh", {
    args: ["-c", `exec 2>"${dir}/err"; ${set}exec "${Deno.execPath()}" run -A --quiet "${script}"`],
    env: { NO_COLOR: "" },
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stdout));
  const text = await Deno.readTextFile(`${dir}/err`);
  await Deno.remove(dir, { recursive: true });
  return text;
}

Deno.test("under systemd's journal each line carries its syslog priority, so journalctl -p warning finds warnings", async () => {
  assert.equal(
    await logToFile("match"),
    "<6>synced 2 secrets\n<4>warning: setec did not answer\n<4>retrying in 30s\n<3>error: cannot write the cache\n",
  );
});

Deno.test("no priority prefixes when stderr is not the journal, even if JOURNAL_STREAM was inherited", async () => {
  assert.equal(
    await logToFile("other"),
    "synced 2 secrets\nwarning: setec did not answer\nretrying in 30s\nerror: cannot write the cache\n",
  );
  assert.doesNotMatch(await logToFile("unset"), /^</m);
  assert.equal(priorityPrefix("debug", true), "<7>");
  assert.equal(priorityPrefix("warn", false), "");
});
