import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell } from "../shell.ts";
import { checkArchive, checkTarStream, tarMembers } from "./tar_check.ts";
import { makeTar } from "./tar_fixtures_test.ts";

const stream = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();

async function realTar(dir: string, format: string, compression: "zstd" | "gzip" | "none", parent = false) {
  const out = join(dir, `a-${format}.tar`);
  const args = parent ? ["-C", dir, "-cf", out, "data"] : ["-C", join(dir, "data"), "-cf", out, "."];
  const r = await new Deno.Command("tar", { args: [`--format=${format}`, ...args] }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  if (compression === "none") return out;
  const z = await new Deno.Command(compression, { args: compression === "zstd" ? ["-q", "--rm", out] : [out] })
    .output();
  assert.equal(z.code, 0);
  return out + (compression === "zstd" ? ".zst" : ".gz");
}

Deno.test("archives written by tar (gnu long names, pax, ustar; zstd, gzip) read back whole and pass", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const long = "d".repeat(120) + "/" + "f".repeat(150) + " with spaces -> and arrows\nand a newline";
    await Deno.mkdir(join(dir, "data", "d".repeat(120)), { recursive: true });
    await Deno.writeTextFile(join(dir, "data", long), "x".repeat(1000));
    await Deno.writeTextFile(join(dir, "data", "small"), "y");
    await Deno.symlink("small", join(dir, "data", "link"));
    await Deno.link(join(dir, "data", "small"), join(dir, "data", "hard"));
    const $ = createShell();
    for (const [format, compression] of [["gnu", "zstd"], ["posix", "gzip"], ["gnu", "none"]] as const) {
      const path = await realTar(dir, format, compression);
      assert.deepEqual(await checkArchive($, path, compression, {}), [], `${format} ${compression}`);
    }
    const pax = await realTar(dir, "posix", "none");
    const names = [];
    for await (const m of tarMembers((await Deno.open(pax)).readable)) names.push(m.name.replace(/^\.\//, ""));
    assert.ok(names.includes(long), names.join("|"));
    // A bind archive (tar -C parent base) must stay below its base.
    const bind = await realTar(dir, "gnu", "gzip", true);
    assert.deepEqual(await checkArchive($, bind, "gzip", { top: "data" }), []);
    assert.match((await checkArchive($, bind, "gzip", { top: "other" }))[0]!, /is not inside "other"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("member checks: what leaves its target is named, at most five problems", async () => {
  const problems = await checkTarStream(
    stream(makeTar([
      { name: "./ok/file", data: "x" },
      { name: "ok/rel", type: "2", linkname: "../ok/file" },
      { name: "a/../../b", data: "x" },
      { name: "/abs" },
      { name: "l", type: "2", linkname: "x/../../y" },
      { name: "c", type: "3" },
      { name: "f", type: "6" },
      { name: "h", type: "1", linkname: "../x" },
      { name: "s", type: "S" },
    ])),
    {},
  );
  assert.deepEqual(problems, [
    '"a/../../b" climbs out with ".."',
    '"/abs" is an absolute name',
    '"l" is a link out of its folder',
    '"c" is a device file',
    '"h" is a hard link to "../x", out of its folder',
  ]);
});

Deno.test("a damaged header or an archive cut short is refused", async () => {
  const good = makeTar([{ name: "a", data: "hello" }]);
  const bad = good.slice();
  bad[0] = "b".charCodeAt(0);
  assert.match((await checkTarStream(stream(bad), {}))[0]!, /checksum does not match/);
  assert.match((await checkTarStream(stream(good.slice(0, 600)), {}))[0]!, /truncated \(it ends inside a\)/);
  assert.match((await checkTarStream(stream(new Uint8Array(0)), {}))[0]!, /truncated/);
  assert.deepEqual(await checkTarStream(stream(good), {}), []);
});
