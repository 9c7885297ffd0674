import { forTerminal } from "../../core/escape.ts";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bench, NGINX, repoWith } from "../../../tests/fakes/fake_host_fixtures.ts";
import type { LegerError } from "../../core/errors.ts";
import { readManifest } from "../../state/manifest.ts";
import { diff, type DiffResult, formatDiff, summarize } from "./diff.ts";
import { install, stage } from "../../../tests/helpers/ops.ts";

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), "../../../tests/golden/diff");
const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";
const FAST = { healthTimeoutMs: 5_000 };
const NGINX_NEXT = "docker.io/library/nginx:1.28";

/** Compares text with a golden file (UPDATE_GOLDEN=1 rewrites it). */
async function golden(name: string, actual: string): Promise<void> {
  const path = join(GOLDEN, name);
  if (UPDATE) {
    await Deno.mkdir(GOLDEN, { recursive: true });
    await Deno.writeTextFile(path, actual);
    return;
  }
  const expected = await Deno.readTextFile(path).catch(() => {
    throw new Error(`golden file ${path} is missing: run with UPDATE_GOLDEN=1 to write it`);
  });
  assert.equal(actual, expected, `differs from ${path} (UPDATE_GOLDEN=1 rewrites it after a deliberate change)`);
}

const V1 = {
  "web.container": `[Unit]
Description=Web server

[Container]
Image=${NGINX}
Volume=web-data.volume:/usr/share/nginx/html
Volume=web-logs:/var/log/nginx
Environment=MODE=production
PublishPort=8080:80

[Install]
WantedBy=default.target
`,
  "web-data.volume": "[Volume]\n",
  "cron.container": `[Container]\nImage=${NGINX}\nExec=sleep infinity\n`,
  ".leger.yaml": "version: 1.0.0\n",
};

/** v2: new image, a new env var, a new port, a declared secret, the web-logs volume gone, cron gone, worker new. */
const V2 = {
  "web.container": `[Unit]
Description=Web server

[Container]
Image=${NGINX_NEXT}
Volume=web-data.volume:/usr/share/nginx/html
Environment=MODE=production LOG_LEVEL=info
Secret=web-api-key,type=env,target=API_KEY
PublishPort=8080:80
PublishPort=8443:443

[Install]
WantedBy=default.target
`,
  "web-data.volume": "[Volume]\n",
  "cron.container": null,
  "worker.container": `[Container]\nImage=${NGINX_NEXT}\nExec=sleep infinity\n`,
  ".leger.yaml": "version: 2.0.0\nsecrets:\n  - name: leger/web/api-key\n    podman-secret: web-api-key\n",
};

/** Installs V1, stages V2; returns the diff with commits and temporary paths replaced by stable names. */
async function stagedDiff(options: { handEdit?: boolean } = {}) {
  const b = await bench({ backend: "files", images: [NGINX, NGINX_NEXT] });
  const { url, ids } = await repoWith(b.host, [{ folder: "web", files: V1, tag: "v1" }, {
    folder: "web",
    files: V2,
    tag: "v2",
  }]);
  await install(b.engine, `${url}#v1:apps/web`, FAST);
  b.host.addSecret("web-api-key", "s3cret");
  const [r] = await stage(b.engine, "web", { ref: "v2" });
  assert.equal(r?.changed, true);
  if (options.handEdit) {
    const m = (await readManifest(b.engine.paths, "web"))!;
    const path = m.files.find((f) => f.name === "web-data.volume")!.path;
    await Deno.writeTextFile(path, "[Volume]\nLabel=edited=by-hand\n");
  }
  const d = await diff(b.engine, "web");
  const stable = (text: string) =>
    text.replaceAll(ids[0]!, "<commit-v1>").replaceAll(ids[0]!.slice(0, 12), "<v1>")
      .replaceAll(ids[1]!, "<commit-v2>").replaceAll(ids[1]!.slice(0, 12), "<v2>")
      .replaceAll(b.host.root, "<root>");
  return { b, d, stable, ids };
}

Deno.test("diff v1 -> v2 shows each file's changes and a summary a person can act on (golden)", async () => {
  const { b, d, stable, ids } = await stagedDiff();
  try {
    assert.deepEqual(d.from, { commit: ids[0], version: "1.0.0" });
    assert.deepEqual(d.to, { commit: ids[1], version: "2.0.0" });
    assert.deepEqual(d.files.map((f) => [f.name, f.status]), [
      [".leger.yaml", "changed"],
      ["cron.container", "removed"],
      ["web.container", "changed"],
      ["worker.container", "added"],
    ]);
    const s = d.summary;
    assert.deepEqual(s.images, [
      { file: "cron.container", from: NGINX },
      { file: "web.container", from: NGINX, to: NGINX_NEXT },
      { file: "worker.container", to: NGINX_NEXT },
    ]);
    assert.deepEqual([s.portsAdded, s.portsRemoved], [["8443:443"], []]);
    assert.deepEqual([s.envAdded, s.envRemoved, s.envChanged], [["web.container: LOG_LEVEL"], [], []]);
    assert.deepEqual([s.secretsAdded, s.secretsRemoved], [["web-api-key (setec leger/web/api-key)"], []]);
    assert.deepEqual([s.volumesAdded, s.volumesRemoved], [[], ["web-logs"]]);
    assert.deepEqual(s.units, { stop: ["cron.service"], start: ["worker.service"], restart: ["web.service"] });
    assert.deepEqual(d.drift, []);
    const text = formatDiff(d);
    assert.match(text, /^web: version 1\.0\.0 [0-9a-f]{12} -> version 2\.0\.0 [0-9a-f]{12}\n/);
    assert.ok(!text.includes("\x1b["), "no color unless asked");
    await golden("v1_to_v2.txt", stable(text) + "\n");
    await golden("v1_to_v2.json", stable(JSON.stringify(d, null, 2)) + "\n");
  } finally {
    await b.cleanup();
  }
});

