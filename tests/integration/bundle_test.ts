/**
 * leger as one self-contained file: `deno bundle main.ts` gives the module
 * graph the compiled binary carries, and the file is run from an empty
 * folder with the source tree unreadable (`--deny-read` on it), against the
 * fake host: --help, --version, validate, run of every built-in workflow,
 * run of a user workflow that imports types from "leger", and the daemon's
 * start-up. What passes here needs nothing from the source tree at run
 * time, which is what `deno compile` needs too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, repoWith, WEB_SET } from "../fakes/fake_host_fixtures.ts";
import { startSetecStandIn } from "../fakes/setec/server.ts";
import { BUILTIN_WORKFLOWS } from "../../commands/builtin_workflows.ts";
import { runDeno } from "./cli_run.ts";
import { WORKFLOW_TYPES } from "../../lib/workflow/declarations.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const opts = { sanitizeOps: false, sanitizeResources: false };

let bundled: Promise<string> | undefined;

/** Bundles main.ts once into an empty folder outside the project; returns the folder. */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "leger-bundle-" });
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "deno", "-o", join(dir, "leger.js"), join(ROOT, "main.ts")],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return dir;
  })();
  return bundled;
}

/** Runs the bundle from its folder, forbidden to read the source tree. */
function leger(dir: string, env: Record<string, string>, ...args: string[]) {
  return runDeno(
    ["run", "-A", `--deny-read=${ROOT}`, "--no-config", "--no-lock", "--quiet", join(dir, "leger.js"), ...args],
    { ...env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    dir,
  );
}

/**
 * The fake host's environment, with its tools reached through a folder
 * outside the project: the bundle may not even look into the source tree.
 */
async function fakeHostEnv(env: Record<string, string>): Promise<Record<string, string>> {
  const bin = await Deno.makeTempDir({ prefix: "leger-bundle-bin-" });
  for (const tool of ["podman", "systemctl", "journalctl"]) {
    await Deno.writeTextFile(join(bin, tool), `#!/bin/sh\nexec "${ROOT}/tests/fakes/bin/${tool}" "$@"\n`, {
      mode: 0o755,
    });
  }
  return { ...env, PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}` };
}

const plainEnv = () => ({ HOME: "/tmp", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" });

Deno.test({
  name: "the bundle is one file and answers --help and --version from an empty folder",
  ...opts,
  fn: async () => {
    const dir = await bundle();
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["leger.js"]);
    const version = await leger(dir, plainEnv(), "--version");
    assert.equal(version.code, 0, version.stderr);
    const denoJson = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
    assert.equal(version.stdout.trim(), denoJson.version);
    const help = await leger(dir, plainEnv(), "--help");
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Examples:\n/);
    assert.match(help.stdout, /completion/);
  },
});

Deno.test({
  name: "the bundle validates a set: a good one passes, a broken one exits 3",
  ...opts,
  fn: async () => {
    const dir = await bundle();
    const work = await Deno.makeTempDir();
    for (const [name, text] of Object.entries(WEB_SET)) await Deno.writeTextFile(join(work, name), text);
    const ok = await leger(dir, plainEnv(), "validate", "--no-host", work);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    await Deno.writeTextFile(join(work, "web.container"), "[Container]\nImag=nginx\n");
    const bad = await leger(dir, plainEnv(), "--json", "validate", "--no-host", work);
    assert.equal(bad.code, 3, bad.stderr);
    assert.ok(JSON.parse(bad.stdout).diagnostics.some((d: { code: string }) => d.code === "key/unknown"));
    await Deno.remove(work, { recursive: true });
  },
});

Deno.test({
  name: "the bundle runs every built-in workflow and a user workflow that imports types from leger",
  ...opts,
  fn: async () => {
    const dir = await bundle();
    const b = await bench({ backend: "files" });
    try {
      const env = await fakeHostEnv({
        ...b.host.env(),
        DENO_DIR: Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME")!, ".cache/deno"),
      });
      const { url } = await repoWith(b.host, [{ folder: "web", files: WEB_SET }]);
      const ran = new Set<string>();
      const install = await leger(dir, env, "--backend", "files", "run", "install", `${url}#main:apps/web`);
      assert.equal(install.code, 0, install.stdout + install.stderr);
      ran.add("install");
      const backup = await leger(dir, env, "--json", "run", "backup", "web");
      assert.equal(backup.code, 0, backup.stderr);
      assert.match(backup.stdout, /"name": "web"/);
      ran.add("backup");
      const update = await leger(dir, env, "--yes", "run", "update", "web");
      assert.equal(update.code, 0, update.stdout + update.stderr);
      ran.add("update");
      assert.deepEqual([...ran].sort(), Object.keys(BUILTIN_WORKFLOWS).sort(), "a built-in workflow was not run");
      // eject copies a built-in's source, carried inside the bundle.
      const eject = await leger(dir, env, "workflow", "eject", "update");
      assert.equal(eject.code, 0, eject.stderr);
      const ejected = await Deno.readTextFile(join(env.LEGER_CONFIG_DIR!, "workflows/update.ts"));
      assert.match(ejected, /from "leger"/);
      assert.match(ejected, /export default async function/);
      // ...and the workflow API's declarations beside it, also carried inside (the source tree is unreadable here).
      const types = await Deno.readTextFile(join(env.LEGER_CONFIG_DIR!, "workflows/leger.d.ts"));
      assert.equal(types, WORKFLOW_TYPES);

      const flow = join(dir, "count.ts");
      await Deno.writeTextFile(
        flow,
        `import type { WorkflowContext } from "leger";
export const description = "count the sets";
export default async function ({ leger, log }: WorkflowContext) {
  const sets = await leger.list();
  log.print(\`sets: \${sets.map((s) => s.name).join(",")}\`);
}
`,
      );
      const user = await leger(dir, env, "run", flow);
      assert.equal(user.code, 0, user.stderr);
      assert.equal(user.stdout.trim(), "sets: web");
    } finally {
      await b.cleanup();
    }
  },
});

Deno.test({
  name: "the bundle starts the daemon against Setec and stops on SIGTERM",
  ...opts,
  fn: async () => {
    const dir = await bundle();
    const b = await bench({ backend: "files" });
    const setec = await startSetecStandIn();
    try {
      const env = await fakeHostEnv(b.host.env());
      await Deno.mkdir(env.LEGER_CONFIG_DIR!, { recursive: true });
      await Deno.writeTextFile(
        join(env.LEGER_CONFIG_DIR!, "config.yaml"),
        `daemon:\n  setec-server: ${setec.url}\n  poll-interval: 1h\n`,
      );
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `--deny-read=${ROOT}`,
          "--no-config",
          "--no-lock",
          "--quiet",
          join(dir, "leger.js"),
          "daemon",
        ],
        cwd: dir,
        env: { ...env, NO_COLOR: "1" },
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      const deadline = Date.now() + 30_000;
      while (!/leger daemon started/.test(seen) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
      assert.match(
        seen,
        new RegExp(`leger daemon started \\(pid \\d+\\), polling ${setec.url.replaceAll(".", "\\.")}`),
      );
      child.kill("SIGTERM");
      reader.releaseLock();
      await child.stderr.cancel().catch(() => {});
      await child.stdout.cancel().catch(() => {});
      const status = await child.status;
      assert.equal(status.code, 0);
    } finally {
      await setec.close();
      await b.cleanup();
    }
  },
});
