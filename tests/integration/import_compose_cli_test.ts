/**
 * `leger import compose` as a user runs it (main.ts in a subprocess, no
 * podman needed): the text says what was written and what to do next,
 * `leger validate --strict` accepts the folder, and refusals exit 3 with
 * every finding at its line, or with the reason for hostile input,
 * writing nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT, runLeger } from "./cli_run.ts";

const CORPUS = join(PROJECT_ROOT, "tests/fixtures/compose");

Deno.test("import compose writes the set, lists its units and the next step, and validate --strict accepts it", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const out = join(tmp, "cloud");
    const r = await runLeger(undefined, ["import", "compose", join(CORPUS, "nextcloud"), "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^cloud: wrote .*cloud \(9 files\) for podman >= 5\.2; 0 error\(s\), 0 warning\(s\)$/m);
    assert.match(r.stdout, /^ {2}mariadb -> cloud-mariadb\.container$/m);
    assert.match(r.stdout, new RegExp(`^then: leger install ${out}$`, "m"));
    const v = await runLeger(undefined, ["validate", "--strict", "--no-host", out]);
    assert.equal(v.code, 0, `${v.stdout}${v.stderr}`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a refused import exits 3, names each problem at its line with the fix, and writes nothing", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const out = join(tmp, "set");
    const r = await runLeger(undefined, ["import", "compose", join(CORPUS, "vaultwarden"), "--out", out]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^compose\.yaml:8: error VW_DOMAIN: required variable VW_DOMAIN is unset: set VW_DOMAIN/m);
    assert.match(r.stdout, /^ {2}fix: set VW_DOMAIN in the environment or in \.env$/m);
    assert.match(r.stdout, /^vaultwarden: nothing written; 1 error\(s\), 0 warning\(s\)$/m);
    const strict = await runLeger(undefined, ["import", "compose", join(CORPUS, "limits"), "--out", out, "--strict"]);
    assert.equal(strict.code, 3, strict.stderr);
    assert.match(strict.stdout, /warning services\.worker\.deploy\.replicas/);
    const hostile = await runLeger(undefined, ["import", "compose", join(CORPUS, "billion-laughs"), "--out", out]);
    assert.equal(hostile.code, 3);
    assert.match(hostile.stderr, /Cannot import compose\.yaml:3: the file expands to more than 100000 values/);
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "nothing was written");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