Deno.test("diff shows installed files edited by hand and warns that apply refuses them (golden)", async () => {
  const { b, d, stable } = await stagedDiff({ handEdit: true });
  try {
    assert.deepEqual(d.drift.map((x) => [x.name, x.change]), [["web-data.volume", "changed"]]);
    const text = formatDiff(d);
    assert.match(text, /Installed files changed by hand \(apply refuses without --overwrite-edits/);
    await golden("hand_edit.txt", stable(text) + "\n");
  } finally {
    await b.cleanup();
  }
});

Deno.test("diff --color colors added, removed and hunk lines", async () => {
  const { b, d } = await stagedDiff();
  try {
    // What the terminal gets: the printer turns leger's style marks into color.
    const text = forTerminal(formatDiff(d, { color: true }), true);
    const ESC = "\x1b";
    const lines = text.split("\n");
    assert.ok(lines.includes(`${ESC}[32m+Image=${NGINX_NEXT}${ESC}[0m`), "added lines are green");
    assert.ok(lines.includes(`${ESC}[31m-Image=${NGINX}${ESC}[0m`), "removed lines are red");
    assert.ok(lines.some((l) => l.startsWith(`${ESC}[36m@@ -`) && l.endsWith(`@@${ESC}[0m`)), "hunk headers are cyan");
    assert.ok(lines.includes(`${ESC}[1m+++ b/web.container${ESC}[0m`), "file headers are bold");
  } finally {
    await b.cleanup();
  }
});

Deno.test("diff of a set with nothing staged says to stage it first", async () => {
  const b = await bench({ backend: "files" });
  try {
    const { url } = await repoWith(b.host, [{ folder: "web", files: V1 }]);
    await install(b.engine, `${url}#main:apps/web`, FAST);
    await assert.rejects(diff(b.engine, "web"), (e: LegerError) => {
      assert.equal(e.message, "Cannot diff web: nothing is staged for it");
      assert.equal(e.hint, "Run leger stage web first.");
      return true;
    });
  } finally {
    await b.cleanup();
  }
});

Deno.test("the summary reads environment files and drop-ins, and says when nothing that matters changed", () => {
  const web = `[Container]\nImage=${NGINX}\nEnvironmentFile=web.env\n`;
  const s = summarize(
    [{ name: "web.container", text: web }, { name: "web.env", text: "MODE=one\nOLD=1\n" }],
    [
      { name: "web.container", text: web },
      { name: "web.env", text: "# comment\nMODE=two\nNEW=1\n" },
      { name: "web.container.d/10-port.conf", text: "[Container]\nPublishPort=9090:90\nEnvironment=FROM_DROPIN=1\n" },
    ],
  );
  assert.deepEqual(s.envAdded, ["web.container: FROM_DROPIN", "web.env: NEW"]);
  assert.deepEqual(s.envRemoved, ["web.env: OLD"]);
  assert.deepEqual(s.envChanged, ["web.env: MODE"]);
  assert.deepEqual(s.portsAdded, ["9090:90"]);
  assert.deepEqual(s.units.restart, ["web.service"]);

  const nothing: DiffResult = {
    name: "web",
    from: {},
    to: {},
    files: [],
    summary: summarize([{ name: "web.container", text: web }], [{ name: "web.container", text: web }]),
    drift: [],
  };
  assert.equal(
    formatDiff(nothing),
    "web: (local files) -> (local files)\n\n\nSummary:\n  no change to images, ports, environment, secrets, volumes, risks or units",
  );
});

Deno.test("a summary names a handful per kind and counts the rest; the data (--json) keeps every item", () => {
  const web = `[Container]\nImage=${NGINX}\nEnvironmentFile=web.env\n`;
  const env = (v: string) => Array.from({ length: 20_000 }, (_, i) => `K${i + 1}=${v}\n`).join("");
  const drift = Array.from(
    { length: 9 },
    (_, i) => ({ name: `f${i}.conf`, path: `/q/f${i}.conf`, change: "changed" as const }),
  );
  const d: DiffResult = {
    name: "web",
    from: {},
    to: {},
    files: [],
    summary: summarize(
      [{ name: "web.container", text: web }, { name: "web.env", text: env("v") }],
      [{ name: "web.container", text: web }, { name: "web.env", text: env("w") }],
    ),
    drift,
  };
  assert.equal(d.summary.envChanged.length, 20_000, "every changed key is in the data");
  const text = formatDiff(d);
  const line = text.split("\n").find((l) => l.startsWith("  environment changed: "));
  assert.equal(
    line,
    "  environment changed: web.env: K1, web.env: K2, web.env: K3, web.env: K4, web.env: K5, web.env: K6 … and 19,994 more",
  );
  for (const l of text.split("\n")) assert.ok(l.length < 200, `a line of ${l.length} characters`);
  assert.match(text, /^ {2}f5\.conf: changed\n {2}… and 3 more$/m);
});
