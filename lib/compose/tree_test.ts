/**
 * The Compose file as a tree with lines: merge keys and aliases resolve
 * as Compose resolves them, and hostile files are refused before they
 * cost memory or time.
 */
import assert from "node:assert/strict";
import type { LegerError } from "../core/errors.ts";
import { type MapNode, MAX_FILE_BYTES, type Node, parseTree, readComposeText, str } from "./tree.ts";

const keep = (v: string) => v;
const at = (n: Node | undefined, ...path: string[]): Node | undefined =>
  path.reduce<Node | undefined>((cur, k) => (cur?.kind === "map" ? cur.entries.get(k) : undefined), n);

Deno.test("merge keys: explicit keys win, earlier merged maps win over later ones, !reset removes", () => {
  const root = parseTree(
    [
      "x-a: &a {image: a, restart: always, ports: ['1:1']}",
      "x-b: &b {image: b, user: bee}",
      "services:",
      "  s:",
      "    <<: [*a, *b]",
      "    restart: 'no'",
      "    ports: !reset []",
    ].join("\n"),
    "f.yaml",
    keep,
  );
  const s = at(root, "services", "s") as MapNode;
  assert.equal(str(s.entries.get("image")), "a");
  assert.equal(str(s.entries.get("user")), "bee");
  assert.equal(str(s.entries.get("restart")), "no");
  assert.equal(s.entries.has("ports"), false);
  assert.equal(s.entries.get("user")!.line, 2, "a merged value keeps the line where it is written");
});

Deno.test("every string goes through the hook with its line; a leading zero is octal, as Compose reads modes", () => {
  const seen: string[] = [];
  const root = parseTree("a: x\nb:\n  - y\nmode: 0440\nn: 10\n", "f.yaml", (v, line) => {
    seen.push(`${v}@${line}`);
    return v.toUpperCase();
  });
  assert.deepEqual(seen, ["x@1", "y@3"]);
  assert.equal(str(root.entries.get("a")), "X");
  assert.equal((root.entries.get("mode") as { value: number }).value, 0o440);
  assert.equal((root.entries.get("n") as { value: number }).value, 10);
});

Deno.test("aliases that expand past the limit are refused (billion laughs), quickly", () => {
  const levels = ["x0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let i = 1; i < 9; i++) levels.push(`x${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(", ")}]`);
  levels.push("services: {s: {image: x, command: *l8}}");
  const start = performance.now();
  assert.throws(
    () => parseTree(levels.join("\n"), "f.yaml", keep),
    (e: LegerError) =>
      e.exitCode === 3 && /more than 100000 values through YAML aliases/.test(e.message) &&
      /billion laughs/.test(e.hint!),
  );
  // Expanding the 10^9 values would take hours and gigabytes; a refusal at the limit takes well under a second on an
  // idle machine. The bound is far from both, so a loaded machine cannot fail it and an expanding reader cannot pass.
  assert.ok(performance.now() - start < 60_000, "refused before expanding");
});

Deno.test("broken YAML, a top level that is not a mapping, and duplicate keys are refused with a line", () => {
  assert.throws(
    () => parseTree("services:\n  web:\n    image: a\n     ports: []\n", "f.yaml", keep),
    /f\.yaml:\d+: not valid YAML/,
  );
  assert.throws(() => parseTree("- a\n- b\n", "f.yaml", keep), /a Compose file is a mapping/);
  assert.throws(() => parseTree("a: 1\na: 2\n", "f.yaml", keep), /f\.yaml:\d+: not valid YAML/);
});

Deno.test("a file over the size limit is refused without being read whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const big = `${dir}/compose.yaml`;
    const f = await Deno.open(big, { write: true, create: true });
    await f.truncate(10 * 1024 * 1024);
    f.close();
    await assert.rejects(
      readComposeText(big, "compose.yaml"),
      (e: LegerError) => e.exitCode === 3 && e.message.includes(`up to ${MAX_FILE_BYTES} bytes`),
    );
    await assert.rejects(readComposeText(dir, "dir"), /not a regular file/);
    await Deno.writeFile(`${dir}/bad.yaml`, new Uint8Array([0x61, 0x3a, 0xff, 0xfe]));
    await assert.rejects(readComposeText(`${dir}/bad.yaml`, "bad.yaml"), /not UTF-8/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
