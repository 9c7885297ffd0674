import assert from "node:assert/strict";
import { humanSize, progressLine, shortDuration, startProgress } from "./meter.ts";
import type { ProgressUpdate } from "./meter.ts";

Deno.test("progress reports at most every interval, with the rate over the last seconds and the time left", () => {
  let t = 0;
  const seen: ProgressUpdate[] = [];
  const task = startProgress({ progress: (u) => seen.push(u) }, "back up volume data", {
    total: 1000 * 1048576,
    now: () => t,
  });
  t = 1000;
  task.update(100 * 1048576); // first report at once
  t = 1200;
  task.update(120 * 1048576); // within 500 ms: held back
  t = 2000;
  task.update(200 * 1048576);
  task.end();
  assert.equal(seen.length, 3);
  assert.equal(seen[0]!.done, 100 * 1048576);
  assert.equal(Math.round(seen[1]!.rate / 1048576), 100, "100 MiB a second");
  assert.equal(seen[1]!.etaSeconds, 8, "800 MiB left at 100 MiB/s");
  assert.ok(seen[2]!.finished);
  assert.equal(seen[2]!.etaSeconds, undefined);
  task.update(5);
  task.end();
  assert.equal(seen.length, 3, "nothing after the end");
});

Deno.test("a logger without progress gets nothing, and costs nothing", () => {
  const task = startProgress({}, "x", { total: 10 });
  task.update(5);
  task.end();
});

Deno.test("a total smaller than what is done grows with it (an estimate that was too low)", () => {
  let t = 0;
  const seen: ProgressUpdate[] = [];
  const task = startProgress({ progress: (u) => seen.push(u) }, "x", { total: 10, estimated: true, now: () => t });
  t = 1000;
  task.update(50);
  assert.equal(seen[0]!.total, 50);
  assert.equal(seen[0]!.estimated, true);
});

Deno.test("progress lines read as people say it", () => {
  assert.equal(humanSize(512), "512 B");
  assert.equal(humanSize(412 * 1048576), "412.0 MiB");
  assert.equal(humanSize(1.2 * 1073741824), "1.2 GiB");
  assert.equal(shortDuration(7), "7 s");
  assert.equal(shortDuration(185), "3 min 5 s");
  assert.equal(shortDuration(7800), "2 h 10 min");
  assert.equal(
    progressLine({
      task: "back up volume data",
      done: 412 * 1048576,
      total: 1073741824,
      estimated: true,
      rate: 85 * 1048576,
      etaSeconds: 7,
      finished: false,
    }),
    "back up volume data: 412.0 MiB of ~1.0 GiB, 85.0 MiB/s, about 7 s left",
  );
  assert.equal(progressLine({ task: "t", done: 10, rate: 0, finished: true }), "t: 10 B, done");
});
