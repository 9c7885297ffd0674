import assert from "node:assert/strict";
import type { ProgressUpdate } from "../core/progress/meter.ts";
import { gitProgress, parseGitProgress } from "./git_progress.ts";

Deno.test("git's receiving lines give the bytes and the percent; other lines give nothing", () => {
  assert.deepEqual(parseGitProgress("Receiving objects:  45% (450/1000), 12.50 MiB | 2.00 MiB/s"), {
    bytes: 13107200,
    percent: 45,
  });
  assert.deepEqual(parseGitProgress("Receiving objects: 100% (3/3), 512 bytes | 1 KiB/s, done."), {
    bytes: 512,
    percent: 100,
  });
  assert.equal(parseGitProgress("remote: Counting objects: 100% (3/3), done."), undefined);
  assert.equal(parseGitProgress("Receiving objects:  10% (1/10)"), undefined, "no size yet");
});

Deno.test("a fetch's stderr reports progress as it comes and keeps the other lines for errors", async () => {
  const seen: ProgressUpdate[] = [];
  const g = gitProgress({ progress: (u) => seen.push(u) }, "fetch https://example.org/big.git");
  const w = g.stderr.getWriter();
  const enc = new TextEncoder();
  await w.write(
    enc.encode("remote: Enumerating objects: 5, done.\nReceiving objects:  50% (5/10), 1.00 MiB | 1.00 MiB/s\r"),
  );
  await w.write(enc.encode("Receiving objects: 100% (10/10), 2.00 MiB | 1.00 MiB/s, done.\nfatal: something broke\n"));
  await w.close();
  g.end();
  assert.equal(seen[0]!.done, 1048576);
  assert.equal(seen[0]!.total, 2097152);
  assert.equal(seen[0]!.estimated, true);
  assert.ok(seen.at(-1)!.finished);
  assert.equal(g.text(), "fatal: something broke");
});
