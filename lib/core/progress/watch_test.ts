import assert from "node:assert/strict";
import { join } from "node:path";
import { childReadPosition, watchFileSize } from "./watch.ts";

Deno.test("a file's growth is reported as it is written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "a");
    await Deno.writeFile(path, new Uint8Array(10));
    const seen: number[] = [];
    const w = watchFileSize(path, (n) => seen.push(n), 20);
    await new Promise((r) => setTimeout(r, 60));
    await Deno.writeFile(path, new Uint8Array(100));
    await new Promise((r) => setTimeout(r, 80));
    w.stop();
    assert.equal(seen[0], 10);
    assert.equal(seen.at(-1), 100);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("how far a child process has read a file comes from its descriptor's position", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "archive");
  await Deno.writeFile(path, new Uint8Array(100_000));
  const child = new Deno.Command("sh", {
    args: ["-c", 'exec 3<"$1"; head -c 1000 <&3 >/dev/null; echo ready; sleep 5', "sh", path],
    stdout: "piped",
  }).spawn();
  try {
    const reader = child.stdout.getReader();
    await reader.read();
    assert.equal(childReadPosition(path), 1000);
    assert.equal(childReadPosition(join(dir, "other")), undefined);
    reader.releaseLock();
  } finally {
    child.kill();
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
