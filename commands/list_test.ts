/**
 * `leger list` runs before commander loads (decision 46): which lines main.ts
 * takes itself, and that what it loads for them reaches no npm library.
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { reach } from "../tests/helpers/imports.ts";
import { listJson, listText, parseListArgv } from "./list.ts";
import type { SetRow } from "../lib/ops/query/list.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

Deno.test("leger list loads no npm library and no node builtin but node:path; zod only for a broken manifest", async () => {
  const loaded = await reach([{ file: join(ROOT, "commands", "list.ts"), dynamic: false }], { dynamic: false });
  assert.deepEqual([...loaded].filter((s) => !s.startsWith("/")), ["node:path"]);
  const modules = [...loaded].map((s) => relative(ROOT, s));
  for (
    const heavy of [
      "lib/host/shell.ts",
      "lib/host/systemd.ts",
      "lib/state/manifest.ts",
      "lib/engine.ts",
      "commands/common.ts",
    ]
  ) {
    assert.ok(!modules.includes(heavy), `${heavy} is loaded by leger list`);
  }
  // With dynamic imports followed, zod comes in: through the fallback for a manifest that does not conform.
  const all = await reach([{ file: join(ROOT, "commands", "list.ts"), dynamic: true }], { dynamic: true });
  assert.ok(all.has("zod"));
});

Deno.test("main.ts takes a list line with global options only; anything else goes to commander", () => {
  assert.deepEqual(parseListArgv(["list"]), { scope: "user", json: false });
  assert.deepEqual(parseListArgv(["ls", "--json"]), { scope: "user", json: true });
  assert.deepEqual(parseListArgv(["--scope", "system", "list", "-q"]), { scope: "system", json: false });
  assert.deepEqual(parseListArgv(["--scope=system", "-y", "--verbose", "ls", "--backend", "files"]), {
    scope: "system",
    json: false,
  });
  for (
    const argv of [
      ["list", "--help"],
      ["list", "-h"],
      ["list", "extra"],
      ["list", "ls"],
      ["-yq", "list"],
      ["list", "--scope", "other"],
      ["list", "--scope"],
      ["list", "--json=1"],
      ["--scope", "list"],
      ["install", "list"],
      ["inspect", "ls"],
      ["list", "--backend=podman"],
      [],
    ]
  ) {
    assert.equal(parseListArgv(argv), undefined, argv.join(" "));
  }
});

Deno.test("list's text: a table, the broken sets with their fix, or how to install the first set", () => {
  const row = (name: string, extra: Partial<SetRow> = {}): SetRow => ({
    name,
    scope: "user",
    state: "active",
    units: [],
    source: `https://example.test/${name}`,
    backend: "native",
    updatedAt: "",
    ...extra,
  });
  assert.equal(
    listText([], "system"),
    "No sets installed (system scope). Install one with: leger install <source>",
  );
  const text = listText([
    row("cache", { commit: "0123456789abcdef", version: "2" }),
    row("web", { state: "broken", problem: "not JSON", hint: "move it" }),
  ], "user");
  assert.equal(
    text,
    [
      "NAME   STATE   UNITS  VERSION  COMMIT        SOURCE",
      "cache  active  0      2        0123456789ab  https://example.test/cache",
      "web    broken  0      -        -             https://example.test/web",
      "",
      "web is broken: not JSON",
      "  fix: move it",
    ].join("\n"),
  );
  assert.deepEqual(listJson([row("a")]), { version: 1, sets: [row("a")] });
});
