/**
 * The import as a whole: what it writes and when it refuses; the folder
 * appears whole or not at all; variables come from where Compose takes
 * them; and no key the target podman lacks is ever written.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LegerError } from "../core/errors.ts";
import { compareVersions, keySpec, KIND_SINCE, SYSTEMD_KEYS } from "../quadlet/keys.ts";
import { importCompose } from "./import.ts";
import { writeSet } from "./write.ts";

const CORPUS = new URL("../../tests/fixtures/compose/", import.meta.url).pathname;

async function project(files: Record<string, string>): Promise<{ dir: string; root: string }> {
  const root = await Deno.makeTempDir({ prefix: "leger-compose-test-" });
  const dir = join(root, "proj");
  await Deno.mkdir(dir);
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
  return { dir, root };
}

const WEB = "services:\n  web:\n    image: docker.io/library/nginx:1\n    environment:\n      TAG: ${TAG}\n";

Deno.test("a 10 MB Compose file is refused, and nothing is written", async () => {
  const { dir, root } = await project({});
  try {
    const f = await Deno.open(join(dir, "compose.yaml"), { write: true, create: true });
    await f.write(new TextEncoder().encode("services:\n  web:\n    image: x\n#"));
    await f.truncate(10 * 1024 * 1024);
    f.close();
    await assert.rejects(
      importCompose(dir, { out: join(root, "out") }),
      (e: LegerError) => e.exitCode === 3 && /10485760 bytes/.test(e.message),
    );
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["proj"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("variables: the importer's environment wins over .env, --env-file replaces .env, a missing one is refused", async () => {
  const { dir, root } = await project({
    "compose.yaml": WEB,
    ".env": "TAG=from-dotenv\n",
    "other.env": "TAG=from-flag\n",
  });
  try {
    let n = 0;
    const env = async (options: Parameters<typeof importCompose>[1]) => {
      const out = join(root, `out${n++}`);
      await importCompose(dir, { out, ...options });
      return await Deno.readTextFile(join(out, "proj-web.env"));
    };
    assert.equal(await env({ env: {} }), "TAG=from-dotenv\n");
    assert.equal(await env({ env: { TAG: "from-shell" } }), "TAG=from-shell\n");
    assert.equal(await env({ env: {}, envFile: join(dir, "other.env") }), "TAG=from-flag\n");
    assert.equal((await Deno.stat(join(root, "out0", "proj-web.env"))).mode! & 0o777, 0o600, "values stay private");
    await assert.rejects(importCompose(dir, { envFile: join(dir, "nope.env"), dryRun: true }), /no such file/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("--strict refuses a warning; without it the set is written without the key; --dry-run writes nothing", async () => {
  const compose = "services:\n  web:\n    image: docker.io/library/nginx:1\n    tty: true\n";
  const { dir, root } = await project({ "compose.yaml": compose });
  try {
    const out = join(root, "set");
    const strict = await importCompose(dir, { out, strict: true, env: {} });
    assert.equal(strict.ok, false);
    assert.equal(strict.written, false);
    assert.equal(strict.warnings, 1);
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["proj"]);
    const dry = await importCompose(dir, { out, dryRun: true, env: {} });
    assert.equal(dry.ok, true);
    assert.equal(dry.written, false);
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["proj"]);
    const r = await importCompose(dir, { out, env: {} });
    assert.equal(r.written, true);
    assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), r.files);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an existing --out is refused unless --replace, which swaps the whole folder", async () => {
  const { dir, root } = await project({ "compose.yaml": WEB.replace("${TAG}", "one") });
  try {
    const out = join(root, "set");
    await Deno.mkdir(out);
    await Deno.writeTextFile(join(out, "stale.container"), "[Container]\nImage=x\n");
    await assert.rejects(
      importCompose(dir, { out, env: {} }),
      (e: LegerError) => e.exitCode === 2 && /--replace/.test(e.hint!),
    );
    const r = await importCompose(dir, { out, env: {}, replace: true });
    assert.equal(r.written, true);
    assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), r.files, "the stale file is gone");
    assert.deepEqual(
      [...Deno.readDirSync(root)].map((e) => e.name).sort(),
      ["proj", "set"],
      "no temporary folder left",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a write that fails part way leaves --out as it was and no temporary folder", async () => {
  const root = await Deno.makeTempDir();
  try {
    const out = join(root, "set");
    await Deno.mkdir(out);
    await Deno.writeTextFile(join(out, "old.container"), "old\n");
    await assert.rejects(
      writeSet(
        out,
        [{ name: "a.container", text: "a\n", mode: 0o644 }, { name: "../escape", text: "x", mode: 0o644 }],
        true,
      ),
      /refusing the file name/,
    );
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["set"]);
    assert.equal(await Deno.readTextFile(join(out, "old.container")), "old\n");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("no key is written that the target podman lacks, and .leger.yaml asks for the newest one used", async () => {
  const cases = [...Deno.readDirSync(CORPUS)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  for (const target of ["4.4", "4.6", "5.0", "5.2", "5.8", "6.1"]) {
    for (const name of cases) {
      let r;
      try {
        r = await importCompose(join(CORPUS, name), { podmanVersion: target, dryRun: true, env: {} });
      } catch (e) {
        if (e instanceof LegerError) continue; // refused before mapping (broken or hostile input)
        throw e;
      }
      let newest = "4.4";
      const lines = r.mapped.flatMap((m) => m.to);
      for (const line of lines) {
        const [file, rest] = line.split(": ", 2) as [string, string];
        const kind = file.slice(file.lastIndexOf(".") + 1);
        const key = rest.slice(0, rest.indexOf("="));
        const section = { container: "Container", volume: "Volume", network: "Network", build: "Build" }[kind]!;
        if (compareVersions(KIND_SINCE[kind]!, newest) > 0) newest = KIND_SINCE[kind]!;
        if (
          SYSTEMD_KEYS.get("Unit")!.has(key) || SYSTEMD_KEYS.get("Service")!.has(key) ||
          SYSTEMD_KEYS.get("Install")!.has(key)
        ) {
          continue;
        }
        const spec = keySpec(section, key);
        assert.ok(spec, `${name} at ${target}: ${line} is not a ${section} key`);
        assert.ok(compareVersions(spec.since, target) <= 0, `${name} at ${target}: ${line} needs podman ${spec.since}`);
        if (compareVersions(spec.since, newest) > 0) newest = spec.since;
      }
      if (r.ok) assert.equal(r.podman.needs, newest, `${name} at ${target}: .leger.yaml's podman range`);
    }
  }
});
