/**
 * The import's corpus: every folder under tests/fixtures/compose is a
 * Compose project (tests/fixtures/compose/README.md says what real
 * project's shape each one follows) with what the import must do with it
 * in expected/: report.txt (the findings, the steps to take, or the error
 * it refuses with) and, when it writes a set, every file of the set.
 * Options come from case.json. Every written set must pass `leger validate
 * --strict` (in process); a refused import must leave nothing behind.
 * `UPDATE_GOLDEN=1 deno test -A lib/compose/golden_test.ts` rewrites the
 * expected files.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LegerError } from "../core/errors.ts";
import { formatText } from "../quadlet/report/report.ts";
import { validateSet } from "../quadlet/validate.ts";
import { importCompose, type ImportComposeOptions, type ImportComposeResult, secretsOf } from "./import.ts";

const ROOT = new URL("../../tests/fixtures/compose/", import.meta.url).pathname;
const update = Deno.env.get("UPDATE_GOLDEN") === "1";

interface CaseOptions extends Omit<ImportComposeOptions, "out"> {
  /** A file other than the folder's compose.yaml. */
  file?: string;
}

/** The report as text, with the machine's paths replaced by $PROJECT. */
function reportText(r: ImportComposeResult): string {
  const lines = [
    `ok: ${r.ok}, written: ${r.written}, ${r.errors} error(s), ${r.warnings} warning(s)`,
    `project ${r.project}, set ${r.name}, podman target ${r.podman.target}, needs >=${r.podman.needs}`,
    ...r.services.map((s) => `service ${s.name} -> ${s.unit}`),
    ...r.leftOut.map((s) => `left out ${s.name} (profiles ${s.profiles.join(", ")})`),
    ...r.findings.map((f) =>
      `${f.severity} ${f.file}:${f.line} ${f.key}: ${f.message}${f.fix ? `\n    fix: ${f.fix}` : ""}`
    ),
    ...r.todo.map((t) => `todo: ${t}`),
  ];
  return lines.join("\n") + "\n";
}

async function readDir(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name !== "report.txt") out.set(e.name, await Deno.readTextFile(join(dir, e.name)));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

async function golden(path: string, actual: string): Promise<void> {
  if (update) {
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeTextFile(path, actual);
    return;
  }
  assert.equal(actual, await Deno.readTextFile(path), `${path} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

const cases: string[] = [];
for await (const e of Deno.readDir(ROOT)) if (e.isDirectory) cases.push(e.name);
cases.sort();

for (const name of cases) {
  Deno.test(`compose corpus: ${name}`, async () => {
    const dir = join(ROOT, name);
    const project = Deno.realPathSync(dir);
    let opts: CaseOptions = {};
    try {
      opts = JSON.parse(await Deno.readTextFile(join(dir, "case.json")));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const tmp = await Deno.makeTempDir({ prefix: "leger-compose-" });
    const out = join(tmp, "set");
    try {
      const { file, ...rest } = opts;
      let text: string;
      let result: ImportComposeResult | undefined;
      try {
        result = await importCompose(file ? join(dir, file) : dir, {
          podmanVersion: "5.8",
          env: {},
          ...rest,
          ...(rest.envFile ? { envFile: join(dir, rest.envFile) } : {}),
          out,
        });
        text = reportText(result);
      } catch (e) {
        if (!(e instanceof LegerError)) throw e;
        text = `refused: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ""}`;
      }
      text = text.replaceAll(project, "$PROJECT").replaceAll(tmp, "$TMP");
      await golden(join(dir, "expected", "report.txt"), text);
      const expected = await readDir(join(dir, "expected"));
      if (!result?.written) {
        assert.deepEqual([...Deno.readDirSync(tmp)], [], "a refused import leaves nothing behind");
        assert.equal(expected.size, 0, "expected/ holds no set for a refused import");
        return;
      }
      const written = new Map<string, string>();
      for (const f of result.files) {
        written.set(f, (await Deno.readTextFile(join(out, f))).replaceAll(project, "$PROJECT"));
      }
      if (update) {
        for (const f of expected.keys()) if (!written.has(f)) await Deno.remove(join(dir, "expected", f));
        for (const [f, t] of written) await Deno.writeTextFile(join(dir, "expected", f), t);
      } else {
        assert.deepEqual([...written.keys()].sort(), [...expected.keys()].sort(), "the set's files");
        for (const [f, t] of written) assert.equal(t, expected.get(f), `${f} differs (UPDATE_GOLDEN=1 rewrites it)`);
      }
      assert.deepEqual(
        [...Deno.readDirSync(tmp)].map((e) => e.name),
        ["set"],
        "the import writes nothing beside its folder",
      );
      // As leger validate --strict sees it, once the steps the report lists are done (podman secrets created).
      const created = secretsOf(result.todo);
      const report = await validateSet(
        result.files.map((f) => ({ name: f, text: Deno.readTextFileSync(join(out, f)) })),
        {
          setName: result.name,
          rootless: true,
          podmanVersion: result.podman.target,
          strict: true,
          host: { podmanSecretExists: (n) => Promise.resolve(created.has(n)) },
        },
      );
      assert.ok(report.ok, `leger validate --strict refuses ${name}:\n${formatText(report)}`);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  });
}
