/**
 * Hashing an archive while the compressor still writes it gives the hash of
 * the whole file, however the writes and the reads interleave.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256, sha256File, sha256Growing } from "./fs.ts";

Deno.test("a file hashed as it grows has the hash of the whole file once the writer is done", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "archive");
    await Deno.writeFile(path, new Uint8Array());
    const chunks = Array.from({ length: 40 }, (_, i) => new Uint8Array(i * 7919 % 300_000).fill(i));
    const writing = (async () => {
      using out = await Deno.open(path, { append: true });
      for (const [i, chunk] of chunks.entries()) {
        await out.write(chunk);
        // Pauses longer and shorter than the reader's wait, so it catches up and falls behind.
        if (i % 5 === 0) await new Promise((r) => setTimeout(r, i % 10 === 0 ? 45 : 3));
      }
    })();
    const hashed = await sha256Growing(path, writing);
    assert.equal(hashed, await sha256(new Uint8Array(await new Blob(chunks).arrayBuffer())));
    assert.equal(hashed, await sha256File(path));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a writer that fails still ends the hashing (its result is then not used)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "archive");
    await Deno.writeTextFile(path, "partial");
    const failing = new Promise((_, reject) => setTimeout(() => reject(new Error("zstd died")), 30));
    assert.equal(await sha256Growing(path, failing), await sha256(new TextEncoder().encode("partial")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
