import assert from "node:assert/strict";
import { type Bench, bench, NGINX, repoWith } from "../../../../tests/fakes/fake_host_fixtures.ts";
import type { LegerError } from "../../../core/errors.ts";
import { readManifest } from "../../../state/manifest.ts";
import { apply, install, stage } from "../../../../tests/helpers/ops.ts";
import { neededImages } from "./plan.ts";

const FAST = { healthTimeoutMs: 5_000 };
const NEW = "docker.io/library/caddy:2";
const V1 = { "web.container": `[Container]\nImage=${NGINX}\n`, "worker.container": `[Container]\nImage=${NGINX}\n` };

async function installedWith(b: Bench, v2: Record<string, string>) {
  const { url } = await repoWith(b.host, [
    { folder: "web", files: V1, tag: "v1" },
    { folder: "web", files: v2, tag: "v2" },
  ]);
  await install(b.engine, `${url}#v1:apps/web`, FAST);
  await stage(b.engine, "web", { ref: "v2" });
}

/** The podman and systemctl calls from `from` on, as lines. */
function callsFrom(b: Bench, from: number): string[] {
  return b.host.calls.slice(from).filter((c) => c.tool === "podman" || c.tool === "systemctl").map((c) =>
    `${c.tool} ${c.args.join(" ")}`
  );
}

Deno.test("apply pulls a new image before anything stops, with progress, the name after `--`", async () => {
  const b = await bench({ backend: "files", registry: [NEW] });
  try {
    await installedWith(b, { ...V1, "web.container": `[Container]\nImage=${NEW}\n` });
    const from = b.host.calls.length;
    const [r] = await apply(b.engine, "web", FAST);
    assert.equal(r!.outcome, "applied");
    const calls = callsFrom(b, from);
    const pull = calls.indexOf(`podman pull --quiet -- ${NEW}`);
    const firstStop = calls.findIndex((c) => /^systemctl .*(stop|restart) /.test(c));
    assert.ok(pull >= 0, calls.join("\n"));
    assert.ok(firstStop > pull, `pulled before the first stop:\n${calls.join("\n")}`);
    assert.equal(calls.filter((c) => c.startsWith("podman pull")).length, 1, "NGINX is present: not pulled");
    const reports = b.log.progressed.filter((u) => u.task === `pull ${NEW}`);
    assert.ok(reports.at(-1)?.finished, JSON.stringify(b.log.progressed));
    assert.ok(b.log.text().includes(`Pulling ${NEW} (for web.container) before anything stops`));
  } finally {
    await b.cleanup();
  }
});

Deno.test("a pull that fails stops the apply before anything is stopped or changed, and says what to do", async () => {
  const b = await bench({ backend: "files" }); // the registry has no caddy
  try {
    await installedWith(b, { ...V1, "web.container": `[Container]\nImage=${NEW}\n` });
    const started = b.host.unit("web.service");
    const from = b.host.calls.length;
    await assert.rejects(apply(b.engine, "web", FAST), (e: LegerError) => {
      assert.match(e.message, /^Cannot apply web: Cannot pull docker\.io\/library\/caddy:2: .*connection refused/);
      assert.match(e.hint ?? "", /Nothing was stopped or changed\. Check the image name in web\.container/);
      return true;
    });
    const calls = callsFrom(b, from);
    assert.deepEqual(calls.filter((c) => c.startsWith("systemctl") && !/ show /.test(c)), [], calls.join("\n"));
    assert.equal(b.host.unit("web.service").active, "active");
    assert.equal(b.host.unit("web.service").nRestarts, started.nRestarts);
    assert.equal((await readManifest(b.engine.paths, "web"))!.source.ref, "v1");
  } finally {
    await b.cleanup();
  }
});

Deno.test("Pull=never is never pulled; an image another unit pulls, or with options leger would have to copy, neither", async () => {
  const b = await bench({ backend: "files", registry: [NEW] });
  try {
    const v2 = {
      ...V1,
      "web.container": `[Container]\nImage=${NEW}\nPull=never\n`,
      "worker.container": `[Container]\nImage=caddy.image\n`,
      "caddy.image": `[Image]\nImage=${NEW}\nTLSVerify=false\n`,
    };
    await installedWith(b, v2);
    const from = b.host.calls.length;
    // web cannot start without its image (Pull=never, as podman): the apply rolls back, having pulled nothing.
    await assert.rejects(apply(b.engine, "web", FAST), (e: LegerError) => /did not come up/.test(e.message));
    assert.deepEqual(callsFrom(b, from).filter((c) => c.startsWith("podman pull")), []);
  } finally {
    await b.cleanup();
  }
});

Deno.test("the images a version's units pull at start follow podman's pull policies", () => {
  const f = (name: string, text: string) => ({ name, text, bytes: new TextEncoder().encode(text) });
  const needed = neededImages([
    f("a.container", "[Container]\nImage=docker.io/library/a:1\n"),
    f("b.container", "[Container]\nImage=docker.io/library/a:1\nPull=always\n"),
    f("c.container", "[Container]\nImage=docker.io/library/c:1\nPull=never\n"),
    f("c.container.d/10-pull.conf", "[Container]\nPull=missing\n"), // a drop-in may change the policy
    f("d.container", "[Container]\nImage=d.image\n"),
    f("d.image", "[Image]\nImage=docker.io/library/d:1\n"),
    f("e.image", "[Image]\nImage=docker.io/library/e:1\nPolicy=never\n"),
    f("g.image", "[Image]\nImage=docker.io/library/g:1\nCreds=me:secret\n"),
    f("h.container", "[Container]\nImage=docker.io/library/h:1\nGlobalArgs=--root /srv/other\n"),
    f("t@.container", "[Container]\nImage=docker.io/library/t:%i\n"),
    f("r.container", "[Container]\nRootfs=/srv/rootfs\n"),
    f("s.container", "[Container]\nImage=docker.io/library/s:1\n[Service]\nEnvironment=REGISTRY_AUTH_FILE=/x\n"),
    f("u.container", "[Container]\nImage=docker.io/library/u:1\nPodmanArgs=--pull=never\n"),
  ]);
  assert.deepEqual(needed, [
    { image: "docker.io/library/a:1", units: ["a.container", "b.container"] },
    { image: "docker.io/library/c:1", units: ["c.container"] },
    { image: "docker.io/library/d:1", units: ["d.image"] },
  ]);
});
