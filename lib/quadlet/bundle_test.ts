import assert from "node:assert/strict";
import { expandBundles, splitBundle } from "./bundle.ts";

Deno.test("a bundle splits on --- lines and names parts from # FileName=", () => {
  const text =
    "\n# FileName=web\n[Unit]\nDescription=x\n[Container]\nImage=a\n---\n  ---  \n# FileName=data\n[Volume]\n";
  const { parts, problems } = splitBundle(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(parts.map((p) => [p.name, p.lineOffset]), [["web.container", 1], ["data.volume", 8]]);
  assert.ok(parts[0]!.text.startsWith("# FileName=web\n[Unit]"));
});

Deno.test("bundle problems", () => {
  const codes = (t: string) => splitBundle(t).problems.map((p) => p.code);
  assert.deepEqual(codes(""), ["bundle/empty"]);
  assert.deepEqual(codes("# FileName=a/b\n[Container]\n"), ["bundle/bad-filename"]);
  assert.deepEqual(codes("# FileName=\n[Container]\n"), ["bundle/no-filename"]);
});

Deno.test("expandBundles keeps other files and remembers where parts come from", () => {
  const r = expandBundles([{ name: "x.env", text: "A=1\n" }, {
    name: "app.quadlets",
    text: "# FileName=web\n[Container]\nImage=a\n",
  }]);
  assert.deepEqual(r.files.map((f) => f.name), ["x.env", "web.container"]);
  assert.deepEqual(r.origins.get("web.container"), { bundle: "app.quadlets", lineOffset: 0 });
});
