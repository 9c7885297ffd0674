import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell } from "../../host/shell.ts";
import type { LegerError } from "../../core/errors.ts";
import { makeTar } from "../tar_fixtures_test.ts";
import { importChecked, UnsafeArchiveError } from "./checked.ts";

const $ = createShell();
/** A consumer that copies what it reads to `out` (what `podman volume import` would extract). */
const copyTo = (out: string) => (from: string) => ["sh", "-c", 'cat "$1" > "$2"', "sh", from, out];

async function write(dir: string, tar: Uint8Array, compression: "zstd" | "none"): Promise<string> {
  const path = join(dir, compression === "zstd" ? "a.tar.zst" : "a.tar");
  if (compression === "none") {
    await Deno.writeFile(path, tar);
    return path;
  }
  const z = new Deno.Command("zstd", { args: ["-q", "-c"], stdin: "piped", stdout: "piped" }).spawn();
  const w = z.stdin.getWriter();
  await w.write(tar);
  await w.close();
  await Deno.writeFile(path, (await z.output()).stdout);
  return path;
}

Deno.test("a whole archive passes through the check unchanged, byte for byte (zstd and plain)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const big = new Uint8Array(3 << 20).map((_, i) => (i * 7919) % 251);
    const tar = makeTar([
      { name: "d", type: "5" },
      { name: "d/big", data: big },
      { name: "d/link", type: "2", linkname: "big" },
      { name: "small", data: "x" },
    ]);
    for (const c of ["zstd", "none"] as const) {
      const out = join(dir, `out-${c}`);
      await importChecked($, await write(dir, tar, c), c, {}, copyTo(out), "test");
      assert.deepEqual(await Deno.readFile(out), tar, c);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a member that may not be extracted never reaches the consumer, nor anything after it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const before = [{ name: "ok", data: "fine" }, { name: "big", data: new Uint8Array(200_000).fill(65) }];
    // [members that pass, the first that may not be extracted]
    type M = Parameters<typeof makeTar>[0];
    const cases: Array<[M, M[number], RegExp]> = [
      [[], { name: "../../.bashrc", data: "evil" }, /climbs out with "\.\."/],
      [[], { name: "out", type: "2", linkname: "/etc" }, /absolute path "\/etc"/],
      [[{ name: "in", type: "2", linkname: "sub" }], { name: "in/x", data: "x" }, /written through the link "in"/],
      [[], { name: "sda", type: "4" }, /device file/],
      [[], { name: "su", data: "x", mode: 0o4755 }, /setuid/],
    ];
    for (const [fine, bad, message] of cases) {
      for (const c of ["zstd", "none"] as const) {
        const tar = makeTar([...before, ...fine, bad, { name: "after", data: "later" }]);
        const out = join(dir, "out");
        await Deno.remove(out).catch(() => {});
        await assert.rejects(
          importChecked($, await write(dir, tar, c), c, {}, copyTo(out), "test"),
          (e: Error) => {
            assert.ok(e instanceof UnsafeArchiveError, e.message);
            assert.match(e.message, message);
            return true;
          },
        );
        // What the consumer got (if it got to write anything before it was stopped): only the members before.
        const got = await Deno.readFile(out).catch(() => new Uint8Array());
        const checked = makeTar([...before, ...fine], { noEnd: true });
        assert.ok(got.length <= checked.length, `${message}: ${got.length} bytes passed, ${checked.length} checked`);
        assert.deepEqual(got, checked.subarray(0, got.length));
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a truncated or damaged archive fails the import; a consumer that fails is named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tar = makeTar([{ name: "a", data: "x".repeat(3000) }]);
    const out = join(dir, "out");
    await assert.rejects(
      importChecked($, await write(dir, tar.slice(0, 1024), "none"), "none", {}, copyTo(out), "test"),
      (e: Error) => e instanceof UnsafeArchiveError && /truncated/.test(e.message),
    );
    await assert.rejects(
      importChecked(
        $,
        await write(dir, makeTar([{ name: "a" }], { noEnd: true }), "none"),
        "none",
        {},
        copyTo(out),
        "t",
      ),
      (e: Error) => e instanceof UnsafeArchiveError && /truncated/.test(e.message),
    );
    const z = await write(dir, tar, "zstd");
    const bytes = await Deno.readFile(z);
    await Deno.writeFile(z, bytes.slice(0, Math.floor(bytes.length / 2)));
    await assert.rejects(
      importChecked($, z, "zstd", {}, copyTo(out), "test"),
      (e: Error) => e instanceof UnsafeArchiveError && /zstd could not read it|truncated/.test(e.message),
    );
    const big = makeTar([{ name: "a", data: new Uint8Array(4 << 20) }]);
    await assert.rejects(
      importChecked(
        $,
        await write(dir, big, "zstd"),
        "zstd",
        {},
        () => ["sh", "-c", "echo no such volume >&2; exit 125"],
        "restore volume v",
      ),
      (e: LegerError) => {
        assert.ok(!(e instanceof UnsafeArchiveError));
        assert.match(e.message, /Cannot restore volume v: sh -c echo no such volume.* failed: no such volume/);
        return true;
      },
    );
    // A consumer that stops reading half way (a full disk, a podman error): its failure, not the archive's.
    await assert.rejects(
      importChecked(
        $,
        await write(dir, big, "zstd"),
        "zstd",
        {},
        (from) => ["sh", "-c", 'head -c 1000 "$1" >/dev/null; echo disk full >&2; exit 3', "sh", from],
        "restore volume v",
      ),
      (e: LegerError) => {
        assert.ok(!(e instanceof UnsafeArchiveError), e.message);
        assert.match(e.message, /Cannot restore volume v: .* failed: disk full/);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
