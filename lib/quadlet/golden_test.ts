/**
 * Golden tests: every folder under tests/fixtures/broken is a broken set
 * with the text report leger must print for it in expected.txt (and
 * options.json for the podman version, the fake host and installed sets
 * under .others/). `UPDATE_GOLDEN=1 deno test -A lib/quadlet/golden_test.ts`
 * rewrites the expected files. Every folder under tests/fixtures/valid is
 * a stack that must pass without errors or warnings. Every folder under
 * tests/fixtures/accepted is a set podman accepts (the examples of
 * podman-systemd.unit(5) and podman-quadlet-install(1) written out, and one
 * case per value check showing the forms it accepts): none may have an
 * error, and what leger says about it is pinned in expected.txt.
 */
import assert from "node:assert/strict";
import { fakeHost, type FakeHostSpec } from "../../tests/fakes/host_probe.ts";
import { formatText } from "./report/report.ts";
import { validateSet } from "./validate.ts";
import { readSetFolder } from "../source/collect.ts";
import type { OtherSet } from "./diagnostic.ts";

const FIXTURES = new URL("../../tests/fixtures/", import.meta.url).pathname;
const NOT_SET = new Set(["expected.txt", "expected.json", "options.json"]);
const update = Deno.env.get("UPDATE_GOLDEN") === "1";

interface CaseOptions {
  /** null: the target version is unknown (validate --no-host). */
  podmanVersion?: string | null;
  rootless?: boolean;
  host?: FakeHostSpec;
}

async function runCase(dir: string) {
  const files = (await readSetFolder(dir, "validate")).files.filter((f) => !NOT_SET.has(f.name));
  let opts: CaseOptions = {};
  try {
    opts = JSON.parse(await Deno.readTextFile(`${dir}/options.json`));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const others: OtherSet[] = [];
  try {
    for await (const o of Deno.readDir(`${dir}/.others`)) {
      others.push({ name: o.name, files: (await readSetFolder(`${dir}/.others/${o.name}`, "validate")).files });
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  others.sort((a, b) => a.name.localeCompare(b.name));
  return validateSet(files, {
    setName: dir.slice(dir.lastIndexOf("/") + 1),
    rootless: opts.rootless ?? true,
    ...(opts.podmanVersion === null ? {} : { podmanVersion: opts.podmanVersion ?? "5.8" }),
    others,
    ...(opts.host ? { host: fakeHost(opts.host) } : {}),
  });
}

async function folders(kind: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(FIXTURES + kind)) if (e.isDirectory) out.push(e.name);
  return out.sort();
}

const broken = await folders("broken");

Deno.test("the broken corpus has at least 60 cases", () => {
  assert.ok(broken.length >= 60, `only ${broken.length} cases`);
});

for (const name of broken) {
  Deno.test(`broken/${name} reports what expected.txt says`, async () => {
    const dir = `${FIXTURES}broken/${name}`;
    const report = await runCase(dir);
    const text = formatText(report) + "\n";
    if (update) {
      await Deno.writeTextFile(`${dir}/expected.txt`, text);
      return;
    }
    assert.ok(report.errors + report.warnings > 0, "a broken case must report at least one problem");
    assert.equal(text, await Deno.readTextFile(`${dir}/expected.txt`));
  });
}

for (const name of await folders("valid")) {
  Deno.test(`valid/${name} passes without errors or warnings`, async () => {
    const report = await runCase(`${FIXTURES}valid/${name}`);
    assert.equal(formatText(report), "no problems found");
  });
}

for (const name of await folders("accepted")) {
  Deno.test(`accepted/${name}: podman accepts it, leger finds no error`, async () => {
    const dir = `${FIXTURES}accepted/${name}`;
    const report = await runCase(dir);
    const text = formatText(report) + "\n";
    assert.deepEqual(
      report.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.code}`),
      [],
    );
    if (update) {
      await Deno.writeTextFile(`${dir}/expected.txt`, text);
      return;
    }
    assert.equal(text, await Deno.readTextFile(`${dir}/expected.txt`));
  });
}
