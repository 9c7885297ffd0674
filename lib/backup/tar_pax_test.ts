import assert from "node:assert/strict";
import { join } from "node:path";
import { checkTarStream } from "./tar_check.ts";
import { makeTar, paxBody } from "./tar_fixtures_test.ts";

const stream = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();

/**
 * The review's forgery: a PAX record of multi-byte characters whose byte length, read as a count of
 * characters, swallows the next record, a second `path=`. The header names `app/ok`; GNU tar extracts
 * `cron.d/evil` beside the bind's folder.
 */
function forged(): Uint8Array {
  return makeTar([
    { name: "app", type: "5", mode: 0o755 },
    { name: "pax", type: "x", data: paxBody([["uname", "é".repeat(40)], ["path", "cron.d/evil"]]) },
    { name: "app/ok", data: "* * * * * root touch /tmp/pwned\n" },
  ]);
}

Deno.test("PAX records are read on bytes: a multi-byte record cannot hide a second path", async () => {
  const problems = await checkTarStream(stream(forged()), { top: "app" });
  assert.deepEqual(problems, ['"cron.d/evil" is not inside "app", the folder this archive restores']);
});

Deno.test("GNU tar really extracts the hidden path of the forged archive (what the check guards against)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leger-pax-" });
  const file = join(dir, "forged.tar");
  await Deno.writeFile(file, forged());
  await Deno.mkdir(join(dir, "out"));
  const r = await new Deno.Command("tar", { args: ["-C", join(dir, "out"), "-xf", file] }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  assert.ok((await Deno.stat(join(dir, "out/cron.d/evil"))).isFile);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("what leger cannot read as tar would is refused: global headers, repeats, unknown and broken records", async () => {
  const file = { name: "data/x", data: "x" };
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["global", makeTar([{ name: "g", type: "g", data: paxBody([["path", "evil"]]) }, file]), /global header/],
    [
      "repeated path",
      makeTar([{ name: "p", type: "x", data: paxBody([["path", "a"], ["path", "b"]]) }, file]),
      /twice/,
    ],
    [
      "two x headers",
      makeTar([{ name: "p", type: "x", data: paxBody([["path", "a"]]) }, {
        name: "q",
        type: "x",
        data: paxBody([["path", "b"]]),
      }, file]),
      /two extended headers/,
    ],
    [
      "sparse rename",
      makeTar([{ name: "p", type: "x", data: paxBody([["GNU.sparse.name", "../evil"]]) }, file]),
      /GNU\.sparse\.name/,
    ],
    [
      "charset switch",
      makeTar([{ name: "p", type: "x", data: paxBody([["hdrcharset", "BINARY"]]) }, file]),
      /hdrcharset/,
    ],
    ["length off", makeTar([{ name: "p", type: "x", data: "30 path=a\n" }, file]), /length does not match/],
    ["no length", makeTar([{ name: "p", type: "x", data: "path=a\n" }, file]), /no length/],
    [
      "not utf-8",
      makeTar([{
        name: "p",
        type: "x",
        data: new Uint8Array([...new TextEncoder().encode("12 path=a"), 0xff, 0xfe, 0x0a]),
      }, file]),
      /not UTF-8/,
    ],
  ];
  for (const [what, bytes, expected] of cases) {
    const problems = await checkTarStream(stream(bytes), {});
    assert.equal(problems.length, 1, `${what}: ${problems.join("; ")}`);
    assert.match(problems[0]!, expected, what);
  }
});

Deno.test("setuid and setgid files and file capabilities are refused; a setgid folder and plain xattrs pass", async () => {
  const bytes = makeTar([
    { name: "d", type: "5", mode: 0o2775 },
    { name: "d/suid", mode: 0o4755, data: "x" },
    { name: "d/sgid", mode: 0o2755, data: "x" },
    { name: "p", type: "x", data: paxBody([["SCHILY.xattr.security.capability", "\x01"]]) },
    { name: "d/cap", mode: 0o755, data: "x" },
    { name: "p", type: "x", data: paxBody([["SCHILY.xattr.user.note", "hi"], ["mtime", "1.5"]]) },
    { name: "d/plain", mode: 0o644, data: "x" },
  ]);
  assert.deepEqual(await checkTarStream(stream(bytes), {}), [
    '"d/suid" is setuid or setgid (a restore as root would grant its privileges)',
    '"d/sgid" is setuid or setgid (a restore as root would grant its privileges)',
    '"d/cap" carries file capabilities (security.capability)',
  ]);
});
