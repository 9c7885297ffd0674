import assert from "node:assert/strict";
import { E2E_ONLY_ON, e2eFiles, OWN_HOSTS, planE2e } from "./e2e_plan.ts";
import { SUITES } from "../../tests/host/rootfs.ts";

const dir = new URL("../../tests/e2e", import.meta.url).pathname;

Deno.test("every end-to-end file runs on at least one suite, and the table names only files that exist", async () => {
  const files = await e2eFiles(dir);
  assert.ok(files.length >= 10, files.join(", "));
  const { jobs } = planE2e(files, SUITES);
  for (const file of files) assert.ok(jobs.some((j) => j.file === file), `${file} runs nowhere`);
  for (const name of Object.keys(E2E_ONLY_ON)) {
    assert.ok(files.includes(name), `${name} is in the table but not in tests/e2e`);
  }
});

Deno.test("a file not in the table runs on every suite; one in it only where it says, and the rest is named", () => {
  const { jobs, leftOut } = planE2e(["new_thing_test.ts", "gitops_test.ts", "lifecycle_test.ts"], SUITES);
  assert.deepEqual(jobs.filter((j) => j.file === "new_thing_test.ts").map((j) => j.suite).sort(), [...SUITES].sort());
  assert.deepEqual(jobs.filter((j) => j.file === "gitops_test.ts").map((j) => j.suite).sort(), ["sid", "sid-podman6"]);
  assert.deepEqual(leftOut, [`gitops_test.ts not on trixie: ${E2E_ONLY_ON["gitops_test.ts"]!.why}`]);
  // Longest first: gitops before lifecycle before the unknown file.
  assert.deepEqual([...new Set(jobs.map((j) => j.file))], ["gitops_test.ts", "lifecycle_test.ts", "new_thing_test.ts"]);
});

Deno.test("--suite narrows the plan to that host", () => {
  const { jobs, leftOut } = planE2e(["older_podman_test.ts", "lifecycle_test.ts"], ["sid"]);
  assert.deepEqual(jobs, [{ suite: "sid", file: "lifecycle_test.ts", shared: true }]);
  assert.equal(leftOut.length, 1);
  assert.match(leftOut[0]!, /^older_podman_test\.ts not on sid: about podman 5\.4 only$/);
});

Deno.test("a file runs on the shared host exactly when it asks for it (sharedHost); the others are in OWN_HOSTS", async () => {
  for (const file of await e2eFiles(dir)) {
    const text = await Deno.readTextFile(`${dir}/${file}`);
    const asks = /\bsharedHost\(/.test(text);
    assert.equal(
      !(file in OWN_HOSTS),
      asks,
      `${file}: ${asks ? "uses sharedHost but is" : "boots its own host but is not"} in OWN_HOSTS`,
    );
    if (!asks) assert.match(text, /\bbootHost\(/, `${file} neither shares a host nor boots one`);
  }
  const { jobs } = planE2e(["fleet_ansible_test.ts", "lifecycle_test.ts"], ["sid"]);
  assert.deepEqual(jobs.map((j) => [j.file, j.shared]), [["fleet_ansible_test.ts", false], [
    "lifecycle_test.ts",
    true,
  ]]);
});
