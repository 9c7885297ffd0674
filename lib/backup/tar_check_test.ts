import assert from "node:assert/strict";
import { join } from "node:path";
import { createShell } from "../host/shell.ts";
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

Deno.test("a stream cut into chunks of any size gives the members a whole file gives (headers across reads)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "data", "sub"), { recursive: true });
    for (let i = 0; i < 40; i++) {
      await Deno.writeTextFile(join(dir, "data", "sub", `f${i}-${"n".repeat(i * 3)}`), "z".repeat(i * 97));
    }
    const path = await realTar(dir, "posix", "none");
    const bytes = await Deno.readFile(path);
    const names = async (s: ReadableStream<Uint8Array>) => {
      const out: string[] = [];
      for await (const m of tarMembers(s)) out.push(`${m.name} ${m.type} ${m.size}`);
      return out;
    };
    const whole = await names(stream(bytes));
    assert.ok(whole.length > 40);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const largest of [3, 700, 70_000]) {
      const chunked = new ReadableStream<Uint8Array>({
        start(c) {
          for (let at = 0; at < bytes.length;) {
            const n = 1 + Math.floor(random() * largest);
            c.enqueue(bytes.slice(at, at + n));
            at += n;
          }
          c.close();
        },
      });
      assert.deepEqual(await names(chunked), whole, `chunks up to ${largest} bytes`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a damaged or missing compressed archive is a problem that names the decompressor, never a hang", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const $ = createShell();
    await Deno.mkdir(join(dir, "data"));
    await Deno.writeTextFile(join(dir, "data", "a"), "a".repeat(100_000));
    const good = await realTar(dir, "gnu", "zstd");
    const bytes = await Deno.readFile(good);
    const cut = join(dir, "cut.tar.zst");
    await Deno.writeFile(cut, bytes.slice(0, Math.floor(bytes.length / 2)));
    assert.match((await checkArchive($, cut, "zstd", {})).join("\n"), /truncated|zstd could not read it/);
    assert.match((await checkArchive($, join(dir, "none.tar.gz"), "gzip", {}))[0]!, /gzip could not read it/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
