import assert from "node:assert/strict";
import { memoryLogger } from "../../tests/helpers/memory_logger.ts";
import { ExitCode, LegerError } from "../core/errors.ts";
import type { Engine } from "../engine.ts";
import { eachSet } from "./each_set.ts";

const engine = () => ({ log: memoryLogger() }) as unknown as Engine & { log: ReturnType<typeof memoryLogger> };

Deno.test("over all sets, one failure does not stop the others; the failures are reported together", async () => {
  const e = engine();
  const seen: string[] = [];
  const error = await eachSet(e, "apply", ["a", "b", "c"], true, (name) => {
    seen.push(name);
    if (name === "b") {
      return Promise.reject(
        new LegerError("Cannot apply b: web.service did not come up", { exitCode: ExitCode.rolledBack }),
      );
    }
    return Promise.resolve(name.toUpperCase());
  }).catch((x) => x);
  assert.deepEqual(seen, ["a", "b", "c"]);
  assert.ok(error instanceof LegerError);
  assert.equal(error.exitCode, ExitCode.rolledBack);
  assert.match(
    error.message,
    /Cannot apply all: 1 of 3 set\(s\) failed: b \(Cannot apply b: web.service did not come up\)/,
  );
  assert.deepEqual(error.details?.done, ["A", "C"]);
  assert.match(e.log.text(), /error: b: Cannot apply b/);
});

Deno.test("for one named set the error passes through unchanged", async () => {
  const original = new LegerError("Cannot stage web: nope", { exitCode: ExitCode.notFound });
  const error = await eachSet(engine(), "stage", ["web"], false, () => Promise.reject(original)).catch((x) => x);
  assert.equal(error, original);
  assert.deepEqual(await eachSet(engine(), "stage", ["x"], false, (n) => Promise.resolve(n)), ["x"]);
});
