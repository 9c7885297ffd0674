import assert from "node:assert/strict";
import type { SetFile } from "../../quadlet/kinds.ts";
import { dropinDirsOf, fileChanges, unitImpact } from "./impact.ts";

const IMAGE = "docker.io/library/nginx:1.27";

/** Files as a set: name -> text. */
function set(files: Record<string, string>): SetFile[] {
  return Object.entries(files).map(([name, text]) => ({ name, text }));
}

/** A web server using a .volume and an EnvironmentFile, a worker beside it, and a cache. */
const BASE = {
  "web.container":
    `[Container]\nImage=${IMAGE}\nVolume=web-data.volume:/data\nEnvironmentFile=web.env\nPublishPort=8080:80\n`,
  "web-data.volume": "[Volume]\n",
  "web.env": "MODE=one\n",
  "web-worker.container": `[Container]\nImage=${IMAGE}\nExec=sleep infinity\n`,
  "cache.container": `[Container]\nImage=${IMAGE}\n`,
  "README.md": "hello\n",
};

function changed(overrides: Record<string, string | null>, base: Record<string, string> = BASE) {
  const after: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete after[k];
    else after[k] = v;
  }
  return unitImpact(set(base), set(after));
}

Deno.test("unchanged files restart, start and stop nothing", () => {
  assert.deepEqual(unitImpact(set(BASE), set({ ...BASE })), { stop: [], start: [], restart: [] });
  assert.deepEqual(changed({ "README.md": "changed, but no unit reads it\n" }), { stop: [], start: [], restart: [] });
});

Deno.test("a changed container restarts only its own unit", () => {
  assert.deepEqual(changed({ "cache.container": `[Container]\nImage=${IMAGE}\nPublishPort=6379:6379\n` }), {
    stop: [],
    start: [],
    restart: ["cache.service"],
  });
});

Deno.test("a changed .volume restarts its volume unit first, then the containers that use it", () => {
  assert.deepEqual(changed({ "web-data.volume": "[Volume]\nLabel=x=y\n" }), {
    stop: [],
    start: [],
    restart: ["web-data-volume.service", "web.service"],
  });
});

Deno.test("a changed EnvironmentFile restarts the container that reads it", () => {
  assert.deepEqual(changed({ "web.env": "MODE=two\n" }).restart, ["web.service"]);
});

Deno.test("a drop-in restarts the units whose folders podman searches for it", async (t) => {
  await t.step("web.container.d/ applies to web only", () => {
    assert.deepEqual(changed({ "web.container.d/10-mem.conf": "[Service]\nMemoryMax=1G\n" }).restart, ["web.service"]);
  });
  await t.step("the dash-truncated web-.container.d/ applies to web-worker, not to web", () => {
    assert.deepEqual(changed({ "web-.container.d/10-mem.conf": "[Service]\nMemoryMax=1G\n" }).restart, [
      "web-worker.service",
    ]);
  });
  await t.step("the type-level container.d/ applies to every container, not to the volume", () => {
    assert.deepEqual(changed({ "container.d/10-mem.conf": "[Service]\nMemoryMax=1G\n" }).restart, [
      "cache.service",
      "web-worker.service",
      "web.service",
    ]);
  });
  await t.step("a removed drop-in restarts its unit too", () => {
    const withDropin = { ...BASE, "cache.container.d/x.conf": "[Service]\nMemoryMax=1G\n" };
    assert.deepEqual(changed({ "cache.container.d/x.conf": null }, withDropin).restart, ["cache.service"]);
  });
  await t.step("a file podman ignores in a drop-in folder (not *.conf) restarts nothing", () => {
    assert.deepEqual(changed({ "cache.container.d/notes.txt": "x\n" }).restart, []);
  });
});

Deno.test("dropinDirsOf lists the folders most specific first", () => {
  assert.deepEqual(dropinDirsOf("web-app-x.container"), [
    "web-app-x.container.d",
    "web-app-.container.d",
    "web-.container.d",
    "container.d",
  ]);
  assert.deepEqual(dropinDirsOf("README.md"), []);
});

Deno.test("an added unit starts, a removed one stops; neither restarts", () => {
  const impact = changed({
    "cache.container": null,
    "queue.container": `[Container]\nImage=${IMAGE}\n`,
  });
  assert.deepEqual(impact, { stop: ["cache.service"], start: ["queue.service"], restart: [] });
});

Deno.test("a new .volume a container now uses starts, and the container restarts", () => {
  const impact = changed({
    "cache.container": `[Container]\nImage=${IMAGE}\nVolume=cache-data.volume:/data\n`,
    "cache-data.volume": "[Volume]\n",
  });
  assert.deepEqual(impact, { stop: [], start: ["cache-data-volume.service"], restart: ["cache.service"] });
});

Deno.test("a pod: a changed member restarts alone; a changed pod restarts with its members", () => {
  const pod = {
    "app.pod": "[Pod]\nPublishPort=8080:80\n",
    "app-web.container": `[Container]\nImage=${IMAGE}\nPod=app.pod\n`,
    "app-db.container": `[Container]\nImage=${IMAGE}\nPod=app.pod\n`,
  };
  assert.deepEqual(
    changed({ "app-web.container": `[Container]\nImage=${IMAGE}:2\nPod=app.pod\n` }, pod),
    { stop: [], start: [], restart: ["app-web.service"] },
  );
  assert.deepEqual(changed({ "app.pod": "[Pod]\nPublishPort=8081:80\n" }, pod), {
    stop: [],
    start: [],
    restart: ["app-pod.service", "app-db.service", "app-web.service"],
  });
});

Deno.test("ServiceName= names the unit that restarts", () => {
  const base = { "web.container": `[Container]\nImage=${IMAGE}\nServiceName=frontend\n` };
  assert.deepEqual(
    changed({ "web.container": `[Container]\nImage=${IMAGE}:2\nServiceName=frontend\n` }, base).restart,
    [
      "frontend.service",
    ],
  );
});

Deno.test("fileChanges sorts added, removed and changed names", () => {
  assert.deepEqual(
    fileChanges(set({ a: "1", b: "2", c: "3" }), set({ b: "2", c: "x", d: "4", a0: "5" })),
    { added: ["a0", "d"], removed: ["a"], changed: ["c"] },
  );
});

Deno.test("a changed Containerfile rebuilds: the .build that names it restarts, then the containers on its image", () => {
  const base = {
    "app.build": "[Build]\nImageTag=localhost/app\nFile=Containerfile\n",
    "app.container": "[Container]\nImage=app.build\n",
    "Containerfile": "FROM alpine\n",
    "other.container": `[Container]\nImage=${IMAGE}\n`,
  };
  assert.deepEqual(changed({ Containerfile: "FROM alpine\nRUN true\n" }, base).restart, [
    "app-build.service",
    "app.service",
  ]);
});

Deno.test("a build whose context is the set's folder rebuilds when any file of the set changes", () => {
  const base = {
    "app.build": "[Build]\nImageTag=localhost/app\nFile=Containerfile\nSetWorkingDirectory=unit\n",
    "app.container": "[Container]\nImage=app.build\n",
    "Containerfile": "FROM alpine\nCOPY site/ /www/\n",
    "site/index.html": "one\n",
  };
  assert.deepEqual(changed({ "site/index.html": "two\n" }, base).restart, ["app-build.service", "app.service"]);
  // Without the folder as context, a file the build does not name changes nothing.
  const elsewhere = { ...base, "app.build": "[Build]\nImageTag=localhost/app\nFile=Containerfile\n" };
  assert.deepEqual(changed({ "site/index.html": "two\n" }, elsewhere).restart, []);
});
