/**
 * The set loader against hostile folders: links out (never read, never
 * printed), devices and FIFOs, a 1 GiB sparse file, 10,000 files, names
 * with control characters, line breaks or bytes that are not UTF-8,
 * non-UTF-8 text and bundle members whose FileName= escapes. Each is
 * refused quickly, naming the file; links that stay inside still work.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LegerError } from "../core/errors.ts";
import { collectSet } from "./collect.ts";
import { readSetFile, SET_LIMITS, walkSet } from "./load_set.ts";
import { validatePath } from "./validate_path.ts";

const MARKER = "MARKER-7c1f-do-not-print";
const UNIT = "[Container]\nImage=docker.io/library/nginx:1.27\n";

async function folder(files: Record<string, string> = {}): Promise<{ root: string; set: string }> {
  const root = await Deno.makeTempDir({ prefix: "leger-hostile-" });
  const set = join(root, "set");
  await Deno.mkdir(set);
  await Deno.writeTextFile(join(root, "secret.txt"), `[Container]\nImage=${MARKER}\nEnvironment=${MARKER}\n`);
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(set, name), text);
  return { root, set };
}

async function refusedBy(p: Promise<unknown>): Promise<LegerError> {
  let caught: unknown;
  await p.catch((e) => (caught = e));
  assert.ok(caught instanceof LegerError, `expected a refusal, got ${caught}`);
  assert.equal(caught.exitCode, 3);
  assert.ok(!caught.message.includes(MARKER) && !(caught.hint ?? "").includes(MARKER));
  return caught;
}

Deno.test("a unit that is a link out of the set is refused by name, its target never read or printed", async () => {
  const { root, set } = await folder();
  await Deno.symlink(join(root, "secret.txt"), join(set, "web.container"));
  const e = await refusedBy(collectSet(set, "./set"));
  assert.match(e.message, /web\.container points outside the set/);
  assert.ok(!e.message.includes(root + "/secret.txt"), "the link's target is not shown");
  const report = await validatePath(set, { rootless: true, podmanVersion: "5.8" });
  assert.deepEqual(report.diagnostics.map((d) => [d.file, d.severity, d.code]), [
    ["web.container", "error", "set/link-outside"],
  ]);
  assert.ok(!JSON.stringify(report).includes(MARKER));
  const single = await validatePath(join(set, "web.container"), { rootless: true, podmanVersion: "5.8" });
  assert.equal(single.ok, false);
  assert.ok(!JSON.stringify(single).includes(MARKER));
  await Deno.remove(root, { recursive: true });
});

Deno.test("links to env files, drop-in folders and relative links out are refused; links inside still work", async () => {
  const { root, set } = await folder({ "web.container": UNIT + "EnvironmentFile=app.env\n" });
  await Deno.symlink("../secret.txt", join(set, "app.env"));
  assert.match((await refusedBy(collectSet(set, "s"))).message, /app\.env points outside the set/);
  await Deno.remove(join(set, "app.env"));
  await Deno.symlink("../../gone/secret.txt", join(set, "app.env"));
  assert.match((await refusedBy(collectSet(set, "s"))).message, /app\.env points outside the set/);
  await Deno.remove(join(set, "app.env"));
  await Deno.mkdir(join(root, "outside.d"));
  await Deno.writeTextFile(join(root, "outside.d/10-x.conf"), `[Container]\nEnvironment=${MARKER}\n`);
  await Deno.writeTextFile(join(set, "app.env"), "A=1\n");
  await Deno.symlink(join(root, "outside.d"), join(set, "web.container.d"));
  assert.match((await refusedBy(collectSet(set, "s"))).message, /web\.container\.d points outside the set/);
  await Deno.remove(join(set, "web.container.d"));
  // A template instance made by a link to its template is legitimate.
  await Deno.writeTextFile(join(set, "sleep@.container"), UNIT + "Exec=sleep %i\n");
  await Deno.symlink("sleep@.container", join(set, "sleep@10.container"));
  const files = await collectSet(set, "s");
  assert.deepEqual(files.map((f) => f.name), ["app.env", "sleep@.container", "sleep@10.container", "web.container"]);
  assert.equal(files.find((f) => f.name === "sleep@10.container")!.text, UNIT + "Exec=sleep %i\n");
  await Deno.remove(root, { recursive: true });
});

Deno.test("FIFOs and devices are refused without being opened", async () => {
  const { root, set } = await folder({ "web.container": UNIT + "EnvironmentFile=app.env\n" });
  const mk = await new Deno.Command("mkfifo", { args: [join(set, "app.env")] }).output();
  assert.equal(mk.code, 0);
  const t0 = performance.now();
  assert.match((await refusedBy(collectSet(set, "s"))).message, /app\.env is a device, FIFO or socket/);
  await Deno.remove(join(set, "app.env"));
  await new Deno.Command("mkfifo", { args: [join(set, "db.container")] }).output();
  const report = await validatePath(set, { rootless: true, podmanVersion: "5.8" });
  assert.ok(report.diagnostics.some((d) => d.file === "db.container" && d.code === "set/special-file"));
  assert.ok(performance.now() - t0 < 5000, "nothing blocked on the FIFO");
  const dev = await new Deno.Command("mknod", { args: [join(set, "null.container"), "c", "1", "3"] }).output();
  if (dev.code === 0) {
    assert.match((await refusedBy(collectSet(set, "s"))).message, /is a device, FIFO or socket/);
  }
  await Deno.remove(root, { recursive: true });
});

Deno.test("a 1 GiB sparse unit and 10,000 files are refused quickly", async () => {
  const { root, set } = await folder({ "web.container": UNIT });
  using big = await Deno.open(join(set, "big.container"), { write: true, create: true });
  await big.truncate(1 << 30);
  let t0 = performance.now();
  const e = await refusedBy(collectSet(set, "s"));
  assert.match(e.message, /big\.container is 1073741824 bytes, more than the 4194304/);
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
  await Deno.remove(join(set, "big.container"));
  for (let i = 0; i < 10_000; i++) await Deno.writeTextFile(join(set, `f${i}.container`), "");
  t0 = performance.now();
  assert.match((await refusedBy(collectSet(set, "s"))).message, /more than 2000 entries/);
  const report = await validatePath(set, { rootless: true, podmanVersion: "5.8" });
  assert.deepEqual(report.diagnostics.map((d) => d.code), ["set/too-many-files"]);
  assert.ok(performance.now() - t0 < 5000, `took ${performance.now() - t0} ms`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("names with control characters, line breaks or non-UTF-8 bytes, and non-UTF-8 text, are refused", async () => {
  for (const bad of ["web\n.container", "a\x1b[2J.container", "tab\t.container"]) {
    const { root, set } = await folder({ "ok.container": UNIT });
    await Deno.writeTextFile(join(set, bad), UNIT);
    const e = await refusedBy(collectSet(set, "s"));
    assert.match(e.message, /holds control characters/);
    // deno-lint-ignore no-control-regex
    assert.ok(!/[\x00-\x1f]/.test(e.message), "the name is escaped in the message");
    await Deno.remove(root, { recursive: true });
  }
  const { root, set } = await folder({ "ok.container": UNIT });
  const sh = await new Deno.Command("bash", { args: ["-c", `cd '${set}' && : > $'\\xff\\xfe.container'`] }).output();
  assert.equal(sh.code, 0);
  assert.match((await refusedBy(collectSet(set, "s"))).message, /bytes that are not UTF-8/);
  await new Deno.Command("bash", { args: ["-c", `rm -f '${set}'/*.container`] }).output();
  await Deno.writeFile(join(set, "web.container"), new Uint8Array([0x5b, 0xff, 0xfe, 0x5d, 0x0a]));
  assert.match((await refusedBy(collectSet(set, "s"))).message, /web\.container is not UTF-8 text/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("bundle members whose FileName= escapes, and names with .. or absolute, are refused", async () => {
  const { root, set } = await folder({
    "app.quadlets": `# FileName=../../evil\n${UNIT}---\n# FileName=ok\n${UNIT}`,
  });
  assert.match((await refusedBy(collectSet(set, "s"))).message, /app\.quadlets line 1: FileName '\.\.\/\.\.\/evil'/);
  await Deno.writeTextFile(join(set, "app.quadlets"), `# FileName=ok\n${UNIT}`);
  await Deno.writeTextFile(join(set, "web.container"), UNIT + "EnvironmentFile=../secret.txt\n");
  assert.match((await refusedBy(collectSet(set, "s"))).message, /outside the set/);
  assert.equal((await readSetFile(set, "/etc/passwd") as { code: string }).code, "set/bad-name");
  assert.equal((await readSetFile(set, "a/../../secret.txt") as { code: string }).code, "set/bad-name");
  await Deno.remove(root, { recursive: true });
});

Deno.test("the walk reads only what it is asked to, and limits hold for the total too", async () => {
  const { root, set } = await folder({ "web.container": UNIT, "README.md": "docs\n" });
  await Deno.symlink(join(root, "secret.txt"), join(set, "notes.txt"));
  const tree = await walkSet(set, { read: (n) => n.endsWith(".container"), matters: (n) => n.endsWith(".container") });
  assert.deepEqual(tree.refused, []);
  assert.deepEqual(tree.files.map((f) => [f.name, f.bytes !== undefined]), [["README.md", false], [
    "web.container",
    true,
  ]]);
  const small = { ...SET_LIMITS, totalBytes: 10 };
  const t = await walkSet(set, { read: () => true, limits: small });
  assert.ok(t.refused.some((r) => r.code === "set/link-outside" && r.file === "notes.txt"));
  assert.ok(t.refused.some((r) => r.code === "set/too-large" && /together/.test(r.message)));
  await Deno.remove(root, { recursive: true });
});

Deno.test("a .build's secret file (src= beside the unit) is taken along with the set", async () => {
  const { root, set } = await folder({
    "app.build": "[Build]\nImageTag=localhost/app\nSetWorkingDirectory=unit\nSecret=id=tok,src=tok.txt\n",
    "tok.txt": "s3cret\n",
    "Containerfile": "FROM scratch\n",
  });
  assert.deepEqual((await collectSet(set, "s")).map((f) => f.name), ["app.build", "tok.txt"]);
  await Deno.remove(root, { recursive: true });
});
