import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultConfig } from "../config.ts";
import type { Engine } from "../engine.ts";
import type { LegerError } from "../core/errors.ts";
import { sha256File } from "../core/fs.ts";
import { createShell } from "../host/shell.ts";
import { archiveSuffix, chooseCompression, compressorArgv, streamFromFile, streamToFile } from "./stream.ts";

const $ = createShell();
/** A consumer that runs `script` with the source file as its stdin. */
const reads = (script: string) => (from: string) => ["sh", "-c", `(${script}) < "$1"`, "sh", from];

Deno.test("streamToFile hashes exactly the bytes it writes, and streamFromFile feeds them back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const c of ["zstd", "gzip", "none"] as const) {
      const file = join(dir, `a${archiveSuffix(c)}`);
      const w = await streamToFile($, ["sh", "-c", "head -c 3000000 /dev/urandom | base64"], c, file, "test");
      assert.equal(w.sha256, await sha256File(file));
      assert.equal(w.sizeBytes, (await Deno.stat(file)).size);
      assert.equal(((await Deno.stat(file)).mode ?? 0) & 0o777, 0o600);
      const out = join(dir, `out-${c}`);
      await streamFromFile($, file, c, reads(`cat > ${out}`), "test");
      assert.ok((await Deno.stat(out)).size > 3_000_000);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a full disk while writing the archive is reported as such", async () => {
  await assert.rejects(
    streamToFile($, ["head", "-c", "5000000", "/dev/urandom"], "none", "/dev/full", "back up volume v"),
    (e: LegerError) => {
      assert.match(e.message, /^Cannot back up volume v: writing \/dev\/full failed: No space left on device/);
      assert.match(e.hint ?? "", /backup-dir/);
      return true;
    },
  );
  await assert.rejects(
    streamToFile($, ["head", "-c", "5000000", "/dev/urandom"], "zstd", "/dev/full", "back up volume v"),
    /writing \/dev\/full failed: No space left on device/,
  );
});

Deno.test("a producer that fails midway fails the stream with its message", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      streamToFile(
        $,
        ["sh", "-c", "head -c 100000 /dev/zero; echo 'Error: volume gone' >&2; exit 125"],
        "zstd",
        join(dir, "x"),
        "back up volume v",
      ),
      /Cannot back up volume v: sh -c head -c 100000 .* failed: Error: volume gone/,
    );
    await assert.rejects(
      streamToFile($, ["sh", "-c", "exit 3"], "zstd", join(dir, "y"), "back up volume v"),
      /failed: exit 3/,
    );
    // A producer that cannot start: an error naming it, never a hang on the FIFO.
    await assert.rejects(
      streamToFile($, ["no-such-exporter", "v"], "zstd", join(dir, "z"), "back up volume v"),
      /Cannot back up volume v: no-such-exporter v failed: .*not found/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("streamFromFile reports a damaged archive and a failing consumer", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad = join(dir, "bad.tar.zst");
    await Deno.writeTextFile(bad, "this is not zstd");
    await assert.rejects(
      streamFromFile($, bad, "zstd", reads("cat > /dev/null"), "restore volume v"),
      /Cannot restore volume v: zstd could not read/,
    );
    const gz = join(dir, "v.tar.gz");
    await Deno.writeTextFile(gz, "x".repeat(100));
    await assert.rejects(
      streamFromFile(
        $,
        gz,
        "gzip",
        () => ["sh", "-c", "echo 'Error: no such volume v' >&2; exit 125"],
        "restore volume v",
      ),
      /Cannot restore volume v: sh -c echo .* failed: Error: no such volume v/,
      "a consumer that fails before opening the pipe does not leave the decompressor hanging",
    );
    const good = join(dir, "good.tar");
    await Deno.writeTextFile(good, "data");
    await assert.rejects(
      streamFromFile(
        $,
        good,
        "none",
        reads("cat >/dev/null; echo 'Error: no such volume v' >&2; exit 125"),
        "restore volume v",
      ),
      /Cannot restore volume v: sh -c \(cat.* failed: Error: no such volume v/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chooseCompression follows backup-compression and what the host has", async () => {
  const engineWith = (setting: "auto" | "zstd" | "gzip" | "none", $: Pick<Engine["$"], "commandExists">) => {
    const config = defaultConfig();
    config["backup-compression"] = setting;
    return { config, $ } as unknown as Engine;
  };
  // This machine's tools (CI installs zstd), then a host that has none: asked through the engine's shell, never by
  // changing this process's PATH, which the test files running beside this one share.
  const real = createShell();
  assert.equal(await chooseCompression(engineWith("none", real)), "none");
  assert.equal(await chooseCompression(engineWith("auto", real)), "zstd");
  assert.equal(await chooseCompression(engineWith("gzip", real)), "gzip");
  const bare = { commandExists: () => Promise.resolve(false) };
  assert.equal(await chooseCompression(engineWith("auto", bare)), "none");
  await assert.rejects(chooseCompression(engineWith("zstd", bare)), (e: LegerError) => {
    assert.match(e.message, /Cannot compress backups with zstd: it is not installed/);
    return true;
  });
  const gzipOnly = { commandExists: (name: string) => Promise.resolve(name === "gzip") };
  assert.equal(await chooseCompression(engineWith("auto", gzipOnly)), "gzip");
  assert.deepEqual(compressorArgv("gzip", true), ["gzip", "-d", "-c"]);
  assert.equal(compressorArgv("none"), undefined);
});
