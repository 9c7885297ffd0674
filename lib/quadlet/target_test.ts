import assert from "node:assert/strict";
import { gate, parseTargets, PODMAN_MINORS, resolveTarget } from "./target.ts";
import { validateSet } from "./validate.ts";

Deno.test("declared targets: lists and >=X.Y", () => {
  assert.deepEqual(parseTargets(["5.8", "5.4"]), ["5.4", "5.8"]);
  assert.deepEqual(parseTargets([">=5.8"]), ["5.8", "6.0", "6.1"]);
  assert.equal(parseTargets(["latest"]), undefined);
  assert.equal(parseTargets([]), undefined);
});

Deno.test("a host or the flag wins, then the set, then the config; else every supported version", () => {
  assert.deepEqual(resolveTarget({ podmanVersion: "5.4" }), { versions: ["5.4"], from: "host" });
  assert.equal(resolveTarget({ podmanVersion: "5.4", fromFlag: true }).from, "flag");
  assert.equal(resolveTarget({ declared: { versions: ["6.1"], from: "set" } }).from, "set");
  assert.deepEqual(resolveTarget({}), { versions: [...PODMAN_MINORS], from: "unknown" });
});

Deno.test("gate: error for a known or declared target lacking the feature, warning when unknown", () => {
  assert.equal(gate({ versions: ["6.1"], from: "host" }, { since: "6.0" }), undefined);
  assert.equal(gate({ versions: ["5.8"], from: "host" }, { since: "6.0" })!.severity, "error");
  assert.equal(gate({ versions: ["5.8", "6.1"], from: "set" }, { since: "6.0" })!.lacking, "5.8");
  const unknown = gate(resolveTarget({}), { since: "6.0" })!;
  assert.equal(unknown.severity, "warning");
  assert.equal(unknown.lacking, "4.4 to 5.8");
});

const UID = [{ name: "data.volume", text: "[Volume]\nUID=1000\n" }];
const codes = (r: Awaited<ReturnType<typeof validateSet>>) => r.diagnostics.map((d) => `${d.severity} ${d.code}`);

Deno.test("UID= in [Volume] (podman 6.0) without a host: a warning naming 6.0, an error where a target lacks it", async () => {
  const none = await validateSet(UID, { rootless: true });
  assert.deepEqual(codes(none), ["warning key/too-new"]);
  assert.match(none.diagnostics[0]!.message, /needs podman 6\.0; the target's podman version is unknown/);
  assert.equal(none.ok, true);
  const set = await validateSet([...UID, { name: ".leger.yaml", text: 'podman: ["5.8", "6.1"]\n' }], {
    rootless: true,
  });
  assert.deepEqual(codes(set), ["error key/too-new"]);
  assert.match(set.diagnostics[0]!.message, /\.leger\.yaml targets podman 5\.8/);
  const later = await validateSet([...UID, { name: ".leger.yaml", text: 'podman: ">=6.0"\n' }], { rootless: true });
  assert.deepEqual(codes(later), []);
  const config = await validateSet(UID, { rootless: true, configTargets: ["5.4"] });
  assert.match(config.diagnostics[0]!.message, /the config targets podman 5\.4/);
  const host = await validateSet(UID, { rootless: true, podmanVersion: "5.8" });
  assert.equal(host.diagnostics[0]!.message, "UID= in [Volume] needs podman 6.0; the target has 5.8");
  assert.deepEqual(codes(await validateSet(UID, { rootless: true, podmanVersion: "6.1" })), []);
});
